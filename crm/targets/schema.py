"""Enrolment target queries and mutations."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

import strawberry

from crm.enums import Region, TargetScope
from crm.errors import DomainError, ErrorCode, FieldError, RequestError
from crm.graphql.context import Info
from crm.graphql.payloads import UserError, mutate, provided
from crm.graphql.relay import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, to_connection
from crm.ids import pk_of
from crm.targets import service
from crm.targets.service import MAX_BULK_ITEMS
from crm.targets.types import EnrolmentTargetType, TargetLeaderboardEntryType

_SCOPE_TYPE = {TargetScope.STORE: "Store", TargetScope.STAFF: "Staff", TargetScope.DEALER: "Dealer"}


@strawberry.input(description="A month's enrolment target for one store, staff member, dealer or region.")
class TargetSetInput:
    month: str = strawberry.field(description="The month, YYYY-MM; from 2000-01 up to 24 months ahead.")
    scope: TargetScope = strawberry.field(description="What the target applies to.")
    scope_id: strawberry.ID | None = strawberry.field(
        default=None, description="ID of the Store, Staff or Dealer (not for REGION)."
    )
    region: Region | None = strawberry.field(default=None, description="The region (REGION only).")
    target_count: int = strawberry.field(description="Members to enrol, 0 to 1000000.")


@strawberry.enum(description="What a bulk target applies to (a region's own target is set with targetSet).")
class TargetBulkScope(enum.Enum):
    STORE = "STORE"
    STAFF = "STAFF"
    DEALER = "DEALER"


@strawberry.input(description="One store's, staff member's or dealer's target in a bulk set.")
class TargetBulkItemInput:
    scope_id: strawberry.ID = strawberry.field(description="ID of the Store, Staff or Dealer (as the scope says).")
    target_count: int = strawberry.field(description="Members to enrol, 0 to 1000000.")


@strawberry.input(
    description="One month's targets for many stores, staff members or dealers at once. Give either `region`"
    " and `targetCount` (the same count for every active store, staff member working at one, or dealer of the"
    " region in your scope) or `items`; any problem refuses the whole set."
)
class TargetSetBulkInput:
    month: str = strawberry.field(description="The month, YYYY-MM; from 2000-01 up to 24 months ahead.")
    scope: TargetBulkScope = strawberry.field(description="What the targets apply to.")
    region: Region | None = strawberry.field(
        default=None, description="Set `targetCount` for every one of this region (with targetCount, not items)."
    )
    target_count: int | None = strawberry.field(
        default=None, description="The count for every one of the region, 0 to 1000000 (with region, not items)."
    )
    items: list[TargetBulkItemInput] | None = strawberry.field(
        default=None,
        description=f"Targets one by one, 1 to {MAX_BULK_ITEMS} (not with region); errors name the item"
        " (items.<index>.scopeId).",
    )


@strawberry.type(description="Result of setting many targets at once.")
class TargetBulkPayload:
    targets: list[EnrolmentTargetType] | None = strawberry.field(
        description="Every target as saved, in the order asked for; null when refused."
    )
    created_count: int | None = strawberry.field(description="How many targets were new; null when refused.")
    updated_count: int | None = strawberry.field(
        description="How many targets existed and were replaced; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused (nothing was written); empty on success."
    )


@strawberry.type(description="Result of setting a target.")
class TargetPayload:
    target: EnrolmentTargetType | None = strawberry.field(description="The target as saved; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused; empty on success.")


def _target_data(data: dict[str, object]) -> dict[str, object]:
    scope_id = data.get("scope_id")
    type_name = _SCOPE_TYPE.get(TargetScope(str(data["scope"])))
    if scope_id is not None and type_name is not None:
        try:
            data["scope_id"] = pk_of(str(scope_id), type_name)
        except RequestError as exc:
            raise DomainError.one("scope_id", str(exc), ErrorCode.INVALID_ID) from exc
    return data


def _bulk_data(data: dict[str, object]) -> dict[str, object]:
    """Decode the items' IDs; every bad one is reported with its index, and nothing is written."""
    scope = TargetScope(str(getattr(data["scope"], "value", data["scope"])))
    data["scope"] = scope
    items = data.get("items")
    if not isinstance(items, list) or len(items) > MAX_BULK_ITEMS:
        return data  # the service refuses too many items before looking at any
    type_name = _SCOPE_TYPE[scope]
    decoded, errors = [], []
    for i, item in enumerate(items):
        try:
            scope_id: int | None = pk_of(str(item.scope_id), type_name)
        except RequestError as exc:
            errors.append(FieldError(f"items.{i}.scope_id", str(exc), ErrorCode.INVALID_ID))
            scope_id = None
        decoded.append({"scope_id": scope_id, "target_count": item.target_count})
    if errors:
        raise DomainError(errors)
    data["items"] = decoded
    return data


def _month_argument(month: str) -> dt.date:
    try:
        return service.parse_month(month)
    except DomainError as exc:
        raise RequestError(str(exc), "INVALID_ARGUMENT") from exc


@strawberry.type
class Query:
    @strawberry.field(description="A month's enrolment targets with progress, by scope, a page at a time.")
    async def enrolment_targets(
        self,
        info: Info,
        month: Annotated[str, strawberry.argument(description="The month, YYYY-MM.")],
        scope: Annotated[TargetScope | None, strawberry.argument(description="Only this scope.")] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[EnrolmentTargetType]:
        flt = service.TargetFilter(month=_month_argument(month), scope=scope)
        page = await service.list_targets(info.context.session, info.context.signed_in, flt, first=first, after=after)
        return to_connection(page, EnrolmentTargetType.from_row)

    @strawberry.field(
        description="A month's targets of one scope in your scope, ranked by progress (enrolled / target), then"
        " by members enrolled; targets of 0 come last. A page at a time."
    )
    async def target_leaderboard(
        self,
        info: Info,
        month: Annotated[str, strawberry.argument(description="The month, YYYY-MM.")],
        scope: Annotated[TargetScope, strawberry.argument(description="Which targets to rank against each other.")],
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[TargetLeaderboardEntryType]:
        start = _month_argument(month)
        page = await service.leaderboard(
            info.context.session, info.context.signed_in, start, scope, first=first, after=after
        )
        enrolled = info.context.loaders.enrolled_by_target
        for row in page.rows:
            # The ranking counted them already: the entries' progress fields cost no further statement.
            enrolled.prime((row.scope, row.month, row.scope_key), row.enrolled)
        return to_connection(
            page, lambda row: TargetLeaderboardEntryType(rank=row.rank, target=EnrolmentTargetType.from_row(row))
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Set (create or replace) a month's enrolment target for one scope.")
    async def target_set(
        self,
        info: Info,
        input_: Annotated[TargetSetInput, strawberry.argument(name="input", description="The target.")],
    ) -> TargetPayload:
        target, errors = await mutate(
            info, lambda s, actor: service.set_target(s, actor, _target_data(provided(input_)))
        )
        return TargetPayload(target=EnrolmentTargetType.from_row(target) if target else None, user_errors=errors)

    @strawberry.mutation(
        description="Set (create or replace) one month's targets for many stores, staff members or dealers at"
        f" once: a region's with one count, or up to {MAX_BULK_ITEMS} listed. All or nothing; audited."
    )
    async def target_set_bulk(
        self,
        info: Info,
        input_: Annotated[TargetSetBulkInput, strawberry.argument(name="input", description="The targets.")],
    ) -> TargetBulkPayload:
        result, errors = await mutate(
            info, lambda s, actor: service.set_targets_bulk(s, actor, _bulk_data(provided(input_)))
        )
        if result is None:
            return TargetBulkPayload(targets=None, created_count=None, updated_count=None, user_errors=errors)
        return TargetBulkPayload(
            targets=[EnrolmentTargetType.from_row(r) for r in result.targets],
            created_count=result.created,
            updated_count=result.updated,
            user_errors=errors,
        )

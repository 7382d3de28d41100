"""Enrolment target queries and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry

from crm.enums import Region, TargetScope
from crm.errors import DomainError, ErrorCode, RequestError
from crm.graphql.context import Info
from crm.graphql.payloads import UserError, mutate, provided
from crm.graphql.relay import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, to_connection
from crm.ids import pk_of
from crm.targets import service
from crm.targets.types import EnrolmentTargetType

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
        try:
            start = service.parse_month(month)
        except DomainError as exc:
            raise RequestError(str(exc), "INVALID_ARGUMENT") from exc
        flt = service.TargetFilter(month=start, scope=scope)
        page = await service.list_targets(info.context.session, info.context.signed_in, flt, first=first, after=after)
        return to_connection(page, EnrolmentTargetType.from_row)


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

"""Visit queries and mutations."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Annotated

import strawberry

from crm.enums import DealerVisitPurpose, VisitKind
from crm.graphql.context import Info
from crm.graphql.payloads import UserError, decode_ids, mutate_once, provided
from crm.graphql.relay import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, to_connection
from crm.ids import pk_of
from crm.visits import service
from crm.visits.models import Visit
from crm.visits.types import VisitType


@strawberry.input(description="Filters for the visit list; all given filters must match.")
class VisitFilter:
    kind: VisitKind | None = strawberry.field(default=None, description="Member or dealer visits.")
    member_id: strawberry.ID | None = strawberry.field(default=None, description="Visiting member.")
    store_id: strawberry.ID | None = strawberry.field(default=None, description="Store visited.")
    dealer_id: strawberry.ID | None = strawberry.field(default=None, description="Visiting dealer.")
    purpose: DealerVisitPurpose | None = strawberry.field(default=None, description="Dealer visit purpose.")
    visited_from: dt.date | None = strawberry.field(default=None, description="On or after this day (Asia/Shanghai).")
    visited_to: dt.date | None = strawberry.field(default=None, description="On or before this day (Asia/Shanghai).")


@strawberry.input(description="A garment bought during a visit.")
class VisitItemInput:
    name: str = strawberry.field(description="Product name, at most 100 characters.")
    sku: str | None = strawberry.field(default=None, description="Stock-keeping unit, at most 40 characters.")
    quantity: int = strawberry.field(default=1, description="Pieces, 1 to 1000.")
    amount: decimal.Decimal | None = strawberry.field(default=None, description="Amount for the line, CNY.")


@strawberry.input(
    description="A visit: give memberId for a member's store visit, or dealerId and purpose for a showroom visit."
)
class VisitRecordInput:
    member_id: strawberry.ID | None = strawberry.field(default=None, description="The visiting member.")
    dealer_id: strawberry.ID | None = strawberry.field(default=None, description="The visiting dealer.")
    store_id: strawberry.ID | None = strawberry.field(
        default=None, description="Store visited (default: the member's home store)."
    )
    visited_at: dt.datetime | None = strawberry.field(
        default=None, description="When (default now); not in the future."
    )
    purchase_amount: decimal.Decimal | None = strawberry.field(
        default=None, description="Total spent, CNY, not negative, two decimals at most (member visits)."
    )
    item_count: int | None = strawberry.field(
        default=None, description="Pieces bought (member visits; default: the sum of the items' quantities)."
    )
    items: list[VisitItemInput] | None = strawberry.field(default=None, description="At most 50 garments bought.")
    purpose: DealerVisitPurpose | None = strawberry.field(default=None, description="Why the dealer came.")
    quantity: int | None = strawberry.field(default=None, description="Pieces seen, ordered or returned (dealers).")
    recorded_by_id: strawberry.ID | None = strawberry.field(default=None, description="Staff member recording.")
    notes: str | None = strawberry.field(default=None, description="Notes, at most 2000 characters.")
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any unique string (e.g. a UUID) from a client that may retry: the same key with the same input"
        " writes once and returns the first result; with another input it gives IDEMPOTENCY_KEY_REUSED.",
    )


@strawberry.type(description="Result of recording a visit.")
class VisitPayload:
    visit: VisitType | None = strawberry.field(description="The visit as saved; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused; empty on success.")


def _filter(flt: VisitFilter | None) -> service.VisitFilter:
    if flt is None:
        return service.VisitFilter()
    return service.VisitFilter(
        kind=flt.kind,
        member_id=pk_of(flt.member_id, "Member") if flt.member_id else None,
        store_id=pk_of(flt.store_id, "Store") if flt.store_id else None,
        dealer_id=pk_of(flt.dealer_id, "Dealer") if flt.dealer_id else None,
        purpose=flt.purpose,
        visited_from=flt.visited_from,
        visited_to=flt.visited_to,
    )


def _visit_data(data: dict[str, object]) -> dict[str, object]:
    items = data.get("items")
    if isinstance(items, list):
        data["items"] = [vars(i).copy() for i in items]
    return decode_ids(
        data, {"member_id": "Member", "dealer_id": "Dealer", "store_id": "Store", "recorded_by_id": "Staff"}
    )


@strawberry.type
class Query:
    @strawberry.field(description="Visits, newest first, a page at a time.")
    async def visits(
        self,
        info: Info,
        filter: Annotated[VisitFilter | None, strawberry.argument(description="Filters.")] = None,  # noqa: A002
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[VisitType]:
        page = await service.list_visits(
            info.context.session, info.context.signed_in, _filter(filter), first=first, after=after
        )
        return to_connection(page, VisitType.from_row)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Record a member's store visit or a dealer's showroom visit.")
    async def visit_record(
        self,
        info: Info,
        input_: Annotated[VisitRecordInput, strawberry.argument(name="input", description="The visit.")],
    ) -> VisitPayload:
        data = provided(input_)
        key = data.pop("idempotency_key", None)
        visit, errors = await mutate_once(
            info,
            key,
            "visitRecord",
            dict(data),
            lambda s, actor: service.record(s, actor, _visit_data(data)),
            lambda s, pk: s.get(Visit, pk),
        )
        return VisitPayload(visit=VisitType.from_row(visit) if visit else None, user_errors=errors)

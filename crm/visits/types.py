"""GraphQL types for visits."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from crm.dealers.types import DealerType, StoreType
from crm.enums import DealerVisitPurpose, VisitKind
from crm.graphql.context import Info
from crm.graphql.relay import Node, load_one
from crm.ids import to_global_id
from crm.staff.types import StaffType

if TYPE_CHECKING:
    from crm.members.types import MemberType


@strawberry.type(description="A garment bought during a visit.")
class VisitItem:
    name: str = strawberry.field(description="Product name.")
    sku: str | None = strawberry.field(description="Stock-keeping unit (款號), if known.")
    quantity: int = strawberry.field(description="Pieces bought.")
    amount: decimal.Decimal | None = strawberry.field(description="Amount paid for the line, CNY.")


def _items(raw: list[dict[str, Any]] | None) -> list[VisitItem]:
    return [
        VisitItem(
            name=i["name"],
            sku=i.get("sku"),
            quantity=int(i.get("quantity") or 1),
            amount=decimal.Decimal(i["amount"]) if i.get("amount") is not None else None,
        )
        for i in raw or []
    ]


@strawberry.type(name="Visit", description="A member's visit to a store (進店) or a dealer's visit to the showroom.")
class VisitType(Node):
    pk: strawberry.Private[int]
    kind: VisitKind = strawberry.field(description="Member store visit or dealer showroom visit.")
    visited_at: dt.datetime = strawberry.field(description="When the visit happened (UTC).")
    purchase_amount: decimal.Decimal | None = strawberry.field(
        description="Total spent, CNY (member visits); null when nothing was recorded."
    )
    item_count: int = strawberry.field(description="Pieces bought (member visits).")
    items: list[VisitItem] = strawberry.field(description="Garments bought (member visits).")
    purpose: DealerVisitPurpose | None = strawberry.field(description="Why the dealer came (dealer visits).")
    quantity: int | None = strawberry.field(description="Pieces seen, ordered or returned (dealer visits).")
    notes: str | None = strawberry.field(description="Notes by staff.")
    member_id: strawberry.Private[int | None]
    dealer_id: strawberry.Private[int | None]
    store_id: strawberry.Private[int | None]
    recorded_by_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> VisitType:
        return cls(
            id=strawberry.ID(to_global_id("Visit", row.id)),
            pk=row.id,
            kind=row.kind,
            visited_at=row.visited_at,
            purchase_amount=row.purchase_amount,
            item_count=row.item_count,
            items=_items(row.items),
            purpose=row.purpose,
            quantity=row.quantity,
            notes=row.notes,
            member_id=row.member_id,
            dealer_id=row.dealer_id,
            store_id=row.store_id,
            recorded_by_id=row.recorded_by_id,
        )

    @strawberry.field(description="The visiting member (member visits).")
    async def member(self, info: Info) -> Annotated[MemberType, strawberry.lazy("crm.members.types")] | None:
        from crm.members.types import MemberType

        return await load_one(info.context.loaders.member_by_id, self.member_id, MemberType.from_row)

    @strawberry.field(description="The visiting dealer (dealer visits).")
    async def dealer(self, info: Info) -> DealerType | None:
        return await load_one(info.context.loaders.dealer_by_id, self.dealer_id, DealerType.from_row)

    @strawberry.field(description="Store visited (member visits) or where the dealer was received.")
    async def store(self, info: Info) -> StoreType | None:
        return await load_one(info.context.loaders.store_by_id, self.store_id, StoreType.from_row)

    @strawberry.field(description="Staff member who recorded the visit.")
    async def recorded_by(self, info: Info) -> StaffType | None:
        return await load_one(info.context.loaders.staff_by_id, self.recorded_by_id, StaffType.from_row)

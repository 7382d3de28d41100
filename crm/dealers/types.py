"""GraphQL types for dealers and stores."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from crm.enums import DealerTier, PaymentStanding, Region, StoreKind
from crm.errors import RequestError
from crm.graphql.context import Info
from crm.graphql.relay import Node, load_one
from crm.ids import to_global_id
from crm.staff.types import StaffType

if TYPE_CHECKING:
    from crm.callbacks.types import CallbackType
    from crm.feedback.types import FeedbackType
    from crm.members.types import MemberType
    from crm.timeline.types import TimelineConnection

MAX_STORE_MEMBERS = 50


@strawberry.type(name="Dealer", description="A franchisee company (經銷商/加盟商) with its stores.")
class DealerType(Node):
    pk: strawberry.Private[int]
    code: str = strawberry.field(description="Short unique code, e.g. D0001.")
    name: str = strawberry.field(description="Company name.")
    region: Region = strawberry.field(description="Sales region.")
    city: str = strawberry.field(description="City of the head office.")
    tier: DealerTier = strawberry.field(description="Importance to the brand.")
    contact_name: str | None = strawberry.field(description="Main contact person.")
    contact_phone: str | None = strawberry.field(description="Main contact's mobile number, E.164.")
    payment_standing: PaymentStanding = strawberry.field(description="How the dealer keeps up with payments.")
    personality: str | None = strawberry.field(description="Profile: the owner's personality (性格).")
    sales_profile: str | None = strawberry.field(description="Profile: sales situation (銷售情況).")
    concerns: str | None = strawberry.field(description="Profile: the dealer's concerns and feedback (反饋).")
    active: bool = strawberry.field(description="Whether the dealer still trades with the brand.")
    receptionist_id: strawberry.Private[int | None]
    sales_clerk_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> DealerType:
        return cls(
            id=strawberry.ID(to_global_id("Dealer", row.id)),
            pk=row.id,
            code=row.code,
            name=row.name,
            region=row.region,
            city=row.city,
            tier=row.tier,
            contact_name=row.contact_name,
            contact_phone=row.contact_phone,
            payment_standing=row.payment_standing,
            personality=row.personality,
            sales_profile=row.sales_profile,
            concerns=row.concerns,
            active=row.active,
            receptionist_id=row.receptionist_id,
            sales_clerk_id=row.sales_clerk_id,
        )

    @strawberry.field(description="Receptionist (客戶接待員) who looks after this dealer.")
    async def receptionist(self, info: Info) -> StaffType | None:
        return await load_one(info.context.loaders.staff_by_id, self.receptionist_id, StaffType.from_row)

    @strawberry.field(description="Sales clerk (銷售文員) who keeps in touch with this dealer.")
    async def sales_clerk(self, info: Info) -> StaffType | None:
        return await load_one(info.context.loaders.staff_by_id, self.sales_clerk_id, StaffType.from_row)

    @strawberry.field(description="The dealer's stores, by code.")
    async def stores(self, info: Info) -> list[StoreType]:
        rows = await info.context.loaders.stores_by_dealer.load(self.pk)
        return [StoreType.from_row(r) for r in rows]

    @strawberry.field(description="Open callbacks to this dealer, by due date.")
    async def open_callbacks(self, info: Info) -> list[Annotated[CallbackType, strawberry.lazy("crm.callbacks.types")]]:
        from crm.callbacks.types import CallbackType

        rows = await info.context.loaders.open_callbacks_by_dealer.load(self.pk)
        return [CallbackType.from_row(r) for r in rows]

    @strawberry.field(description="Feedback from this dealer that is not closed yet, newest first.")
    async def open_feedback(self, info: Info) -> list[Annotated[FeedbackType, strawberry.lazy("crm.feedback.types")]]:
        from crm.feedback.types import FeedbackType

        rows = await info.context.loaders.open_feedback_by_dealer.load(self.pk)
        return [FeedbackType.from_row(r) for r in rows]

    @strawberry.field(
        description="The dealer's history as one list, newest first: its stores opening, showroom visits, call"
        " attempts, feedback and each of its steps. Kinds of record your role may not read are left out; free"
        " text is null for roles that see personal data masked."
    )
    async def timeline(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description="How many entries, 0 to 100 (default 20).")] = 20,
        after: Annotated[str | None, strawberry.argument(description="Entries after this cursor.")] = None,
    ) -> Annotated[TimelineConnection, strawberry.lazy("crm.timeline.types")]:
        from crm.timeline.service import Subject
        from crm.timeline.types import timeline

        return await timeline(info, Subject.DEALER, self.pk, first, after)


@strawberry.type(name="Store", description="A store (店鋪): self-operated or a dealer's.")
class StoreType(Node):
    pk: strawberry.Private[int]
    code: str = strawberry.field(description="Short unique code, e.g. S0001.")
    name: str = strawberry.field(description="Store name.")
    kind: StoreKind = strawberry.field(description="Self-operated (自營) or a dealer's.")
    region: Region = strawberry.field(description="Sales region.")
    city: str = strawberry.field(description="City.")
    address: str | None = strawberry.field(description="Street address.")
    opened_on: dt.date | None = strawberry.field(description="Opening date.")
    active: bool = strawberry.field(description="Whether the store is open.")
    dealer_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> StoreType:
        return cls(
            id=strawberry.ID(to_global_id("Store", row.id)),
            pk=row.id,
            code=row.code,
            name=row.name,
            kind=row.kind,
            region=row.region,
            city=row.city,
            address=row.address,
            opened_on=row.opened_on,
            active=row.active,
            dealer_id=row.dealer_id,
        )

    @strawberry.field(description="The dealer that runs the store; null for a self-operated store.")
    async def dealer(self, info: Info) -> DealerType | None:
        return await load_one(info.context.loaders.dealer_by_id, self.dealer_id, DealerType.from_row)

    @strawberry.field(
        description=f"The members who enrolled here most recently, newest first (at most {MAX_STORE_MEMBERS};"
        " page through `members(filter: {storeId})` for all of them)."
    )
    async def members(
        self,
        info: Info,
        limit: Annotated[int, strawberry.argument(description=f"How many members, 1 to {MAX_STORE_MEMBERS}.")] = 20,
    ) -> list[Annotated[MemberType, strawberry.lazy("crm.members.types")]]:
        from crm.members.types import MemberType

        if not 1 <= limit <= MAX_STORE_MEMBERS:
            raise RequestError(f"limit must be between 1 and {MAX_STORE_MEMBERS}.", "INVALID_ARGUMENT")
        rows = await info.context.loaders.newest_members_by_store.load((self.pk, limit))
        return [MemberType.from_row(r) for r in rows]

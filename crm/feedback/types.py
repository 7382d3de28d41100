"""GraphQL types for feedback."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from crm.dealers.types import DealerType, StoreType
from crm.enums import Department, FeedbackCause, FeedbackChannel, FeedbackKind, FeedbackStatus, PartyKind
from crm.graphql.context import Info
from crm.graphql.relay import Node, load_one
from crm.ids import to_global_id
from crm.staff.types import StaffType

if TYPE_CHECKING:
    from crm.members.types import MemberType


@strawberry.type(name="FeedbackEvent", description="One step of a feedback's closed loop: a status change.")
class FeedbackEventType:
    from_status: FeedbackStatus | None = strawberry.field(description="Status before; null for intake.")
    to_status: FeedbackStatus = strawberry.field(description="Status after.")
    note: str | None = strawberry.field(description="What was done or decided.")
    created_at: dt.datetime = strawberry.field(description="When (UTC).")
    actor_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> FeedbackEventType:
        return cls(
            from_status=row.from_status,
            to_status=row.to_status,
            note=row.note,
            created_at=row.created_at,
            actor_id=row.actor_id,
        )

    @strawberry.field(description="Staff member who made the change.")
    async def actor(self, info: Info) -> StaffType | None:
        return await load_one(info.context.loaders.staff_by_id, self.actor_id, StaffType.from_row)


@strawberry.type(name="Feedback", description="A suggestion, complaint, praise or quality report (建議和投訴).")
class FeedbackType(Node):
    pk: strawberry.Private[int]
    party_kind: PartyKind = strawberry.field(description="Whether a member or a dealer gave it.")
    kind: FeedbackKind = strawberry.field(description="Suggestion, complaint, praise or quality report.")
    channel: FeedbackChannel = strawberry.field(description="Where it came in.")
    content: str = strawberry.field(description="What the customer said.")
    status: FeedbackStatus = strawberry.field(description="Step of the closed loop.")
    received_at: dt.datetime = strawberry.field(description="When it came in (UTC).")
    department: Department | None = strawberry.field(description="Department responsible.")
    cause: FeedbackCause | None = strawberry.field(description="Root cause category.")
    responsible_person: str | None = strawberry.field(description="Person responsible for the cause.")
    assessment_note: str | None = strawberry.field(description="Assessment, as explained to the customer.")
    solution: str | None = strawberry.field(description="Solution offered.")
    customer_accepted: bool | None = strawberry.field(description="Whether the customer accepted the solution.")
    review_note: str | None = strawberry.field(description="Closing review.")
    version: int = strawberry.field(description="Changes with every update of the case.")
    member_id: strawberry.Private[int | None]
    dealer_id: strawberry.Private[int | None]
    store_id: strawberry.Private[int | None]
    received_by_id: strawberry.Private[int | None]
    handler_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> FeedbackType:
        return cls(
            id=strawberry.ID(to_global_id("Feedback", row.id)),
            pk=row.id,
            party_kind=row.party_kind,
            kind=row.kind,
            channel=row.channel,
            content=row.content,
            status=row.status,
            received_at=row.received_at,
            department=row.department,
            cause=row.cause,
            responsible_person=row.responsible_person,
            assessment_note=row.assessment_note,
            solution=row.solution,
            customer_accepted=row.customer_accepted,
            review_note=row.review_note,
            version=row.version,
            member_id=row.member_id,
            dealer_id=row.dealer_id,
            store_id=row.store_id,
            received_by_id=row.received_by_id,
            handler_id=row.handler_id,
        )

    @strawberry.field(description="The member who gave it (member feedback).")
    async def member(self, info: Info) -> Annotated[MemberType, strawberry.lazy("crm.members.types")] | None:
        from crm.members.types import MemberType

        return await load_one(info.context.loaders.member_by_id, self.member_id, MemberType.from_row)

    @strawberry.field(description="The dealer who gave it (dealer feedback).")
    async def dealer(self, info: Info) -> DealerType | None:
        return await load_one(info.context.loaders.dealer_by_id, self.dealer_id, DealerType.from_row)

    @strawberry.field(description="Store it concerns, if any.")
    async def store(self, info: Info) -> StoreType | None:
        return await load_one(info.context.loaders.store_by_id, self.store_id, StoreType.from_row)

    @strawberry.field(description="Staff member who took it in.")
    async def received_by(self, info: Info) -> StaffType | None:
        return await load_one(info.context.loaders.staff_by_id, self.received_by_id, StaffType.from_row)

    @strawberry.field(description="Staff member handling the case.")
    async def handler(self, info: Info) -> StaffType | None:
        return await load_one(info.context.loaders.staff_by_id, self.handler_id, StaffType.from_row)

    @strawberry.field(description="Status history, oldest first.")
    async def events(self, info: Info) -> list[FeedbackEventType]:
        rows = await info.context.loaders.feedback_events_by_feedback.load(self.pk)
        return [FeedbackEventType.from_row(r) for r in rows]

"""GraphQL types for callbacks."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from crm.callbacks.service import is_overdue
from crm.dealers.types import DealerType
from crm.enums import CallbackPurpose, CallbackStatus, Channel, NonConversionReason, PartyKind
from crm.graphql.context import Info
from crm.graphql.relay import Node, load_one
from crm.ids import to_global_id
from crm.staff.types import StaffType

if TYPE_CHECKING:
    from crm.feedback.types import FeedbackType
    from crm.members.types import MemberType


@strawberry.type(name="Callback", description="A follow-up contact (回訪) planned with a member or a dealer.")
class CallbackType(Node):
    pk: strawberry.Private[int]
    party_kind: PartyKind = strawberry.field(description="Whether a member or a dealer is contacted.")
    purpose: CallbackPurpose = strawberry.field(description="Why the contact is made.")
    channel: Channel = strawberry.field(description="How the person is contacted.")
    due_on: dt.date = strawberry.field(description="Day the contact is due (Asia/Shanghai).")
    status: CallbackStatus = strawberry.field(description="Open, done, unreachable or cancelled.")
    priority: int = strawberry.field(description="0 (normal) to 3 (most urgent).")
    attempts: int = strawberry.field(description="Contact attempts made so far.")
    last_attempt_at: dt.datetime | None = strawberry.field(description="Latest attempt (UTC).")
    reached: bool | None = strawberry.field(description="Whether the person was reached; null before any attempt.")
    satisfaction: int | None = strawberry.field(description="Satisfaction the person gave, 1 to 5.")
    non_conversion_reason: NonConversionReason | None = strawberry.field(
        description="Why the person will not come back or buy, when they said so."
    )
    outcome_notes: str | None = strawberry.field(description="What was said.")
    notes: str | None = strawberry.field(description="Notes for the caller.")
    closed_at: dt.datetime | None = strawberry.field(description="When the callback was closed (UTC).")
    created_at: dt.datetime = strawberry.field(description="When the callback was planned (UTC).")
    version: int = strawberry.field(description="Changes with every update; send it back to callbackUpdate/Close.")
    member_id: strawberry.Private[int | None]
    dealer_id: strawberry.Private[int | None]
    assignee_id: strawberry.Private[int | None]
    feedback_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> CallbackType:
        return cls(
            id=strawberry.ID(to_global_id("Callback", row.id)),
            pk=row.id,
            party_kind=row.party_kind,
            purpose=row.purpose,
            channel=row.channel,
            due_on=row.due_on,
            status=row.status,
            priority=row.priority,
            attempts=row.attempts,
            last_attempt_at=row.last_attempt_at,
            reached=row.reached,
            satisfaction=row.satisfaction,
            non_conversion_reason=row.non_conversion_reason,
            outcome_notes=row.outcome_notes,
            notes=row.notes,
            closed_at=row.closed_at,
            created_at=row.created_at,
            version=row.version,
            member_id=row.member_id,
            dealer_id=row.dealer_id,
            assignee_id=row.assignee_id,
            feedback_id=row.feedback_id,
        )

    @strawberry.field(description="Open and past its due day (Asia/Shanghai).")
    def overdue(self) -> bool:
        return is_overdue(self.status, self.due_on)

    @strawberry.field(description="The member to contact (member callbacks).")
    async def member(self, info: Info) -> Annotated[MemberType, strawberry.lazy("crm.members.types")] | None:
        from crm.members.types import MemberType

        return await load_one(info.context.loaders.member_by_id, self.member_id, MemberType.from_row)

    @strawberry.field(description="The dealer to contact (dealer callbacks).")
    async def dealer(self, info: Info) -> DealerType | None:
        return await load_one(info.context.loaders.dealer_by_id, self.dealer_id, DealerType.from_row)

    @strawberry.field(description="Staff member who makes the contact.")
    async def assignee(self, info: Info) -> StaffType | None:
        return await load_one(info.context.loaders.staff_by_id, self.assignee_id, StaffType.from_row)

    @strawberry.field(description="The complaint this callback follows up, if any.")
    async def feedback(self, info: Info) -> Annotated[FeedbackType, strawberry.lazy("crm.feedback.types")] | None:
        from crm.feedback.types import FeedbackType

        return await load_one(info.context.loaders.feedback_by_id, self.feedback_id, FeedbackType.from_row)

"""GraphQL types for callbacks."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from crm.callbacks.service import is_overdue
from crm.dealers.types import DealerType
from crm.enums import (
    CallbackPurpose,
    CallbackStatus,
    CallOutcome,
    Channel,
    MemberTier,
    NonConversionReason,
    PartyKind,
    Region,
)
from crm.graphql.context import Info
from crm.graphql.relay import Node, load_one
from crm.ids import to_global_id
from crm.staff.types import StaffType

if TYPE_CHECKING:
    from crm.feedback.types import FeedbackType
    from crm.members.types import MemberType
    from crm.visits.types import VisitType


@strawberry.type(name="CallbackAttempt", description="One try at a callback.")
class CallbackAttemptType:
    attempted_at: dt.datetime = strawberry.field(description="When the try was made (UTC).")
    channel: Channel = strawberry.field(description="Channel used.")
    reached: bool = strawberry.field(description="Whether the person was reached.")
    outcome: CallOutcome | None = strawberry.field(description="What came of it, when reached.")
    satisfaction: int | None = strawberry.field(description="Satisfaction the person gave, 1 to 5.")
    non_conversion_reason: NonConversionReason | None = strawberry.field(
        description="Why the person will not come back or buy, when they said so."
    )
    notes: str | None = strawberry.field(description="What was said; null for roles that see masked data.")
    actor_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> CallbackAttemptType:
        return cls(
            attempted_at=row.attempted_at,
            channel=row.channel,
            reached=row.reached,
            outcome=row.outcome,
            satisfaction=row.satisfaction,
            non_conversion_reason=row.non_conversion_reason,
            notes=row.notes,
            actor_id=row.actor_id,
        )

    @strawberry.field(description="Staff member who made the try.")
    async def actor(self, info: Info) -> StaffType | None:
        return await load_one(info.context.loaders.staff_by_id, self.actor_id, StaffType.from_row)


@strawberry.type(name="CallbackPolicy", description="How the calls of one purpose are planned; admins tune it.")
class CallbackPolicyType:
    purpose: CallbackPurpose = strawberry.field(description="The purpose planned by this policy.")
    enabled: bool = strawberry.field(description="Whether planning creates calls of this purpose.")
    offset_days: int = strawberry.field(
        description="Days after the purchase visit (satisfaction) or the resolution (complaint follow-up), or days"
        " before the birthday."
    )
    idle_days: int = strawberry.field(description="Reactivation: members with no visit for this many days.")
    quiet_days: int = strawberry.field(
        description="Reactivation: not called in this many days; payment reminders: at most one per this many days."
    )
    weekday: int = strawberry.field(description="Dealer sales talk: ISO weekday of the weekly call (1 = Monday).")
    priority: int = strawberry.field(description="Priority of the calls, 0 to 3; higher is placed first.")
    channel: Channel = strawberry.field(
        description="Preferred channel; a member who refused it is reached on WECHAT, SMS or PHONE, in that order."
    )
    tiers: list[MemberTier] = strawberry.field(description="Member tiers called; empty means all.")
    tags: list[str] = strawberry.field(description="Members with any of these tags; empty means all.")
    regions: list[Region] = strawberry.field(description="Members whose home store is in these regions; empty: all.")
    campaign_code: str | None = strawberry.field(description="Promotion: the campaign's code.")
    campaign_starts_on: dt.date | None = strawberry.field(description="Promotion: first day of the campaign.")
    campaign_ends_on: dt.date | None = strawberry.field(description="Promotion: last day of the campaign.")
    max_attempts: int = strawberry.field(description="Tries before a call is closed as unreachable, 1 to 10.")
    retry_delay_days: int = strawberry.field(description="Days before a call not answered is tried again.")
    conversion_days: int = strawberry.field(
        description="A visit within this many days after a completed call counts as its conversion."
    )
    version: int = strawberry.field(description="Changes with every update; send it back to callbackPolicyUpdate.")

    @classmethod
    def from_row(cls, row: Any) -> CallbackPolicyType:
        return cls(
            purpose=row.purpose,
            enabled=row.enabled,
            offset_days=row.offset_days,
            idle_days=row.idle_days,
            quiet_days=row.quiet_days,
            weekday=row.weekday,
            priority=row.priority,
            channel=row.channel,
            tiers=[MemberTier(t) for t in row.tiers],
            tags=list(row.tags),
            regions=[Region(r) for r in row.regions],
            campaign_code=row.campaign_code,
            campaign_starts_on=row.campaign_starts_on,
            campaign_ends_on=row.campaign_ends_on,
            max_attempts=row.max_attempts,
            retry_delay_days=row.retry_delay_days,
            conversion_days=row.conversion_days,
            version=row.version,
        )


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
    outcome_notes: str | None = strawberry.field(
        description="What was said; null on a member's call for roles that see personal data masked."
    )
    notes: str | None = strawberry.field(
        description="Notes for the caller; null on a member's call for roles that see personal data masked."
    )
    closed_at: dt.datetime | None = strawberry.field(description="When the callback was closed (UTC).")
    outcome: CallOutcome | None = strawberry.field(description="What came of the call that reached the person.")
    max_attempts: int = strawberry.field(description="Tries before the callback is closed as unreachable.")
    converted_at: dt.datetime | None = strawberry.field(
        description="When a visit converted this call (a visit within the policy's window after it was done)."
    )
    planned: bool = strawberry.field(description="Whether call planning created it (rather than a person).")
    created_at: dt.datetime = strawberry.field(description="When the callback was planned (UTC).")
    version: int = strawberry.field(description="Changes with every update; send it back to callbackUpdate/Close.")
    member_id: strawberry.Private[int | None]
    dealer_id: strawberry.Private[int | None]
    assignee_id: strawberry.Private[int | None]
    feedback_id: strawberry.Private[int | None]
    converted_visit_id: strawberry.Private[int | None]

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
            outcome=row.outcome,
            max_attempts=row.max_attempts,
            converted_at=row.converted_at,
            planned=row.plan_key is not None,
            created_at=row.created_at,
            version=row.version,
            member_id=row.member_id,
            dealer_id=row.dealer_id,
            assignee_id=row.assignee_id,
            feedback_id=row.feedback_id,
            converted_visit_id=row.converted_visit_id,
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

    @strawberry.field(description="Every try so far, oldest first.")
    async def attempt_log(self, info: Info) -> list[CallbackAttemptType]:
        rows = await info.context.loaders.attempts_by_callback.load(self.pk)
        return [CallbackAttemptType.from_row(r) for r in rows]

    @strawberry.field(description="The visit that converted this call, if any.")
    async def converted_visit(self, info: Info) -> Annotated[VisitType, strawberry.lazy("crm.visits.types")] | None:
        from crm.visits.types import VisitType

        return await load_one(info.context.loaders.visit_by_id, self.converted_visit_id, VisitType.from_row)

    @strawberry.field(description="The complaint this callback follows up, if any.")
    async def feedback(self, info: Info) -> Annotated[FeedbackType, strawberry.lazy("crm.feedback.types")] | None:
        from crm.feedback.types import FeedbackType

        return await load_one(info.context.loaders.feedback_by_id, self.feedback_id, FeedbackType.from_row)

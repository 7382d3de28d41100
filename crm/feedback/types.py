"""GraphQL types for feedback."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from crm.dealers.types import DealerType, StoreType
from crm.enums import Department, FeedbackCause, FeedbackChannel, FeedbackKind, FeedbackStatus, PartyKind
from crm.feedback import workflow
from crm.feedback.models import FeedbackEventKind, FeedbackSlaStep
from crm.feedback.service import Outcome, StatsDimension, StatsRow
from crm.graphql.context import Info
from crm.graphql.relay import Node, load_one
from crm.ids import to_global_id
from crm.staff.types import StaffType

if TYPE_CHECKING:
    from crm.members.types import MemberType

strawberry.enum(FeedbackEventKind, description="What a feedback event records: a step of the loop or an escalation.")
strawberry.enum(
    FeedbackSlaStep,
    description="A clock of the closed loop: the longest a case may stay in that status (RECEIVED: acknowledge,"
    " ..., RETURN_VISIT_DONE: review and close), or RESOLVE: from receipt to RESOLVED.",
)
strawberry.enum(StatsDimension, name="FeedbackStatsDimension", description="What feedback statistics are grouped by.")
strawberry.enum(
    Outcome,
    name="FeedbackOutcome",
    description="Where a case ended up: OPEN (not resolved yet), NOT_UPHELD, RESOLVED (awaiting the return"
    " visit or the review) or CLOSED.",
)


@strawberry.type(name="FeedbackEvent", description="One step of a feedback's closed loop: a status change.")
class FeedbackEventType:
    from_status: FeedbackStatus | None = strawberry.field(description="Status before; null for intake.")
    to_status: FeedbackStatus = strawberry.field(description="Status after.")
    kind: FeedbackEventKind = strawberry.field(
        description="TRANSITION: a step; ESCALATION: overdue, escalated to a supervisor (the status stays)."
    )
    note: str | None = strawberry.field(
        description="What was done or decided; null on a member's case for roles that see personal data masked."
    )
    created_at: dt.datetime = strawberry.field(description="When (UTC).")
    actor_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> FeedbackEventType:
        return cls(
            from_status=row.from_status,
            to_status=row.to_status,
            kind=row.kind,
            note=row.note,
            created_at=row.created_at,
            actor_id=row.actor_id,
        )

    @strawberry.field(description="Staff member who made the change; null for the scheduled escalation.")
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
    assessment_note: str | None = strawberry.field(
        description="Assessment, as explained to the customer; null on a member's case for masked roles."
    )
    solution: str | None = strawberry.field(
        description="Solution offered; null on a member's case for roles that see personal data masked."
    )
    customer_accepted: bool | None = strawberry.field(description="Whether the customer accepted the solution.")
    review_note: str | None = strawberry.field(
        description="Closing review; null on a member's case for roles that see personal data masked."
    )
    version: int = strawberry.field(description="Changes with every update of the case.")
    status_changed_at: dt.datetime | None = strawberry.field(description="When the current status began (UTC).")
    due_at: dt.datetime | None = strawberry.field(
        description="Deadline of the current step (UTC); null once the case is final or the step has no clock."
    )
    resolve_due_at: dt.datetime | None = strawberry.field(
        description="Deadline for RESOLVED, set on intake from the kind's RESOLVE clock (UTC)."
    )
    acknowledged_at: dt.datetime | None = strawberry.field(description="When the case left RECEIVED (UTC).")
    resolved_at: dt.datetime | None = strawberry.field(description="When the customer accepted the solution (UTC).")
    upheld: bool | None = strawberry.field(description="Judged valid (true) or not (false); null until judged.")
    escalated_at: dt.datetime | None = strawberry.field(
        description="When the case, overdue, was escalated to a supervisor (UTC); null if never."
    )
    member_id: strawberry.Private[int | None]
    dealer_id: strawberry.Private[int | None]
    store_id: strawberry.Private[int | None]
    received_by_id: strawberry.Private[int | None]
    handler_id: strawberry.Private[int | None]
    escalated_to_id: strawberry.Private[int | None]

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
            status_changed_at=row.status_changed_at,
            due_at=row.due_at,
            resolve_due_at=row.resolve_due_at,
            acknowledged_at=row.acknowledged_at,
            resolved_at=row.resolved_at,
            upheld=row.upheld,
            escalated_at=row.escalated_at,
            escalated_to_id=row.escalated_to_id,
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

    @strawberry.field(description="Supervisor the overdue case was escalated to.")
    async def escalated_to(self, info: Info) -> StaffType | None:
        return await load_one(info.context.loaders.staff_by_id, self.escalated_to_id, StaffType.from_row)

    @strawberry.field(description="Open and past the current step's deadline (dueAt).")
    def overdue(self) -> bool:
        return workflow.is_overdue(self.status, self.due_at)

    @strawberry.field(
        description="Resolved by resolveDueAt (true); resolved late, or unresolved past it (false); null while"
        " undecided, for a case not upheld, or without a resolve clock."
    )
    def within_sla(self) -> bool | None:
        return workflow.within_sla(self.resolve_due_at, self.resolved_at, self.status)

    @strawberry.field(description="The statuses this case may move to next (feedbackTransition), in loop order.")
    def next_statuses(self) -> list[FeedbackStatus]:
        return workflow.next_steps(self.status)

    @strawberry.field(description="Status history and escalations, oldest first.")
    async def events(self, info: Info) -> list[FeedbackEventType]:
        rows = await info.context.loaders.feedback_events_by_feedback.load(self.pk)
        return [FeedbackEventType.from_row(r) for r in rows]


@strawberry.type(name="FeedbackSla", description="How long a step of the closed loop may take for a kind of feedback.")
class FeedbackSlaType:
    kind: FeedbackKind = strawberry.field(description="Kind of feedback the clock applies to.")
    step: FeedbackSlaStep = strawberry.field(description="The step (status) timed, or RESOLVE (receipt to RESOLVED).")
    hours: int = strawberry.field(description="Hours allowed, 1 to 8760.")
    updated_at: dt.datetime = strawberry.field(description="When last changed (UTC).")
    updated_by_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> FeedbackSlaType:
        return cls(
            kind=row.kind,
            step=row.step,
            hours=row.hours,
            updated_at=row.updated_at,
            updated_by_id=row.updated_by_id,
        )

    @strawberry.field(description="Who last changed it; null for the defaults.")
    async def updated_by(self, info: Info) -> StaffType | None:
        return await load_one(info.context.loaders.staff_by_id, self.updated_by_id, StaffType.from_row)


@strawberry.type(
    name="FeedbackStatsRow",
    description="One group of feedback: the values of the dimensions grouped by (null for the others) and its numbers.",
)
class FeedbackStatsRowType:
    kind: FeedbackKind | None = strawberry.field(description="Kind (when grouped by KIND).")
    channel: FeedbackChannel | None = strawberry.field(description="Channel (when grouped by CHANNEL).")
    department: Department | None = strawberry.field(
        description="Department (when grouped by DEPARTMENT); null also for cases without one yet."
    )
    cause: FeedbackCause | None = strawberry.field(
        description="Cause category (when grouped by CAUSE); null also for cases without one yet."
    )
    outcome: Outcome | None = strawberry.field(description="Outcome (when grouped by OUTCOME).")
    month: str | None = strawberry.field(
        description="Month received, YYYY-MM in Asia/Shanghai (when grouped by MONTH)."
    )
    count: int = strawberry.field(description="Feedback received.")
    resolved_count: int = strawberry.field(description="Of them, resolved (reached RESOLVED).")
    resolved_within_sla_count: int = strawberry.field(description="Of the resolved, resolved by their resolveDueAt.")
    within_sla_share: float | None = strawberry.field(
        description="resolvedWithinSlaCount / resolvedCount, 0 to 1; null when nothing was resolved."
    )
    average_hours_to_resolve: float | None = strawberry.field(
        description="Average hours from receipt to RESOLVED of the resolved; null when nothing was resolved."
    )

    @classmethod
    def from_row(cls, row: StatsRow) -> FeedbackStatsRowType:
        v = row.values
        return cls(
            kind=_maybe(FeedbackKind, v.get(StatsDimension.KIND)),
            channel=_maybe(FeedbackChannel, v.get(StatsDimension.CHANNEL)),
            department=_maybe(Department, v.get(StatsDimension.DEPARTMENT)),
            cause=_maybe(FeedbackCause, v.get(StatsDimension.CAUSE)),
            outcome=_maybe(Outcome, v.get(StatsDimension.OUTCOME)),
            month=v.get(StatsDimension.MONTH),
            count=row.count,
            resolved_count=row.resolved,
            resolved_within_sla_count=row.resolved_within_sla,
            within_sla_share=row.within_sla_share,
            average_hours_to_resolve=row.average_hours_to_resolve,
        )


def _maybe(enum_cls: Any, value: str | None) -> Any:
    return enum_cls(value) if value is not None else None

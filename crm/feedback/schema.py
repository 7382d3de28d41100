"""Feedback queries and mutations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from crm.auth.actor import Actor
from crm.db import SerialSession
from crm.enums import Department, FeedbackCause, FeedbackChannel, FeedbackKind, FeedbackStatus, PartyKind
from crm.feedback import service, workflow
from crm.feedback.models import Feedback, FeedbackSlaStep
from crm.feedback.service import StatsDimension
from crm.feedback.types import FeedbackSlaType, FeedbackStatsRowType, FeedbackType
from crm.graphql.context import Info
from crm.graphql.payloads import UserError, decode_ids, mutate, mutate_once, pop_pk, provided
from crm.graphql.relay import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, to_connection
from crm.ids import pk_of


@strawberry.input(description="Filters for the feedback list; all given filters must match.")
class FeedbackFilter:
    status: FeedbackStatus | None = strawberry.field(default=None, description="Step of the closed loop.")
    kind: FeedbackKind | None = strawberry.field(default=None, description="Kind.")
    channel: FeedbackChannel | None = strawberry.field(default=None, description="Where it came in.")
    department: Department | None = strawberry.field(default=None, description="Department responsible.")
    party_kind: PartyKind | None = strawberry.field(default=None, description="From members or dealers.")
    member_id: strawberry.ID | None = strawberry.field(default=None, description="From this member.")
    dealer_id: strawberry.ID | None = strawberry.field(default=None, description="From this dealer.")
    store_id: strawberry.ID | None = strawberry.field(default=None, description="Concerning this store.")
    open: bool | None = strawberry.field(default=None, description="true: not closed yet; false: closed.")
    received_from: dt.date | None = strawberry.field(
        default=None, description="Received on or after this day (Asia/Shanghai)."
    )
    received_to: dt.date | None = strawberry.field(
        default=None, description="Received on or before this day (Asia/Shanghai)."
    )
    overdue: bool | None = strawberry.field(
        default=None, description="true: open and past the current step's deadline; false: the others."
    )
    escalated: bool | None = strawberry.field(
        default=None, description="true: escalated to a supervisor when overdue; false: never escalated."
    )


@strawberry.input(description="Feedback from a member (memberId) or a dealer (dealerId).")
class FeedbackSubmitInput:
    member_id: strawberry.ID | None = strawberry.field(default=None, description="The member giving it.")
    dealer_id: strawberry.ID | None = strawberry.field(default=None, description="The dealer giving it.")
    kind: FeedbackKind = strawberry.field(description="Suggestion, complaint, praise or quality report.")
    channel: FeedbackChannel = strawberry.field(description="Where it came in.")
    content: str = strawberry.field(description="What the customer said, 1 to 4000 characters.")
    store_id: strawberry.ID | None = strawberry.field(default=None, description="Store it concerns.")
    received_at: dt.datetime | None = strawberry.field(default=None, description="When (default now); not future.")
    received_by_id: strawberry.ID | None = strawberry.field(default=None, description="Staff member taking it in.")
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any unique string (e.g. a UUID) from a client that may retry: the same key with the same input"
        " writes once and returns the first result; with another input it gives IDEMPOTENCY_KEY_REUSED.",
    )


_IDEMPOTENCY = (
    "Any unique string (e.g. a UUID) from a client that may retry: the same key with the same input"
    " writes once and returns the first result; with another input it gives IDEMPOTENCY_KEY_REUSED."
)


@strawberry.input(
    description="One step of the closed loop and the data it needs. ASSESSED: upheld (note: what the customer"
    " was told). NOT_UPHELD: note (the explanation given to the customer) required. INVESTIGATING: department,"
    " cause and responsiblePerson required (from SOLUTION_PROPOSED: a note on why the customer turned the"
    " solution down). SOLUTION_PROPOSED: solution required. RESOLVED: the customer accepted; the return call"
    " is planned. RETURN_VISIT_DONE: the return call DONE, or a note when it was UNREACHABLE, cancelled or"
    " impossible. CLOSED: reviewNote required. A field the step does not use gives INVALID."
)
class FeedbackTransitionInput:
    id: strawberry.ID = strawberry.field(description="The feedback to move.")
    to: FeedbackStatus = strawberry.field(description="The status to move to; an illegal move is INVALID_TRANSITION.")
    note: str | None = strawberry.field(
        default=None, description="What was done or decided, at most 2000 characters; kept on the event."
    )
    upheld: bool | None = strawberry.field(
        default=None, description="When judging: true with ASSESSED, false with NOT_UPHELD (optional, checked)."
    )
    department: Department | None = strawberry.field(
        default=None, description="Department responsible (ASSESSED, INVESTIGATING, SOLUTION_PROPOSED)."
    )
    cause: FeedbackCause | None = strawberry.field(
        default=None, description="Cause category (INVESTIGATING, SOLUTION_PROPOSED)."
    )
    responsible_person: str | None = strawberry.field(
        default=None,
        description="Person responsible for the cause, at most 60 characters (INVESTIGATING, SOLUTION_PROPOSED).",
    )
    handler_id: strawberry.ID | None = strawberry.field(
        default=None, description="Hand the case to this staff member (any step); default: whoever moves it first."
    )
    solution: str | None = strawberry.field(
        default=None, description="The solution offered, at most 4000 characters (SOLUTION_PROPOSED)."
    )
    review_note: str | None = strawberry.field(
        default=None, description="Closing review and improvement actions, at most 2000 characters (CLOSED)."
    )
    version: int | None = strawberry.field(
        default=None, description="The version the change is based on; a newer stored one gives STALE_VERSION."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=_IDEMPOTENCY)


@strawberry.input(description="How many hours a step of the loop may take for a kind of feedback.")
class FeedbackSlaSetInput:
    kind: FeedbackKind = strawberry.field(description="Kind of feedback.")
    step: FeedbackSlaStep = strawberry.field(description="The step (status) timed, or RESOLVE.")
    hours: int = strawberry.field(description="Hours allowed, 1 to 8760; applies to steps entered from now on.")


@strawberry.type(description="Result of feedbackSlaSet.")
class FeedbackSlaPayload:
    sla: FeedbackSlaType | None = strawberry.field(description="The clock as saved; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused; empty on success.")


@strawberry.type(description="Result of feedbackEscalateOverdue.")
class FeedbackEscalatePayload:
    escalated_count: int = strawberry.field(description="Cases escalated by this run (0 when none was newly overdue).")
    user_errors: list[UserError] = strawberry.field(description="Why the request was refused; empty on success.")


@strawberry.type(description="Result of a feedback mutation.")
class FeedbackPayload:
    feedback: FeedbackType | None = strawberry.field(description="The feedback as saved; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused; empty on success.")


def _filter(flt: FeedbackFilter | None) -> service.FeedbackFilter:
    if flt is None:
        return service.FeedbackFilter()
    return service.FeedbackFilter(
        status=flt.status,
        kind=flt.kind,
        channel=flt.channel,
        department=flt.department,
        party_kind=flt.party_kind,
        member_id=pk_of(flt.member_id, "Member") if flt.member_id else None,
        dealer_id=pk_of(flt.dealer_id, "Dealer") if flt.dealer_id else None,
        store_id=pk_of(flt.store_id, "Store") if flt.store_id else None,
        open=flt.open,
        received_from=flt.received_from,
        received_to=flt.received_to,
        overdue=flt.overdue,
        escalated=flt.escalated,
    )


def _payload(row: object, errors: list[UserError]) -> FeedbackPayload:
    return FeedbackPayload(feedback=FeedbackType.from_row(row) if row else None, user_errors=errors)


_IDS = {"member_id": "Member", "dealer_id": "Dealer", "store_id": "Store", "received_by_id": "Staff"}


@strawberry.type
class Query:
    @strawberry.field(description="Feedback, newest first, a page at a time.")
    async def feedback(
        self,
        info: Info,
        filter: Annotated[FeedbackFilter | None, strawberry.argument(description="Filters.")] = None,  # noqa: A002
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[FeedbackType]:
        page = await service.list_feedback(
            info.context.session, info.context.signed_in, _filter(filter), first=first, after=after
        )
        return to_connection(page, FeedbackType.from_row)

    @strawberry.field(description="The clocks of the closed loop, by kind then step.")
    async def feedback_slas(
        self,
        info: Info,
        kind: Annotated[FeedbackKind | None, strawberry.argument(description="Only this kind's clocks.")] = None,
    ) -> list[FeedbackSlaType]:
        rows = await service.list_slas(info.context.session, info.context.signed_in, kind)
        return [FeedbackSlaType.from_row(r) for r in rows]

    @strawberry.field(
        description="Feedback statistics (總結評價) over the feedback in your scope, grouped by the dimensions given"
        " (none: one total row); one row per combination present, sorted by the values (nulls last)."
    )
    async def feedback_stats(
        self,
        info: Info,
        group_by: Annotated[
            list[StatsDimension], strawberry.argument(description="Dimensions to group by, in column order.")
        ],
        from_: Annotated[
            dt.date | None,
            strawberry.argument(name="from", description="Received on or after this day (Asia/Shanghai)."),
        ] = None,
        to: Annotated[
            dt.date | None, strawberry.argument(description="Received on or before this day (Asia/Shanghai).")
        ] = None,
    ) -> list[FeedbackStatsRowType]:
        rows = await service.stats(info.context.session, info.context.signed_in, group_by, first=from_, last=to)
        return [FeedbackStatsRowType.from_row(r) for r in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Take in feedback; it starts RECEIVED with its first event.")
    async def feedback_submit(
        self,
        info: Info,
        input_: Annotated[FeedbackSubmitInput, strawberry.argument(name="input", description="The feedback.")],
    ) -> FeedbackPayload:
        data = provided(input_)
        key = data.pop("idempotency_key", None)
        row, errors = await mutate_once(
            info,
            key,
            "feedbackSubmit",
            dict(data),
            lambda s, actor: service.submit(s, actor, decode_ids(data, _IDS)),
            lambda s, pk: s.get(Feedback, pk),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description="Move a case one step along the closed loop (閉環); an illegal move gives INVALID_TRANSITION."
        " Resolving plans the mandatory return call."
    )
    async def feedback_transition(
        self,
        info: Info,
        input_: Annotated[
            FeedbackTransitionInput, strawberry.argument(name="input", description="The case, the step and its data.")
        ],
    ) -> FeedbackPayload:
        data = provided(input_)
        key = data.pop("idempotency_key", None)
        request = dict(data)

        async def work(session: SerialSession, actor: Actor) -> Feedback:
            pk = pop_pk(data, "Feedback")
            to = data.pop("to")
            return await workflow.transition(session, actor, pk, to, decode_ids(data, {"handler_id": "Staff"}))

        row, errors = await mutate_once(
            info, key, "feedbackTransition", request, work, lambda s, pk: s.get(Feedback, pk)
        )
        return _payload(row, errors)

    @strawberry.mutation(description="Set how long a step of the loop may take for a kind (supervisors, admins).")
    async def feedback_sla_set(
        self,
        info: Info,
        input_: Annotated[FeedbackSlaSetInput, strawberry.argument(name="input", description="The clock.")],
    ) -> FeedbackSlaPayload:
        sla, errors = await mutate(info, lambda s, actor: service.set_sla(s, actor, provided(input_)))
        return FeedbackSlaPayload(sla=FeedbackSlaType.from_row(sla) if sla else None, user_errors=errors)

    @strawberry.mutation(
        description="Escalate every open case past its step deadline, not yet escalated, to a supervisor of its"
        " region (supervisors, admins; normally run by `crm escalate`)."
    )
    async def feedback_escalate_overdue(self, info: Info) -> FeedbackEscalatePayload:
        count, errors = await mutate(info, service.escalate)
        return FeedbackEscalatePayload(escalated_count=count or 0, user_errors=errors)

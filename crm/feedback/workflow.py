"""The closed complaint loop (閉環) as an explicit state machine, with SLA clocks per step and kind.

    RECEIVED ──> ASSESSED ──> INVESTIGATING ──> SOLUTION_PROPOSED ──> RESOLVED ──> RETURN_VISIT_DONE ──> CLOSED
        │                       │      ^                 │
        └──> NOT_UPHELD <───────┘      └─────────────────┘ (the customer turned the solution down)

ASSESSED is a real resting state: the case was judged valid (upheld), the customer was told when they
will hear back, and it waits for someone to take up the investigation (department, cause category and
responsible person named). An investigation may still find a case not upheld (INVESTIGATING ->
NOT_UPHELD), with the explanation given to the customer.

Every kind (suggestion, praise, quality report, complaint) runs the same loop; only the clocks differ
(table feedback_sla: hours per kind and step). A step's clock runs while the case stays in that status;
RESOLVE runs from receipt to RESOLVED, and a step before RESOLVED is never due after it. A changed
clock applies to steps entered afterwards. Overdue open cases are escalated once to a supervisor
(`escalate_overdue`): a case is escalated at most once, and stays marked as escalated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit import service as audit
from crm.auth import scoping
from crm.auth.actor import Actor
from crm.auth.permissions import MATRIX, Op
from crm.callbacks.models import Callback
from crm.db import check_version, utcnow
from crm.enums import CallbackPurpose, CallbackStatus, Department, FeedbackCause, FeedbackKind, FeedbackStatus, Role
from crm.errors import DomainError, ErrorCode
from crm.feedback.models import Feedback, FeedbackEvent, FeedbackEventKind, FeedbackSla, FeedbackSlaStep
from crm.staff.models import Staff
from crm.validation import Checks

S = FeedbackStatus
RECEIVED, ASSESSED, NOT_UPHELD, INVESTIGATING = S.RECEIVED, S.ASSESSED, S.NOT_UPHELD, S.INVESTIGATING
SOLUTION_PROPOSED, RESOLVED, RETURN_VISIT_DONE, CLOSED = S.SOLUTION_PROPOSED, S.RESOLVED, S.RETURN_VISIT_DONE, S.CLOSED

ALLOWED: frozenset[tuple[FeedbackStatus, FeedbackStatus]] = frozenset(
    {
        (RECEIVED, ASSESSED),  # judged valid: upheld
        (RECEIVED, NOT_UPHELD),  # judged not valid: explained to the customer, closed
        (ASSESSED, INVESTIGATING),  # department, cause category and responsible person named
        (INVESTIGATING, NOT_UPHELD),  # the investigation found it not valid after all
        (INVESTIGATING, SOLUTION_PROPOSED),
        (SOLUTION_PROPOSED, INVESTIGATING),  # the customer turned the solution down
        (SOLUTION_PROPOSED, RESOLVED),  # the customer accepted: the return call is planned
        (RESOLVED, RETURN_VISIT_DONE),  # the return call is done (or explained)
        (RETURN_VISIT_DONE, CLOSED),  # reviewed
    }
)
# The loop ends when a case is closed after its review, or found not upheld. Every other
# status, RETURN_VISIT_DONE included (it still awaits the closing review), is open.
FINAL_STATUSES = (NOT_UPHELD, CLOSED)
OPEN_STATUSES = tuple(s for s in FeedbackStatus if s not in FINAL_STATUSES)
BEFORE_RESOLUTION = (RECEIVED, ASSESSED, INVESTIGATING, SOLUTION_PROPOSED)
RESOLVED_STATUSES = (RESOLVED, RETURN_VISIT_DONE, CLOSED)
_ORDER = list(FeedbackStatus)

# The clocks the migration seeds ('short, flat, fast': acknowledge within 24 h, complaints resolved
# within 72 h of receipt). Quality reports need a lab test; suggestions and praise are not urgent.
K, T = FeedbackKind, FeedbackSlaStep
DEFAULT_SLA_HOURS: dict[FeedbackKind, dict[FeedbackSlaStep, int]] = {
    K.COMPLAINT: {
        T.RECEIVED: 24,
        T.ASSESSED: 12,
        T.INVESTIGATING: 24,
        T.SOLUTION_PROPOSED: 24,
        T.RESOLVED: 72,
        T.RETURN_VISIT_DONE: 72,
        T.RESOLVE: 72,
    },
    K.QUALITY_REPORT: {
        T.RECEIVED: 24,
        T.ASSESSED: 24,
        T.INVESTIGATING: 72,
        T.SOLUTION_PROPOSED: 48,
        T.RESOLVED: 72,
        T.RETURN_VISIT_DONE: 120,
        T.RESOLVE: 168,
    },
    K.SUGGESTION: {
        T.RECEIVED: 72,
        T.ASSESSED: 72,
        T.INVESTIGATING: 168,
        T.SOLUTION_PROPOSED: 168,
        T.RESOLVED: 168,
        T.RETURN_VISIT_DONE: 168,
        T.RESOLVE: 336,
    },
    K.PRAISE: {
        T.RECEIVED: 72,
        T.ASSESSED: 72,
        T.INVESTIGATING: 72,
        T.SOLUTION_PROPOSED: 72,
        T.RESOLVED: 120,
        T.RETURN_VISIT_DONE: 168,
        T.RESOLVE: 168,
    },
}

MAX_NOTE = 2000
MAX_SOLUTION = 4000
MAX_PERSON = 60
# Input fields each step accepts besides `note` (and `upheld` when judging); anything else is refused.
_ACCEPTS: dict[FeedbackStatus, frozenset[str]] = {
    ASSESSED: frozenset({"department", "handler_id", "upheld"}),
    NOT_UPHELD: frozenset({"handler_id", "upheld"}),
    INVESTIGATING: frozenset({"department", "cause", "responsible_person", "handler_id"}),
    SOLUTION_PROPOSED: frozenset({"solution", "department", "cause", "responsible_person", "handler_id"}),
    RESOLVED: frozenset({"handler_id"}),
    RETURN_VISIT_DONE: frozenset({"handler_id"}),
    CLOSED: frozenset({"review_note", "handler_id"}),
}
_STEP_FIELDS = ("upheld", "department", "cause", "responsible_person", "handler_id", "solution", "review_note")


def next_steps(status: FeedbackStatus | str) -> list[FeedbackStatus]:
    """The statuses a case in `status` may move to, in loop order."""
    return sorted((to for frm, to in ALLOWED if frm == status), key=_ORDER.index)


def _refusal(current: FeedbackStatus, to: FeedbackStatus) -> str:
    steps = next_steps(current)
    if not steps:
        return f"The case is {current}, which ends the loop: it cannot move to {to}."
    return f"A case that is {current} cannot move to {to}; it can move to {', '.join(steps)}."


async def clocks(session: AsyncSession, kind: str) -> dict[str, int]:
    """The hours of each clock (step) of a kind of feedback."""
    rows = await session.execute(select(FeedbackSla.step, FeedbackSla.hours).where(FeedbackSla.kind == kind))
    return {row.step: row.hours for row in rows}


def resolve_due(hours: Mapping[str, int], received_at: dt.datetime) -> dt.datetime | None:
    """When a case received at `received_at` must be RESOLVED (None: no such clock for its kind)."""
    limit = hours.get(FeedbackSlaStep.RESOLVE)
    return received_at + dt.timedelta(hours=limit) if limit is not None else None


def step_due(
    hours: Mapping[str, int], status: str, since: dt.datetime, resolve_due_at: dt.datetime | None
) -> dt.datetime | None:
    """Deadline of the step a case entered at `since`; None once final.

    A step before RESOLVED is never due after the resolve deadline: being late there makes the case late.
    """
    if status in FINAL_STATUSES:
        return None
    limit = hours.get(status)
    due = since + dt.timedelta(hours=limit) if limit is not None else None
    if status in BEFORE_RESOLUTION and resolve_due_at is not None:
        due = resolve_due_at if due is None else min(due, resolve_due_at)
    return due


async def start_clocks(session: AsyncSession, feedback: Feedback) -> None:
    """Set the clocks of a case just received (its step deadline and its resolve deadline)."""
    hours = await clocks(session, feedback.kind)
    feedback.status_changed_at = feedback.received_at
    feedback.resolve_due_at = resolve_due(hours, feedback.received_at)
    feedback.due_at = step_due(hours, feedback.status, feedback.received_at, feedback.resolve_due_at)


def is_overdue(status: str, due_at: dt.datetime | None, now: dt.datetime | None = None) -> bool:
    """An open case whose step deadline has passed."""
    return status not in FINAL_STATUSES and due_at is not None and due_at < (now or utcnow())


def within_sla(
    resolve_due_at: dt.datetime | None,
    resolved_at: dt.datetime | None,
    status: str,
    now: dt.datetime | None = None,
) -> bool | None:
    """Resolved by the resolve deadline (true), late or past it unresolved (false), not decided yet or
    not applicable, as for a case not upheld or a kind without that clock (null)."""
    if resolve_due_at is None:
        return None
    if resolved_at is not None:
        return resolved_at <= resolve_due_at
    if status in FINAL_STATUSES:
        return None
    return False if (now or utcnow()) > resolve_due_at else None


async def _handler(session: AsyncSession, actor: Actor, checks: Checks, staff_id: int | None) -> None:
    if staff_id is None:
        return
    staff = await scoping.find(session, Staff, staff_id, scoping.staff(actor))
    if staff is None:
        checks.add("handler_id", "No such staff member.", ErrorCode.NOT_FOUND)
    elif not staff.active:
        checks.add("handler_id", "This account is deactivated.", ErrorCode.INVALID)
    elif Role(staff.role) not in MATRIX[Op.FEEDBACK_HANDLE]:
        checks.add("handler_id", "This staff member's role may not handle feedback.", ErrorCode.INVALID)


async def _return_call_done(session: AsyncSession, checks: Checks, feedback: Feedback, note: str | None) -> None:
    """RETURN_VISIT_DONE needs the return call (回訪) DONE; UNREACHABLE or CANCELLED, or no call at all
    (the member agreed to no channel), need a note saying how the return visit was made."""
    statuses = set(
        (
            await session.scalars(
                select(Callback.status).where(
                    Callback.feedback_id == feedback.id, Callback.purpose == CallbackPurpose.COMPLAINT_FOLLOW_UP
                )
            )
        ).all()
    )
    if CallbackStatus.DONE in statuses:
        return
    if CallbackStatus.OPEN in statuses:
        checks.add(
            "to",
            "The return call for this case is still open: close it first (DONE, or UNREACHABLE with a note).",
            ErrorCode.INVALID_TRANSITION,
        )
    elif note is None:
        what = "was not reached" if statuses else "has no return call"
        checks.add("note", f"The customer {what}: say how the return visit was made.", ErrorCode.REQUIRED)


async def _step_values(
    session: AsyncSession,
    actor: Actor,
    checks: Checks,
    feedback: Feedback,
    current: FeedbackStatus,
    to: FeedbackStatus,
    data: dict[str, Any],
) -> dict[str, Any]:
    """Check the data a step needs and return the columns it sets."""
    accepted = _ACCEPTS[to]
    for name in _STEP_FIELDS:
        if data.get(name) is not None and name not in accepted:
            checks.add(name, f"{name} is not used when moving to {to}.", ErrorCode.INVALID)
    values: dict[str, Any] = {}
    note = checks.text("note", data.get("note"), max_length=MAX_NOTE)
    values["note"] = note
    upheld = data.get("upheld")
    if (to == ASSESSED and upheld is False) or (to == NOT_UPHELD and upheld is True):
        checks.add("upheld", "An upheld case moves to ASSESSED, one not upheld to NOT_UPHELD.", ErrorCode.INVALID)
    if to == ASSESSED:
        values["upheld"] = True
        if note is not None:
            values["assessment_note"] = note  # what the customer was told
    elif to == NOT_UPHELD:
        if note is None and not checks.has("note"):
            checks.add("note", "Give the explanation the customer was given.", ErrorCode.REQUIRED)
        values["upheld"] = False
        values["assessment_note"] = note  # the explanation given to the customer
    if "department" in accepted and data.get("department") is not None:
        values["department"] = Department(data["department"])
    if "cause" in accepted and data.get("cause") is not None:
        values["cause"] = FeedbackCause(data["cause"])
    if "responsible_person" in accepted:
        person = checks.text("responsible_person", data.get("responsible_person"), max_length=MAX_PERSON)
        if person is not None:
            values["responsible_person"] = person
    if to == INVESTIGATING:
        if current == SOLUTION_PROPOSED:
            if note is None:
                checks.add("note", "Say why the customer turned the solution down.", ErrorCode.REQUIRED)
            values["customer_accepted"] = False
        for name in ("department", "cause", "responsible_person"):
            if values.get(name) is None and getattr(feedback, name) is None and not checks.has(name):
                checks.add(name, f"{name} is required to investigate.", ErrorCode.REQUIRED)
    elif to == SOLUTION_PROPOSED:
        values["solution"] = checks.text("solution", data.get("solution"), max_length=MAX_SOLUTION, required=True)
    elif to == RESOLVED:
        values["customer_accepted"] = True
    elif to == RETURN_VISIT_DONE:
        await _return_call_done(session, checks, feedback, note)
    elif to == CLOSED:
        review = checks.text("review_note", data.get("review_note"), max_length=MAX_NOTE, required=True)
        values["review_note"] = review
    handler_id = data.get("handler_id")
    await _handler(session, actor, checks, handler_id)
    if handler_id is not None:
        values["handler_id"] = handler_id
    return values


async def transition(
    session: AsyncSession,
    actor: Actor,
    feedback_id: int,
    to: FeedbackStatus | str,
    data: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> Feedback:
    """Move a case in scope one step along the loop, with the data that step needs.

    Writes the step's columns and an event (actor, time, note), restarts the step clock, bumps the
    version and audits. Side effects: leaving RECEIVED acknowledges the case; RESOLVED records that
    the customer accepted and plans the mandatory return call (處理後有回訪, once per case, through
    crm.callbacks.planning). RETURN_VISIT_DONE is allowed once that call is DONE; when it was
    UNREACHABLE or CANCELLED, or none could be planned (no channel agreed), only with a note saying
    how the return visit was made. The first person to move a case becomes its handler unless one is named.
    """
    actor.require(Op.FEEDBACK_HANDLE)
    feedback = await scoping.find(session, Feedback, feedback_id, scoping.feedback(actor), for_update=True)
    if feedback is None:
        raise DomainError.one("id", "No such feedback.", ErrorCode.NOT_FOUND)
    check_version(feedback, data.get("version"))
    current, target = FeedbackStatus(feedback.status), FeedbackStatus(to)
    if (current, target) not in ALLOWED:
        raise DomainError.one("to", _refusal(current, target), ErrorCode.INVALID_TRANSITION)
    checks = Checks()
    values = await _step_values(session, actor, checks, feedback, current, target, data)
    checks.raise_if_any()
    now = now or utcnow()
    before = audit.snapshot(feedback)
    note = values.pop("note")
    for key, value in values.items():
        setattr(feedback, key, value)
    if feedback.handler_id is None and actor.staff_id:
        feedback.handler_id = actor.staff_id
    feedback.status = target
    feedback.status_changed_at = now
    if current == RECEIVED and feedback.acknowledged_at is None:
        feedback.acknowledged_at = now
    if target == RESOLVED:
        feedback.resolved_at = now
    hours = await clocks(session, feedback.kind)
    feedback.due_at = step_due(hours, target, now, feedback.resolve_due_at)
    feedback.version += 1
    session.add(
        FeedbackEvent(
            feedback_id=feedback.id,
            from_status=current,
            to_status=target,
            kind=FeedbackEventKind.TRANSITION,
            actor_id=actor.staff_id or None,
            note=note,
            created_at=now,
        )
    )
    await session.flush()
    if target == RESOLVED:
        from crm.callbacks.planning import plan_complaint_follow_up

        await plan_complaint_follow_up(session, feedback, now)
    await session.refresh(feedback)
    await audit.record(session, actor, "feedbackTransition", feedback, before)
    return feedback


_ESCALATE = text(
    """
WITH due AS (
    SELECT f.id, coalesce(s.region, d.region, hs.region) AS region
    FROM feedback f
    LEFT JOIN store s ON s.id = f.store_id
    LEFT JOIN dealer d ON d.id = f.dealer_id
    LEFT JOIN member m ON m.id = f.member_id
    LEFT JOIN store hs ON hs.id = m.home_store_id
    WHERE f.status = ANY(CAST(:open AS text[])) AND f.due_at < :now AND f.escalated_at IS NULL
    ORDER BY f.id
    FOR UPDATE OF f SKIP LOCKED
), escalated AS (
    UPDATE feedback f
    SET escalated_at = :now,
        escalated_to_id = coalesce(
            (SELECT sv.id FROM staff sv WHERE sv.role = 'SUPERVISOR' AND sv.active AND sv.region = due.region
             ORDER BY sv.id LIMIT 1),
            (SELECT sv.id FROM staff sv WHERE sv.role = 'SUPERVISOR' AND sv.active
             ORDER BY sv.region IS NOT NULL, sv.id LIMIT 1)),
        version = f.version + 1,
        updated_at = :now
    FROM due
    WHERE f.id = due.id
    RETURNING f.id, f.status, f.due_at, f.escalated_to_id, f.version
), events AS (
    INSERT INTO feedback_event (feedback_id, from_status, to_status, kind, actor_id, note, created_at)
    SELECT e.id, e.status, e.status, 'ESCALATION', CAST(:actor_id AS bigint),
           'Overdue since ' || to_char(timezone('Asia/Shanghai', e.due_at), 'YYYY-MM-DD HH24:MI')
           || ' (Asia/Shanghai): escalated to ' || coalesce(sv.display_name, 'no supervisor (none active)') || '.',
           :now
    FROM escalated e LEFT JOIN staff sv ON sv.id = e.escalated_to_id
    ORDER BY e.id
)
INSERT INTO audit_event (actor_id, token_id, request_id, action, entity_type, entity_id, before, after)
SELECT CAST(:actor_id AS bigint), CAST(:token_id AS bigint), CAST(:request_id AS text), 'feedbackEscalateOverdue',
       'feedback', e.id,
       jsonb_build_object('escalated_at', NULL, 'escalated_to_id', NULL, 'version', e.version - 1),
       jsonb_build_object('escalated_at', CAST(:now AS timestamptz), 'escalated_to_id', e.escalated_to_id,
                          'version', e.version)
FROM escalated e
ORDER BY e.id
RETURNING entity_id
"""
)


async def escalate_overdue(session: AsyncSession, now: dt.datetime, actor: Actor | None = None) -> int:
    """Escalate every open, overdue, not yet escalated case to a supervisor; return how many.

    One statement: the cases are marked (escalated_at, escalated_to_id: an active supervisor of the
    region of the case's store, else of its dealer, else of the member's home store; failing that any
    active supervisor, head office first), each gets an ESCALATION event and an audit row. A case is
    escalated once; running again escalates only cases that became overdue since. Rows locked by a
    concurrent change are left for the next run. `actor` None is the scheduled job (`crm escalate`).
    """
    rows = await session.execute(
        _ESCALATE,
        {
            "open": [s.value for s in OPEN_STATUSES],
            "now": now,
            "actor_id": (actor.staff_id or None) if actor else None,
            "token_id": actor.token_id if actor else None,
            "request_id": actor.request_id if actor else None,
        },
    )
    # Feedback objects already loaded in this session keep their old values: refresh them to see this.
    return len(rows.all())

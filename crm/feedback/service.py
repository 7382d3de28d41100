"""Feedback (建議和投訴): listing, intake, SLA clocks and statistics; the loop itself is in workflow.py."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit import service as audit
from crm.auth import scoping
from crm.auth.actor import Actor
from crm.auth.permissions import Op
from crm.businesstime import within_days
from crm.config import BUSINESS_TZ
from crm.db import fetch_rows, flush_checking_unique, utcnow
from crm.dealers.models import Dealer, Store
from crm.enums import (
    Department,
    FeedbackChannel,
    FeedbackKind,
    FeedbackStatus,
    PartyKind,
)
from crm.errors import DomainError, ErrorCode, FieldError, RequestError
from crm.feedback import workflow
from crm.feedback.models import Feedback, FeedbackEvent, FeedbackSla, FeedbackSlaStep
from crm.feedback.workflow import FINAL_STATUSES, OPEN_STATUSES, RESOLVED_STATUSES
from crm.members.models import Member
from crm.pagination import OrderKey, Page, as_datetime, paginate, where_given
from crm.staff.models import Staff
from crm.validation import Checks

__all__ = ["FINAL_STATUSES", "OPEN_STATUSES"]

MAX_CONTENT = 4000
MAX_SLA_HOURS = 8760


# Notes written about a member's case (what they were told, the solution, the review): null for roles
# that see members' personal data masked, as in the timeline and the audit trail.
_MEMBER_TEXT = ("assessment_note", "solution", "review_note")


@scoping.per_scope
def feedback_query(actor: Actor) -> Select[Any]:
    """Select the feedback in the actor's scope as plain rows."""
    columns: list[Any] = list(Feedback.__table__.c)
    if actor.masks_personal_data:
        columns = [
            case((Feedback.member_id.is_(None), c), else_=null()).label(c.key) if c.key in _MEMBER_TEXT else c
            for c in columns
        ]
    return scoping.where(select(*columns), scoping.feedback(actor))


def event_query(actor: Actor | None = None) -> Select[Any]:
    """Select feedback event columns as plain rows; the notes on a member's case are null for masked roles."""
    if actor is None or not actor.masks_personal_data:
        return select(*FeedbackEvent.__table__.c)
    of_member = select(Feedback.member_id).where(Feedback.id == FeedbackEvent.feedback_id).scalar_subquery()
    columns = [
        case((of_member.is_(None), c), else_=null()).label(c.key) if c.key == "note" else c
        for c in FeedbackEvent.__table__.c
    ]
    return select(*columns)


@dataclass(frozen=True, slots=True)
class FeedbackFilter:
    status: FeedbackStatus | None = None
    kind: FeedbackKind | None = None
    channel: FeedbackChannel | None = None
    department: Department | None = None
    party_kind: PartyKind | None = None
    member_id: int | None = None
    dealer_id: int | None = None
    store_id: int | None = None
    open: bool | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    overdue: bool | None = None
    escalated: bool | None = None


def overdue_condition(now: dt.datetime) -> Any:
    """Open and past the current step's deadline."""
    return Feedback.status.in_(OPEN_STATUSES) & (Feedback.due_at < now)


async def list_feedback(
    session: AsyncSession, actor: Actor, flt: FeedbackFilter, *, first: int | None, after: str | None
) -> Page:
    """List the feedback in the actor's scope, newest first."""
    actor.require(Op.FEEDBACK_READ)
    stmt = feedback_query(actor)
    stmt = where_given(
        stmt,
        (Feedback.status, flt.status),
        (Feedback.kind, flt.kind),
        (Feedback.channel, flt.channel),
        (Feedback.department, flt.department),
        (Feedback.party_kind, flt.party_kind),
        (Feedback.member_id, flt.member_id),
        (Feedback.dealer_id, flt.dealer_id),
        (Feedback.store_id, flt.store_id),
    )
    if flt.open is not None:
        is_open = Feedback.status.in_(OPEN_STATUSES)
        stmt = stmt.where(is_open if flt.open else ~is_open)
    if flt.overdue is not None:
        overdue = overdue_condition(utcnow())
        stmt = stmt.where(overdue if flt.overdue else ~func.coalesce(overdue, False))
    if flt.escalated is not None:
        stmt = stmt.where(Feedback.escalated_at.is_not(None) if flt.escalated else Feedback.escalated_at.is_(None))
    stmt = stmt.where(*within_days(Feedback.received_at, flt.received_from, flt.received_to))
    keys = [OrderKey(Feedback.received_at, descending=True, decode=as_datetime), OrderKey(Feedback.id, descending=True)]
    return await paginate(session, stmt, order_name="feedback", keys=keys, first=first, after=after)


async def submit(session: AsyncSession, actor: Actor, data: dict[str, Any]) -> Feedback:
    """Take in feedback from a member or a dealer in scope; it starts RECEIVED, with its first event."""
    actor.require(Op.FEEDBACK_SUBMIT)
    checks = Checks()
    member_id, dealer_id = data.get("member_id"), data.get("dealer_id")
    if (member_id is None) == (dealer_id is None):
        raise DomainError.one(None, "Give either a member or a dealer.", ErrorCode.INVALID)
    data.setdefault("received_by_id", actor.staff_id)
    await scoping.check_visible(session, checks, "member_id", Member, member_id, scoping.members(actor), "member")
    await scoping.check_visible(session, checks, "dealer_id", Dealer, dealer_id, scoping.dealers(actor), "dealer")
    store_id = data.get("store_id")
    await scoping.check_visible(session, checks, "store_id", Store, store_id, scoping.stores(actor), "store")
    received_by_id = data.get("received_by_id")
    await scoping.check_visible(
        session, checks, "received_by_id", Staff, received_by_id, scoping.staff(actor), "staff member"
    )
    content = checks.text("content", data.get("content"), max_length=MAX_CONTENT, required=True)
    received_at = data.get("received_at") or dt.datetime.now(dt.UTC)
    received_at = checks.not_future("received_at", received_at)
    checks.raise_if_any()
    feedback = Feedback(
        party_kind=PartyKind.MEMBER if member_id is not None else PartyKind.DEALER,
        member_id=member_id,
        dealer_id=dealer_id,
        store_id=store_id,
        kind=data["kind"],
        channel=data["channel"],
        content=content,
        status=FeedbackStatus.RECEIVED,
        received_at=received_at,
        received_by_id=received_by_id,
    )
    await workflow.start_clocks(session, feedback)
    session.add(feedback)
    await session.flush()
    session.add(
        FeedbackEvent(
            feedback_id=feedback.id,
            from_status=None,
            to_status=FeedbackStatus.RECEIVED,
            actor_id=received_by_id,
            created_at=received_at,  # the intake step happened when the feedback came in
        )
    )
    await session.flush()
    await session.refresh(feedback)
    await audit.record(session, actor, "feedbackSubmit", feedback, None)
    return feedback


# ---------------------------------------------------------------------------
# SLA clocks


async def list_slas(session: AsyncSession, actor: Actor, kind: FeedbackKind | None = None) -> list[FeedbackSla]:
    """The clocks of the loop, by kind then step in loop order (anyone who reads feedback may see them)."""
    actor.require(Op.FEEDBACK_READ)
    stmt = select(FeedbackSla)
    if kind is not None:
        stmt = stmt.where(FeedbackSla.kind == kind)
    rows = list((await session.scalars(stmt)).all())
    kinds, steps = list(FeedbackKind), list(FeedbackSlaStep)
    return sorted(rows, key=lambda r: (kinds.index(FeedbackKind(r.kind)), steps.index(FeedbackSlaStep(r.step))))


async def set_sla(session: AsyncSession, actor: Actor, data: dict[str, Any]) -> FeedbackSla:
    """Set how many hours a step may take for a kind; it applies to steps entered from now on."""
    actor.require(Op.FEEDBACK_CONFIGURE)
    checks = Checks()
    hours = data.get("hours")
    if hours is None:
        checks.add("hours", "hours is required.", ErrorCode.REQUIRED)
    checks.int_range("hours", hours, 1, MAX_SLA_HOURS)
    checks.raise_if_any()
    assert hours is not None  # checked above
    kind, step = FeedbackKind(data["kind"]), FeedbackSlaStep(data["step"])
    sla = await session.scalar(
        select(FeedbackSla).where(FeedbackSla.kind == kind, FeedbackSla.step == step).with_for_update()
    )
    before = audit.snapshot(sla) if sla is not None else None
    if sla is None:
        sla = FeedbackSla(kind=kind, step=step, hours=hours, updated_by_id=actor.staff_id or None)
        session.add(sla)
        duplicate = FieldError("step", "This clock was just created by someone else; try again.", ErrorCode.DUPLICATE)
        await flush_checking_unique(session, {"uq_feedback_sla_kind_step": duplicate})
    else:
        sla.hours = hours
        sla.updated_by_id = actor.staff_id or None
    await session.flush()
    await session.refresh(sla)
    await audit.record(session, actor, "feedbackSlaSet", sla, before)
    return sla


async def escalate(session: AsyncSession, actor: Actor) -> int:
    """Escalate the overdue cases now (supervisors and admins; normally the scheduled `crm escalate`)."""
    actor.require(Op.FEEDBACK_CONFIGURE)
    return await workflow.escalate_overdue(session, utcnow(), actor)


# ---------------------------------------------------------------------------
# Statistics (總結評價)


class StatsDimension(enum.Enum):
    KIND = "KIND"
    CHANNEL = "CHANNEL"
    DEPARTMENT = "DEPARTMENT"
    CAUSE = "CAUSE"
    OUTCOME = "OUTCOME"
    MONTH = "MONTH"


class Outcome(enum.Enum):
    OPEN = "OPEN"
    NOT_UPHELD = "NOT_UPHELD"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


def _outcome() -> Any:
    return case(
        (Feedback.status == FeedbackStatus.NOT_UPHELD, Outcome.NOT_UPHELD.value),
        (Feedback.status == FeedbackStatus.CLOSED, Outcome.CLOSED.value),
        (Feedback.status.in_(RESOLVED_STATUSES), Outcome.RESOLVED.value),
        else_=Outcome.OPEN.value,
    )


_DIMENSIONS: dict[StatsDimension, Any] = {
    StatsDimension.KIND: lambda: Feedback.kind,
    StatsDimension.CHANNEL: lambda: Feedback.channel,
    StatsDimension.DEPARTMENT: lambda: Feedback.department,
    StatsDimension.CAUSE: lambda: Feedback.cause,
    StatsDimension.OUTCOME: _outcome,
    StatsDimension.MONTH: lambda: func.to_char(func.timezone(str(BUSINESS_TZ), Feedback.received_at), "YYYY-MM"),
}


@dataclass(frozen=True, slots=True)
class StatsRow:
    """One group of feedback: its dimension values (None: not grouped by it, or empty) and its numbers."""

    values: dict[StatsDimension, str | None]
    count: int
    resolved: int
    resolved_within_sla: int
    average_hours_to_resolve: float | None

    @property
    def within_sla_share(self) -> float | None:
        """Share of the resolved ones resolved by their deadline; None when none was resolved."""
        return self.resolved_within_sla / self.resolved if self.resolved else None


async def stats(
    session: AsyncSession,
    actor: Actor,
    group_by: list[StatsDimension],
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> list[StatsRow]:
    """Count the feedback in scope received first..last (Asia/Shanghai days), grouped, in one statement.

    Resolved means it reached RESOLVED (resolved_at set); within SLA, resolved by resolve_due_at.
    """
    actor.require(Op.FEEDBACK_READ)
    if first is not None and last is not None and first > last:
        raise RequestError("`from` must not be after `to`.", "INVALID_ARGUMENT")
    dims = list(dict.fromkeys(group_by))
    columns = [_DIMENSIONS[d]().label(d.value.lower()) for d in dims]
    hours = func.extract("epoch", Feedback.resolved_at - Feedback.received_at) / 3600
    stmt: Select[Any] = select(
        *columns,
        func.count().label("n"),
        func.count(Feedback.resolved_at).label("resolved"),
        func.count().filter(Feedback.resolved_at <= Feedback.resolve_due_at).label("within"),
        func.avg(hours).label("hours"),
    ).select_from(Feedback)
    stmt = scoping.where(stmt, scoping.feedback(actor))
    stmt = stmt.where(*within_days(Feedback.received_at, first, last))
    if columns:
        stmt = stmt.group_by(*columns).order_by(*(c.asc().nulls_last() for c in columns))
    rows = await fetch_rows(session, stmt)
    return [
        StatsRow(
            values={d: getattr(row, d.value.lower()) for d in dims},
            count=row.n,
            resolved=row.resolved,
            resolved_within_sla=row.within,
            average_hours_to_resolve=round(float(row.hours), 2) if row.hours is not None else None,
        )
        for row in rows
    ]

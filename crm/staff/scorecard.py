"""Staff scorecards: what one person did in a period of Asia/Shanghai days, against their target.

Counted from the records of the work itself, whoever the people called or enrolled were (a
scorecard is an aggregate of one colleague's work, not a list of rows, so row scoping applies to
the staff shown, not to the members behind the numbers):

- calls made: callback attempts by the person in the period; reached: those that reached someone;
  average satisfaction: of the reached attempts that got a rating;
- callbacks completed: callbacks assigned to the person closed DONE in the period; conversions:
  those a visit converted (converted_visit_id set);
- complaints handled: feedback (of any kind) the person handles that reached RESOLVED in the period
  (resolved_at); within SLA: resolved by its deadline (resolve_due_at; none set counts as not within);
- enrolments: members the person enrolled in the period, duplicates (duplicate_of_id) excluded;
- enrolment target: the person's monthly STAFF targets for the months the period touches. A month
  only partly inside the period counts pro rata by the weight of its days inside, as target pacing
  weighs them (crm/targets/pacing.py: weekends and holidays weigh more, since that is when members
  enrol), so a whole month counts its full target and the first week of October most of it.

Rates are null when there is nothing to divide by. Every figure of a page of staff comes from one
statement, however long the period and however many people.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Row, Select, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.auth.permissions import Op
from crm.businesstime import business_day_end, business_day_start
from crm.callbacks.models import Callback, CallbackAttempt
from crm.db import fetch_rows
from crm.enums import CallbackStatus, Role, TargetScope
from crm.errors import RequestError
from crm.feedback.models import Feedback
from crm.members.models import Member
from crm.pagination import OrderKey, Page, paginate
from crm.staff.models import Staff
from crm.staff.service import base_query
from crm.targets.models import EnrolmentTarget
from crm.targets.pacing import month_calendar

MAX_PERIOD_DAYS = 366


@dataclass(frozen=True, slots=True)
class Period:
    """Business days first..last (Asia/Shanghai), both included."""

    first: dt.date
    last: dt.date

    @classmethod
    def of(cls, first: dt.date, last: dt.date) -> Period:
        """A period of at most MAX_PERIOD_DAYS days, or raise INVALID_ARGUMENT."""
        if first > last:
            raise RequestError("`from` must not be after `to`.", "INVALID_ARGUMENT")
        if (last - first).days + 1 > MAX_PERIOD_DAYS:
            raise RequestError(f"A period is at most {MAX_PERIOD_DAYS} days.", "INVALID_ARGUMENT")
        return cls(first, last)

    @property
    def start(self) -> dt.datetime:
        """The UTC instant the period starts."""
        return business_day_start(self.first)

    @property
    def end(self) -> dt.datetime:
        """The UTC instant the period ends (excluded)."""
        return business_day_end(self.last)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True, slots=True)
class Scorecard:
    """One person's numbers for a period."""

    staff: Row[Any]
    period: Period
    calls_made: int = 0
    reached: int = 0
    average_satisfaction: float | None = None
    callbacks_completed: int = 0
    conversions: int = 0
    complaints_handled: int = 0
    complaints_within_sla: int = 0
    enrolments: int = 0
    enrolment_target: float | None = None

    @property
    def reach_rate(self) -> float | None:
        """Share of the calls made that reached someone."""
        return _rate(self.reached, self.calls_made)

    @property
    def conversion_rate(self) -> float | None:
        """Share of the completed callbacks that a visit converted."""
        return _rate(self.conversions, self.callbacks_completed)

    @property
    def within_sla_rate(self) -> float | None:
        """Share of the complaints handled that were resolved by their deadline."""
        return _rate(self.complaints_within_sla, self.complaints_handled)

    @property
    def enrolment_progress(self) -> float | None:
        """Enrolments as a share of the target; null without a target (or a target of 0)."""
        return self.enrolments / self.enrolment_target if self.enrolment_target else None


def prorated_target(months: Sequence[dt.date], counts: Sequence[int], period: Period) -> float | None:
    """The monthly targets' share falling in the period, weighted as pacing weighs days; None without targets."""
    if not months:
        return None
    total = 0.0
    for month, count in zip(months, counts, strict=True):
        cal = month_calendar(month)
        first = max(period.first, cal.month)
        last = min(period.last, cal.month.replace(day=cal.days))
        if first <= last:
            total += count * (cal.prefix[last.day] - cal.prefix[first.day - 1]) / cal.total
    return round(total, 2)


def _figures(staff_ids: Sequence[int], period: Period) -> Select[Any]:
    """Every figure for each of `staff_ids`, one row per person, in one statement."""
    start, end = period.start, period.end
    people = select(func.unnest(literal(list(staff_ids), ARRAY(BigInteger))).label("staff_id")).subquery("people")
    calls = (
        select(
            CallbackAttempt.actor_id.label("staff_id"),
            func.count().label("calls_made"),
            func.count().filter(CallbackAttempt.reached).label("reached"),
            func.avg(CallbackAttempt.satisfaction).filter(CallbackAttempt.reached).label("satisfaction"),
        )
        .where(
            CallbackAttempt.actor_id.in_(staff_ids),
            CallbackAttempt.attempted_at >= start,
            CallbackAttempt.attempted_at < end,
        )
        .group_by(CallbackAttempt.actor_id)
        .subquery("calls")
    )
    done = (
        select(
            Callback.assignee_id.label("staff_id"),
            func.count().label("completed"),
            func.count(Callback.converted_visit_id).label("conversions"),
        )
        .where(
            Callback.assignee_id.in_(staff_ids),
            Callback.status == CallbackStatus.DONE,
            Callback.closed_at >= start,
            Callback.closed_at < end,
        )
        .group_by(Callback.assignee_id)
        .subquery("done")
    )
    resolved = (
        select(
            Feedback.handler_id.label("staff_id"),
            func.count().label("handled"),
            func.count().filter(Feedback.resolved_at <= Feedback.resolve_due_at).label("within_sla"),
        )
        .where(Feedback.handler_id.in_(staff_ids), Feedback.resolved_at >= start, Feedback.resolved_at < end)
        .group_by(Feedback.handler_id)
        .subquery("resolved")
    )
    enrolled = (
        select(Member.enrolled_by_id.label("staff_id"), func.count().label("enrolments"))
        .where(
            Member.enrolled_by_id.in_(staff_ids),
            Member.enrolled_at >= start,
            Member.enrolled_at < end,
            Member.duplicate_of_id.is_(None),
        )
        .group_by(Member.enrolled_by_id)
        .subquery("enrolled")
    )
    targets = (
        select(
            EnrolmentTarget.staff_id.label("staff_id"),
            func.array_agg(EnrolmentTarget.month).label("months"),
            func.array_agg(EnrolmentTarget.target_count).label("counts"),
        )
        .where(
            EnrolmentTarget.scope == TargetScope.STAFF,
            EnrolmentTarget.staff_id.in_(staff_ids),
            EnrolmentTarget.month >= period.first.replace(day=1),
            EnrolmentTarget.month <= period.last,
        )
        .group_by(EnrolmentTarget.staff_id)
        .subquery("targets")
    )
    person = people.c.staff_id
    return (
        select(
            person,
            func.coalesce(calls.c.calls_made, 0).label("calls_made"),
            func.coalesce(calls.c.reached, 0).label("reached"),
            calls.c.satisfaction,
            func.coalesce(done.c.completed, 0).label("completed"),
            func.coalesce(done.c.conversions, 0).label("conversions"),
            func.coalesce(resolved.c.handled, 0).label("handled"),
            func.coalesce(resolved.c.within_sla, 0).label("within_sla"),
            func.coalesce(enrolled.c.enrolments, 0).label("enrolments"),
            targets.c.months,
            targets.c.counts,
        )
        .select_from(people)
        .outerjoin(calls, calls.c.staff_id == person)
        .outerjoin(done, done.c.staff_id == person)
        .outerjoin(resolved, resolved.c.staff_id == person)
        .outerjoin(enrolled, enrolled.c.staff_id == person)
        .outerjoin(targets, targets.c.staff_id == person)
    )


async def _scorecards(session: AsyncSession, staff: Sequence[Row[Any]], period: Period) -> list[Scorecard]:
    if not staff:
        return []
    rows = {row.staff_id: row for row in await fetch_rows(session, _figures([s.id for s in staff], period))}
    cards = []
    for person in staff:
        row = rows[person.id]
        satisfaction: decimal.Decimal | None = row.satisfaction
        cards.append(
            Scorecard(
                staff=person,
                period=period,
                calls_made=row.calls_made,
                reached=row.reached,
                average_satisfaction=round(float(satisfaction), 2) if satisfaction is not None else None,
                callbacks_completed=row.completed,
                conversions=row.conversions,
                complaints_handled=row.handled,
                complaints_within_sla=row.within_sla,
                enrolments=row.enrolments,
                enrolment_target=prorated_target(row.months or [], row.counts or [], period),
            )
        )
    return cards


async def scorecard(
    session: AsyncSession, actor: Actor, staff_id: int, first: dt.date, last: dt.date
) -> Scorecard | None:
    """One staff member's scorecard for business days first..last; None when they are not in scope."""
    actor.require(Op.SCORECARD_READ)
    period = Period.of(first, last)
    found = await fetch_rows(session, base_query(actor).where(Staff.id == staff_id))
    if not found:
        return None
    person = found[0]
    return (await _scorecards(session, [person], period))[0]


@dataclass(slots=True)
class ScorecardPage:
    """A page of staff (for the connection) with each one's scorecard, in the page's order."""

    page: Page
    scorecards: list[Scorecard]


async def scorecards(
    session: AsyncSession,
    actor: Actor,
    first_day: dt.date,
    last_day: dt.date,
    *,
    role: Role | None = None,
    first: int | None,
    after: str | None,
) -> ScorecardPage:
    """Scorecards of the staff in scope by username, a page at a time, in two statements."""
    actor.require(Op.SCORECARD_READ)
    period = Period.of(first_day, last_day)
    statement = base_query(actor)
    if role is not None:
        statement = statement.where(Staff.role == role)
    keys = [OrderKey(Staff.username), OrderKey(Staff.id)]
    page = await paginate(session, statement, order_name="scorecard", keys=keys, first=first, after=after)
    return ScorecardPage(page, await _scorecards(session, page.rows, period))

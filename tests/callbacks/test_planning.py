"""Call planning from policies (crm/callbacks/planning.py): which calls, for whom, on which day.

Service-level tests plan fixed periods (with `now` at the period's start) so that they do not depend
on the real clock; the API tests use days relative to today. The business runs on Asia/Shanghai days
and stores UTC, so a visit late in the evening in Shanghai is a day earlier than a UTC date would say.
Planning covers every row of the database: in a test those are only the test's own rows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.auth.actor import Actor, Forbidden
from crm.callbacks import planning
from crm.callbacks import service as callbacks
from crm.callbacks.models import Callback, CallbackPolicy
from crm.enums import (
    CallbackPurpose,
    CallbackStatus,
    FeedbackStatus,
    MemberStatus,
    MemberTier,
    PaymentStanding,
    Region,
    Role,
)
from crm.errors import DomainError, ErrorCode
from crm.feedback.models import FeedbackEvent
from crm.members.birthdays import lunar_birthday_in, next_birthday, solar_birthday_in
from crm.staff.models import Staff
from crm.validation import today
from tests.builders import (
    gid,
    make_callback,
    make_dealer,
    make_feedback,
    make_member,
    make_staff,
    make_store,
    make_visit,
)

UTC = dt.UTC
SATISFACTION = CallbackPurpose.SATISFACTION
BIRTHDAY = CallbackPurpose.BIRTHDAY
REACTIVATION = CallbackPurpose.REACTIVATION
PROMOTION = CallbackPurpose.PROMOTION
SALES_TALK = CallbackPurpose.DEALER_SALES_TALK
PAYMENT = CallbackPurpose.PAYMENT_REMINDER
FOLLOW_UP = CallbackPurpose.COMPLAINT_FOLLOW_UP

# Monday 2 November 2026 (ISO week 45) to Sunday 8 November.
MONDAY = dt.date(2026, 11, 2)
SUNDAY = dt.date(2026, 11, 8)


def _d(month: int, day: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, day)


def _at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> dt.datetime:
    """A UTC instant."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


async def _plan(session, start: dt.date, end: dt.date, *, commit: bool = True, now: dt.date | None = None):
    """Plan start..end as the nightly job, on a clock that reads `now` (default: the start)."""
    return await planning.plan(session, None, start, end, commit=commit, now=now or start)


async def _calls(session, purpose: CallbackPurpose | None = None) -> list[Callback]:
    """Every callback as stored (of one purpose), by due day, then member, dealer and id."""
    stmt = (
        select(Callback)
        .order_by(Callback.due_on, Callback.member_id, Callback.dealer_id, Callback.id)
        .execution_options(populate_existing=True)
    )
    if purpose is not None:
        stmt = stmt.where(Callback.purpose == purpose)
    return list((await session.scalars(stmt)).all())


async def _count(session) -> int:
    return int(await session.scalar(select(func.count()).select_from(Callback)))


async def _policy(session, purpose: CallbackPurpose) -> CallbackPolicy:
    policy = await session.scalar(select(CallbackPolicy).where(CallbackPolicy.purpose == purpose))
    assert policy is not None
    return policy


async def _member(session, **kw):
    """A member enrolled shortly before the test periods, so not idle enough to be reactivated."""
    kw.setdefault("enrolled_at", _at(10, 20, 2))
    return await make_member(session, **kw)


def _idle(**kw):
    """Fields of a member with no visit since January 2026: a reactivation candidate in November."""
    return {"enrolled_at": _at(1, 5, 2)} | kw


async def _admin_actor(session) -> Actor:
    admin = await make_staff(session, Role.ADMIN)
    return Actor(staff_id=admin.id, role=Role.ADMIN, store_id=None, region=None, token_id=0)


def _counts(result: planning.PlanResult) -> dict:
    """(created, deferred, no consent, already planned) per purpose."""
    return {p: (c.created, c.deferred, c.no_consent, c.already_planned) for p, c in result.by_purpose.items()}


# --- satisfaction ---------------------------------------------------------------------------------


async def test_purchase_visit_gives_a_satisfaction_call_three_shanghai_days_later(session):
    # given
    manager = await make_staff(session, Role.VIP_MANAGER)
    evening = await _member(session, manager_id=manager.id)
    after_midnight = await _member(session, manager_id=manager.id)
    browsing = await _member(session, manager_id=manager.id)
    unmanaged = await _member(session)
    # 23:30 in Shanghai on 31 October (15:30 UTC): three days later is 3 November.
    evening_visit = await make_visit(session, member=evening, visited_at=_at(10, 31, 15, 30), purchase_amount=880)
    # 00:30 in Shanghai on 1 November, still 31 October in UTC: due 4 November.
    midnight_visit = await make_visit(
        session, member=after_midnight, visited_at=_at(10, 31, 16, 30), purchase_amount=Decimal("99.90")
    )
    await make_visit(session, member=browsing, visited_at=_at(10, 31, 3))
    await make_visit(session, member=browsing, visited_at=_at(11, 1, 3), purchase_amount=0)
    unassigned_visit = await make_visit(session, member=unmanaged, visited_at=_at(11, 2, 2), purchase_amount=300)
    policy = await _policy(session, SATISFACTION)
    # when
    result = await _plan(session, _d(11, 1), _d(11, 7))
    # then
    calls = await _calls(session)
    assert [(c.member_id, c.due_on, c.assignee_id, c.plan_key) for c in calls] == [
        (evening.id, _d(11, 3), manager.id, f"SATISFACTION:v{evening_visit.id}"),
        (after_midnight.id, _d(11, 4), manager.id, f"SATISFACTION:v{midnight_visit.id}"),
        (unmanaged.id, _d(11, 5), None, f"SATISFACTION:v{unassigned_visit.id}"),
    ]
    first = calls[0]
    assert (first.purpose, first.party_kind, first.status, first.channel) == ("SATISFACTION", "MEMBER", "OPEN", "PHONE")
    assert (first.policy_id, first.priority, first.max_attempts) == (policy.id, 1, 3)
    assert first.source_visit_id == evening_visit.id
    assert (first.attempts, first.closed_at) == (0, None)
    assert result.committed is True
    assert result.created == 3
    assert _counts(result)[SATISFACTION] == (3, 0, 0, 0)
    assert result.by_assignee == {manager.id: 2, None: 1}
    assert result.by_day == {_d(11, 3): 1, _d(11, 4): 1, _d(11, 5): 1}
    assert result.channel_changed == 0


async def test_a_visit_outside_the_period_s_window_is_not_planned(session):
    # given: a purchase whose call fell due long before the period, and one whose call falls after it
    member = await _member(session)
    await make_visit(session, member=member, visited_at=_at(10, 1, 4), purchase_amount=100)
    await make_visit(session, member=member, visited_at=_at(11, 6, 4), purchase_amount=100)
    # when
    result = await _plan(session, _d(11, 1), _d(11, 7))
    # then
    assert await _calls(session) == []
    assert result.created == 0


async def test_a_deactivated_manager_s_members_are_planned_unassigned(session):
    # given
    former = await make_staff(session, Role.VIP_MANAGER, active=False)
    member = await _member(session, manager_id=former.id)
    await make_visit(session, member=member, visited_at=_at(11, 1, 3), purchase_amount=100)
    # when
    result = await _plan(session, MONDAY, SUNDAY)
    # then
    assert [(c.member_id, c.due_on, c.assignee_id) for c in await _calls(session)] == [(member.id, _d(11, 4), None)]
    assert result.by_assignee == {None: 1}


# --- running twice, previews ----------------------------------------------------------------------


async def test_planning_twice_creates_nothing_new(session):
    # given: purchases, a birthday, an idle member, a dealer
    manager = await make_staff(session, Role.VIP_MANAGER)
    for hour in (1, 2, 3):
        member = await _member(session, manager_id=manager.id)
        await make_visit(session, member=member, visited_at=_at(11, 1, hour), purchase_amount=500)
    await _member(session, manager_id=manager.id, birthday=dt.date(1990, 11, 6))
    await make_member(session, **_idle(manager_id=manager.id))
    await make_dealer(session)
    first = await _plan(session, MONDAY, SUNDAY)
    stored = [(c.id, c.due_on) for c in await _calls(session)]
    # when
    second = await _plan(session, MONDAY, SUNDAY)
    # then
    assert {p: c.created for p, c in first.by_purpose.items() if c.created} == {
        SATISFACTION: 3,
        BIRTHDAY: 1,
        REACTIVATION: 1,
        SALES_TALK: 1,
    }
    assert second.created == 0
    assert all(c.created == 0 and c.deferred == 0 for c in second.by_purpose.values())
    assert second.count(SATISFACTION).already_planned == 3
    assert second.count(BIRTHDAY).already_planned == 1
    assert second.count(SALES_TALK).already_planned == 1
    assert second.by_day == {}
    assert second.by_assignee == {}
    assert [(c.id, c.due_on) for c in await _calls(session)] == stored


async def test_preview_writes_nothing_and_reports_what_the_committed_run_then_creates(session):
    # given: three purchases for a manager who makes one call a day, a walk-in's, a dealer
    manager = await make_staff(session, Role.VIP_MANAGER, daily_call_capacity=1)
    refuser = await _member(session, manager_id=manager.id, consent_phone=False, tier=MemberTier.DIAMOND)
    gold = await _member(session, manager_id=manager.id, tier=MemberTier.GOLD)
    silver = await _member(session, manager_id=manager.id)
    walk_in = await _member(session)
    for member in (refuser, gold, silver, walk_in):
        await make_visit(session, member=member, visited_at=_at(11, 1, 3), purchase_amount=500)
    await make_dealer(session)

    async def plan_runs() -> int:
        stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "callbacksPlan")
        return int(await session.scalar(stmt))

    # when
    preview = await _plan(session, MONDAY, _d(11, 5), commit=False)
    after_preview = await _count(session), await plan_runs()
    committed = await _plan(session, MONDAY, _d(11, 5))
    # then
    assert after_preview == (0, 0)
    assert (preview.committed, committed.committed) == (False, True)
    assert preview.created == committed.created == 4
    assert _counts(preview) == _counts(committed)
    assert _counts(committed)[SATISFACTION] == (3, 1, 0, 0)
    assert _counts(committed)[SALES_TALK] == (1, 0, 0, 0)
    assert preview.by_assignee == committed.by_assignee == {manager.id: 2, None: 2}
    assert preview.by_day == committed.by_day == {MONDAY: 1, _d(11, 4): 2, _d(11, 5): 1}
    assert preview.channel_changed == committed.channel_changed == 1
    calls = {(c.member_id, c.dealer_id): (c.due_on, c.channel) for c in await _calls(session)}
    assert {k: v for k, v in calls.items() if k[0] is not None} == {
        (refuser.id, None): (_d(11, 4), "WECHAT"),
        (gold.id, None): (_d(11, 5), "PHONE"),
        (walk_in.id, None): (_d(11, 4), "PHONE"),
    }
    assert await plan_runs() == 1


# --- consent --------------------------------------------------------------------------------------


async def test_a_refused_channel_falls_back_to_wechat_then_sms_and_no_channel_is_skipped(session):
    # given
    manager = await make_staff(session, Role.VIP_MANAGER)
    no_calls = await _member(session, manager_id=manager.id, consent_phone=False)
    sms_only = await _member(session, manager_id=manager.id, consent_phone=False, consent_wechat=False)
    nothing = await _member(
        session, manager_id=manager.id, consent_phone=False, consent_sms=False, consent_wechat=False
    )
    happy = await _member(session, manager_id=manager.id)
    for member in (no_calls, sms_only, nothing, happy):
        await make_visit(session, member=member, visited_at=_at(11, 1, 4), purchase_amount=200)
    # when
    result = await _plan(session, MONDAY, SUNDAY)
    # then
    channels = {c.member_id: c.channel for c in await _calls(session)}
    assert channels == {no_calls.id: "WECHAT", sms_only.id: "SMS", happy.id: "PHONE"}
    assert result.channel_changed == 2
    assert _counts(result)[SATISFACTION] == (3, 0, 1, 0)


# --- capacity -------------------------------------------------------------------------------------


async def _idle_members_by_importance(session, manager, n: int = 5) -> list:
    """Idle members of `manager`, most important first (tier, then lifetime spend)."""
    specs = [
        (MemberTier.DIAMOND, 0),
        (MemberTier.GOLD, 100),
        (MemberTier.SILVER, 9000),
        (MemberTier.SILVER, 50),
        (MemberTier.SILVER, 10),
        (MemberTier.SILVER, 0),
    ][:n]
    members = []
    for tier, spend in reversed(specs):  # made least important first: insertion order must not matter
        members.append(
            await make_member(session, **_idle(manager_id=manager.id, tier=tier, lifetime_spend=Decimal(spend)))
        )
    return list(reversed(members))


async def test_capacity_spreads_calls_over_the_days_most_important_first(session):
    # given
    manager = await make_staff(session, Role.VIP_MANAGER, daily_call_capacity=2)
    diamond, gold, big_spender, small_spender, silver = await _idle_members_by_importance(session, manager)
    # when
    result = await _plan(session, MONDAY, _d(11, 4))
    # then
    days = {c.member_id: c.due_on for c in await _calls(session, REACTIVATION)}
    assert days == {
        diamond.id: MONDAY,
        gold.id: MONDAY,
        big_spender.id: _d(11, 3),
        small_spender.id: _d(11, 3),
        silver.id: _d(11, 4),
    }
    assert result.by_day == {MONDAY: 2, _d(11, 3): 2, _d(11, 4): 1}
    assert result.by_assignee == {manager.id: 5}
    assert _counts(result)[REACTIVATION] == (5, 0, 0, 0)


async def test_an_existing_call_takes_room_and_what_does_not_fit_is_deferred_to_the_next_run(session):
    # given
    manager = await make_staff(session, Role.VIP_MANAGER, daily_call_capacity=2)
    recent_visitor = await _member(session, manager_id=manager.id, last_visit_at=_at(10, 30, 3))
    existing = await make_callback(
        session, member=recent_visitor, assignee=manager, purpose=CallbackPurpose.OTHER, due_on=MONDAY
    )
    await make_callback(
        session, member=recent_visitor, assignee=manager, due_on=MONDAY, status=CallbackStatus.CANCELLED
    )
    members = await _idle_members_by_importance(session, manager, n=6)
    # when
    result = await _plan(session, MONDAY, _d(11, 4))
    # then
    days = {c.member_id: c.due_on for c in await _calls(session, REACTIVATION)}
    assert days == {
        members[0].id: MONDAY,
        members[1].id: _d(11, 3),
        members[2].id: _d(11, 3),
        members[3].id: _d(11, 4),
        members[4].id: _d(11, 4),
    }
    assert _counts(result)[REACTIVATION] == (5, 1, 0, 0)
    assert result.by_day == {MONDAY: 1, _d(11, 3): 2, _d(11, 4): 2}
    per_day = await session.execute(
        select(Callback.due_on, func.count())
        .where(Callback.assignee_id == manager.id, Callback.status == CallbackStatus.OPEN)
        .group_by(Callback.due_on)
    )
    assert dict(per_day.all()) == {MONDAY: 2, _d(11, 3): 2, _d(11, 4): 2}
    assert (await session.get(Callback, existing.id, populate_existing=True)).due_on == MONDAY
    # when: the next run picks the deferred member up
    later = await _plan(session, _d(11, 5), _d(11, 5))
    # then
    assert {c.member_id: c.due_on for c in await _calls(session, REACTIVATION)}[members[5].id] == _d(11, 5)
    assert later.count(REACTIVATION).created == 1


async def test_higher_priority_purposes_go_first_and_no_day_exceeds_the_capacity(session):
    # given: a clerk making one call a day; a manager making three
    clerk = await make_staff(session, Role.SALES_CLERK, daily_call_capacity=1)
    late = await make_dealer(session, sales_clerk_id=clerk.id, payment_standing=PaymentStanding.LATE)
    manager = await make_staff(session, Role.VIP_MANAGER, daily_call_capacity=3)
    idle = [await make_member(session, **_idle(manager_id=manager.id, tier=MemberTier.DIAMOND)) for _ in range(3)]
    buyer = await _member(session, manager_id=manager.id, last_visit_at=_at(10, 30, 2))
    await make_visit(session, member=buyer, visited_at=_at(10, 30, 2), purchase_amount=50)
    # when
    await _plan(session, MONDAY, _d(11, 3))
    # then: payment reminders (priority 2) before the sales talk (1), which waits a day
    calls = await _calls(session)
    assert [(c.purpose, c.due_on) for c in calls if c.dealer_id == late.id] == [
        ("PAYMENT_REMINDER", MONDAY),
        ("DEALER_SALES_TALK", _d(11, 3)),
    ]
    # then: a silver member's satisfaction call (1) before diamond members' reactivation (0)
    by_member = {c.member_id: c.due_on for c in calls if c.member_id is not None}
    assert by_member[buyer.id] == MONDAY
    assert sorted(by_member[m.id] for m in idle) == [MONDAY, MONDAY, _d(11, 3)]
    per_day = await session.execute(
        select(Callback.assignee_id, Callback.due_on, func.count(), Staff.daily_call_capacity)
        .join(Staff, Staff.id == Callback.assignee_id)
        .group_by(Callback.assignee_id, Callback.due_on, Staff.daily_call_capacity)
    )
    rows = per_day.all()
    assert len(rows) == 4
    assert all(n <= capacity for _, _, n, capacity in rows)


async def test_calls_already_due_before_the_period_go_before_more_important_members(session):
    # given: one call a day; a silver member's call was due on 31 October, a diamond member's on 2 November
    manager = await make_staff(session, Role.VIP_MANAGER, daily_call_capacity=1)
    silver = await _member(session, manager_id=manager.id)
    diamond = await _member(session, manager_id=manager.id, tier=MemberTier.DIAMOND, lifetime_spend=Decimal(50000))
    await make_visit(session, member=silver, visited_at=_at(10, 28, 2), purchase_amount=10)
    await make_visit(session, member=diamond, visited_at=_at(10, 30, 2), purchase_amount=10)
    # when
    await _plan(session, MONDAY, _d(11, 3))
    # then
    assert [(c.member_id, c.due_on) for c in await _calls(session)] == [(silver.id, MONDAY), (diamond.id, _d(11, 3))]


# --- birthdays ------------------------------------------------------------------------------------


async def test_solar_birthday_call_is_three_days_before_and_never_after_it(session):
    # given
    manager = await make_staff(session, Role.VIP_MANAGER)
    tenth = await _member(session, manager_id=manager.id, birthday=dt.date(1990, 11, 10))
    third = await _member(session, manager_id=manager.id, birthday=dt.date(1985, 11, 3))
    past = await _member(session, manager_id=manager.id, birthday=dt.date(1985, 11, 1))
    december = await _member(session, manager_id=manager.id, birthday=dt.date(1985, 12, 20))
    # when
    result = await _plan(session, MONDAY, SUNDAY)
    # then
    calls = await _calls(session, BIRTHDAY)
    assert [(c.member_id, c.due_on, c.plan_key) for c in calls] == [
        (third.id, MONDAY, f"BIRTHDAY:m{third.id}:S2026"),  # due 31 Oct, still before the birthday
        (tenth.id, _d(11, 7), f"BIRTHDAY:m{tenth.id}:S2026"),
    ]
    assert {past.id, december.id}.isdisjoint(c.member_id for c in calls)
    assert all(c.assignee_id == manager.id for c in calls)
    assert result.count(BIRTHDAY).created == 2


async def test_a_birthday_greeting_that_does_not_fit_before_the_birthday_is_not_placed_after_it(session):
    # given: one call a day and four members whose birthday is Wednesday 4 November
    manager = await make_staff(session, Role.VIP_MANAGER, daily_call_capacity=1)
    for _ in range(4):
        await _member(session, manager_id=manager.id, birthday=dt.date(1990, 11, 4))
    # when
    result = await _plan(session, MONDAY, SUNDAY)
    # then: Monday, Tuesday and the birthday itself; the fourth greeting is not sent late
    assert [c.due_on for c in await _calls(session, BIRTHDAY)] == [MONDAY, _d(11, 3), _d(11, 4)]
    assert _counts(result)[BIRTHDAY] == (3, 1, 0, 0)


async def test_birthday_early_in_january_is_planned_in_late_december(session):
    # given
    member = await _member(session, birthday=dt.date(1990, 1, 2))
    # when
    await _plan(session, _d(12, 1), _d(12, 31))
    # then
    assert [(c.due_on, c.plan_key) for c in await _calls(session, BIRTHDAY)] == [
        (_d(12, 30), f"BIRTHDAY:m{member.id}:S2027")
    ]


async def test_29_february_falls_on_28_february_in_a_common_year(session):
    # given
    leapling = await _member(session, birthday=dt.date(2000, 2, 29))
    # when
    await _plan(session, _d(2, 1, 2027), _d(2, 28, 2027))
    await _plan(session, _d(2, 1, 2028), _d(2, 29, 2028))
    # then
    assert [(c.due_on, c.plan_key) for c in await _calls(session, BIRTHDAY)] == [
        (_d(2, 25, 2027), f"BIRTHDAY:m{leapling.id}:S2027"),  # birthday 28 February 2027
        (_d(2, 26, 2028), f"BIRTHDAY:m{leapling.id}:S2028"),  # birthday 29 February 2028
    ]


async def test_lunar_birthday_is_planned_on_this_year_s_solar_date(session):
    # given: Mid-Autumn (lunar 8/15) is 25 September in 2026; the solar birthday is not the one kept
    enrolled = _at(8, 20, 2)
    mid_autumn = await make_member(
        session, enrolled_at=enrolled, birthday=dt.date(1990, 9, 10), lunar_birthday_month=8, lunar_birthday_day=15
    )
    solar = await make_member(session, enrolled_at=enrolled, birthday=dt.date(1990, 9, 10))
    # when
    await _plan(session, _d(9, 1), _d(9, 30))
    # then
    calls = await _calls(session, BIRTHDAY)
    assert [(c.member_id, c.due_on, c.plan_key) for c in calls] == [
        (solar.id, _d(9, 7), f"BIRTHDAY:m{solar.id}:S2026"),
        (mid_autumn.id, _d(9, 22), f"BIRTHDAY:m{mid_autumn.id}:L2026"),
    ]


async def test_lunar_birthday_of_the_previous_lunar_year_falling_in_january(session):
    # given: lunar 12/30 of lunar year 2024 (a 29-day month) is New Year's Eve, 28 January 2025
    member = await make_member(
        session, enrolled_at=_at(1, 2, 2, year=2025), lunar_birthday_month=12, lunar_birthday_day=30
    )
    # when
    await _plan(session, dt.date(2025, 1, 20), dt.date(2025, 2, 10))
    # then
    assert [(c.due_on, c.plan_key) for c in await _calls(session, BIRTHDAY)] == [
        (dt.date(2025, 1, 25), f"BIRTHDAY:m{member.id}:L2024")
    ]


def test_lunar_dates_resolve_to_known_solar_days():
    # Mid-Autumn festivals and Chinese New Years
    assert [lunar_birthday_in(8, 15, y) for y in (2024, 2025, 2026, 2027)] == [
        dt.date(2024, 9, 17),
        dt.date(2025, 10, 6),
        dt.date(2026, 9, 25),
        dt.date(2027, 9, 15),
    ]
    assert [lunar_birthday_in(1, 1, y) for y in (2025, 2026, 2027)] == [
        dt.date(2025, 1, 29),
        dt.date(2026, 2, 17),
        dt.date(2027, 2, 6),
    ]
    # day 30 of a 29-day month falls on day 29: lunar 2024's last day is 28 January 2025
    assert lunar_birthday_in(12, 30, 2024) == lunar_birthday_in(12, 29, 2024) == dt.date(2025, 1, 28)


def test_solar_birthday_in_a_year():
    assert solar_birthday_in(dt.date(2000, 2, 29), 2027) == dt.date(2027, 2, 28)
    assert solar_birthday_in(dt.date(2000, 2, 29), 2028) == dt.date(2028, 2, 29)
    assert solar_birthday_in(dt.date(1990, 12, 31), 2026) == dt.date(2026, 12, 31)


def test_next_birthday_around_the_year_end():
    # solar
    assert next_birthday(dt.date(1990, 1, 2), None, None, dt.date(2026, 12, 30)) == dt.date(2027, 1, 2)
    assert next_birthday(dt.date(1990, 12, 30), None, None, dt.date(2026, 12, 30)) == dt.date(2026, 12, 30)
    assert next_birthday(dt.date(1990, 12, 29), None, None, dt.date(2026, 12, 30)) == dt.date(2027, 12, 29)
    # lunar New Year's Day seen from 31 December: next year's Spring Festival
    assert next_birthday(None, 1, 1, dt.date(2026, 12, 31)) == dt.date(2027, 2, 6)
    # lunar 12/20 seen from early January: still in the lunar year that began the previous February
    assert next_birthday(None, 12, 20, dt.date(2026, 1, 5)) == dt.date(2026, 2, 7)
    # the lunar birthday wins over the solar one; none known: none
    assert next_birthday(dt.date(1990, 1, 1), 8, 15, dt.date(2026, 9, 1)) == dt.date(2026, 9, 25)
    assert next_birthday(None, None, None, dt.date(2026, 9, 1)) is None


# --- reactivation ---------------------------------------------------------------------------------


async def test_reactivation_calls_idle_members_not_called_lately(session):
    # given
    manager = await make_staff(session, Role.VIP_MANAGER)
    idle = await make_member(session, **_idle(manager_id=manager.id))
    visited_long_ago = await make_member(session, **_idle(manager_id=manager.id, last_visit_at=_at(6, 1, 3)))
    recent_visitor = await make_member(session, **_idle(last_visit_at=_at(10, 1, 3)))
    called_lately = await make_member(session, **_idle())
    await make_callback(
        session,
        member=called_lately,
        purpose=SATISFACTION,
        status=CallbackStatus.DONE,
        due_on=_d(10, 20),
        last_attempt_at=_at(10, 20, 3),
        closed_at=_at(10, 20, 3),
    )
    called_long_ago = await make_member(session, **_idle())
    await make_callback(
        session,
        member=called_long_ago,
        purpose=REACTIVATION,
        status=CallbackStatus.DONE,
        due_on=_d(8, 1),
        last_attempt_at=_at(8, 1, 3),
        closed_at=_at(8, 1, 3),
    )
    waiting = await make_member(session, **_idle())
    await make_callback(session, member=waiting, purpose=BIRTHDAY, due_on=_d(11, 20))
    closed = await make_member(session, **_idle(status=MemberStatus.CLOSED))
    erased = await make_member(session, **_idle(erased_at=_at(9, 1, 3)))
    # when
    result = await _plan(session, MONDAY, SUNDAY)
    # then
    calls = await _calls(session, REACTIVATION)
    planned = {c.member_id: (c.due_on, c.plan_key) for c in calls if c.status == CallbackStatus.OPEN}
    assert planned == {
        idle.id: (MONDAY, f"REACTIVATION:m{idle.id}:2026-11-02"),
        visited_long_ago.id: (MONDAY, f"REACTIVATION:m{visited_long_ago.id}:2026-11-02"),
        called_long_ago.id: (MONDAY, f"REACTIVATION:m{called_long_ago.id}:2026-11-02"),
    }
    assert {recent_visitor.id, called_lately.id, waiting.id, closed.id, erased.id}.isdisjoint(planned)
    assert result.count(REACTIVATION).created == 3


async def test_closed_or_erased_members_get_no_call_of_any_kind(session):
    # given
    manager = await make_staff(session, Role.VIP_MANAGER)
    closed = await _member(session, manager_id=manager.id, status=MemberStatus.CLOSED, birthday=dt.date(1990, 11, 5))
    erased = await _member(session, manager_id=manager.id, erased_at=_at(10, 25, 3))
    for member in (closed, erased):
        await make_visit(session, member=member, visited_at=_at(11, 1, 3), purchase_amount=100)
    # when
    result = await _plan(session, MONDAY, SUNDAY)
    # then
    assert await _calls(session) == []
    assert result.created == 0


# --- dealers --------------------------------------------------------------------------------------


async def test_dealer_sales_talk_once_a_week_on_the_policy_weekday(session):
    # given
    clerk = await make_staff(session, Role.SALES_CLERK)
    receptionist = await make_staff(session, Role.RECEPTIONIST)
    retired_clerk = await make_staff(session, Role.SALES_CLERK, active=False)
    both = await make_dealer(session, sales_clerk_id=clerk.id, receptionist_id=receptionist.id)
    front_desk = await make_dealer(session, receptionist_id=receptionist.id)
    clerk_left = await make_dealer(session, sales_clerk_id=retired_clerk.id, receptionist_id=receptionist.id)
    unstaffed = await make_dealer(session)
    await make_dealer(session, sales_clerk_id=clerk.id, active=False)
    # when
    this_week = await _plan(session, MONDAY, SUNDAY)
    again = await _plan(session, MONDAY, SUNDAY)
    next_week = await _plan(session, _d(11, 9), _d(11, 15))
    # then
    calls = await _calls(session, SALES_TALK)
    assert [(c.dealer_id, c.due_on, c.assignee_id, c.plan_key) for c in calls] == [
        (both.id, MONDAY, clerk.id, f"DEALER_SALES_TALK:d{both.id}:2026-45"),
        (front_desk.id, MONDAY, receptionist.id, f"DEALER_SALES_TALK:d{front_desk.id}:2026-45"),
        (clerk_left.id, MONDAY, receptionist.id, f"DEALER_SALES_TALK:d{clerk_left.id}:2026-45"),
        (unstaffed.id, MONDAY, None, f"DEALER_SALES_TALK:d{unstaffed.id}:2026-45"),
        (both.id, _d(11, 9), clerk.id, f"DEALER_SALES_TALK:d{both.id}:2026-46"),
        (front_desk.id, _d(11, 9), receptionist.id, f"DEALER_SALES_TALK:d{front_desk.id}:2026-46"),
        (clerk_left.id, _d(11, 9), receptionist.id, f"DEALER_SALES_TALK:d{clerk_left.id}:2026-46"),
        (unstaffed.id, _d(11, 9), None, f"DEALER_SALES_TALK:d{unstaffed.id}:2026-46"),
    ]
    assert all(c.party_kind == "DEALER" and c.member_id is None for c in calls)
    assert this_week.count(SALES_TALK).created == 4
    assert (again.count(SALES_TALK).created, again.count(SALES_TALK).already_planned) == (0, 4)
    assert next_week.count(SALES_TALK).created == 4


async def test_dealer_sales_talk_follows_the_policy_weekday(session):
    # given
    dealer = await make_dealer(session)
    admin = await _admin_actor(session)
    await callbacks.update_policy(session, admin, SALES_TALK, {"weekday": 3})
    # when: Wednesday to Tuesday
    await _plan(session, _d(11, 4), _d(11, 10))
    # then
    assert [(c.dealer_id, c.due_on, c.plan_key) for c in await _calls(session, SALES_TALK)] == [
        (dealer.id, _d(11, 4), f"DEALER_SALES_TALK:d{dealer.id}:2026-45")
    ]


async def test_payment_reminder_for_late_and_overdue_dealers_at_most_once_per_quiet_period(session):
    # given
    clerk = await make_staff(session, Role.SALES_CLERK)
    late = await make_dealer(session, sales_clerk_id=clerk.id, payment_standing=PaymentStanding.LATE)
    overdue = await make_dealer(session, sales_clerk_id=clerk.id, payment_standing=PaymentStanding.OVERDUE)
    await make_dealer(session, sales_clerk_id=clerk.id, payment_standing=PaymentStanding.GOOD)
    await make_dealer(session, payment_standing=PaymentStanding.LATE, active=False)
    # when
    first = await _plan(session, MONDAY, SUNDAY)
    # then
    calls = await _calls(session, PAYMENT)
    assert [(c.dealer_id, c.due_on, c.assignee_id, c.priority, c.plan_key) for c in calls] == [
        (late.id, MONDAY, clerk.id, 2, f"PAYMENT_REMINDER:d{late.id}:2026-11-02"),
        (overdue.id, MONDAY, clerk.id, 2, f"PAYMENT_REMINDER:d{overdue.id}:2026-11-02"),
    ]
    assert first.count(PAYMENT).created == 2
    # given: the late dealer was reminded on 3 November; the overdue one not reached yet
    reminded = calls[0]
    reminded.status = CallbackStatus.DONE
    reminded.last_attempt_at = reminded.closed_at = _at(11, 3, 2)
    await session.flush()
    # when: within 7 days of that call, and with the other call still open
    soon = await _plan(session, _d(11, 9), _d(11, 9))
    # then
    assert soon.count(PAYMENT).created == 0
    # when: a week after the reminder
    later = await _plan(session, _d(11, 12), _d(11, 12))
    # then
    assert later.count(PAYMENT).created == 1
    newest = (await _calls(session, PAYMENT))[-1]
    assert (newest.dealer_id, newest.due_on, newest.status) == (late.id, _d(11, 12), "OPEN")


# --- promotions -----------------------------------------------------------------------------------


async def test_promotion_is_disabled_until_a_campaign_is_set(session):
    # given
    tagged = await _member(session, tags=["高消費"])
    also_tagged = await _member(session, tags=["新客", "高消費"], consent_sms=False)
    await _member(session, tags=["新客"])
    await _member(session, tags=["高消費"], status=MemberStatus.CLOSED)
    # when
    before = await _plan(session, MONDAY, SUNDAY, commit=False)
    # then
    assert PROMOTION not in before.by_purpose
    assert before.created == 0
    # given
    admin = await _admin_actor(session)
    await callbacks.update_policy(
        session,
        admin,
        PROMOTION,
        {
            "enabled": True,
            "campaign_code": "w11-vip",
            "campaign_starts_on": _d(11, 5),
            "campaign_ends_on": _d(11, 15),
            "tags": ["高消費"],
        },
    )
    # when
    result = await _plan(session, MONDAY, SUNDAY)
    # then
    calls = await _calls(session, PROMOTION)
    assert [(c.member_id, c.due_on, c.channel, c.plan_key) for c in calls] == [
        (tagged.id, _d(11, 5), "SMS", f"PROMOTION:W11-VIP:m{tagged.id}"),
        (also_tagged.id, _d(11, 5), "WECHAT", f"PROMOTION:W11-VIP:m{also_tagged.id}"),
    ]
    assert result.count(PROMOTION).created == 2
    assert result.channel_changed == 1


async def test_a_campaign_outside_the_period_plans_nothing(session):
    # given
    await _member(session)
    admin = await _admin_actor(session)
    await callbacks.update_policy(
        session,
        admin,
        PROMOTION,
        {"enabled": True, "campaign_code": "SPRING", "campaign_starts_on": _d(3, 1), "campaign_ends_on": _d(3, 31)},
    )
    # when
    result = await _plan(session, MONDAY, SUNDAY)
    # then
    assert result.count(PROMOTION).created == 0
    assert await _calls(session, PROMOTION) == []


async def test_a_policy_s_tiers_regions_and_offset_shape_its_calls(session):
    # given
    south = await make_store(session, region=Region.SOUTH)
    gold_south = await _member(session, store=south, tier=MemberTier.GOLD)
    gold_east = await _member(session, tier=MemberTier.GOLD)
    silver_south = await _member(session, store=south)
    for member in (gold_south, gold_east, silver_south):
        await make_visit(session, member=member, visited_at=_at(11, 1, 3), purchase_amount=100)
    admin = await _admin_actor(session)
    await callbacks.update_policy(
        session, admin, SATISFACTION, {"tiers": [MemberTier.GOLD], "regions": [Region.SOUTH], "offset_days": 5}
    )
    # when
    await _plan(session, MONDAY, SUNDAY)
    # then
    assert [(c.member_id, c.due_on) for c in await _calls(session, SATISFACTION)] == [(gold_south.id, _d(11, 6))]


# --- complaint follow-up --------------------------------------------------------------------------


async def test_resolving_a_complaint_plans_exactly_one_return_call(session):
    # given
    manager = await make_staff(session, Role.VIP_MANAGER)
    handler = await make_staff(session, Role.VIP_MANAGER)
    member = await _member(session, manager_id=manager.id, consent_phone=False)
    complaint = await make_feedback(session, member=member, status=FeedbackStatus.RESOLVED, handler_id=handler.id)
    policy = await _policy(session, FOLLOW_UP)
    # 01:00 on 3 November in Shanghai (still 2 November in UTC): due a day later, 4 November
    resolved_at = _at(11, 2, 17)
    # when
    first = await planning.plan_complaint_follow_up(session, complaint, resolved_at)
    again = await planning.plan_complaint_follow_up(session, complaint, resolved_at + dt.timedelta(days=2))
    # then
    assert first is not None and again is not None
    assert again.id == first.id
    calls = await _calls(session, FOLLOW_UP)
    assert len(calls) == 1
    call = calls[0]
    assert (call.member_id, call.feedback_id, call.due_on, call.assignee_id) == (
        member.id,
        complaint.id,
        _d(11, 4),
        manager.id,
    )
    assert (call.channel, call.priority, call.max_attempts, call.policy_id) == ("WECHAT", 3, 5, policy.id)
    assert call.plan_key == f"COMPLAINT_FOLLOW_UP:f{complaint.id}"


async def test_return_call_goes_to_the_handler_when_the_member_has_no_manager(session):
    # given
    handler = await make_staff(session, Role.VIP_MANAGER)
    complaint = await make_feedback(session, member=await _member(session), handler_id=handler.id)
    dealer = await make_dealer(session)
    dealer_complaint = await make_feedback(session, dealer=dealer, handler_id=handler.id)
    unreachable = await _member(session, consent_phone=False, consent_sms=False, consent_wechat=False)
    silent = await make_feedback(session, member=unreachable, handler_id=handler.id)
    # when
    call = await planning.plan_complaint_follow_up(session, complaint, _at(11, 2, 3))
    dealer_call = await planning.plan_complaint_follow_up(session, dealer_complaint, _at(11, 2, 3))
    none = await planning.plan_complaint_follow_up(session, silent, _at(11, 2, 3))
    # then
    assert call is not None and dealer_call is not None
    assert (call.assignee_id, call.due_on) == (handler.id, _d(11, 3))
    assert (dealer_call.assignee_id, dealer_call.dealer_id, dealer_call.party_kind) == (handler.id, dealer.id, "DEALER")
    assert none is None
    assert len(await _calls(session, FOLLOW_UP)) == 2


async def test_planning_is_a_safety_net_for_resolved_complaints_without_a_return_call(session):
    # given
    manager = await make_staff(session, Role.VIP_MANAGER)
    member = await _member(session, manager_id=manager.id)
    missed = await make_feedback(session, member=member, status=FeedbackStatus.RESOLVED)
    session.add(
        FeedbackEvent(
            feedback_id=missed.id,
            from_status=FeedbackStatus.SOLUTION_PROPOSED,
            to_status=FeedbackStatus.RESOLVED,
            created_at=_at(11, 2, 3),
        )
    )
    planned = await make_feedback(session, member=member, status=FeedbackStatus.RESOLVED)
    session.add(
        FeedbackEvent(
            feedback_id=planned.id,
            from_status=FeedbackStatus.SOLUTION_PROPOSED,
            to_status=FeedbackStatus.RESOLVED,
            created_at=_at(11, 1, 3),
        )
    )
    await session.flush()
    existing = await planning.plan_complaint_follow_up(session, planned, _at(11, 1, 3))
    await make_feedback(session, member=member, status=FeedbackStatus.INVESTIGATING)
    clerk = await make_staff(session, Role.SALES_CLERK)
    receptionist = await make_staff(session, Role.RECEPTIONIST)
    dealer = await make_dealer(session, sales_clerk_id=clerk.id, receptionist_id=receptionist.id)
    dealer_case = await make_feedback(session, dealer=dealer, status=FeedbackStatus.RESOLVED)
    session.add(
        FeedbackEvent(
            feedback_id=dealer_case.id,
            from_status=FeedbackStatus.SOLUTION_PROPOSED,
            to_status=FeedbackStatus.RESOLVED,
            created_at=_at(11, 3, 20),  # 4 November in Shanghai
        )
    )
    await session.flush()
    # when
    result = await _plan(session, MONDAY, SUNDAY)
    # then
    calls = await _calls(session, FOLLOW_UP)
    assert existing is not None
    assert [(c.feedback_id, c.due_on, c.assignee_id) for c in calls] == [
        (planned.id, _d(11, 2), manager.id),
        (missed.id, _d(11, 3), manager.id),
        (dealer_case.id, _d(11, 5), receptionist.id),
    ]
    assert calls[1].plan_key == f"COMPLAINT_FOLLOW_UP:f{missed.id}"
    assert (calls[1].priority, calls[1].max_attempts) == (3, 5)
    assert (result.count(FOLLOW_UP).created, result.count(FOLLOW_UP).already_planned) == (2, 1)


# --- the period -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "now", "expected"),
    [
        (_d(11, 10), _d(11, 2), _d(11, 1), [("to", ErrorCode.INVALID_DATE)]),
        (_d(11, 1), _d(12, 2), _d(11, 1), [("to", ErrorCode.OUT_OF_RANGE)]),
        (_d(11, 2), _d(11, 8), _d(11, 3), [("from", ErrorCode.INVALID_DATE)]),
        (_d(11, 2), _d(12, 31), _d(11, 3), [("to", ErrorCode.OUT_OF_RANGE), ("from", ErrorCode.INVALID_DATE)]),
    ],
    ids=["reversed", "longer-than-31-days", "in-the-past", "both"],
)
async def test_a_bad_period_is_refused_and_writes_nothing(session, start, end, now, expected):
    # given
    await make_dealer(session)
    await make_member(session, **_idle())
    # when
    with pytest.raises(DomainError) as refused:
        await planning.plan(session, None, start, end, now=now)
    # then
    assert [(e.field, e.code) for e in refused.value.errors] == expected
    assert await _count(session) == 0


async def test_a_31_day_period_starting_today_is_allowed(session):
    # when
    result = await _plan(session, _d(11, 1), _d(12, 1))
    # then
    assert (result.start, result.end, result.created) == (_d(11, 1), _d(12, 1), 0)


async def test_only_admins_and_supervisors_may_plan(session):
    # given
    manager = await make_staff(session, Role.VIP_MANAGER)
    supervisor = await make_staff(session, Role.SUPERVISOR)
    as_manager = Actor(staff_id=manager.id, role=Role.VIP_MANAGER, store_id=None, region=None, token_id=0)
    as_supervisor = Actor(staff_id=supervisor.id, role=Role.SUPERVISOR, store_id=None, region=None, token_id=0)
    await make_dealer(session)
    # when
    with pytest.raises(Forbidden, match="CALLBACK_PLAN"):
        await planning.plan(session, as_manager, MONDAY, SUNDAY, now=MONDAY)
    result = await planning.plan(session, as_supervisor, MONDAY, SUNDAY, now=MONDAY)
    # then
    assert result.created == 1
    trail = await session.scalar(select(AuditEvent).where(AuditEvent.action == "callbacksPlan"))
    assert trail is not None
    assert trail.actor_id == supervisor.id
    assert trail.after == {"from": "2026-11-02", "to": "2026-11-08", "created": 1}


# --- structure ------------------------------------------------------------------------------------


async def test_statements_do_not_grow_with_the_number_of_members(session, statements):
    # given
    manager = await make_staff(session, Role.VIP_MANAGER, daily_call_capacity=100)

    async def add_members(n: int) -> None:
        for i in range(n):
            member = await make_member(
                session,
                manager_id=manager.id if i % 2 else None,
                birthday=dt.date(1990, 11, 5),
                last_visit_at=_at(11, 1, 3),
            )
            await make_visit(session, member=member, visited_at=_at(11, 1, 3), purchase_amount=100)

    async def counted_plan() -> tuple[int, int]:
        statements.reset()
        statements.active = True
        result = await _plan(session, MONDAY, SUNDAY, commit=False)
        statements.active = False
        return statements.count, result.created

    await add_members(5)
    # when
    few, created_few = await counted_plan()
    await add_members(35)
    many, created_many = await counted_plan()
    # then: satisfaction and birthday calls for every member, reactivation for none (they just visited)
    assert (created_few, created_many) == (10, 80)
    assert many == few


# --- through the API ------------------------------------------------------------------------------

PLAN = """
mutation Plan($input: CallbacksPlanInput!) {
  callbacksPlan(input: $input) {
    plan {
      from to committed created channelChanged
      byPurpose { purpose created deferred noConsent alreadyPlanned }
      byAssignee { count assignee { id } }
      byDay { day count }
    }
    userErrors { field code }
  }
}
"""


async def _api_data(session):
    """Two purchase visits yesterday: one by a manager's member, one by a member without a manager."""
    now = dt.datetime.now(UTC)
    manager = await make_staff(session, Role.VIP_MANAGER)
    mine = await make_member(session, manager_id=manager.id, enrolled_at=now - dt.timedelta(days=30))
    orphan = await make_member(session, enrolled_at=now - dt.timedelta(days=30))
    for member in (mine, orphan):
        member.last_visit_at = now - dt.timedelta(days=1)
        await make_visit(session, member=member, visited_at=now - dt.timedelta(days=1), purchase_amount=120)
    return manager


async def test_callbacks_plan_preview_then_commit(gql, session):
    # given
    manager = await _api_data(session)
    start, end = today(), today() + dt.timedelta(days=6)
    period = {"from": start.isoformat(), "to": end.isoformat()}
    due = (today() + dt.timedelta(days=2)).isoformat()
    # when
    preview = await gql(PLAN, {"input": period})
    after_preview = await _count(session)
    committed = await gql(PLAN, {"input": {**period, "commit": True}})
    # then
    assert preview["callbacksPlan"]["userErrors"] == []
    assert after_preview == 0
    plan = committed["callbacksPlan"]["plan"]
    assert committed["callbacksPlan"]["userErrors"] == []
    assert (plan["from"], plan["to"], plan["committed"], plan["created"]) == (period["from"], period["to"], True, 2)
    assert plan["channelChanged"] == 0
    by_purpose = {p["purpose"]: p for p in plan["byPurpose"]}
    assert set(by_purpose) == {
        "COMPLAINT_FOLLOW_UP",
        "SATISFACTION",
        "BIRTHDAY",
        "REACTIVATION",
        "DEALER_SALES_TALK",
        "PAYMENT_REMINDER",
    }
    assert by_purpose["SATISFACTION"] == {
        "purpose": "SATISFACTION",
        "created": 2,
        "deferred": 0,
        "noConsent": 0,
        "alreadyPlanned": 0,
    }
    assert sorted(plan["byAssignee"], key=lambda a: a["assignee"] is None) == [
        {"count": 1, "assignee": {"id": gid("Staff", manager.id)}},
        {"count": 1, "assignee": None},
    ]
    assert plan["byDay"] == [{"day": due, "count": 2}]
    preview_plan = preview["callbacksPlan"]["plan"]
    assert preview_plan["committed"] is False
    assert {k: v for k, v in preview_plan.items() if k != "committed"} == {
        k: v for k, v in plan.items() if k != "committed"
    }
    stored = await _calls(session)
    assert sorted((c.due_on.isoformat(), c.assignee_id or 0) for c in stored) == [(due, 0), (due, manager.id)]


async def test_callbacks_plan_is_for_admins_and_supervisors(gql_as, session):
    # given
    await _api_data(session)
    manager = await gql_as(Role.VIP_MANAGER)
    period = {"from": today().isoformat(), "to": (today() + dt.timedelta(days=6)).isoformat(), "commit": True}
    # when
    refused = await manager.raw(PLAN, {"input": period})
    # then
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await _count(session) == 0


async def test_callbacks_plan_refuses_a_bad_period_in_user_errors(gql, session):
    # given
    await _api_data(session)
    yesterday = today() - dt.timedelta(days=1)
    # when
    past = await gql(PLAN, {"input": {"from": yesterday.isoformat(), "to": today().isoformat(), "commit": True}})
    reversed_ = await gql(
        PLAN,
        {"input": {"from": (today() + dt.timedelta(days=3)).isoformat(), "to": today().isoformat(), "commit": True}},
    )
    too_long = await gql(
        PLAN,
        {"input": {"from": today().isoformat(), "to": (today() + dt.timedelta(days=31)).isoformat(), "commit": True}},
    )
    # then
    assert past["callbacksPlan"] == {"plan": None, "userErrors": [{"field": "from", "code": "INVALID_DATE"}]}
    assert reversed_["callbacksPlan"] == {"plan": None, "userErrors": [{"field": "to", "code": "INVALID_DATE"}]}
    assert too_long["callbacksPlan"] == {"plan": None, "userErrors": [{"field": "to", "code": "OUT_OF_RANGE"}]}
    assert await _count(session) == 0

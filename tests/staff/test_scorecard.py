"""Staff scorecards: calls, conversions, complaints and enrolments of a period of Asia/Shanghai days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from crm.auth.actor import Actor, Forbidden
from crm.enums import CallbackStatus, FeedbackStatus, Region, Role
from crm.errors import RequestError
from crm.staff.models import Staff
from crm.staff.scorecard import Period, prorated_target, scorecard
from crm.targets.pacing import month_calendar
from tests.builders import (
    gid,
    make_attempt,
    make_callback,
    make_feedback,
    make_member,
    make_staff,
    make_store,
    make_target,
    make_visit,
)

OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


def actor_of(staff: Staff) -> Actor:
    return Actor(
        staff_id=staff.id,
        role=Role(staff.role),
        store_id=staff.store_id,
        region=Region(staff.region) if staff.region else None,
        token_id=0,
    )


def utc(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, second, tzinfo=dt.UTC)


@dataclass
class Busy:
    manager: Staff
    other: Staff


async def _october(session) -> Busy:
    """A VIP manager's October, with records just inside and just outside it (Asia/Shanghai = UTC+8)."""
    store = await make_store(session, region=Region.EAST)
    manager = await make_staff(session, Role.VIP_MANAGER, region=Region.EAST)
    other = await make_staff(session, Role.VIP_MANAGER, region=Region.EAST)
    member = await make_member(session, store=store)
    call = await make_callback(session, member=member, assignee=manager)

    # Calls: 23:30 on 31 October in Shanghai is 15:30 UTC and counts; 00:00 on 1 November does not;
    # 00:00 on 1 October (16:00 UTC on 30 September) counts, a second before it does not.
    await make_attempt(session, call, actor=manager, attempted_at=utc(10, 31, 15, 30), reached=True, satisfaction=5)
    await make_attempt(session, call, actor=manager, attempted_at=utc(10, 31, 16), reached=True, satisfaction=1)
    await make_attempt(session, call, actor=manager, attempted_at=utc(9, 30, 16), reached=True)
    await make_attempt(session, call, actor=manager, attempted_at=utc(9, 30, 15, 59, 59), reached=True, satisfaction=1)
    await make_attempt(session, call, actor=manager, attempted_at=utc(10, 15, 3), reached=True, satisfaction=4)
    await make_attempt(session, call, actor=manager, attempted_at=utc(10, 16, 3))
    await make_attempt(session, call, actor=other, attempted_at=utc(10, 16, 3), reached=True, satisfaction=1)

    # Callbacks closed: two DONE in October (one converted), one unreachable, one DONE on 1 November.
    visit = await make_visit(session, member=member, visited_at=utc(10, 12))
    done = CallbackStatus.DONE
    await make_callback(
        session, member=member, assignee=manager, status=done, closed_at=utc(10, 10), converted_visit_id=visit.id
    )
    await make_callback(session, member=member, assignee=manager, status=done, closed_at=utc(10, 20))
    await make_callback(
        session, member=member, assignee=manager, status=CallbackStatus.UNREACHABLE, closed_at=utc(10, 12)
    )
    await make_callback(session, member=member, assignee=manager, status=done, closed_at=utc(10, 31, 16, 30))
    await make_callback(session, member=member, assignee=other, status=done, closed_at=utc(10, 20))

    # Complaints resolved: in time, late, without a deadline, in September, and someone else's.
    resolved = FeedbackStatus.RESOLVED
    for resolved_at, due, handler in [
        (utc(10, 5), utc(10, 6), manager),
        (utc(10, 25), utc(10, 20), manager),
        (utc(10, 26), None, manager),
        (utc(9, 28), utc(9, 30), manager),
        (utc(10, 5), utc(10, 6), other),
    ]:
        await make_feedback(
            session,
            member=member,
            status=resolved,
            handler_id=handler.id,
            resolved_at=resolved_at,
            resolve_due_at=due,
        )
    # Open, with a deadline and no resolution: not handled yet.
    await make_feedback(session, member=member, handler_id=manager.id, resolve_due_at=utc(10, 6))

    # Enrolments: 3 October and 23:30 on 31 October count; 00:00 on 1 November and a duplicate do not.
    first = await make_member(session, store=store, enrolled_by_id=manager.id, enrolled_at=utc(10, 3))
    await make_member(session, store=store, enrolled_by_id=manager.id, enrolled_at=utc(10, 31, 15, 30))
    await make_member(session, store=store, enrolled_by_id=manager.id, enrolled_at=utc(10, 31, 16))
    await make_member(
        session, store=store, enrolled_by_id=manager.id, enrolled_at=utc(10, 10), duplicate_of_id=first.id
    )
    await make_member(session, store=store, enrolled_by_id=other.id, enrolled_at=utc(10, 10))

    await make_target(session, staff=manager, month=dt.date(2026, 10, 1), target_count=8)
    await make_target(session, staff=manager, month=dt.date(2026, 11, 1), target_count=30)
    await make_target(session, staff=other, month=dt.date(2026, 10, 1), target_count=99)
    await make_target(session, store=store, month=dt.date(2026, 10, 1), target_count=500)
    return Busy(manager, other)


# --- the service ------------------------------------------------------------------------------


async def test_a_month_is_counted_by_shanghai_days(session, admin):
    # given
    busy = await _october(session)
    # when
    card = await scorecard(session, actor_of(admin), busy.manager.id, *OCTOBER)
    # then
    assert card is not None
    assert (card.calls_made, card.reached) == (4, 3)
    assert card.reach_rate == 0.75
    assert card.average_satisfaction == 4.5
    assert (card.callbacks_completed, card.conversions, card.conversion_rate) == (2, 1, 0.5)
    assert (card.complaints_handled, card.complaints_within_sla) == (3, 1)
    assert card.within_sla_rate == pytest.approx(1 / 3)
    assert card.enrolments == 2
    assert card.enrolment_target == 8
    assert card.enrolment_progress == 0.25


async def test_the_last_evening_of_a_month_belongs_to_that_month(session, admin):
    # given
    busy = await _october(session)
    # when
    last_day = await scorecard(session, actor_of(admin), busy.manager.id, dt.date(2026, 10, 31), dt.date(2026, 10, 31))
    next_day = await scorecard(session, actor_of(admin), busy.manager.id, dt.date(2026, 11, 1), dt.date(2026, 11, 1))
    # then
    assert last_day is not None and next_day is not None
    assert (last_day.calls_made, last_day.average_satisfaction, last_day.enrolments) == (1, 5, 1)
    assert (next_day.calls_made, next_day.average_satisfaction, next_day.enrolments) == (1, 1, 1)
    assert next_day.callbacks_completed == 1


async def test_an_empty_period_counts_nothing_and_divides_nothing(session, admin):
    # given
    newcomer = await make_staff(session, Role.VIP_MANAGER)
    # when
    card = await scorecard(session, actor_of(admin), newcomer.id, *OCTOBER)
    # then
    assert card is not None
    counts = (
        card.calls_made,
        card.reached,
        card.callbacks_completed,
        card.conversions,
        card.complaints_handled,
        card.complaints_within_sla,
        card.enrolments,
    )
    assert counts == (0,) * 7
    rates = (card.reach_rate, card.average_satisfaction, card.conversion_rate, card.within_sla_rate)
    assert rates == (None,) * 4
    assert card.enrolment_target is None
    assert card.enrolment_progress is None


async def test_a_target_of_zero_has_no_progress(session, admin):
    # given
    person = await make_staff(session, Role.VIP_MANAGER)
    await make_target(session, staff=person, month=dt.date(2026, 10, 1), target_count=0)
    # when
    card = await scorecard(session, actor_of(admin), person.id, *OCTOBER)
    # then
    assert card is not None
    assert card.enrolment_target == 0
    assert card.enrolment_progress is None


def test_partial_months_count_pro_rata_by_the_weight_of_their_days():
    # given
    october = [dt.date(2026, 10, 1)]
    # when
    whole = prorated_target(october, [31], Period.of(*OCTOBER))
    first_half = prorated_target(october, [31], Period.of(dt.date(2026, 10, 1), dt.date(2026, 10, 15)))
    second_half = prorated_target(october, [31], Period.of(dt.date(2026, 10, 16), dt.date(2026, 10, 31)))
    golden_week = prorated_target(october, [31], Period.of(dt.date(2026, 10, 1), dt.date(2026, 10, 7)))
    # then
    assert whole == 31
    assert first_half is not None and second_half is not None
    assert first_half + second_half == pytest.approx(31, abs=0.01)
    # National Day week: holidays weigh double, so more than 7 of October's 31 days' share.
    assert golden_week is not None and golden_week > 7
    assert prorated_target([], [], Period.of(*OCTOBER)) is None


async def test_a_period_across_months_adds_each_months_share(session, admin):
    # given
    person = await make_staff(session, Role.VIP_MANAGER)
    await make_target(session, staff=person, month=dt.date(2026, 9, 1), target_count=10)
    await make_target(session, staff=person, month=dt.date(2026, 10, 1), target_count=8)
    await make_target(session, staff=person, month=dt.date(2026, 11, 1), target_count=50)
    # when
    card = await scorecard(session, actor_of(admin), person.id, dt.date(2026, 9, 16), dt.date(2026, 10, 31))
    # then
    september = month_calendar(dt.date(2026, 9, 1))
    share = (september.prefix[30] - september.prefix[15]) / september.total
    assert card is not None
    assert card.enrolment_target == pytest.approx(10 * share + 8, abs=0.01)


async def test_the_period_is_checked(session, admin):
    # given
    actor = actor_of(admin)
    # when / then
    with pytest.raises(RequestError) as backwards:
        await scorecard(session, actor, admin.id, dt.date(2026, 10, 2), dt.date(2026, 10, 1))
    with pytest.raises(RequestError) as too_long:
        await scorecard(session, actor, admin.id, dt.date(2025, 1, 1), dt.date(2026, 1, 2))
    assert backwards.value.code == too_long.value.code == "INVALID_ARGUMENT"
    leap_year = await scorecard(session, actor, admin.id, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert leap_year is not None


async def test_staff_out_of_scope_have_no_scorecard_and_store_staff_none_at_all(session):
    # given
    busy = await _october(session)
    south = await make_staff(session, Role.VIP_MANAGER, region=Region.SOUTH)
    clerk = await make_staff(session, Role.STORE_STAFF)
    # when
    unseen = await scorecard(session, actor_of(south), busy.manager.id, *OCTOBER)
    colleague = await scorecard(session, actor_of(busy.other), busy.manager.id, *OCTOBER)
    # then
    assert unseen is None
    assert colleague is not None and colleague.calls_made == 4
    with pytest.raises(Forbidden):
        await scorecard(session, actor_of(clerk), clerk.id, *OCTOBER)


# --- the API ----------------------------------------------------------------------------------

SCORECARD = """
query($staffId: ID!, $from: Date!, $to: Date!) {
  staffScorecard(staffId: $staffId, from: $from, to: $to) {
    staff { id username }
    from to
    callsMade reached reachRate averageSatisfaction
    callbacksCompleted conversions conversionRate
    complaintsHandled complaintsWithinSla withinSlaRate
    enrolments enrolmentTarget enrolmentProgress
  }
}
"""

SCORECARDS = """
query($from: Date!, $to: Date!, $role: Role, $first: Int, $after: String) {
  staffScorecards(from: $from, to: $to, role: $role, first: $first, after: $after) {
    totalCount
    edges { cursor node { staff { id username role } callsMade reached reachRate enrolments enrolmentTarget } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def test_the_api_gives_a_scorecard(gql, session):
    # given
    busy = await _october(session)
    # when
    data = await gql(SCORECARD, {"staffId": gid("Staff", busy.manager.id), "from": "2026-10-01", "to": "2026-10-31"})
    # then
    assert data["staffScorecard"] == {
        "staff": {"id": gid("Staff", busy.manager.id), "username": busy.manager.username},
        "from": "2026-10-01",
        "to": "2026-10-31",
        "callsMade": 4,
        "reached": 3,
        "reachRate": 0.75,
        "averageSatisfaction": 4.5,
        "callbacksCompleted": 2,
        "conversions": 1,
        "conversionRate": 0.5,
        "complaintsHandled": 3,
        "complaintsWithinSla": 1,
        "withinSlaRate": pytest.approx(1 / 3),
        "enrolments": 2,
        "enrolmentTarget": 8.0,
        "enrolmentProgress": 0.25,
    }


async def test_store_staff_and_marketing_are_forbidden(session, gql_as):
    # given
    clerk = await gql_as(Role.STORE_STAFF)
    marketing = await gql_as(Role.MARKETING)
    someone = await make_staff(session, Role.VIP_MANAGER)
    variables = {"staffId": gid("Staff", someone.id), "from": "2026-10-01", "to": "2026-10-31"}
    # when
    answers = [
        await clerk.raw(SCORECARD, variables),
        await marketing.raw(SCORECARD, variables),
        await clerk.raw(SCORECARDS, {"from": "2026-10-01", "to": "2026-10-31"}),
    ]
    # then
    assert [a["errors"][0]["extensions"]["code"] for a in answers] == ["FORBIDDEN"] * 3


async def test_staff_out_of_scope_look_absent(session, gql_as):
    # given
    busy = await _october(session)
    south = await gql_as(Role.VIP_MANAGER, region=Region.SOUTH)
    variables = {"staffId": gid("Staff", busy.manager.id), "from": "2026-10-01", "to": "2026-10-31"}
    # when
    single = await south(SCORECARD, variables)
    listed = await south(SCORECARDS, {"from": "2026-10-01", "to": "2026-10-31", "role": "VIP_MANAGER", "first": 100})
    # then
    assert single["staffScorecard"] is None
    ids = {e["node"]["staff"]["id"] for e in listed["staffScorecards"]["edges"]}
    assert gid("Staff", busy.manager.id) not in ids


async def test_a_supervisor_pages_through_everyones_scorecards(session, gql_as):
    # given
    busy = await _october(session)
    supervisor = await gql_as(Role.SUPERVISOR)
    variables = {"from": "2026-10-01", "to": "2026-10-31", "role": "VIP_MANAGER", "first": 2}
    # when
    seen: list[dict] = []
    after = None
    while True:
        page = (await supervisor(SCORECARDS, {**variables, "after": after}))["staffScorecards"]
        seen += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    # then
    assert len(seen) == page["totalCount"]
    assert len({n["staff"]["id"] for n in seen}) == len(seen)
    assert [n["staff"]["username"] for n in seen] == sorted(n["staff"]["username"] for n in seen)
    assert {n["staff"]["role"] for n in seen} == {"VIP_MANAGER"}
    by_id = {n["staff"]["id"]: n for n in seen}
    mine = by_id[gid("Staff", busy.manager.id)]
    assert (mine["callsMade"], mine["reached"], mine["enrolments"], mine["enrolmentTarget"]) == (4, 3, 2, 8.0)
    theirs = by_id[gid("Staff", busy.other.id)]
    assert (theirs["callsMade"], theirs["reachRate"], theirs["enrolments"], theirs["enrolmentTarget"]) == (
        1,
        1.0,
        1,
        99.0,
    )


async def test_statements_do_not_grow_with_the_number_of_staff(session, gql, statements):
    # given: every manager with a call, a completed callback, a resolved complaint and an enrolment
    store = await make_store(session, region=Region.NORTHEAST)
    member = await make_member(session, store=store)
    call = await make_callback(session, member=member)
    for _ in range(20):
        person = await make_staff(session, Role.VIP_MANAGER, region=Region.NORTHEAST)
        await make_attempt(session, call, actor=person, attempted_at=utc(10, 5), reached=True, satisfaction=3)
        await make_callback(session, member=member, assignee=person, status=CallbackStatus.DONE, closed_at=utc(10, 6))
        await make_feedback(
            session, member=member, handler_id=person.id, status=FeedbackStatus.RESOLVED, resolved_at=utc(10, 7)
        )
        await make_member(session, store=store, enrolled_by_id=person.id, enrolled_at=utc(10, 8))
        await make_target(session, staff=person, month=dt.date(2026, 10, 1), target_count=4)
    variables = {"from": "2026-10-01", "to": "2026-10-31", "role": "VIP_MANAGER"}
    # when
    statements.active = True
    two = await gql(SCORECARDS, {**variables, "first": 2})
    count_two = statements.count
    statements.reset()
    twenty = await gql(SCORECARDS, {**variables, "first": 20})
    count_twenty = statements.count
    # then
    assert len(two["staffScorecards"]["edges"]) == 2
    assert len(twenty["staffScorecards"]["edges"]) == 20
    assert all(e["node"]["callsMade"] == 1 for e in twenty["staffScorecards"]["edges"])
    assert count_two == count_twenty, statements.statements

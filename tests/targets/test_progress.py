"""Target progress on data where the answer is known: pacing, duplicates, history, leaderboard, bulk set."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.auth.actor import Actor
from crm.businesstime import today
from crm.enums import Region, Role, TargetScope
from crm.errors import DomainError
from crm.targets import pacing, service
from crm.targets.models import EnrolmentTarget
from crm.targets.pacing import PaceStatus
from tests.builders import gid, make_dealer, make_member, make_staff, make_store, make_target

OCTOBER = dt.date(2026, 10, 1)


def _at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def _admin(staff: Any) -> Actor:
    return Actor(staff_id=staff.id, role=Role.ADMIN, store_id=None, region=None, token_id=0)


async def _targets(session) -> int:
    return int(await session.scalar(select(func.count()).select_from(EnrolmentTarget)))


async def _audited(session, action: str) -> int:
    return int(await session.scalar(select(func.count()).where(AuditEvent.action == action)))


# --- counting: Shanghai months, duplicates, attribution ----------------------------------------


async def test_enrolments_count_in_their_shanghai_month_and_duplicates_do_not_count(session):
    # given: a dealer's store in the south with a clerk
    dealer = await make_dealer(session, region=Region.SOUTH)
    store = await make_store(session, dealer=dealer, region=Region.SOUTH)
    clerk = await make_staff(session, Role.STORE_STAFF, store=store)

    async def enrol(at: dt.datetime, **kw: Any) -> Any:
        return await make_member(session, store=store, enrolled_by_id=clerk.id, enrolled_at=at, **kw)

    # 00:00 on 1 October and 23:30 on 31 October in Shanghai count in October
    first = await enrol(_at(2026, 9, 30, 16, 0))
    await enrol(_at(2026, 10, 31, 15, 30))
    # 23:59 on 30 September and 00:00 on 1 November do not
    await enrol(_at(2026, 9, 30, 15, 59))
    await enrol(_at(2026, 10, 31, 16, 0))
    # the same person enrolled again in October: a duplicate
    await enrol(_at(2026, 10, 12, 4), duplicate_of_id=first.id)
    keys = [
        (TargetScope.STORE, OCTOBER, str(store.id)),
        (TargetScope.STAFF, OCTOBER, str(clerk.id)),
        (TargetScope.DEALER, OCTOBER, str(dealer.id)),
        (TargetScope.REGION, OCTOBER, Region.SOUTH.value),
        (TargetScope.STORE, dt.date(2026, 11, 1), str(store.id)),
        (TargetScope.STORE, dt.date(2026, 9, 1), str(store.id)),
    ]
    # when
    counts = await service.enrolled_counts(session, keys)
    # then
    assert counts == [2, 2, 2, 2, 1, 1]


def test_progress_takes_the_day_to_pace_on():
    # when: 3 of 8 enrolled on 8 October, after the National Day week (weight 14 of 41)
    pace = service.progress(OCTOBER, 8, 3, today=dt.date(2026, 10, 8))
    after = service.progress(OCTOBER, 8, 3, today=dt.date(2026, 11, 2))
    # then
    assert (pace.expected, pace.forecast, pace.needed_per_day, pace.days_remaining, pace.status) == (
        2.73,
        8.79,
        0.21,
        24,
        PaceStatus.ON_TRACK,
    )
    assert (after.expected, after.forecast, after.needed_per_day, after.days_remaining, after.status) == (
        8,
        3,
        None,
        0,
        PaceStatus.MISSED,
    )


PACE = """
query Pace($month: String!, $months: Int = 3) {
  enrolmentTargets(month: $month, first: 100) {
    edges { node {
      id scope targetCount enrolledCount progress expectedByToday forecast neededPerDay daysRemaining status
      pacingCalendar
      history(months: $months) { month targetCount enrolledCount progress status }
    } }
  }
}
"""


async def test_a_past_month_shows_its_final_figures_and_history(gql, session):
    # given: a store with targets in July and September (none in August) and October
    store = await make_store(session)
    for at in (_at(2026, 7, 3, 4), _at(2026, 7, 4, 4), _at(2026, 8, 9, 4), _at(2026, 9, 2, 4), _at(2026, 10, 2, 4)):
        await make_member(session, store=store, enrolled_at=at)
    await make_target(session, store=store, month=dt.date(2026, 7, 1), target_count=2)
    await make_target(session, store=store, month=dt.date(2026, 9, 1), target_count=4)
    october = await make_target(session, store=store, month=OCTOBER, target_count=4)
    # when
    data = await gql(PACE, {"month": "2026-10"})
    # then: October is over (the suite runs after it), so the figures are final
    (edge,) = data["enrolmentTargets"]["edges"]
    node = edge["node"]
    assert node["id"] == gid("EnrolmentTarget", october.id)
    assert {k: v for k, v in node.items() if k not in ("id", "history")} == {
        "scope": "STORE",
        "targetCount": 4,
        "enrolledCount": 1,
        "progress": 0.25,
        "expectedByToday": 4.0,
        "forecast": 1.0,
        "neededPerDay": None,
        "daysRemaining": 0,
        "status": "MISSED",
        "pacingCalendar": "CHINESE_HOLIDAYS",
    }
    assert node["history"] == [
        {"month": "2026-07", "targetCount": 2, "enrolledCount": 2, "progress": 1.0, "status": "ACHIEVED"},
        {"month": "2026-08", "targetCount": None, "enrolledCount": 1, "progress": None, "status": None},
        {"month": "2026-09", "targetCount": 4, "enrolledCount": 1, "progress": 0.25, "status": "MISSED"},
    ]


async def test_the_current_month_is_paced_on_todays_calendar(gql, session):
    # given: a store with a target this month and one member enrolled today
    store = await make_store(session)
    this_month = today().replace(day=1)
    await make_member(session, store=store, enrolled_at=dt.datetime.now(dt.UTC))
    await make_target(session, store=store, month=this_month, target_count=30)
    # when
    data = await gql(PACE, {"month": service.format_month(this_month), "months": 1})
    # then
    node = data["enrolmentTargets"]["edges"][0]["node"]
    pace = pacing.pace(today(), this_month, 30, 1)
    assert (node["expectedByToday"], node["forecast"], node["neededPerDay"]) == (
        pace.expected,
        pace.forecast,
        pace.needed_per_day,
    )
    assert (node["daysRemaining"], node["status"]) == (pace.days_remaining, pace.status.value)
    assert node["history"][0]["month"] == service.format_month(service.add_months(this_month, -1))


async def test_history_needs_a_sensible_number_of_months(gql, session):
    # given
    await make_target(session, region=Region.EAST, month=OCTOBER)
    # when
    responses = [await gql.raw(PACE, {"month": "2026-10", "months": n}) for n in (0, 25)]
    # then
    assert [r["errors"][0]["extensions"]["code"] for r in responses] == ["INVALID_ARGUMENT"] * 2


# --- duplicates --------------------------------------------------------------------------------

MARK = """
mutation Mark($input: MemberMarkDuplicateInput!) {
  memberMarkDuplicate(input: $input) {
    member { id version duplicateOf { id } }
    userErrors { field code relatedId }
  }
}
"""

COUNT = """
query($id: ID!) { node(id: $id) { ... on EnrolmentTarget { enrolledCount } } }
"""


async def test_marking_a_duplicate_takes_it_out_of_the_count_and_clearing_puts_it_back(gql, session):
    # given: the same person enrolled twice at a store in October
    store = await make_store(session)
    original = await make_member(session, store=store, enrolled_at=_at(2026, 10, 3, 4))
    again = await make_member(session, store=store, enrolled_at=_at(2026, 10, 20, 4))
    target = await make_target(session, store=store, month=OCTOBER, target_count=2)
    target_id = gid("EnrolmentTarget", target.id)
    before = await gql(COUNT, {"id": target_id})
    # when
    marked = await gql(MARK, {"input": {"id": gid("Member", again.id), "duplicateOfId": gid("Member", original.id)}})
    while_marked = await gql(COUNT, {"id": target_id})
    cleared = await gql(MARK, {"input": {"id": gid("Member", again.id), "duplicateOfId": None, "version": 2}})
    after = await gql(COUNT, {"id": target_id})
    # then
    assert before["node"]["enrolledCount"] == 2
    assert marked["memberMarkDuplicate"] == {
        "member": {"id": gid("Member", again.id), "version": 2, "duplicateOf": {"id": gid("Member", original.id)}},
        "userErrors": [],
    }
    assert while_marked["node"]["enrolledCount"] == 1
    assert cleared["memberMarkDuplicate"]["member"]["duplicateOf"] is None
    assert after["node"]["enrolledCount"] == 2
    assert await _audited(session, "memberMarkDuplicate") == 2


async def test_a_duplicate_never_points_at_itself_or_forms_a_chain(gql, gql_as, session):
    # given: c is already a duplicate of a
    store = await make_store(session)
    a, b = await make_member(session, store=store), await make_member(session, store=store)
    c = await make_member(session, store=store, duplicate_of_id=a.id)
    other_region = await make_member(session, store=await make_store(session, region=Region.SOUTH))

    async def mark(member: Any, duplicate_of: Any, gql_client: Any = gql) -> list[dict]:
        payload = await gql_client(
            MARK,
            {"input": {"id": gid("Member", member.id), "duplicateOfId": gid("Member", duplicate_of.id)}},
        )
        assert payload["memberMarkDuplicate"]["member"] is None
        errors: list[dict] = payload["memberMarkDuplicate"]["userErrors"]
        return errors

    manager = await gql_as(Role.VIP_MANAGER, region=Region.EAST)
    # when / then
    assert await mark(b, b) == [{"field": "duplicateOfId", "code": "INVALID", "relatedId": None}]
    assert await mark(b, c) == [{"field": "duplicateOfId", "code": "INVALID_STATE", "relatedId": gid("Member", a.id)}]
    assert await mark(a, b) == [{"field": "id", "code": "INVALID_STATE", "relatedId": gid("Member", c.id)}]
    assert await mark(b, other_region, manager) == [{"field": "duplicateOfId", "code": "NOT_FOUND", "relatedId": None}]
    stale = await gql(MARK, {"input": {"id": gid("Member", b.id), "duplicateOfId": gid("Member", a.id), "version": 7}})
    bad_id = await gql(MARK, {"input": {"id": gid("Member", b.id), "duplicateOfId": gid("Store", store.id)}})
    assert stale["memberMarkDuplicate"]["userErrors"] == [
        {"field": "version", "code": "STALE_VERSION", "relatedId": None}
    ]
    assert bad_id["memberMarkDuplicate"]["userErrors"] == [
        {"field": "duplicateOfId", "code": "INVALID_ID", "relatedId": None}
    ]


# --- leaderboard -------------------------------------------------------------------------------

LEADERBOARD = """
query Board($month: String!, $scope: TargetScope!, $first: Int, $after: String) {
  targetLeaderboard(month: $month, scope: $scope, first: $first, after: $after) {
    totalCount
    edges { node { rank target { id targetCount enrolledCount progress status expectedByToday } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def _ranked_stores(session) -> dict[str, Any]:
    """Five east stores' October targets with (target, enrolled): a duplicate and a south store besides."""
    shape = {"e": (3, 3), "a": (2, 2), "b": (4, 2), "c": (2, 1), "d": (0, 1)}
    stores = {}
    for name, (target, enrolled) in shape.items():
        store = await make_store(session, name=f"店{name}")
        members = [await make_member(session, store=store, enrolled_at=_at(2026, 10, 9, 4)) for _ in range(enrolled)]
        await make_target(session, store=store, month=OCTOBER, target_count=target)
        stores[name] = store
        if members:
            await make_member(session, store=store, enrolled_at=_at(2026, 10, 9, 5), duplicate_of_id=members[0].id)
    south = await make_store(session, region=Region.SOUTH)
    await make_target(session, store=south, month=OCTOBER, target_count=1)
    stores["south"] = south
    return stores


async def test_leaderboard_ranks_by_progress_then_enrolled_within_the_actors_scope(gql, gql_as, session):
    # given
    stores = await _ranked_stores(session)
    manager = await gql_as(Role.VIP_MANAGER, region=Region.EAST)
    # when
    everyone = await gql(LEADERBOARD, {"month": "2026-10", "scope": "STORE", "first": 10})
    east = await manager(LEADERBOARD, {"month": "2026-10", "scope": "STORE", "first": 10})
    # then: 1.0 (3 enrolled), 1.0 (2), 0.5 (2), 0.5 (1), then the target of 0; the south store's 0.0 before it
    board = everyone["targetLeaderboard"]
    assert board["totalCount"] == 6
    shown = [
        (e["node"]["rank"], e["node"]["target"]["enrolledCount"], e["node"]["target"]["progress"])
        for e in board["edges"]
    ]
    assert shown == [(1, 3, 1.0), (2, 2, 1.0), (3, 2, 0.5), (4, 1, 0.5), (5, 0, 0.0), (6, 1, None)]
    assert [e["node"]["target"]["status"] for e in board["edges"]][:2] == ["ACHIEVED", "ACHIEVED"]
    east_ids = [e["node"]["target"]["id"] for e in east["targetLeaderboard"]["edges"]]
    assert len(east_ids) == 5
    south_target = await session.scalar(
        select(EnrolmentTarget.id).where(EnrolmentTarget.store_id == stores["south"].id)
    )
    assert gid("EnrolmentTarget", south_target) not in east_ids


async def test_leaderboard_pages_walk_the_ranking_once(gql, session):
    # given
    await _ranked_stores(session)
    seen: list[tuple[int, int]] = []
    after = None
    # when
    while True:
        data = await gql(LEADERBOARD, {"month": "2026-10", "scope": "STORE", "first": 2, "after": after})
        board = data["targetLeaderboard"]
        seen += [(e["node"]["rank"], e["node"]["target"]["enrolledCount"]) for e in board["edges"]]
        if not board["pageInfo"]["hasNextPage"]:
            break
        after = board["pageInfo"]["endCursor"]
    # then
    assert seen == [(1, 3), (2, 2), (3, 2), (4, 1), (5, 0), (6, 1)]


async def test_leaderboard_attributes_staff_dealers_and_regions(gql, session):
    # given: an east dealer's store with a clerk who enrolled two (one a duplicate), a south store with one
    dealer = await make_dealer(session)
    store = await make_store(session, dealer=dealer)
    clerk = await make_staff(session, Role.STORE_STAFF, store=store)
    south_store = await make_store(session, region=Region.SOUTH)
    first = await make_member(session, store=store, enrolled_by_id=clerk.id, enrolled_at=_at(2026, 10, 2, 4))
    await make_member(session, store=store, enrolled_by_id=clerk.id, enrolled_at=_at(2026, 10, 3, 4))
    await make_member(session, store=store, enrolled_at=_at(2026, 10, 4, 4), duplicate_of_id=first.id)
    await make_member(session, store=south_store, enrolled_at=_at(2026, 10, 31, 15, 30))
    await make_target(session, staff=clerk, month=OCTOBER, target_count=4)
    await make_target(session, staff=await make_staff(session, Role.STORE_STAFF), month=OCTOBER, target_count=4)
    await make_target(session, dealer=dealer, month=OCTOBER, target_count=1)
    await make_target(session, region=Region.EAST, month=OCTOBER, target_count=4)
    await make_target(session, region=Region.SOUTH, month=OCTOBER, target_count=1)
    # when
    boards = {
        scope: await gql(LEADERBOARD, {"month": "2026-10", "scope": scope}) for scope in ("STAFF", "DEALER", "REGION")
    }
    # then
    shown = {
        scope: [(e["node"]["rank"], e["node"]["target"]["enrolledCount"]) for e in board["targetLeaderboard"]["edges"]]
        for scope, board in boards.items()
    }
    assert shown == {"STAFF": [(1, 2), (2, 0)], "DEALER": [(1, 2)], "REGION": [(1, 1), (2, 2)]}


async def test_leaderboard_month_must_be_valid(gql):
    # when
    response = await gql.raw(LEADERBOARD, {"month": "2026-13", "scope": "STORE"})
    # then
    assert response["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"


# --- bulk set ----------------------------------------------------------------------------------

BULK = """
mutation Bulk($input: TargetSetBulkInput!) {
  targetSetBulk(input: $input) {
    targets { id scope targetCount store { id } staff { id } dealer { id } }
    createdCount updatedCount
    userErrors { field code }
  }
}
"""


async def _bulk_refused(gql_client, session, bulk_input: dict) -> list[tuple[str | None, str]]:
    before = (await _targets(session), await _audited(session, "targetSetBulk"))
    data = await gql_client(BULK, {"input": bulk_input})
    payload = data["targetSetBulk"]
    assert (payload["targets"], payload["createdCount"], payload["updatedCount"]) == (None, None, None)
    assert (await _targets(session), await _audited(session, "targetSetBulk")) == before
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_one_count_for_every_active_store_of_a_region(gql, session):
    # given: three active east stores (one with a target already), a closed one and a south store
    east = [await make_store(session, region=Region.EAST) for _ in range(3)]
    await make_store(session, region=Region.EAST, active=False)
    await make_store(session, region=Region.SOUTH)
    existing = await make_target(session, store=east[1], month=OCTOBER, target_count=9)
    # when
    data = await gql(BULK, {"input": {"month": "2026-10", "scope": "STORE", "region": "EAST", "targetCount": 5}})
    # then
    payload = data["targetSetBulk"]
    assert payload["userErrors"] == []
    assert [t["store"]["id"] for t in payload["targets"]] == [gid("Store", s.id) for s in east]
    assert {t["targetCount"] for t in payload["targets"]} == {5}
    assert payload["targets"][1]["id"] == gid("EnrolmentTarget", existing.id)
    assert (payload["createdCount"], payload["updatedCount"]) == (2, 1)
    assert await _targets(session) == 3
    assert await _audited(session, "targetSetBulk") == 3
    changed = await session.scalar(
        select(AuditEvent).where(AuditEvent.action == "targetSetBulk", AuditEvent.entity_id == existing.id)
    )
    assert (changed.before, changed.after) == ({"target_count": 9}, {"target_count": 5})


async def test_a_regions_staff_and_dealers_in_bulk(gql, session):
    # given: two clerks at an east store, one inactive, one at a south store; an east and a south dealer
    store = await make_store(session, region=Region.EAST)
    clerks = [await make_staff(session, Role.STORE_STAFF, store=store) for _ in range(2)]
    await make_staff(session, Role.STORE_STAFF, store=store, active=False)
    await make_staff(session, Role.STORE_STAFF, store=await make_store(session, region=Region.SOUTH))
    dealer = await make_dealer(session, region=Region.EAST)
    await make_dealer(session, region=Region.SOUTH)
    month = {"month": "2026-10", "region": "EAST", "targetCount": 7}
    # when
    staff = await gql(BULK, {"input": {**month, "scope": "STAFF"}})
    dealers = await gql(BULK, {"input": {**month, "scope": "DEALER"}})
    # then
    assert [t["staff"]["id"] for t in staff["targetSetBulk"]["targets"]] == [gid("Staff", c.id) for c in clerks]
    assert [t["dealer"]["id"] for t in dealers["targetSetBulk"]["targets"]] == [gid("Dealer", dealer.id)]


async def test_explicit_items_are_set_in_the_order_given(gql, session):
    # given
    stores = [await make_store(session) for _ in range(3)]
    items = [
        {"scopeId": gid("Store", s.id), "targetCount": n} for s, n in zip(reversed(stores), (4, 0, 12), strict=True)
    ]
    # when
    data = await gql(BULK, {"input": {"month": "2026-10", "scope": "STORE", "items": items}})
    again = await gql(BULK, {"input": {"month": "2026-10", "scope": "STORE", "items": items[:1]}})
    # then
    payload = data["targetSetBulk"]
    assert [(t["store"]["id"], t["targetCount"]) for t in payload["targets"]] == [
        (i["scopeId"], i["targetCount"]) for i in items
    ]
    assert (payload["createdCount"], payload["updatedCount"]) == (3, 0)
    assert (again["targetSetBulk"]["createdCount"], again["targetSetBulk"]["updatedCount"]) == (0, 1)
    # setting the same count again changes nothing: nothing more is audited
    assert await _audited(session, "targetSetBulk") == 3


async def test_region_or_items_exactly_one_of_them(gql, session):
    # given
    store = await make_store(session)
    item = {"scopeId": gid("Store", store.id), "targetCount": 1}
    october = {"month": "2026-10", "scope": "STORE"}
    # when
    both = await _bulk_refused(gql, session, {**october, "region": "EAST", "targetCount": 3, "items": [item]})
    neither = await _bulk_refused(gql, session, october)
    no_count = await _bulk_refused(gql, session, {**october, "region": "EAST"})
    no_region = await _bulk_refused(gql, session, {**october, "targetCount": 3})
    empty = await _bulk_refused(gql, session, {**october, "items": []})
    too_many = await _bulk_refused(gql, session, {**october, "items": [item] * 501})
    empty_region = await _bulk_refused(gql, session, {**october, "region": "NORTHWEST", "targetCount": 3})
    # then
    assert both == [("items", "INVALID")]
    assert neither == [("items", "REQUIRED")]
    assert no_count == [("targetCount", "REQUIRED")]
    assert no_region == [("region", "REQUIRED")]
    assert empty == [("items", "REQUIRED")]
    assert too_many == [("items", "OUT_OF_RANGE")]
    assert empty_region == [("region", "NOT_FOUND")]


async def test_one_bad_item_refuses_them_all_and_every_problem_names_its_item(gql, gql_as, session):
    # given
    good, other = await make_store(session), await make_store(session)
    south = await make_store(session, region=Region.SOUTH)
    manager = await gql_as(Role.VIP_MANAGER, region=Region.EAST)
    items = [
        {"scopeId": gid("Store", good.id), "targetCount": 5},
        {"scopeId": gid("Store", other.id), "targetCount": -1},
        {"scopeId": gid("Store", south.id), "targetCount": 5},
        {"scopeId": gid("Store", good.id), "targetCount": 6},
        {"scopeId": gid("Store", 987654321), "targetCount": 1},
    ]
    # when
    refused = await _bulk_refused(manager, session, {"month": "1999-12", "scope": "STORE", "items": items})
    bad_ids = await _bulk_refused(
        gql,
        session,
        {
            "month": "2026-10",
            "scope": "STORE",
            "items": [items[0], {"scopeId": gid("Staff", 1), "targetCount": 1}, {"scopeId": "x", "targetCount": 1}],
        },
    )
    other_region = await _bulk_refused(
        manager, session, {"month": "2026-10", "scope": "STORE", "region": "SOUTH", "targetCount": 1}
    )
    # then
    assert set(refused) == {
        ("month", "OUT_OF_RANGE"),
        ("items.1.targetCount", "OUT_OF_RANGE"),
        ("items.2.scopeId", "NOT_FOUND"),
        ("items.3.scopeId", "DUPLICATE"),
        ("items.4.scopeId", "NOT_FOUND"),
    }
    assert bad_ids == [("items.1.scopeId", "INVALID_ID"), ("items.2.scopeId", "INVALID_ID")]
    assert other_region == [("region", "INVALID")]


async def test_bulk_needs_target_set_and_refuses_regions(gql_as, session):
    # given
    marketing = await gql_as(Role.MARKETING)
    admin = _admin(await make_staff(session, Role.ADMIN))
    # when
    forbidden = await marketing.raw(
        BULK, {"input": {"month": "2026-10", "scope": "STORE", "region": "EAST", "targetCount": 1}}
    )
    with pytest.raises(DomainError) as refused:
        await service.set_targets_bulk(
            session, admin, {"month": "2026-10", "scope": "REGION", "region": "EAST", "target_count": 1}
        )
    # then
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert [(e.field, e.code.value) for e in refused.value.errors] == [("scope", "INVALID")]


async def test_month_range_is_checked_against_the_given_day(session):
    # given
    admin = _admin(await make_staff(session, Role.ADMIN))
    store = await make_store(session)
    data = {"month": "2028-12", "scope": "STORE", "items": [{"scope_id": store.id, "target_count": 1}]}
    # when: 2028-12 is 24 months after 2026-12, 25 after 2026-11
    accepted = await service.set_targets_bulk(session, admin, dict(data), today=dt.date(2026, 12, 5))
    with pytest.raises(DomainError) as refused:
        await service.set_targets_bulk(session, admin, dict(data), today=dt.date(2026, 11, 30))
    # then
    assert accepted.created == 1
    assert [(e.field, e.code.value) for e in refused.value.errors] == [("month", "OUT_OF_RANGE")]


# --- statements ---------------------------------------------------------------------------------

FULL_PAGE = """
query Full($month: String!, $first: Int!) {
  enrolmentTargets(month: $month, first: $first) {
    edges { node {
      id enrolledCount progress expectedByToday forecast neededPerDay daysRemaining status pacingCalendar
      history(months: 4) { month targetCount enrolledCount progress status }
      store { id name }
    } }
  }
  targetLeaderboard(month: $month, scope: STORE, first: $first) {
    edges { node { rank target { id enrolledCount progress status history(months: 2) { month enrolledCount } } } }
  }
}
"""


async def test_statement_count_is_the_same_for_two_and_twelve_targets_with_progress_and_history(
    gql, session, statements
):
    # given: twelve stores with October targets, past targets and enrolments
    for i in range(12):
        store = await make_store(session)
        for month in (7, 8, 9, 10):
            await make_member(session, store=store, enrolled_at=_at(2026, month, 5, 4))
            await make_target(session, store=store, month=dt.date(2026, month, 1), target_count=1 + i % 3)
    # when
    counts = {}
    for first in (2, 12):
        statements.reset()
        statements.active = True
        data = await gql(FULL_PAGE, {"month": "2026-10", "first": first})
        statements.active = False
        assert len(data["enrolmentTargets"]["edges"]) == len(data["targetLeaderboard"]["edges"]) == first
        assert all(len(e["node"]["history"]) == 4 for e in data["enrolmentTargets"]["edges"])
        counts[first] = statements.count
    # then
    assert counts[2] == counts[12], statements.statements

"""Monthly enrolment targets through the GraphQL API: setting them and following progress."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from crm.config import BUSINESS_TZ
from crm.enums import Region, Role
from crm.targets.models import EnrolmentTarget
from tests.builders import gid, make_dealer, make_member, make_staff, make_store, make_target

SET = """
mutation Set($input: TargetSetInput!) {
  targetSet(input: $input) {
    target {
      id month scope region targetCount enrolledCount progress
      store { id } staff { id } dealer { id }
    }
    userErrors { field code }
  }
}
"""

LIST = """
query Targets($month: String!, $scope: TargetScope, $first: Int, $after: String) {
  enrolmentTargets(month: $month, scope: $scope, first: $first, after: $after) {
    totalCount
    edges { node { id month scope region targetCount enrolledCount progress store { id } staff { id } dealer { id } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""

JUNE = dt.date(2026, 6, 1)


def _at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def _months_ahead(n: int) -> str:
    """The month `n` months after the current one in Shanghai, as YYYY-MM."""
    today = dt.datetime.now(BUSINESS_TZ).date()
    index = today.year * 12 + today.month - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


async def _count(session) -> int:
    return int(await session.scalar(select(func.count()).select_from(EnrolmentTarget)))


async def _refused(gql, session, target_input: dict) -> list[dict]:
    """Set a target that must be refused; return its userErrors after checking nothing was written."""
    before = await _count(session)
    data = await gql(SET, {"input": target_input})
    assert data["targetSet"]["target"] is None
    assert await _count(session) == before
    errors: list[dict] = data["targetSet"]["userErrors"]
    return errors


async def test_set_store_target_shows_progress(gql, session):
    # given: two members enrolled at the store in June (Shanghai), one in May
    store = await make_store(session)
    await make_member(session, store=store, enrolled_at=_at(2026, 6, 10, 4))
    await make_member(session, store=store, enrolled_at=_at(2026, 6, 20, 4))
    await make_member(session, store=store, enrolled_at=_at(2026, 5, 20, 4))
    # when
    data = await gql(
        SET, {"input": {"month": "2026-06", "scope": "STORE", "scopeId": gid("Store", store.id), "targetCount": 8}}
    )
    # then
    payload = data["targetSet"]
    assert payload["userErrors"] == []
    target = payload["target"]
    assert target["id"] == gid("EnrolmentTarget", await session.scalar(select(EnrolmentTarget.id)))
    assert {k: v for k, v in target.items() if k != "id"} == {
        "month": "2026-06",
        "scope": "STORE",
        "region": None,
        "targetCount": 8,
        "enrolledCount": 2,
        "progress": 0.25,
        "store": {"id": gid("Store", store.id)},
        "staff": None,
        "dealer": None,
    }
    assert await _count(session) == 1


async def test_set_staff_dealer_and_region_targets(gql, session):
    # given
    clerk = await make_staff(session, Role.STORE_STAFF)
    dealer = await make_dealer(session)
    # when
    staff = await gql(
        SET, {"input": {"month": "2026-07", "scope": "STAFF", "scopeId": gid("Staff", clerk.id), "targetCount": 30}}
    )
    by_dealer = await gql(
        SET, {"input": {"month": "2026-07", "scope": "DEALER", "scopeId": gid("Dealer", dealer.id), "targetCount": 0}}
    )
    region = await gql(SET, {"input": {"month": " 2026-07 ", "scope": "REGION", "region": "SOUTH", "targetCount": 500}})
    # then
    assert staff["targetSet"]["target"]["scope"] == "STAFF"
    assert staff["targetSet"]["target"]["staff"] == {"id": gid("Staff", clerk.id)}
    assert staff["targetSet"]["target"]["store"] is None
    assert by_dealer["targetSet"]["target"]["dealer"] == {"id": gid("Dealer", dealer.id)}
    assert by_dealer["targetSet"]["target"]["progress"] is None
    assert region["targetSet"]["target"]["region"] == "SOUTH"
    assert region["targetSet"]["target"]["month"] == "2026-07"
    assert region["targetSet"]["target"]["targetCount"] == 500
    assert await _count(session) == 3


async def test_setting_the_same_target_again_replaces_its_count(gql, session):
    # given
    store = await make_store(session)
    target_input = {"month": "2026-06", "scope": "STORE", "scopeId": gid("Store", store.id), "targetCount": 10}
    region_input = {"month": "2026-06", "scope": "REGION", "region": "EAST", "targetCount": 100}
    first = await gql(SET, {"input": target_input})
    await gql(SET, {"input": region_input})
    # when
    second = await gql(SET, {"input": {**target_input, "targetCount": 12}})
    region_again = await gql(SET, {"input": {**region_input, "targetCount": 90}})
    next_month = await gql(SET, {"input": {**target_input, "month": "2026-07"}})
    # then
    assert second["targetSet"]["target"]["id"] == first["targetSet"]["target"]["id"]
    assert second["targetSet"]["target"]["targetCount"] == 12
    assert region_again["targetSet"]["target"]["targetCount"] == 90
    assert next_month["targetSet"]["target"]["id"] != first["targetSet"]["target"]["id"]
    assert await _count(session) == 3
    listed = await gql(LIST, {"month": "2026-06"})
    assert {(e["node"]["scope"], e["node"]["targetCount"]) for e in listed["enrolmentTargets"]["edges"]} == {
        ("STORE", 12),
        ("REGION", 90),
    }


async def test_month_must_be_a_real_month_within_range(gql, session):
    # given
    region = {"scope": "REGION", "region": "EAST", "targetCount": 1}
    # when
    bad_month = await _refused(gql, session, {**region, "month": "2026-13"})
    slashes = await _refused(gql, session, {**region, "month": "2026/11"})
    zero_month = await _refused(gql, session, {**region, "month": "2026-00"})
    short = await _refused(gql, session, {**region, "month": "2026-6"})
    year_zero = await _refused(gql, session, {**region, "month": "0000-01"})
    too_far = await _refused(gql, session, {**region, "month": _months_ahead(25)})
    too_early = await _refused(gql, session, {**region, "month": "1999-12"})
    furthest = await gql(SET, {"input": {**region, "month": _months_ahead(24)}})
    earliest = await gql(SET, {"input": {**region, "month": "2000-01"}})
    # then
    for refused in (bad_month, slashes, zero_month, short, year_zero):
        assert refused == [{"field": "month", "code": "INVALID_DATE"}]
    assert too_far == [{"field": "month", "code": "OUT_OF_RANGE"}]
    assert too_early == [{"field": "month", "code": "OUT_OF_RANGE"}]
    assert furthest["targetSet"]["target"]["month"] == _months_ahead(24)
    assert earliest["targetSet"]["target"]["month"] == "2000-01"


async def test_target_count_must_be_within_bounds(gql, session):
    # given
    region = {"month": "2026-06", "scope": "REGION", "region": "EAST"}
    # when
    negative = await _refused(gql, session, {**region, "targetCount": -1})
    too_many = await _refused(gql, session, {**region, "targetCount": 1_000_001})
    largest = await gql(SET, {"input": {**region, "targetCount": 1_000_000}})
    # then
    assert negative == [{"field": "targetCount", "code": "OUT_OF_RANGE"}]
    assert too_many == [{"field": "targetCount", "code": "OUT_OF_RANGE"}]
    assert largest["targetSet"]["target"]["targetCount"] == 1_000_000


async def test_scope_needs_its_matching_key(gql, session):
    # given
    store = await make_store(session)
    june = {"month": "2026-06", "targetCount": 5}
    # when
    region_without_region = await _refused(gql, session, {**june, "scope": "REGION"})
    region_with_id = await _refused(
        gql, session, {**june, "scope": "REGION", "region": "EAST", "scopeId": gid("Store", store.id)}
    )
    store_without_id = await _refused(gql, session, {**june, "scope": "STORE"})
    store_with_region = await _refused(
        gql, session, {**june, "scope": "STORE", "scopeId": gid("Store", store.id), "region": "EAST"}
    )
    # then
    assert region_without_region == [{"field": "region", "code": "REQUIRED"}]
    assert region_with_id == [{"field": "scopeId", "code": "INVALID"}]
    assert store_without_id == [{"field": "scopeId", "code": "REQUIRED"}]
    assert store_with_region == [{"field": "region", "code": "INVALID"}]


async def test_scope_id_must_name_an_existing_record_of_the_scope(gql, session):
    # given
    store = await make_store(session)
    june = {"month": "2026-06", "targetCount": 5}
    # when
    wrong_type = await _refused(gql, session, {**june, "scope": "STAFF", "scopeId": gid("Store", store.id)})
    garbage = await _refused(gql, session, {**june, "scope": "DEALER", "scopeId": "not-an-id"})
    unknown_store = await _refused(gql, session, {**june, "scope": "STORE", "scopeId": gid("Store", 987654321)})
    unknown_staff = await _refused(gql, session, {**june, "scope": "STAFF", "scopeId": gid("Staff", 987654321)})
    unknown_dealer = await _refused(gql, session, {**june, "scope": "DEALER", "scopeId": gid("Dealer", 987654321)})
    # then
    assert wrong_type == [{"field": "scopeId", "code": "INVALID_ID"}]
    assert garbage == [{"field": "scopeId", "code": "INVALID_ID"}]
    assert unknown_store == [{"field": "scopeId", "code": "NOT_FOUND"}]
    assert unknown_staff == [{"field": "scopeId", "code": "NOT_FOUND"}]
    assert unknown_dealer == [{"field": "scopeId", "code": "NOT_FOUND"}]


async def test_every_problem_is_reported_at_once(gql, session):
    # when
    errors = await _refused(gql, session, {"month": "1999-01", "scope": "STORE", "region": "EAST", "targetCount": -5})
    # then
    assert {(e["field"], e["code"]) for e in errors} == {
        ("month", "OUT_OF_RANGE"),
        ("targetCount", "OUT_OF_RANGE"),
        ("region", "INVALID"),
        ("scopeId", "REQUIRED"),
    }


async def test_enrolled_count_attributes_members_by_scope_in_shanghai_months(gql, session):
    # given: a dealer's store and a self-operated store in the south, a self-operated store in the north
    dealer = await make_dealer(session, region=Region.SOUTH)
    dealer_store = await make_store(session, dealer=dealer, region=Region.SOUTH)
    own_store = await make_store(session, region=Region.SOUTH)
    north_store = await make_store(session, region=Region.NORTH)
    clerk = await make_staff(session, Role.STORE_STAFF, store=dealer_store)
    other_clerk = await make_staff(session, Role.STORE_STAFF, store=own_store)
    june = [
        # 2026-05-31 16:30 UTC is 00:30 on 1 June in Shanghai
        (dealer_store, clerk, _at(2026, 5, 31, 16, 30)),
        (dealer_store, None, _at(2026, 6, 12, 3)),
        # 2026-06-30 15:59 UTC is 23:59 on 30 June in Shanghai
        (own_store, clerk, _at(2026, 6, 30, 15, 59)),
        (north_store, clerk, _at(2026, 6, 15, 3)),
        (north_store, other_clerk, _at(2026, 6, 16, 3)),
    ]
    other_months = [
        # 23:30 on 31 May and 00:00 on 1 July in Shanghai
        (dealer_store, clerk, _at(2026, 5, 31, 15, 30)),
        (own_store, clerk, _at(2026, 6, 30, 16, 0)),
    ]
    for store, by, at in june + other_months:
        await make_member(session, store=store, enrolled_by_id=by.id if by else None, enrolled_at=at)
    targets = {
        "dealer store": await make_target(session, store=dealer_store, target_count=4),
        "own store": await make_target(session, store=own_store, target_count=0),
        "empty store": await make_target(session, store=await make_store(session), target_count=3),
        "clerk": await make_target(session, staff=clerk, target_count=3),
        "other clerk": await make_target(session, staff=other_clerk, target_count=2),
        "dealer": await make_target(session, dealer=dealer, target_count=3),
        "south": await make_target(session, region=Region.SOUTH, target_count=2),
        "north": await make_target(session, region=Region.NORTH, target_count=4),
        "east": await make_target(session, region=Region.EAST, target_count=1),
    }
    await make_target(session, store=dealer_store, month=dt.date(2026, 5, 1), target_count=1)
    await make_target(session, store=own_store, month=dt.date(2026, 7, 1), target_count=1)
    # when
    data = await gql(LIST, {"month": "2026-06", "first": 100})
    # then
    nodes = {e["node"]["id"]: e["node"] for e in data["enrolmentTargets"]["edges"]}
    assert data["enrolmentTargets"]["totalCount"] == len(targets)
    shown = {name: nodes[gid("EnrolmentTarget", t.id)] for name, t in targets.items()}
    assert {name: (n["enrolledCount"], n["progress"]) for name, n in shown.items()} == {
        "dealer store": (2, 0.5),
        "own store": (1, None),
        "empty store": (0, 0.0),
        "clerk": (3, 1.0),
        "other clerk": (1, 0.5),
        "dealer": (2, 0.6667),
        "south": (3, 1.5),
        "north": (2, 0.5),
        "east": (0, 0.0),
    }
    assert all(n["month"] == "2026-06" for n in shown.values())
    may = await gql(LIST, {"month": "2026-05"})
    july = await gql(LIST, {"month": "2026-07"})
    assert [e["node"]["enrolledCount"] for e in may["enrolmentTargets"]["edges"]] == [1]
    assert [e["node"]["enrolledCount"] for e in july["enrolmentTargets"]["edges"]] == [1]


async def test_list_filters_by_scope_and_orders_by_scope(gql, session):
    # given
    store = await make_store(session)
    staff = await make_staff(session)
    dealer = await make_dealer(session)
    by_store = await make_target(session, store=store)
    by_staff = await make_target(session, staff=staff)
    by_dealer = await make_target(session, dealer=dealer)
    by_region = await make_target(session, region=Region.CENTRAL)
    # when
    everything = await gql(LIST, {"month": "2026-06"})
    regions = await gql(LIST, {"month": "2026-06", "scope": "REGION"})
    stores = await gql(LIST, {"month": "2026-06", "scope": "STORE"})
    other_month = await gql(LIST, {"month": "2026-08"})
    # then
    assert [e["node"]["id"] for e in everything["enrolmentTargets"]["edges"]] == [
        gid("EnrolmentTarget", t.id) for t in (by_dealer, by_region, by_staff, by_store)
    ]
    assert [e["node"]["region"] for e in regions["enrolmentTargets"]["edges"]] == ["CENTRAL"]
    assert [e["node"]["store"] for e in stores["enrolmentTargets"]["edges"]] == [{"id": gid("Store", store.id)}]
    assert other_month["enrolmentTargets"]["totalCount"] == 0


async def test_pagination_walks_every_target_once(gql, session):
    # given
    created = [await make_target(session, store=await make_store(session)) for _ in range(5)]
    created += [await make_target(session, region=region) for region in (Region.EAST, Region.NORTHWEST)]
    seen: list[str] = []
    after = None
    # when
    while True:
        data = await gql(LIST, {"month": "2026-06", "first": 2, "after": after})
        conn = data["enrolmentTargets"]
        assert conn["totalCount"] == 7
        seen += [e["node"]["id"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    # then
    assert sorted(seen) == sorted(gid("EnrolmentTarget", t.id) for t in created)
    assert len(seen) == 7


async def test_invalid_month_argument_and_page_size(gql):
    # when
    responses = [await gql.raw(LIST, {"month": month}) for month in ("2026-13", "2026/06", "June", "0000-01", "")]
    too_big = await gql.raw(LIST, {"month": "2026-06", "first": 101})
    # then
    for response in responses:
        assert response["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"
        assert response["data"] is None
    assert too_big["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"


async def test_node_returns_a_target(gql, session):
    # given
    dealer = await make_dealer(session)
    await make_member(session, store=await make_store(session, dealer=dealer), enrolled_at=_at(2026, 6, 2))
    target = await make_target(session, dealer=dealer, target_count=4)
    query = """
    query($id: ID!) {
      node(id: $id) { __typename ... on EnrolmentTarget { month scope enrolledCount progress dealer { id } } }
    }
    """
    # when
    data = await gql(query, {"id": gid("EnrolmentTarget", target.id)})
    # then
    assert data["node"] == {
        "__typename": "EnrolmentTarget",
        "month": "2026-06",
        "scope": "DEALER",
        "enrolledCount": 1,
        "progress": 0.25,
        "dealer": {"id": gid("Dealer", dealer.id)},
    }


async def test_targets_of_different_months_count_their_own_month_in_one_request(gql, session):
    # given
    store = await make_store(session)
    for at in (_at(2026, 5, 3), _at(2026, 6, 3), _at(2026, 6, 4), _at(2026, 7, 5)):
        await make_member(session, store=store, enrolled_at=at)
    may, june, july = [
        await make_target(session, store=store, month=dt.date(2026, m, 1), target_count=2) for m in (5, 6, 7)
    ]
    query = """
    query($may: ID!, $june: ID!, $july: ID!) {
      may: node(id: $may) { ... on EnrolmentTarget { enrolledCount } }
      june: node(id: $june) { ... on EnrolmentTarget { enrolledCount } }
      july: node(id: $july) { ... on EnrolmentTarget { enrolledCount progress } }
    }
    """
    # when
    data = await gql(
        query,
        {
            "may": gid("EnrolmentTarget", may.id),
            "june": gid("EnrolmentTarget", june.id),
            "july": gid("EnrolmentTarget", july.id),
        },
    )
    # then
    assert data == {
        "may": {"enrolledCount": 1},
        "june": {"enrolledCount": 2},
        "july": {"enrolledCount": 1, "progress": 0.5},
    }


PROGRESS = """
query Progress($month: String!, $scope: TargetScope, $first: Int!) {
  enrolmentTargets(month: $month, scope: $scope, first: $first) {
    edges { node { id enrolledCount progress store { id name dealer { id name } } staff { id displayName }
                   dealer { id name } } }
  }
}
"""


async def _statement_count(gql, statements, variables: dict) -> tuple[int, list[dict]]:
    statements.reset()
    statements.active = True
    data = await gql(PROGRESS, variables)
    statements.active = False
    edges: list[dict] = data["enrolmentTargets"]["edges"]
    return statements.count, edges


async def test_statement_count_is_the_same_for_two_and_twenty_targets(gql, session, statements):
    # given: twenty dealer stores with one June enrolment and a target each
    for _ in range(20):
        store = await make_store(session, dealer=await make_dealer(session))
        await make_member(session, store=store, enrolled_at=_at(2026, 6, 3))
        await make_target(session, store=store, target_count=2)
    # when
    count_two, two = await _statement_count(gql, statements, {"month": "2026-06", "scope": "STORE", "first": 2})
    count_twenty, twenty = await _statement_count(gql, statements, {"month": "2026-06", "scope": "STORE", "first": 20})
    # then
    assert len(two) == 2
    assert len(twenty) == 20
    assert all(e["node"]["enrolledCount"] == 1 and e["node"]["progress"] == 0.5 for e in twenty)
    assert all(e["node"]["store"]["dealer"]["name"] for e in twenty)
    assert count_two == count_twenty, statements.statements


async def test_statement_count_does_not_grow_with_mixed_scopes(gql, session, statements):
    # given: June has one target per scope, July five per scope; every one has an enrolment
    regions = list(Region)
    for month, per_scope in ((dt.date(2026, 6, 1), 1), (dt.date(2026, 7, 1), 5)):
        for i in range(per_scope):
            dealer = await make_dealer(session)
            store = await make_store(session, dealer=dealer, region=regions[i])
            clerk = await make_staff(session, Role.STORE_STAFF, store=store)
            enrolled = dt.datetime.combine(month, dt.time(12), dt.UTC)
            await make_member(session, store=store, enrolled_by_id=clerk.id, enrolled_at=enrolled)
            for scope in ({"store": store}, {"staff": clerk}, {"dealer": dealer}, {"region": regions[i]}):
                await make_target(session, month=month, target_count=1, **scope)
    # when
    count_four, four = await _statement_count(gql, statements, {"month": "2026-06", "first": 100})
    count_twenty, twenty = await _statement_count(gql, statements, {"month": "2026-07", "first": 100})
    # then
    assert len(four) == 4
    assert len(twenty) == 20
    assert all(e["node"]["enrolledCount"] == 1 for e in four + twenty)
    assert count_four == count_twenty, statements.statements

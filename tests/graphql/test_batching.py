"""Relations load through per-request DataLoaders: statements do not grow with page size."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from crm.callbacks.models import Callback
from crm.enums import CallbackPurpose, Role
from crm.visits.models import Visit
from tests.builders import gid, make_dealer, make_member, make_staff, make_store

NESTED = """
query Nested($store: ID!, $first: Int!) {
  members(filter: {storeId: $store}, first: $first) {
    edges { node {
      id name
      store { id name dealer { id name } }
      manager { id displayName }
      recentVisits(limit: 3) { id visitedAt purchaseAmount store { id } }
      openCallbacks { id dueOn purpose assignee { id } }
      openFeedback { id status }
    } }
  }
}
"""


async def _populate(session, n: int):
    dealer = await make_dealer(session)
    store = await make_store(session, dealer=dealer)
    manager = await make_staff(session, Role.VIP_MANAGER)
    members = [await make_member(session, store=store, manager_id=manager.id) for _ in range(n)]
    base = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    await session.execute(
        insert(Visit),
        [
            {
                "kind": "MEMBER_STORE",
                "member_id": m.id,
                "store_id": store.id,
                "visited_at": base + dt.timedelta(days=d),
                "purchase_amount": 100 + d,
            }
            for m in members
            for d in range(4)
        ],
    )
    await session.execute(
        insert(Callback),
        [
            {
                "party_kind": "MEMBER",
                "member_id": m.id,
                "purpose": CallbackPurpose.SATISFACTION,
                "due_on": dt.date(2026, 6, 10),
                "assignee_id": manager.id,
            }
            for m in members
        ],
    )
    await session.flush()
    return store


async def test_statement_count_is_the_same_for_one_and_a_hundred(gql, session, statements):
    # given
    store = await _populate(session, 100)
    variables = {"store": gid("Store", store.id)}
    # when
    statements.active = True
    one = await gql(NESTED, {**variables, "first": 1})
    count_one = statements.count
    statements.reset()
    hundred = await gql(NESTED, {**variables, "first": 100})
    count_hundred = statements.count
    # then
    assert len(one["members"]["edges"]) == 1
    edges = hundred["members"]["edges"]
    assert len(edges) == 100
    assert all(len(e["node"]["recentVisits"]) == 3 for e in edges)
    assert all(len(e["node"]["openCallbacks"]) == 1 for e in edges)
    assert edges[0]["node"]["store"]["dealer"]["id"]
    assert count_one == count_hundred, statements.statements


async def test_recent_visits_are_newest_first_per_member(gql, session):
    # given
    store = await _populate(session, 2)
    # when
    data = await gql(NESTED, {"store": gid("Store", store.id), "first": 2})
    # then
    for edge in data["members"]["edges"]:
        times = [v["visitedAt"] for v in edge["node"]["recentVisits"]]
        assert times == sorted(times, reverse=True)
        assert times[0].startswith("2026-06-04")


async def test_concurrent_sibling_fields_share_one_session_safely(gql, session):
    # given: root fields that each run their own statements, resolved concurrently by Strawberry
    store = await _populate(session, 5)
    query = """
    query($s: ID!) {
      a: members(filter: {storeId: $s}, first: 5) { totalCount edges { node { openCallbacks { id } } } }
      b: members(filter: {storeId: $s}, orderBy: NAME, first: 5) { totalCount edges { node { recentVisits { id } } } }
      c: stores(first: 5) { totalCount }
      d: dealers(first: 5) { totalCount }
    }
    """
    # when
    data = await gql(query, {"s": gid("Store", store.id)})
    # then
    assert data["a"]["totalCount"] == 5
    assert data["b"]["totalCount"] == 5
    assert len(data["b"]["edges"]) == 5


async def test_a_failing_sibling_leaves_the_connection_usable(gql):
    # given: a root field that fails (non-null, so graphql-core cancels its siblings) next to
    # one whose statement is in flight
    failing = '{ me { id displayName } stores(after: "not-a-cursor") { totalCount } }'
    for _ in range(5):
        # when
        refused = await gql.raw(failing)
        after = await gql("{ me { id } stores(first: 1) { totalCount } }")
        # then
        assert refused["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
        assert after["me"]["id"]

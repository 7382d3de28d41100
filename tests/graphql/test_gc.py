"""A request leaves no reference cycles: what it made is freed by reference counting when it ends.

The server collects the youngest generation rarely (crm/app.py, GC_THRESHOLDS); that is only
sound while requests make no cyclic garbage. Two cycles used to hold every request's objects
(executor, context, session, loaders, rows) until the collector ran: graphql-core's resolver
helpers holding the executor's bound methods, and the read path keeping the session's transaction
in the session's own `info`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from crm.enums import CallbackPurpose, Role
from tests.builders import gid, make_callback, make_dealer, make_member, make_staff, make_store
from tests.conftest import GraphQLClient

# Pages, counts, to-one and to-many loaders, nested lists, and an error in the answer.
QUERY = """
query Everything($store: ID!) {
  members(filter: {storeId: $store}, first: 10) {
    totalCount
    edges { node {
      id name
      store { id name dealer { id name } }
      manager { id displayName }
      recentVisits(limit: 3) { id }
      openCallbacks { id dueOn assignee { id } }
      openFeedback { id status }
    } }
  }
  callbacks(first: 10) { edges { node { id member { id name } } } }
  node(id: "bm90LWEtbWVtYmVy") { id }
}
"""

# Types of which each request makes one or more; none may be left to the collector.
PER_REQUEST = {
    "AcyclicExecutor",
    "CompiledExecutor",
    "Context",
    "Loaders",
    "DataLoader",
    "SerialSession",
    "Session",
    "SessionTransaction",
}


@contextmanager
def _garbage() -> Iterator[list[object]]:
    """Collect first, then keep what the collector finds unreachable inside the block."""
    gc.collect()
    gc.disable()
    found: list[object] = []
    try:
        yield found
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        found.extend(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


async def test_a_request_leaves_no_reference_cycles(gql: GraphQLClient, session) -> None:  # type: ignore[no-untyped-def]
    # given a store with members, their manager, a callback and a dealer
    dealer = await make_dealer(session)
    store = await make_store(session, dealer=dealer)
    manager = await make_staff(session, Role.VIP_MANAGER)
    members = [await make_member(session, store=store, manager_id=manager.id) for _ in range(3)]
    await make_callback(session, member=members[0], purpose=CallbackPurpose.BIRTHDAY, assignee=manager)
    variables = {"store": gid("Store", store.id)}
    first = await gql.raw(QUERY, variables)  # plans, caches and prepared statements made once

    assert "data" in first, first

    # when the same request runs again
    with _garbage() as garbage:
        answer = await gql.raw(QUERY, variables)

    # then it was answered (the unknown member is an error) and nothing it made is in a cycle
    assert answer["data"]["members"]["totalCount"] == 3
    assert answer["errors"]
    left = sorted({type(o).__name__ for o in garbage} & PER_REQUEST)
    assert left == []

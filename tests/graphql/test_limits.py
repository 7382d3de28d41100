"""Query limits: each is refused before any SQL runs, fragments included."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from crm.app import create_app
from crm.config import Settings
from crm.graphql.limits import Limits

LIMITS = Limits()


def _errors(response: httpx.Response) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = response.json()["errors"]
    return errors


async def _refused(client: httpx.AsyncClient, statements, query: str, variables: dict[str, Any] | None = None) -> str:
    """Post a document; assert it was refused without a single SQL statement; return its code."""
    statements.active = True
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    statements.active = False
    assert response.status_code == 200, response.text
    assert "data" not in response.json()
    assert statements.statements == []
    code: str = _errors(response)[0]["extensions"]["code"]
    return code


def _nested(levels: int) -> str:
    """me { store { dealer { stores { dealer { stores { ... id } } } } } }: 2 levels per step."""
    inner = "id"
    for _ in range(levels):
        inner = f"dealer {{ stores {{ {inner} }} }}"
    return f"{{ me {{ store {{ {inner} }} }} }}"


async def test_depth_limit(client, statements):
    # when
    code = await _refused(client, statements, _nested(LIMITS.max_depth // 2))
    # then
    assert code == "QUERY_TOO_DEEP"


async def test_depth_counts_through_fragments(client, statements):
    # given: the same deep query split into nested fragments
    query = """
    { me { ...A } }
    fragment A on Staff { store { dealer { stores { ...B } } } }
    fragment B on Store { dealer { stores { dealer { stores { ...C } } } } }
    fragment C on Store { dealer { stores { dealer { stores { dealer { stores { id } } } } } } }
    """
    # when
    code = await _refused(client, statements, query)
    # then
    assert code == "QUERY_TOO_DEEP"


async def test_alias_limit(client, statements):
    # given
    aliases = " ".join(f"a{i}: __typename" for i in range(LIMITS.max_aliases + 1))
    # when
    code = await _refused(client, statements, f"{{ {aliases} }}")
    # then
    assert code == "TOO_MANY_ALIASES"


async def test_aliases_multiplied_by_fragment_spreads_count_in_full(client, statements):
    # given: 10 aliases in a fragment, spread by 5 aliased fields: 50 aliased fields would run
    inner = " ".join(f"x{i}: __typename" for i in range(10))
    spreads = " ".join(f"m{i}: me {{ ...F }}" for i in range(5))
    query = f"{{ {spreads} }} fragment F on Staff {{ {inner} }}"
    # when
    code = await _refused(client, statements, query)
    # then
    assert code == "TOO_MANY_ALIASES"


async def test_token_limit(client, statements):
    # given
    fields = " ".join("__typename" for _ in range(LIMITS.max_tokens))
    # when
    code = await _refused(client, statements, f"{{ {fields} }}")
    # then
    assert code == "QUERY_TOO_LARGE"


async def test_cost_limit(client, statements):
    # given: two full pages of members, each with twenty visits and, per visit, the member's open calls
    page = (
        "members(first: 100) { edges { node { recentVisits(limit: 20) { id"
        " member { openCallbacks { id dueOn purpose status } } } } } }"
    )
    query = "{ " + " ".join(f"p{i}: {page}" for i in range(2)) + " }"
    # when
    code = await _refused(client, statements, query)
    # then
    assert code == "QUERY_TOO_COSTLY"


async def test_cost_uses_page_sizes_from_variables(client, statements):
    # given
    query = """
    query($n: Int!) {
      a: members(first: $n) { edges { node { recentVisits(limit: 20) { id member { openCallbacks { id } } } } } }
      b: members(first: $n) { edges { node { recentVisits(limit: 20) { id member { openCallbacks { id } } } } } }
      c: members(first: $n) { edges { node { recentVisits(limit: 20) { id member { openCallbacks { id } } } } } }
      d: members(first: $n) { edges { node { recentVisits(limit: 20) { id member { openCallbacks { id } } } } } }
    }
    """
    # when
    small = await client.post("/graphql", json={"query": query, "variables": {"n": 2}})
    code = await _refused(client, statements, query, {"n": 100})
    # then: the same document passes with small pages
    assert code == "QUERY_TOO_COSTLY"
    assert "errors" not in small.json()


async def test_page_size_is_checked_before_anything_runs(client, statements):
    # when
    code = await _refused(client, statements, "query($n: Int) { members(first: $n) { totalCount } }", {"n": 500})
    # then
    assert code == "INVALID_PAGE_SIZE"


async def test_circular_fragments_are_refused_without_walking_forever(client, statements):
    # given
    query = "{ ...A } fragment A on Query { me { id } ...B } fragment B on Query { ...A }"
    # when
    code = await _refused(client, statements, query)
    # then
    assert code == "GRAPHQL_VALIDATION_FAILED"


async def test_a_batch_of_operations_is_not_accepted(client):
    # when
    response = await client.post("/graphql", json=[{"query": "{ me { id } }"}, {"query": "{ me { id } }"}])
    # then
    assert response.status_code == 400


async def test_a_normal_page_passes(gql):
    # when
    data = await gql(
        "{ members(first: 100) { edges { node { id store { id dealer { id } } recentVisits(limit: 3) { id } } } } }"
    )
    # then
    assert data["members"]["edges"] == []


@pytest.fixture
async def production(sessionmaker, client) -> Any:
    """A client of the app in production mode (CRM_DEBUG=false), signed in like `client`."""
    app = create_app(Settings(database_url=None, debug=False), sessionmaker=sessionmaker)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=client.headers) as c:
        yield c


async def test_introspection_is_off_in_production_and_on_in_development(production, client, statements):
    # given
    query = "{ __schema { queryType { name } } }"
    # when
    code = await _refused(production, statements, query)
    development = await client.post("/graphql", json={"query": query})
    # then
    assert code == "INTROSPECTION_DISABLED"
    assert development.json()["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_field_suggestions_are_hidden_in_production(production, client):
    # when
    prod = await production.post("/graphql", json={"query": "{ membrs { totalCount } }"})
    dev = await client.post("/graphql", json={"query": "{ membrs { totalCount } }"})
    # then
    assert "Did you mean" not in _errors(prod)[0]["message"]
    assert "Cannot query field 'membrs'" in _errors(prod)[0]["message"]
    assert "Did you mean" in _errors(dev)[0]["message"]


async def test_a_query_just_within_the_depth_limit_runs(gql):
    # when
    data = await gql(_nested(LIMITS.max_depth // 2 - 2))  # 11 levels, leaf included
    # then
    assert data["me"]["store"] is None  # the admin has no store

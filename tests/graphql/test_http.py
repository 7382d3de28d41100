"""GraphQL over HTTP: methods, media types and status codes."""

from __future__ import annotations

import httpx

from crm.graphql.http import GRAPHQL_RESPONSE

QUERY = "{ members(first: 1) { totalCount } }"


async def test_post_json_answers_with_json(client: httpx.AsyncClient):
    # when
    response = await client.post("/graphql", json={"query": QUERY})
    # then
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["data"]["members"]["totalCount"] >= 0


async def test_get_runs_queries(client: httpx.AsyncClient):
    # when
    response = await client.get(
        "/graphql", params={"query": "query Q($n: Int) { members(first: $n) { totalCount } }", "variables": '{"n": 2}'}
    )
    # then
    assert response.status_code == 200
    assert "members" in response.json()["data"]


async def test_get_refuses_mutations_with_405(client: httpx.AsyncClient):
    # when
    response = await client.get(
        "/graphql",
        params={"query": 'mutation { memberEnrol(input: {name: "a", phone: "1", homeStoreId: "x"}) { __typename } }'},
    )
    # then
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_graphql_response_media_type_uses_status_codes(client: httpx.AsyncClient):
    # given
    headers = {"accept": GRAPHQL_RESPONSE}
    # when
    ok = await client.post("/graphql", json={"query": QUERY}, headers=headers)
    syntax = await client.post("/graphql", json={"query": "{ members("}, headers=headers)
    invalid = await client.post("/graphql", json={"query": "{ nosuchfield }"}, headers=headers)
    # then
    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert syntax.status_code == 400
    assert "data" not in syntax.json()
    assert invalid.status_code == 400
    assert invalid.json()["errors"][0]["message"]


async def test_legacy_json_keeps_200_for_validation_errors(client: httpx.AsyncClient):
    # when
    response = await client.post("/graphql", json={"query": "{ nosuchfield }"})
    # then
    assert response.status_code == 200
    assert "data" not in response.json()
    assert response.json()["errors"]


async def test_bad_requests(client: httpx.AsyncClient):
    # when
    not_json = await client.post("/graphql", content=b"{oops", headers={"content-type": "application/json"})
    no_query = await client.post("/graphql", json={"variables": {}})
    bad_vars = await client.post("/graphql", json={"query": QUERY, "variables": [1]})
    wrong_type = await client.post("/graphql", content=b"query", headers={"content-type": "text/plain"})
    unacceptable = await client.post("/graphql", json={"query": QUERY}, headers={"accept": "text/csv"})
    too_big = await client.post("/graphql", json={"query": "{ members { totalCount } }" + " " * 1_100_000})
    # then
    assert not_json.status_code == 400
    assert no_query.status_code == 400
    assert bad_vars.status_code == 400
    assert wrong_type.status_code == 415
    assert unacceptable.status_code == 406
    assert too_big.status_code == 413
    for response in (not_json, no_query, bad_vars, wrong_type, unacceptable, too_big):
        assert response.json()["errors"][0]["message"]


async def test_graphiql_in_development(client: httpx.AsyncClient):
    # when
    response = await client.get("/graphql", headers={"accept": "text/html"})
    # then
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_healthz_checks_the_database(client: httpx.AsyncClient):
    # when
    response = await client.get("/healthz")
    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_frontend_is_served_at_root(client: httpx.AsyncClient):
    # when
    response = await client.get("/")
    # then
    assert response.status_code == 200
    assert 'lang="zh-CN"' in response.text


async def test_unexpected_errors_are_masked_with_a_request_id(client: httpx.AsyncClient, monkeypatch):
    # given: a service failure the client must not see the details of
    from crm.members import service

    async def boom(*args, **kwargs):
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr(service, "list_members", boom)
    # when
    response = await client.post("/graphql", json={"query": QUERY})
    # then
    error = response.json()["errors"][0]
    assert error["message"] == "Unexpected error."
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert len(error["extensions"]["requestId"]) == 16
    assert "secret" not in response.text


async def test_node_fetches_any_type_and_unknown_ids_give_null(gql, session):
    # given
    from tests.builders import gid, make_member

    member = await make_member(session, name="節點測試")
    query = "query N($id: ID!) { node(id: $id) { __typename id ... on Member { name store { id } } } }"
    # when
    found = await gql(query, {"id": gid("Member", member.id)})
    store = await gql(query, {"id": gid("Store", member.home_store_id)})
    missing = await gql(query, {"id": gid("Member", 999999999)})
    unknown_type = await gql(query, {"id": gid("Planet", 1)})
    malformed = await gql.raw(query, {"id": "%%%"})
    # then
    assert found["node"]["name"] == "節點測試"
    assert store["node"]["__typename"] == "Store"
    assert missing["node"] is None
    assert unknown_type["node"] is None
    assert malformed["errors"][0]["extensions"]["code"] == "INVALID_ID"


async def test_a_full_connection_pool_sheds_load_with_503(database_url):
    # given: an app whose only connection is taken
    from crm.app import create_app
    from crm.config import Settings
    from crm.db import make_engine, make_sessionmaker

    settings = Settings(database_url=database_url, pool_size=1, pool_timeout=0.2)
    engine = make_engine(settings, database_url)
    app = create_app(settings, sessionmaker=make_sessionmaker(engine))
    try:
        async with engine.connect():
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                # when
                response = await c.post(
                    "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": "Bearer crm_whatever"}
                )
    finally:
        await engine.dispose()
    # then: a clean, retryable answer, not an internal error
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"

"""Signing in and out, passwords, anonymous requests and API tokens, through the GraphQL API."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from crm.app import create_app
from crm.audit.models import AuditEvent
from crm.auth.models import AuthToken
from crm.auth.passwords import hash_password
from crm.auth.service import new_token
from crm.enums import Role, TokenKind
from crm.graphql.schema import schema
from crm.staff.models import Staff
from tests.builders import gid, make_member, make_staff, make_store, unique_phone
from tests.conftest import GraphQLClient

PASSWORD = "correct horse battery"
NEW_PASSWORD = "staple battery horse correct"

LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) {
    token expiresAt
    staff { id username role }
    userErrors { field message code }
  }
}
"""

ME = "query { me { id username } }"

LOGOUT = "mutation { logout { ok } }"

PASSWORD_CHANGE = """
mutation Change($input: PasswordChangeInput!) {
  passwordChange(input: $input) { ok userErrors { field code } }
}
"""

TOKEN_CREATE = """
mutation Create($input: ApiTokenCreateInput!) {
  apiTokenCreate(input: $input) {
    token
    apiToken { id name scopes expiresAt revokedAt staff { id } }
    userErrors { field code message }
  }
}
"""

TOKEN_REVOKE = """
mutation Revoke($input: ApiTokenRevokeInput!) {
  apiTokenRevoke(input: $input) { apiToken { id revokedAt } userErrors { field code } }
}
"""

TOKENS = "query { apiTokens(first: 100) { totalCount edges { node { id name scopes revokedAt staff { id } } } } }"

MEMBERS = "query { members(first: 10) { totalCount edges { node { id name } } } }"

ENROL = """
mutation Enrol($input: MemberEnrolInput!) {
  memberEnrol(input: $input) { member { id } userErrors { field code } }
}
"""


@pytest.fixture
async def anonymous(settings, sessionmaker) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client that sends no Authorization header at all."""
    app = create_app(settings, sessionmaker=sessionmaker)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


async def _user(session, role: Role = Role.VIP_MANAGER, **kw: Any) -> Staff:
    """A staff member who can sign in with PASSWORD."""
    return await make_staff(session, role, password_hash=hash_password(kw.pop("password", PASSWORD)), **kw)


async def _post(http: httpx.AsyncClient, query: str, variables: dict | None = None, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


async def _login(http: httpx.AsyncClient, username: str, password: str) -> dict[str, Any]:
    response = await _post(http, LOGIN, {"input": {"username": username, "password": password}})
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.json()
    payload: dict[str, Any] = response.json()["data"]["login"]
    return payload


async def _signed_in(http: httpx.AsyncClient, username: str, password: str = PASSWORD) -> str:
    payload = await _login(http, username, password)
    assert payload["userErrors"] == [], payload
    token: str = payload["token"]
    return token


async def _failed_logins(session, staff: Staff) -> int:
    return int(await session.scalar(select(Staff.failed_logins).where(Staff.id == staff.id)))


def _as(client: httpx.AsyncClient, token: str) -> GraphQLClient:
    return GraphQLClient(client, {"Authorization": f"Bearer {token}"})


async def _count_tokens(session) -> int:
    return int(await session.scalar(select(func.count()).select_from(AuthToken)))


# --- signing in ---------------------------------------------------------------------------------


async def test_login_gives_a_token_that_works_for_me(anonymous, session):
    # given
    staff = await _user(session, username="li.na")
    # when
    payload = await _login(anonymous, " Li.Na ", PASSWORD)
    me = await _post(anonymous, ME, token=payload["token"])
    # then
    assert payload["userErrors"] == []
    assert payload["token"].startswith("crm_")
    assert payload["staff"] == {"id": gid("Staff", staff.id), "username": "li.na", "role": "VIP_MANAGER"}
    assert dt.datetime.fromisoformat(payload["expiresAt"]) > dt.datetime.now(dt.UTC)
    assert me.status_code == 200
    assert me.json() == {"data": {"me": {"id": gid("Staff", staff.id), "username": "li.na"}}}


async def test_wrong_password_unknown_user_and_deactivated_account_look_the_same(anonymous, session):
    # given
    await _user(session, username="active.user")
    await _user(session, username="gone.user", active=False)
    # when
    wrong_password = await _login(anonymous, "active.user", "not the password")
    unknown_user = await _login(anonymous, "nobody.here", PASSWORD)
    deactivated = await _login(anonymous, "gone.user", PASSWORD)
    # then
    for payload in (wrong_password, unknown_user, deactivated):
        assert payload["token"] is None
        assert payload["staff"] is None
        assert payload["userErrors"] == [
            {"field": None, "message": "Wrong username or password.", "code": "INVALID_CREDENTIALS"}
        ]


async def test_five_failures_lock_the_account_even_for_the_right_password(anonymous, session):
    # given
    staff = await _user(session, username="wang.fang")
    # when: five wrong passwords, each in its own request
    failures = [await _login(anonymous, "wang.fang", f"wrong password {i}") for i in range(5)]
    count_after_failures = await _failed_logins(session, staff)
    right = await _login(anonymous, "wang.fang", PASSWORD)
    # then: every failure was kept although each request ended, and the sixth attempt is refused
    assert [p["userErrors"][0]["code"] for p in failures] == ["INVALID_CREDENTIALS"] * 5
    assert count_after_failures == 5
    assert right["token"] is None
    assert right["userErrors"][0]["code"] == "ACCOUNT_LOCKED"
    assert right["userErrors"][0]["field"] is None


async def test_failed_attempts_are_counted_across_requests(anonymous, session):
    # given
    staff = await _user(session, username="chen.jie")
    # when
    for attempt in range(3):
        await _login(anonymous, "chen.jie", f"wrong password {attempt}")
    # then
    assert await _failed_logins(session, staff) == 3


async def test_a_lock_that_has_run_out_lets_the_right_password_in(anonymous, session):
    # given: an account locked by earlier failures, the lock now over
    staff = await _user(session, username="zhou.min")
    staff.failed_logins = 5
    staff.locked_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    await session.flush()
    # when
    payload = await _login(anonymous, "zhou.min", PASSWORD)
    # then
    assert payload["userErrors"] == []
    assert payload["token"] is not None
    assert await _failed_logins(session, staff) == 0


async def test_a_successful_login_resets_the_failure_count(anonymous, session):
    # given: four failures, one short of the lock
    staff = await _user(session, username="he.ping")
    for attempt in range(4):
        await _login(anonymous, "he.ping", f"wrong password {attempt}")
    # when
    await _signed_in(anonymous, "he.ping")
    count_after_success = await _failed_logins(session, staff)
    for attempt in range(4):
        await _login(anonymous, "he.ping", f"wrong again {attempt}")
    again = await _login(anonymous, "he.ping", PASSWORD)
    # then: the count started again from zero, so four more failures do not lock the account
    assert count_after_success == 0
    assert again["userErrors"] == []
    assert again["token"] is not None


async def test_login_payload_relations_resolve_for_the_new_session(anonymous, session):
    # given
    store = await make_store(session, name="杭州湖濱店")
    await _user(session, Role.STORE_STAFF, username="shop.one", store=store)
    # when
    response = await _post(
        anonymous,
        "mutation($input: LoginInput!) { login(input: $input) { token staff { store { name } } } }",
        {"input": {"username": "shop.one", "password": PASSWORD}},
    )
    # then
    assert "errors" not in response.json(), response.json()
    assert response.json()["data"]["login"]["staff"]["store"] == {"name": "杭州湖濱店"}


# --- sessions -----------------------------------------------------------------------------------


async def test_logout_revokes_the_token(anonymous, session):
    # given
    await _user(session, username="sun.li")
    token = await _signed_in(anonymous, "sun.li")
    # when
    logout = await _post(anonymous, LOGOUT, token=token)
    after = await _post(anonymous, ME, token=token)
    # then
    assert logout.json() == {"data": {"logout": {"ok": True}}}
    assert after.status_code == 401
    assert after.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_expired_token_is_refused(anonymous, session):
    # given
    staff = await _user(session)
    raw, digest = new_token()
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    session.add(AuthToken(token_hash=digest, staff_id=staff.id, kind=TokenKind.SESSION, expires_at=yesterday))
    await session.flush()
    # when
    response = await _post(anonymous, ME, token=raw)
    # then
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_deactivated_account_loses_its_sessions(anonymous, session):
    # given
    staff = await _user(session, username="xu.ke")
    token = await _signed_in(anonymous, "xu.ke")
    # when
    staff.active = False
    await session.flush()
    response = await _post(anonymous, ME, token=token)
    # then
    assert response.status_code == 401


# --- passwords ----------------------------------------------------------------------------------


async def test_password_change_with_a_wrong_current_password_is_refused(anonymous, session):
    # given
    await _user(session, username="gao.yan")
    token = await _signed_in(anonymous, "gao.yan")
    # when
    response = await _post(
        anonymous, PASSWORD_CHANGE, {"input": {"currentPassword": "not it at all", "newPassword": NEW_PASSWORD}}, token
    )
    # then
    assert response.json()["data"]["passwordChange"] == {
        "ok": False,
        "userErrors": [{"field": "currentPassword", "code": "INVALID_CREDENTIALS"}],
    }
    assert (await _login(anonymous, "gao.yan", PASSWORD))["userErrors"] == []


async def test_password_change_to_a_short_password_is_refused(anonymous, session):
    # given
    await _user(session, username="lin.tao")
    token = await _signed_in(anonymous, "lin.tao")
    # when
    response = await _post(
        anonymous, PASSWORD_CHANGE, {"input": {"currentPassword": PASSWORD, "newPassword": "short"}}, token
    )
    # then
    assert response.json()["data"]["passwordChange"] == {
        "ok": False,
        "userErrors": [{"field": "newPassword", "code": "INVALID"}],
    }
    assert (await _login(anonymous, "lin.tao", PASSWORD))["userErrors"] == []


async def test_password_change_signs_out_the_other_sessions_only(anonymous, session):
    # given: the same person signed in on two devices
    await _user(session, username="ma.jun")
    this_device = await _signed_in(anonymous, "ma.jun")
    other_device = await _signed_in(anonymous, "ma.jun")
    # when
    response = await _post(
        anonymous, PASSWORD_CHANGE, {"input": {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}}, this_device
    )
    # then
    assert response.json()["data"]["passwordChange"] == {"ok": True, "userErrors": []}
    assert (await _post(anonymous, ME, token=this_device)).status_code == 200
    assert (await _post(anonymous, ME, token=other_device)).status_code == 401
    assert (await _login(anonymous, "ma.jun", PASSWORD))["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
    assert (await _login(anonymous, "ma.jun", NEW_PASSWORD))["userErrors"] == []


# --- anonymous requests -------------------------------------------------------------------------


def _root_fields(kind: str) -> list[str]:
    root = schema._schema.query_type if kind == "query" else schema._schema.mutation_type
    assert root is not None
    return sorted(root.fields)


ANONYMOUS_DOCUMENTS = [
    *(f"query {{ {name} {{ __typename }} }}" for name in _root_fields("query")),
    *(f"mutation {{ {name} {{ __typename }} }}" for name in _root_fields("mutation") if name != "login"),
    # a protected field hidden where a first glance at the document does not see it
    "query { ...Hidden } fragment Hidden on Query { members { totalCount } }",
    "query { ...Outer } fragment Outer on Query { ...Inner } fragment Inner on Query { members { totalCount } }",
    "query { ... on Query { members { totalCount } } }",
    "query { login: members { totalCount } }",
    "query { __typename members { totalCount } }",
    'mutation { login(input: {username: "a", password: "b"}) { token } logout { ok } }',
]


@pytest.mark.parametrize("document", ANONYMOUS_DOCUMENTS)
async def test_anonymous_requests_get_401_before_any_sql(anonymous, session, statements, document):
    # given
    await make_member(session)
    statements.active = True
    # when
    response = await _post(anonymous, document)
    # then
    statements.active = False
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {
        "errors": [
            {
                "message": "Sign in first: send 'Authorization: Bearer <token>'.",
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ]
    }
    assert statements.statements == []


async def test_an_unknown_token_costs_one_lookup_and_gets_401(anonymous, statements):
    # given
    raw, _ = new_token()
    statements.active = True
    # when
    response = await _post(anonymous, "query { ...Q } fragment Q on Query { members { totalCount } }", token=raw)
    # then
    statements.active = False
    assert response.status_code == 401
    assert len(statements.statements) == 1
    assert "auth_token" in statements.statements[0]


async def test_anonymous_get_requests_are_refused_as_well(anonymous):
    # when
    response = await anonymous.get("/graphql", params={"query": "{ members { totalCount } }"})
    # then
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# --- API tokens ---------------------------------------------------------------------------------


async def _create_token(gql, staff: Staff, scopes: list[str], name: str = "mobile app") -> dict[str, Any]:
    data = await gql(TOKEN_CREATE, {"input": {"staffId": gid("Staff", staff.id), "name": name, "scopes": scopes}})
    payload: dict[str, Any] = data["apiTokenCreate"]
    return payload


async def test_admin_creates_an_api_token_shown_once(gql, client, session):
    # given
    store = await make_store(session)
    clerk = await make_staff(session, Role.STORE_STAFF, store=store)
    # when
    created = await _create_token(gql, clerk, ["MEMBER_READ", "STORE_READ"], name="mobile app, store A")
    listed = await client.post("/graphql", json={"query": TOKENS})
    # then
    assert created["userErrors"] == []
    assert created["token"].startswith("crm_")
    record = created["apiToken"]
    assert record["name"] == "mobile app, store A"
    assert record["scopes"] == ["MEMBER_READ", "STORE_READ"]
    assert record["revokedAt"] is None
    assert record["staff"] == {"id": gid("Staff", clerk.id)}
    nodes = [e["node"] for e in listed.json()["data"]["apiTokens"]["edges"]]
    assert {"id": record["id"], "name": "mobile app, store A", "scopes": ["MEMBER_READ", "STORE_READ"],
            "revokedAt": None, "staff": {"id": gid("Staff", clerk.id)}} in nodes  # fmt: skip
    assert created["token"] not in listed.text
    stored = await session.scalar(select(AuthToken.token_hash).where(AuthToken.id == int(record["id"])))
    assert created["token"] not in stored


async def test_scopes_beyond_the_owners_role_are_refused(gql, session):
    # given
    clerk = await make_staff(session, Role.STORE_STAFF)
    before = await _count_tokens(session)
    # when
    payload = await _create_token(gql, clerk, ["MEMBER_READ", "MEMBER_EXPORT", "TOKEN_MANAGE"])
    # then
    assert payload["token"] is None
    assert payload["apiToken"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("scopes", "INVALID")]
    assert "MEMBER_EXPORT" in payload["userErrors"][0]["message"]
    assert "TOKEN_MANAGE" in payload["userErrors"][0]["message"]
    assert await _count_tokens(session) == before


@pytest.mark.parametrize("days", [0, -1, 367])
async def test_a_token_lifetime_out_of_range_is_refused(gql, session, days):
    # given
    clerk = await make_staff(session, Role.STORE_STAFF)
    before = await _count_tokens(session)
    # when
    data = await gql(
        TOKEN_CREATE,
        {"input": {"staffId": gid("Staff", clerk.id), "name": "x", "scopes": ["MEMBER_READ"], "expiresInDays": days}},
    )
    # then
    assert data["apiTokenCreate"]["token"] is None
    assert [(e["field"], e["code"]) for e in data["apiTokenCreate"]["userErrors"]] == [
        ("expiresInDays", "OUT_OF_RANGE")
    ]
    assert await _count_tokens(session) == before


async def test_a_token_lives_ninety_days_unless_told(gql, session):
    # given
    clerk = await make_staff(session, Role.STORE_STAFF)
    # when
    data = await gql(
        "mutation($input: ApiTokenCreateInput!) { apiTokenCreate(input: $input) { apiToken { createdAt expiresAt } } }",
        {"input": {"staffId": gid("Staff", clerk.id), "name": "x", "scopes": ["MEMBER_READ"]}},
    )
    # then
    record = data["apiTokenCreate"]["apiToken"]
    lifetime = dt.datetime.fromisoformat(record["expiresAt"]) - dt.datetime.fromisoformat(record["createdAt"])
    assert round(lifetime / dt.timedelta(days=1)) == 90


async def test_a_token_runs_only_the_operations_it_was_granted(gql, client, session):
    # given
    store = await make_store(session)
    member = await make_member(session, store=store)
    clerk = await make_staff(session, Role.STORE_STAFF, store=store)
    token = (await _create_token(gql, clerk, ["MEMBER_READ", "STORE_READ"]))["token"]
    app = _as(client, token)
    # when
    read = await app(MEMBERS)
    enrol = await app.raw(
        ENROL, {"input": {"name": "趙六", "phone": unique_phone(), "homeStoreId": gid("Store", store.id)}}
    )
    # then: the role could enrol, the token may not
    assert read["members"]["edges"] == [{"node": {"id": gid("Member", member.id), "name": member.name}}]
    assert enrol["data"] is None
    assert enrol["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert enrol["errors"][0]["path"] == ["memberEnrol"]


async def test_a_token_without_staff_read_still_knows_who_it_is(gql, client, session):
    # given
    clerk = await make_staff(session, Role.STORE_STAFF)
    token = (await _create_token(gql, clerk, ["MEMBER_READ"]))["token"]
    # when
    result = await _as(client, token).raw(ME)
    # then
    assert "errors" not in result, result
    assert result["data"]["me"]["id"] == gid("Staff", clerk.id)


async def test_a_token_granted_member_read_alone_still_shows_each_members_store(gql, client, session):
    # given: a script that may read members and nothing else
    store = await make_store(session, name="上海淮海路店")
    await make_member(session, store=store)
    clerk = await make_staff(session, Role.STORE_STAFF, store=store)
    token = (await _create_token(gql, clerk, ["MEMBER_READ"]))["token"]
    # when
    result = await _as(client, token).raw("query { members { edges { node { store { name } dealer { id } } } } }")
    stores = await _as(client, token).raw("query { stores { totalCount } }")
    # then: the home store is part of the member; the store list itself stays closed
    assert "errors" not in result, result
    assert [e["node"] for e in result["data"]["members"]["edges"]] == [
        {"store": {"name": "上海淮海路店"}, "dealer": None}
    ]
    assert stores["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_revoked_token_stops_working(gql, client, session):
    # given
    clerk = await make_staff(session, Role.STORE_STAFF)
    created = await _create_token(gql, clerk, ["MEMBER_READ"])
    token = created["token"]
    before = await client.post("/graphql", json={"query": MEMBERS}, headers={"Authorization": f"Bearer {token}"})
    # when
    revoked = await gql(TOKEN_REVOKE, {"input": {"id": created["apiToken"]["id"]}})
    after = await client.post("/graphql", json={"query": MEMBERS}, headers={"Authorization": f"Bearer {token}"})
    # then
    assert before.status_code == 200
    assert revoked["apiTokenRevoke"]["userErrors"] == []
    assert revoked["apiTokenRevoke"]["apiToken"]["revokedAt"] is not None
    assert after.status_code == 401
    assert after.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_only_admins_manage_api_tokens(gql_as, session):
    # given
    manager = await make_staff(session, Role.VIP_MANAGER)
    as_manager = await gql_as(Role.VIP_MANAGER, staff=manager)
    before = await _count_tokens(session)
    # when
    create = await as_manager.raw(
        TOKEN_CREATE, {"input": {"staffId": gid("Staff", manager.id), "name": "mine", "scopes": ["MEMBER_READ"]}}
    )
    listing = await as_manager.raw(TOKENS)
    # then
    assert create["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert listing["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await _count_tokens(session) == before


# --- audited and counted ------------------------------------------------------------------------


async def test_sign_in_sign_out_and_failures_are_in_the_audit_trail(anonymous, session):
    # given
    staff = await _user(session, username="he.lan")
    # when
    await _login(anonymous, "he.lan", "wrong password!")
    token = await _signed_in(anonymous, "he.lan")
    await _post(anonymous, LOGOUT, token=token)
    # then
    trail = (
        await session.execute(
            select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.entity_type)
            .where(AuditEvent.action.in_(["loginFailed", "login", "logout"]))
            .order_by(AuditEvent.id)
        )
    ).all()
    assert [tuple(r) for r in trail] == [
        ("loginFailed", None, "staff"),
        ("login", staff.id, "auth_token"),
        ("logout", staff.id, "auth_token"),
    ]


async def test_wrong_current_passwords_count_towards_the_lock(anonymous, session):
    # given
    staff = await _user(session, username="lu.qing")
    token = await _signed_in(anonymous, "lu.qing")
    change = {"input": {"currentPassword": "guess number n", "newPassword": NEW_PASSWORD}}
    # when: someone at an unlocked screen guesses the password five times
    for _ in range(5):
        await _post(anonymous, PASSWORD_CHANGE, change, token)
    locked = await _post(
        anonymous, PASSWORD_CHANGE, {"input": {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}}, token
    )
    # then
    assert await _failed_logins(session, staff) == 5
    assert locked.json()["data"]["passwordChange"]["userErrors"][0]["code"] == "ACCOUNT_LOCKED"
    assert (await _login(anonymous, "lu.qing", PASSWORD))["userErrors"][0]["code"] == "ACCOUNT_LOCKED"

"""Retried and concurrent writes: idempotency keys and record versions, on committed data and real connections."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from crm.app import create_app
from crm.auth.models import AuthToken
from crm.auth.service import new_token
from crm.config import Settings
from crm.db import make_engine, make_sessionmaker
from crm.dealers.models import Store
from crm.enums import Region, Role, StoreKind, TokenKind
from crm.ids import from_global_id, to_global_id
from crm.members.models import Member
from crm.staff.models import Staff
from crm.visits.models import Visit

ENROL = """
mutation($input: MemberEnrolInput!) {
  memberEnrol(input: $input) { member { id phone version } userErrors { field code } }
}
"""
VISIT = """
mutation($input: VisitRecordInput!) {
  visitRecord(input: $input) { visit { id purchaseAmount } userErrors { field code } }
}
"""
UPDATE = """
mutation($input: MemberUpdateInput!) {
  memberUpdate(input: $input) { member { id name version } userErrors { field code } }
}
"""


class World:
    """A committed database with one store, a store clerk signed in, and an app on a real pool."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.settings = Settings(database_url=url, pool_size=25)
        self.engine = make_engine(self.settings, url)
        self.sessions = make_sessionmaker(self.engine)
        self.store_id = 0
        self.headers: dict[str, str] = {}

    async def setup(self) -> None:
        async with self.sessions() as session:
            store = Store(code="S9001", name="測試店", kind=StoreKind.SELF_OPERATED, region=Region.EAST, city="上海")
            session.add(store)
            await session.flush()
            clerk = Staff(username="clerk", display_name="店員", role=Role.STORE_STAFF, store_id=store.id)
            session.add(clerk)
            await session.flush()
            raw, digest = new_token()
            expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
            session.add(AuthToken(token_hash=digest, staff_id=clerk.id, kind=TokenKind.SESSION, expires_at=expires))
            await session.commit()
            self.store_id = store.id
            self.headers = {"Authorization": f"Bearer {raw}"}

    async def count(self, model: Any) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
async def world(fresh_db_url: str) -> AsyncIterator[tuple[World, httpx.AsyncClient]]:
    w = World(fresh_db_url)
    await w.setup()
    app = create_app(w.settings, database_url=fresh_db_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=w.headers) as client:
            yield w, client
    await w.engine.dispose()


async def _post(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_twenty_copies_of_an_enrolment_at_once_write_one_member(world):
    # given
    w, client = world
    enrol = {"name": "王小紅", "phone": "13800138000", "homeStoreId": to_global_id("Store", w.store_id)}
    variables = {"input": {**enrol, "idempotencyKey": "till-7-0001"}}
    # when
    results = await asyncio.gather(*(_post(client, ENROL, variables) for _ in range(20)))
    # then
    ids = {r["memberEnrol"]["member"]["id"] for r in results}
    assert len(ids) == 1
    assert all(r["memberEnrol"]["userErrors"] == [] for r in results)
    assert await w.count(Member) == 1


async def test_a_retried_visit_is_recorded_once_and_answers_like_the_first(world):
    # given
    w, client = world
    member = await _post(
        client,
        ENROL,
        {"input": {"name": "李梅", "phone": "13900139000", "homeStoreId": to_global_id("Store", w.store_id)}},
    )
    member_id = member["memberEnrol"]["member"]["id"]
    variables = {"input": {"memberId": member_id, "purchaseAmount": "399.00", "idempotencyKey": "visit-42"}}
    # when
    first = await _post(client, VISIT, variables)
    again = await _post(client, VISIT, variables)
    # then
    assert again == first
    assert await w.count(Visit) == 1


async def test_the_same_key_with_another_input_is_refused(world):
    # given
    w, client = world
    store = to_global_id("Store", w.store_id)
    await _post(
        client, ENROL, {"input": {"name": "甲", "phone": "13700137000", "homeStoreId": store, "idempotencyKey": "k1"}}
    )
    # when
    other = await _post(
        client, ENROL, {"input": {"name": "乙", "phone": "13700137001", "homeStoreId": store, "idempotencyKey": "k1"}}
    )
    # then
    assert other["memberEnrol"]["member"] is None
    assert other["memberEnrol"]["userErrors"] == [{"field": "idempotencyKey", "code": "IDEMPOTENCY_KEY_REUSED"}]
    assert await w.count(Member) == 1


async def test_a_refused_request_does_not_use_up_its_key(world):
    # given: an enrolment refused for a bad phone
    w, client = world
    store = to_global_id("Store", w.store_id)
    refused = await _post(
        client, ENROL, {"input": {"name": "丙", "phone": "12345", "homeStoreId": store, "idempotencyKey": "k2"}}
    )
    # when: the corrected retry reuses the key
    fixed = await _post(
        client, ENROL, {"input": {"name": "丙", "phone": "13600136000", "homeStoreId": store, "idempotencyKey": "k2"}}
    )
    # then
    assert refused["memberEnrol"]["userErrors"][0]["code"] == "INVALID_PHONE"
    assert fixed["memberEnrol"]["member"]["phone"] == "+8613600136000"


async def test_concurrent_updates_from_the_same_version_one_wins_the_rest_are_stale(world):
    # given
    w, client = world
    enrolled = await _post(
        client,
        ENROL,
        {"input": {"name": "趙雪", "phone": "13500135000", "homeStoreId": to_global_id("Store", w.store_id)}},
    )
    member = enrolled["memberEnrol"]["member"]
    # when: five people edit the version they loaded at the same moment
    results = await asyncio.gather(
        *(
            _post(client, UPDATE, {"input": {"id": member["id"], "name": f"趙雪{i}", "version": member["version"]}})
            for i in range(5)
        )
    )
    # then
    payloads = [r["memberUpdate"] for r in results]
    winners = [p for p in payloads if p["member"] is not None]
    stale = [p for p in payloads if p["userErrors"] == [{"field": "version", "code": "STALE_VERSION"}]]
    assert len(winners) == 1
    assert len(stale) == 4
    assert winners[0]["member"]["version"] == member["version"] + 1
    async with w.sessions() as session:
        stored = await session.get(Member, from_global_id(member["id"])[1])
    assert stored is not None
    assert stored.name == winners[0]["member"]["name"]
    assert stored.version == member["version"] + 1


async def test_a_write_waiting_too_long_for_a_locked_row_gives_try_again_and_writes_nothing(fresh_db_url: str):
    # given: a committed member, and the app giving up on a row lock after 0.3 s
    import dataclasses

    w = World(fresh_db_url)
    w.settings = dataclasses.replace(w.settings, lock_timeout=0.3)
    await w.setup()
    app = create_app(w.settings, database_url=fresh_db_url)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=w.headers) as client:
                enrolled = await _post(
                    client,
                    ENROL,
                    {
                        "input": {
                            "name": "林晨",
                            "phone": "13700137000",
                            "homeStoreId": to_global_id("Store", w.store_id),
                        }
                    },
                )
                member = enrolled["memberEnrol"]["member"]
                # when: another transaction holds the member's row while the update comes in
                async with w.sessions() as holder:
                    await holder.execute(
                        select(Member.id).where(Member.id == from_global_id(member["id"])[1]).with_for_update()
                    )
                    response = await client.post(
                        "/graphql",
                        json={"query": UPDATE, "variables": {"input": {"id": member["id"], "name": "林晨曦"}}},
                    )
                    await holder.rollback()
        # then: a clear, retryable error, no internals, and the name unchanged
        body = response.json()
        assert body["errors"][0]["extensions"] == {"code": "TRY_AGAIN"}
        assert "lock" not in body["errors"][0]["message"].lower()
        async with w.sessions() as session:
            stored = await session.get(Member, from_global_id(member["id"])[1])
        assert stored is not None
        assert stored.name == "林晨"
    finally:
        await w.engine.dispose()

"""A seeded database (crm.seed) shared by the engine's differential tests."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from crm.auth.actor import Actor
from crm.config import BUSINESS_TZ, async_url
from crm.enums import Region, Role
from crm.migrate import upgrade
from crm.seed import DEMO_USERS, seed
from tests.conftest import _drop_db, _fresh
from tests.graphql.engine.differ import Differ

SEED_MEMBERS = 300


@pytest.fixture(scope="session")
def seeded_url(server_url: str) -> Iterator[str]:
    """A database with the demo data set (small), for the whole run."""
    name, url = _fresh(server_url)
    try:
        upgrade(url)
        asyncio.run(seed(url, members=SEED_MEMBERS, today=dt.datetime.now(BUSINESS_TZ).date()))
        yield url
    finally:
        asyncio.run(_drop_db(server_url, name))


@pytest.fixture(scope="session")
async def seeded_engine(seeded_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_async_engine(async_url(seeded_url), pool_size=2, connect_args={"server_settings": {"timezone": "UTC"}})
    yield eng
    await eng.dispose()


@pytest.fixture(scope="session")
async def actors(seeded_engine: AsyncEngine) -> dict[str, Actor]:
    """The demo users as actors, by username."""
    async with seeded_engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT username, id, role, store_id, region FROM staff WHERE username = ANY(:names)"),
            {"names": list(DEMO_USERS)},
        )
        return {
            username: Actor(
                staff_id=pk,
                role=Role(role),
                store_id=store_id,
                region=Region(region) if region else None,
                token_id=0,
            )
            for username, pk, role, store_id, region in rows
        }


@pytest.fixture
async def differ(seeded_engine: AsyncEngine, actors: dict[str, Actor]) -> AsyncIterator[Differ]:
    async with seeded_engine.connect() as conn:
        trans = await conn.begin()
        try:
            yield Differ(conn, actors)
        finally:
            await trans.rollback()


@pytest.fixture(scope="session")
async def bench_context(seeded_url: str) -> dict[str, Any]:
    """The benchmark's parameters (bench/context.py), with the write pools taken from the seed itself."""
    from bench.context import pick

    ctx = await pick(seeded_url, for_writes=False)
    conn = await asyncpg.connect(seeded_url)
    try:
        ctx["open_callbacks"] = [r[0] for r in await conn.fetch("SELECT id FROM callback WHERE status = 'OPEN'")]
        ctx["feedback_received"] = [
            r[0] for r in await conn.fetch("SELECT id FROM feedback WHERE status = 'RECEIVED' ORDER BY id")
        ]
    finally:
        await conn.close()
    return ctx

"""The connection pool checks a connection that sat idle before handing it out (crm.db.make_engine)."""

from __future__ import annotations

import asyncio

import asyncpg
from sqlalchemy import text

from crm.config import Settings
from crm.db import make_engine, make_sessionmaker


async def _backend_pid(sessionmaker: object) -> int:
    async with sessionmaker() as session:  # type: ignore[operator]
        return int(await session.scalar(text("SELECT pg_backend_pid()")))


async def _terminate(database_url: str, pid: int) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await conn.close()


async def test_a_connection_dropped_while_idle_is_replaced_before_use(database_url: str) -> None:
    # given: one pooled connection, idle for longer than the ping threshold, killed by the server
    engine = make_engine(Settings(pool_size=1, pool_ping_after=0.05), database_url)
    sessionmaker = make_sessionmaker(engine)
    try:
        first = await _backend_pid(sessionmaker)
        await _terminate(database_url, first)
        await asyncio.sleep(0.1)
        # when: the next request takes a connection
        second = await _backend_pid(sessionmaker)
        # then: it got a live, new connection and its statement ran
        assert second != first
    finally:
        await engine.dispose()

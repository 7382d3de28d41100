"""The app's engine (crm.db.make_engine): idle connections checked before use, JSON read exactly."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest
from sqlalchemy import text

from crm.config import Settings
from crm.db import make_engine, make_sessionmaker, read_json


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


@pytest.mark.parametrize(
    "document",
    [
        '{"name": "羊絨大衣", "sku": "CO-2291", "quantity": 2, "amount": "2599.00"}',
        '[{"quantity": 1, "amount": 1299.5}, {"quantity": 3}]',
        '{"n": 123456789012345678901234567890, "sku": "12345678901234567890"}',
        '{"x": -9223372036854775809}',
        "[NaN, Infinity]",
        '"plain"',
    ],
)
def test_json_from_the_database_reads_as_the_standard_parser_does(document: str) -> None:
    # when: a JSON column's text is read
    value = read_json(document)
    # then: the same value, and the same types, as json.loads gives
    expected = json.loads(document)
    assert repr(value) == repr(expected)


async def test_jsonb_values_come_back_exactly_through_the_apps_engine(database_url: str) -> None:
    # given: the app's engine
    engine = make_engine(Settings(pool_size=1), database_url)
    try:
        async with engine.connect() as conn:
            # when: JSONB holding a big integer and a fraction is read back
            value = await conn.scalar(
                text('SELECT CAST(\'{"big": 123456789012345678901234567890, "f": 0.1}\' AS jsonb)')
            )
        # then: nothing was rounded
        assert value == {"big": 123456789012345678901234567890, "f": 0.1}
    finally:
        await engine.dispose()

"""The demo data marks a few members as duplicates, consistently."""

from __future__ import annotations

import datetime as dt

import asyncpg

from crm.seed import seed


async def test_the_demo_has_a_few_duplicates_of_earlier_members_of_the_same_store(fresh_db_url: str) -> None:
    # given / when
    await seed(fresh_db_url, members=600, today=dt.date(2026, 11, 24), plan_days=False)
    # then
    conn = await asyncpg.connect(fresh_db_url)
    try:
        rows = await conn.fetch(
            "SELECT d.id, d.name = o.name AS same_name, d.home_store_id = o.home_store_id AS same_store,"
            " d.enrolled_at >= o.enrolled_at AS later, o.duplicate_of_id IS NULL AS original"
            " FROM member d JOIN member o ON o.id = d.duplicate_of_id"
        )
    finally:
        await conn.close()
    assert 3 <= len(rows) <= 10
    assert all(r["same_name"] and r["same_store"] and r["later"] and r["original"] for r in rows)

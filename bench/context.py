"""Pick the benchmark's parameters from the seeded database: busy people, big stores, real ids."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg

from crm.config import BUSINESS_TZ

BENCH_NOTE = "benchmark: to be closed by CallbackClose"
CLOSE_POOL = 60_000


async def _callbacks_to_close(conn: asyncpg.Connection, today: dt.date) -> list[int]:
    """Open callbacks that only the write benchmark closes (due next year), topped up to CLOSE_POOL.

    Closing the seed's own calls would empty the agenda that the read benchmark measures.
    """
    due = today + dt.timedelta(days=400)
    have = await conn.fetchval("SELECT count(*) FROM callback WHERE status = 'OPEN' AND notes = $1", BENCH_NOTE)
    if have < CLOSE_POOL:
        await conn.execute(
            """
            INSERT INTO callback (party_kind, member_id, purpose, channel, due_on, status, notes)
            SELECT 'MEMBER', m.id, 'OTHER', 'PHONE', $1, 'OPEN', $2
            FROM generate_series(1, $3) AS g(n)
            JOIN (
                SELECT id, row_number() OVER (ORDER BY id) - 1 AS k
                FROM (SELECT id FROM member ORDER BY id LIMIT 1000) first_members
            ) m ON m.k = g.n % 1000
            """,
            due,
            BENCH_NOTE,
            CLOSE_POOL - have,
        )
    rows = await conn.fetch(
        "SELECT id FROM callback WHERE status = 'OPEN' AND notes = $1 ORDER BY id LIMIT $2", BENCH_NOTE, CLOSE_POOL
    )
    return [r[0] for r in rows]


FEEDBACK_POOL = 20_000
FEEDBACK_NOTE = "benchmark: to be assessed by FeedbackTransition"


async def _feedback_to_assess(conn: asyncpg.Connection, today: dt.date) -> list[int]:
    """RECEIVED cases that only the write benchmark moves on, topped up to FEEDBACK_POOL."""
    have = await conn.fetchval(
        "SELECT count(*) FROM feedback WHERE status = 'RECEIVED' AND content = $1", FEEDBACK_NOTE
    )
    if have < FEEDBACK_POOL:
        await conn.execute(
            """
            INSERT INTO feedback (party_kind, member_id, kind, channel, content, status, received_at,
                                  status_changed_at, due_at, resolve_due_at)
            SELECT 'MEMBER', m.id, 'SUGGESTION', 'STORE', $1, 'RECEIVED', now(), now(),
                   now() + interval '72 hours', now() + interval '336 hours'
            FROM generate_series(1, $2) AS g(n)
            JOIN (
                SELECT id, row_number() OVER (ORDER BY id) - 1 AS k
                FROM (SELECT id FROM member ORDER BY id LIMIT 1000) first_members
            ) m ON m.k = g.n % 1000
            """,
            FEEDBACK_NOTE,
            FEEDBACK_POOL - have,
        )
    rows = await conn.fetch(
        "SELECT id FROM feedback WHERE status = 'RECEIVED' AND content = $1 ORDER BY id LIMIT $2",
        FEEDBACK_NOTE,
        FEEDBACK_POOL,
    )
    return [r[0] for r in rows]


async def pick(dsn: str, *, for_writes: bool = True) -> dict[str, Any]:
    """Return the values every operation's parameters are drawn from (for_writes: add the close pool)."""
    today = dt.datetime.now(BUSINESS_TZ).date()
    conn = await asyncpg.connect(dsn)
    try:
        assignee_id = await conn.fetchval(
            """
            SELECT assignee_id FROM callback
            WHERE status = 'OPEN' AND due_on <= $1 AND assignee_id IS NOT NULL
            GROUP BY assignee_id ORDER BY count(*) DESC, assignee_id LIMIT 1
            """,
            today,
        )
        store_id = await conn.fetchval(
            "SELECT home_store_id FROM member GROUP BY home_store_id ORDER BY count(*) DESC, home_store_id LIMIT 1"
        )
        # Many visits (20 fill the profile), and open calls and open feedback too, so every list is there.
        member_id = await conn.fetchval(
            """
            SELECT v.member_id FROM visit v WHERE v.kind = 'MEMBER_STORE' GROUP BY v.member_id
            ORDER BY least(count(*), 20) DESC,
                     EXISTS (SELECT 1 FROM feedback f WHERE f.member_id = v.member_id
                             AND f.status NOT IN ('NOT_UPHELD', 'CLOSED')) DESC,
                     EXISTS (SELECT 1 FROM callback c WHERE c.member_id = v.member_id AND c.status = 'OPEN') DESC,
                     count(*) DESC, v.member_id
            LIMIT 1
            """
        )
        # Members who may be phoned: the writes plan calls to them.
        members = [r[0] for r in await conn.fetch("SELECT id FROM member WHERE consent_phone ORDER BY id LIMIT 5000")]
        open_callbacks = await _callbacks_to_close(conn, today) if for_writes else []
        feedback_received = await _feedback_to_assess(conn, today) if for_writes else []
        lookup_phone = await conn.fetchval("SELECT phone FROM member WHERE id = $1", member_id)
        reschedule = [
            r[0]
            for r in await conn.fetch(
                "SELECT id FROM callback WHERE status = 'OPEN' AND notes IS DISTINCT FROM $1 ORDER BY id LIMIT 5000",
                BENCH_NOTE,
            )
        ]
        # Numbers the benchmark enrolled before: last eight digits below 100 000 (see operations._unique_phone).
        taken = await conn.fetchval(r"SELECT count(*) FROM member WHERE phone ~ '^\+86[0-9]{3}000[0-9]{5}$'")
        counts = {
            table: await conn.fetchval(f"SELECT count(*) FROM {table}")  # noqa: S608  (constant names)
            for table in ("member", "visit", "callback", "feedback", "store")
        }
    finally:
        await conn.close()
    return {
        "today": today.isoformat(),
        "week_end": (today + dt.timedelta(days=6)).isoformat(),
        "month": f"{today.year:04d}-{today.month:02d}",
        "ninety_days_ago": (today - dt.timedelta(days=90)).isoformat(),
        "assignee_id": assignee_id,
        "store_id": store_id,
        "member_id": member_id,
        "members": members,
        "open_callbacks": open_callbacks,
        "feedback_received": feedback_received,
        "counts": counts,
        "phone_base": taken,
        "lookup_phone": lookup_phone,
        "reschedule": reschedule,
    }

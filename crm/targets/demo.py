"""Demo data for enrolment targets: a few members enrolled twice, marked as duplicates."""

from __future__ import annotations

import asyncpg

# About one member in this many is a second enrolment of the member enrolled before them at the same store.
DUPLICATE_EVERY = 97

_MARK = """
WITH ordered AS (
    SELECT id, lag(id) OVER (PARTITION BY home_store_id ORDER BY enrolled_at, id) AS earlier
    FROM member
    WHERE erased_at IS NULL
), picked AS (
    -- The original is never picked itself (its id is no multiple), so no duplicate points at a duplicate.
    SELECT id, earlier FROM ordered
    WHERE earlier IS NOT NULL AND id % $1 = 0 AND earlier % $1 <> 0
)
UPDATE member m
SET duplicate_of_id = o.id, name = o.name, gender = o.gender, birthday = o.birthday
FROM picked p
JOIN member o ON o.id = p.earlier
WHERE m.id = p.id
"""


async def mark_duplicates(conn: asyncpg.Connection) -> int:
    """Make a handful of members second enrolments of an earlier member of their store; return how many.

    The duplicate takes the original's name, gender and birthday (the same person, enrolled
    again with another phone number), so the demo shows why it does not count towards targets.
    """
    status = await conn.execute(_MARK, DUPLICATE_EVERY)
    return int(status.split()[-1])

"""Demo data for calls: what the seed's rows imply, filled in set-based after the seed's COPY.

Members' lifetime spend from their visits; a lunar-calendar birthday for about one member in
twelve (their solar birthday read as a lunar date, as older customers often keep it); one attempt
row per call that was tried, with its outcome; the planning policy of each call; and conversions:
a call done shortly before the member's (or dealer's) next visit.
"""

from __future__ import annotations

import asyncpg
from lunardate import LunarDate

_SPEND = """
UPDATE member m SET lifetime_spend = s.total
FROM (SELECT member_id, sum(purchase_amount) AS total FROM visit
      WHERE member_id IS NOT NULL AND purchase_amount IS NOT NULL GROUP BY member_id) s
WHERE s.member_id = m.id"""

_POLICY_AND_OUTCOME = """
UPDATE callback c SET policy_id = p.id, max_attempts = greatest(p.max_attempts, c.attempts, 1),
       outcome = CASE WHEN c.status <> 'DONE' THEN NULL
                      WHEN c.non_conversion_reason IS NOT NULL THEN 'NOT_INTERESTED'
                      WHEN c.satisfaction >= 4 THEN 'WILL_VISIT'
                      ELSE 'SATISFIED' END
FROM callback_policy p WHERE p.purpose = c.purpose"""

# Earlier tries were not reached (they are why `attempts` is above one); the last one is the outcome.
_ATTEMPTS = """
INSERT INTO callback_attempt
    (callback_id, attempted_at, actor_id, channel, reached, outcome, satisfaction, non_conversion_reason, notes)
SELECT c.id, c.last_attempt_at - make_interval(days => c.attempts - n), c.assignee_id, c.channel,
       n = c.attempts AND coalesce(c.reached, false),
       CASE WHEN n = c.attempts AND c.reached THEN c.outcome END,
       CASE WHEN n = c.attempts AND c.reached THEN c.satisfaction END,
       CASE WHEN n = c.attempts AND c.reached THEN c.non_conversion_reason END,
       CASE WHEN n = c.attempts THEN c.outcome_notes END
FROM callback c, generate_series(1, c.attempts) AS n
WHERE c.last_attempt_at IS NOT NULL
ORDER BY c.id, n"""

_CONVERSIONS = """
UPDATE callback c SET converted_visit_id = x.visit_id, converted_at = x.visited_at
FROM (
    SELECT cb.id, v.id AS visit_id, v.visited_at
    FROM callback cb
    JOIN callback_policy p ON p.id = cb.policy_id
    CROSS JOIN LATERAL (
        SELECT v.id, v.visited_at FROM visit v
        WHERE v.{party}_id = cb.{party}_id
          AND v.visited_at >= cb.closed_at
          AND v.visited_at < cb.closed_at + make_interval(days => p.conversion_days)
        ORDER BY v.visited_at LIMIT 1
    ) v
    WHERE cb.status = 'DONE' AND cb.{party}_id IS NOT NULL
) x
WHERE x.id = c.id"""


async def fill_call_history(conn: asyncpg.Connection) -> int:
    """Fill the columns the seed's COPY leaves at their defaults; return the attempt rows written."""
    await conn.execute(_SPEND)
    rows = await conn.fetch("SELECT id, birthday FROM member WHERE birthday IS NOT NULL AND id % 12 = 0")
    ids, months, days = [], [], []
    for row in rows:
        lunar = LunarDate.from_solar_date(row["birthday"].year, row["birthday"].month, row["birthday"].day)
        ids.append(row["id"])
        months.append(lunar.month)
        days.append(lunar.day)
    await conn.execute(
        """
        UPDATE member m SET lunar_birthday_month = l.month, lunar_birthday_day = l.day
        FROM unnest($1::bigint[], $2::int[], $3::int[]) AS l(id, month, day) WHERE m.id = l.id
        """,
        ids,
        months,
        days,
    )
    await conn.execute(_POLICY_AND_OUTCOME)
    status = await conn.execute(_ATTEMPTS)
    for party in ("member", "dealer"):
        await conn.execute(_CONVERSIONS.format(party=party))
    return int(status.split()[-1])

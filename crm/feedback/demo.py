"""Demo data for the closed loop's clocks: filled in, set-based, after the seed has copied feedback and events.

The seed writes each case's history (its events); the clocks follow from it and from the SLA
table the migration filled: when each step began and was due, when the case was acknowledged and
resolved. Escalations are those the job would have made had it run every morning at 08:00
(Asia/Shanghai) since the clocks went live, ESCALATION_DAYS before the seed's today: its first run
escalated the backlog of open overdue cases, later runs each case that fell overdue since. So the
demo shows cases resolved within and outside the SLA, escalated cases (open and since closed), and
cases that became overdue after the last run.
"""

from __future__ import annotations

import datetime as dt

import asyncpg

# The escalation job went live four weeks before the seed's today (the seed's history is older and
# ran without clocks: escalating it all would bury the supervisor's view in old cases).
ESCALATION_DAYS = 28

_CLOCKS = """
WITH history AS (
    SELECT e.feedback_id,
           max(e.created_at) AS last_change,
           min(e.created_at) FILTER (WHERE e.from_status = 'RECEIVED') AS acknowledged,
           min(e.created_at) FILTER (WHERE e.to_status = 'RESOLVED') AS resolved
    FROM feedback_event e
    WHERE e.kind = 'TRANSITION'
    GROUP BY e.feedback_id
), clock AS (
    SELECT f.id,
           coalesce(h.last_change, f.received_at) AS changed,
           h.acknowledged,
           h.resolved,
           f.received_at + make_interval(hours => r.hours) AS resolve_due,
           s.hours AS step_hours
    FROM feedback f
    LEFT JOIN history h ON h.feedback_id = f.id
    LEFT JOIN feedback_sla r ON r.kind = f.kind AND r.step = 'RESOLVE'
    LEFT JOIN feedback_sla s ON s.kind = f.kind AND s.step = f.status
)
UPDATE feedback f
SET status_changed_at = c.changed,
    acknowledged_at = CASE WHEN f.status <> 'RECEIVED' THEN coalesce(c.acknowledged, c.changed) END,
    resolved_at = CASE WHEN f.status IN ('RESOLVED', 'RETURN_VISIT_DONE', 'CLOSED')
                       THEN coalesce(c.resolved, c.changed) END,
    upheld = CASE f.status WHEN 'RECEIVED' THEN NULL WHEN 'NOT_UPHELD' THEN false ELSE true END,
    resolve_due_at = c.resolve_due,
    due_at = CASE
        WHEN f.status IN ('NOT_UPHELD', 'CLOSED') THEN NULL
        WHEN f.status IN ('RECEIVED', 'ASSESSED', 'INVESTIGATING', 'SOLUTION_PROPOSED')
            THEN least(c.changed + make_interval(hours => c.step_hours), c.resolve_due)
        ELSE c.changed + make_interval(hours => c.step_hours)
    END
FROM clock c
WHERE c.id = f.id
"""

# Each step a case went through: when it was due, and whether it was still in it at the next morning
# run after that, or at the first run ($2) for an older deadline; escalated once, at its first such run.
_ESCALATIONS = """
WITH steps AS (
    SELECT e.feedback_id, e.to_status AS status, e.created_at AS entered,
           lead(e.created_at) OVER (PARTITION BY e.feedback_id ORDER BY e.created_at, e.id) AS left_at
    FROM feedback_event e
    WHERE e.kind = 'TRANSITION'
), deadlines AS (
    SELECT st.feedback_id, st.status, coalesce(st.left_at, $1) AS until,
           least(st.entered + make_interval(hours => s.hours),
                 CASE WHEN st.status IN ('RECEIVED', 'ASSESSED', 'INVESTIGATING', 'SOLUTION_PROPOSED')
                      THEN f.resolve_due_at END) AS due
    FROM steps st
    JOIN feedback f ON f.id = st.feedback_id
    LEFT JOIN feedback_sla s ON s.kind = f.kind AND s.step = st.status
    WHERE st.status NOT IN ('NOT_UPHELD', 'CLOSED')
), runs AS (
    SELECT feedback_id, status, due,
           greatest(timezone('Asia/Shanghai', date_trunc('day', timezone('Asia/Shanghai', due) - interval '8 hours')
                                              + interval '1 day 8 hours'),
                    $2) AS run,
           until
    FROM deadlines
    WHERE due IS NOT NULL
), first_run AS (
    SELECT DISTINCT ON (feedback_id) feedback_id, status, due, run
    FROM runs
    WHERE run < until AND run < $1
    ORDER BY feedback_id, run
), marked AS (
    UPDATE feedback f
    SET escalated_at = fr.run,
        escalated_to_id = coalesce(
            (SELECT sv.id FROM staff sv WHERE sv.role = 'SUPERVISOR' AND sv.active
               AND sv.region = coalesce(s.region, d.region, hs.region) ORDER BY sv.id LIMIT 1),
            (SELECT sv.id FROM staff sv WHERE sv.role = 'SUPERVISOR' AND sv.active
             ORDER BY sv.region IS NOT NULL, sv.id LIMIT 1))
    FROM first_run fr
    JOIN feedback f2 ON f2.id = fr.feedback_id
    LEFT JOIN store s ON s.id = f2.store_id
    LEFT JOIN dealer d ON d.id = f2.dealer_id
    LEFT JOIN member m ON m.id = f2.member_id
    LEFT JOIN store hs ON hs.id = m.home_store_id
    WHERE f.id = fr.feedback_id
    RETURNING f.id, fr.status, fr.due, f.escalated_at, f.escalated_to_id
)
INSERT INTO feedback_event (feedback_id, from_status, to_status, kind, actor_id, note, created_at)
SELECT mk.id, mk.status, mk.status, 'ESCALATION', NULL,
       'Overdue since ' || to_char(timezone('Asia/Shanghai', mk.due), 'YYYY-MM-DD HH24:MI')
       || ' (Asia/Shanghai): escalated to ' || coalesce(sv.display_name, 'no supervisor (none active)') || '.',
       mk.escalated_at
FROM marked mk LEFT JOIN staff sv ON sv.id = mk.escalated_to_id
ORDER BY mk.escalated_at, mk.id
"""


async def fill_clocks(conn: asyncpg.Connection, now: dt.datetime) -> int:
    """Fill the SLA columns of the seeded feedback from its events; return the escalation events added.

    `now` is the start of the seed's today (a business day's midnight in UTC).
    """
    await conn.execute(_CLOCKS)
    first_run = now - dt.timedelta(days=ESCALATION_DAYS) + dt.timedelta(hours=8)
    status: str = await conn.execute(_ESCALATIONS, now, first_run)
    return int(status.split()[-1])

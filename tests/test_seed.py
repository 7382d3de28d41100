"""The demo data set: every feature present, consistent, deterministic, and never loaded twice."""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest

from crm.auth.passwords import verify
from crm.enums import CallbackPurpose, CallbackStatus, FeedbackStatus, Role, TargetScope
from crm.seed import DEMO_PASSWORD, DEMO_USERS, TABLES, SeedError, seed

TODAY = dt.date(2026, 11, 24)
MONTHS = [dt.date(2026, 8, 1), dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)]
# Today starts at 00:00 in Asia/Shanghai, 16:00 UTC the day before.
TODAY_START = dt.datetime(2026, 11, 23, 16, 0, tzinfo=dt.UTC)


async def _fingerprint(url: str) -> dict[str, str]:
    """Return an md5 of every seeded table's rows, in id order (password hashes are salted: left out)."""
    conn = await asyncpg.connect(url)
    try:
        return {
            table: await conn.fetchval(
                f"SELECT md5(string_agg((to_jsonb(t) - 'password_hash')::text, ',' ORDER BY t.id)) FROM {table} t"
            )
            for table in TABLES
        }
    finally:
        await conn.close()


async def test_a_small_seed_shows_every_feature(fresh_db_url: str) -> None:
    # given an empty database
    # when a small data set is loaded
    report = await seed(fresh_db_url, members=300, today=TODAY)

    # then every role, feedback status, call purpose and status, and target scope is there
    conn = await asyncpg.connect(fresh_db_url)
    try:
        roles = {r["role"] for r in await conn.fetch("SELECT DISTINCT role FROM staff")}
        feedback_statuses = {r["status"] for r in await conn.fetch("SELECT DISTINCT status FROM feedback")}
        purposes = {r["purpose"] for r in await conn.fetch("SELECT DISTINCT purpose FROM callback")}
        call_statuses = {r["status"] for r in await conn.fetch("SELECT DISTINCT status FROM callback")}
        scopes = await conn.fetch("SELECT month, array_agg(DISTINCT scope) AS scopes FROM enrolment_target GROUP BY 1")
        demo_users = dict(
            await conn.fetch(
                "SELECT username, role FROM staff WHERE username = ANY($1::text[])",
                ["admin", "supervisor", "vip.east", "staff.s0001", "reception.east", "clerk.east", "marketing"],
            )
        )
        due_today = await conn.fetchval(
            "SELECT count(*) FROM callback c JOIN staff s ON s.id = c.assignee_id"
            " WHERE s.username = 'vip.east' AND c.status = 'OPEN' AND c.due_on = $1",
            TODAY,
        )
        counted = {table: await conn.fetchval(f"SELECT count(*) FROM {table}") for table in TABLES}
    finally:
        await conn.close()
    assert roles == {r.value for r in Role}
    assert feedback_statuses == {s.value for s in FeedbackStatus}
    assert purposes == {p.value for p in CallbackPurpose}
    assert call_statuses == {s.value for s in CallbackStatus}
    assert sorted(r["month"] for r in scopes) == MONTHS
    assert all(set(r["scopes"]) == {s.value for s in TargetScope} for r in scopes)
    assert demo_users == {
        "admin": "ADMIN",
        "supervisor": "SUPERVISOR",
        "vip.east": "VIP_MANAGER",
        "staff.s0001": "STORE_STAFF",
        "reception.east": "RECEPTIONIST",
        "clerk.east": "SALES_CLERK",
        "marketing": "MARKETING",
    }
    assert 20 <= due_today <= 60
    assert report.counts == counted
    assert counted["member"] == 300


async def test_the_demo_shows_the_vip_managers_work(fresh_db_url: str) -> None:
    # given an empty database
    # when a small data set is loaded
    report = await seed(fresh_db_url, members=2000, today=TODAY)

    # then planning, attempts, conversions, lunar birthdays, the complaint clocks and duplicates are there
    conn = await asyncpg.connect(fresh_db_url)
    try:
        planned = await conn.fetchval("SELECT count(*) FROM callback WHERE plan_key IS NOT NULL")
        planned_days = await conn.fetchval(
            "SELECT count(DISTINCT due_on) FROM callback WHERE plan_key IS NOT NULL AND due_on >= $1", TODAY
        )
        over_capacity = await conn.fetchval(
            """
            SELECT count(*) FROM (
                SELECT c.assignee_id, c.due_on FROM callback c JOIN staff s ON s.id = c.assignee_id
                WHERE c.status = 'OPEN' AND c.plan_key IS NOT NULL AND c.due_on >= $1
                GROUP BY c.assignee_id, c.due_on, s.daily_call_capacity
                HAVING count(*) > s.daily_call_capacity
            ) full_days
            """,
            TODAY,
        )
        unreached_tries = await conn.fetchval("SELECT count(*) FROM callback_attempt WHERE NOT reached")
        converted = await conn.fetchval("SELECT count(*) FROM callback WHERE converted_visit_id IS NOT NULL")
        done = await conn.fetchval("SELECT count(*) FROM callback WHERE status = 'DONE'")
        lunar = await conn.fetchval("SELECT count(*) FROM member WHERE lunar_birthday_month IS NOT NULL")
        spend_matches = await conn.fetchval(
            """
            SELECT bool_and(m.lifetime_spend = coalesce(v.total, 0)) FROM member m
            LEFT JOIN (SELECT member_id, sum(purchase_amount) AS total FROM visit GROUP BY member_id) v
              ON v.member_id = m.id
            """
        )
        complaints = await conn.fetchrow(
            """
            SELECT count(*) FILTER (WHERE resolved_at IS NOT NULL) AS resolved,
                   count(*) FILTER (WHERE resolved_at <= resolve_due_at) AS within,
                   count(*) FILTER (WHERE escalated_at IS NOT NULL) AS escalated
            FROM feedback WHERE kind = 'COMPLAINT'
            """
        )
        duplicates = await conn.fetchval("SELECT count(*) FROM member WHERE duplicate_of_id IS NOT NULL")
    finally:
        await conn.close()
    assert report.planned == planned > 100
    assert planned_days == 7
    assert over_capacity == 0
    assert unreached_tries > 0
    assert 0.1 < converted / done < 0.9
    assert 2000 / 24 < lunar < 2000 / 6
    assert spend_matches is True
    assert 0.4 < complaints["within"] / complaints["resolved"] < 0.95
    assert complaints["escalated"] > 0
    assert duplicates > 0


async def test_members_and_their_history_are_consistent(fresh_db_url: str) -> None:
    # given a seeded database
    await seed(fresh_db_url, members=300, today=TODAY)

    # when members are compared with their visits, calls and feedback
    conn = await asyncpg.connect(fresh_db_url)
    try:
        wrong_last_visit = await conn.fetchval(
            "SELECT count(*) FROM member m"
            " LEFT JOIN (SELECT member_id, max(visited_at) AS latest FROM visit GROUP BY 1) v ON v.member_id = m.id"
            " WHERE m.last_visit_at IS DISTINCT FROM v.latest"
        )
        misplaced_visits = await conn.fetchval(
            "SELECT count(*) FROM visit v JOIN member m ON m.id = v.member_id"
            " WHERE v.visited_at <= m.enrolled_at OR v.visited_at >= $1",
            TODAY_START,
        )
        wrong_member_no = await conn.fetchval(
            "SELECT count(*) FROM member WHERE member_no <> 'M' || lpad(id::text, 8, '0')"
        )
        wrong_dormant = await conn.fetchval(
            "SELECT count(*) FROM member WHERE status = 'DORMANT'"
            " AND coalesce(last_visit_at, enrolled_at) >= $1::timestamptz - interval '180 days'",
            TODAY_START,
        )
        follow_ups_without_resolution = await conn.fetchval(
            "SELECT count(*) FROM callback c LEFT JOIN feedback f ON f.id = c.feedback_id"
            " WHERE c.purpose = 'COMPLAINT_FOLLOW_UP'"
            " AND (f.id IS NULL OR f.status NOT IN ('RESOLVED', 'RETURN_VISIT_DONE', 'CLOSED'))"
        )
        broken_histories = await conn.fetchval(
            "SELECT count(*) FROM feedback f WHERE f.status <>"
            " (SELECT e.to_status FROM feedback_event e WHERE e.feedback_id = f.id"
            "  ORDER BY e.created_at DESC, e.id DESC LIMIT 1)"
            " OR NOT EXISTS (SELECT 1 FROM feedback_event e WHERE e.feedback_id = f.id"
            "  AND e.from_status IS NULL AND e.to_status = 'RECEIVED')"
        )
    finally:
        await conn.close()

    # then they agree
    assert wrong_last_visit == 0
    assert misplaced_visits == 0
    assert wrong_member_no == 0
    assert wrong_dormant == 0
    assert follow_ups_without_resolution == 0
    assert broken_histories == 0


async def test_the_same_seed_gives_the_same_data(fresh_db_url: str) -> None:
    # given a database seeded once
    await seed(fresh_db_url, members=300, today=TODAY)
    first = await _fingerprint(fresh_db_url)

    # when it is reset and seeded again with the same seed, then with another one
    await seed(fresh_db_url, members=300, today=TODAY, reset=True)
    second = await _fingerprint(fresh_db_url)
    await seed(fresh_db_url, members=300, today=TODAY, reset=True, random_seed=7)
    other = await _fingerprint(fresh_db_url)

    # then the same seed reproduces every row, and another seed changes them
    assert second == first
    assert other["member"] != first["member"]


async def test_a_database_with_data_is_refused(fresh_db_url: str) -> None:
    # given a seeded database
    report = await seed(fresh_db_url, members=200, today=TODAY)

    # when it is seeded again without reset
    with pytest.raises(SeedError, match="use --reset"):
        await seed(fresh_db_url, members=200, today=TODAY)

    # then nothing was added
    conn = await asyncpg.connect(fresh_db_url)
    try:
        members = await conn.fetchval("SELECT count(*) FROM member")
    finally:
        await conn.close()
    assert members == report.counts["member"]


async def test_ids_continue_after_the_seeded_rows(fresh_db_url: str) -> None:
    # given a database seeded through a SQLAlchemy-style URL
    report = await seed(fresh_db_url.replace("postgresql://", "postgresql+asyncpg://", 1), members=200, today=TODAY)

    # when rows are inserted the way the API does, without ids or member numbers
    conn = await asyncpg.connect(fresh_db_url)
    try:
        member = await conn.fetchrow(
            "INSERT INTO member (name, phone, home_store_id, enrolled_at)"
            " VALUES ('王小紅', '+8613800138000', 1, now()) RETURNING id, member_no"
        )
        staff_id = await conn.fetchval(
            "INSERT INTO staff (username, display_name, role) VALUES ('new.user', '新同事', 'MARKETING') RETURNING id"
        )
        visit_id = await conn.fetchval(
            "INSERT INTO visit (kind, member_id, store_id, visited_at)"
            " VALUES ('MEMBER_STORE', $1, 1, now()) RETURNING id",
            member["id"],
        )
    finally:
        await conn.close()

    # then they get the next ids and member number
    assert member["id"] == report.counts["member"] + 1
    assert member["member_no"] == f"M{report.counts['member'] + 1:08d}"
    assert staff_id == report.counts["staff"] + 1
    assert visit_id == report.counts["visit"] + 1


async def test_demo_users_can_sign_in_with_the_documented_password(fresh_db_url: str) -> None:
    # given a seeded database
    await seed(fresh_db_url, members=100, today=TODAY)
    # when the demo accounts' password hashes are checked
    conn = await asyncpg.connect(fresh_db_url)
    try:
        rows = await conn.fetch("SELECT username, role, password_hash FROM staff WHERE password_hash IS NOT NULL")
    finally:
        await conn.close()
    # then exactly one demo user per role can sign in, with the README's password
    assert sorted(r["username"] for r in rows) == sorted(DEMO_USERS)
    assert sorted(r["role"] for r in rows) == sorted(role.value for role in Role)
    assert all(verify(r["password_hash"], DEMO_PASSWORD) for r in rows)

"""The raw-SQL floor: the six benchmark reads as hand-written, batched SQL behind a bare Starlette app.

It answers `POST /op/{name}` (the operation's plain parameters as the JSON body) with
`{"data": ...}` in the same shape and field names as our API's answer to that document, IDs
as plain integers. It is the least Python work that can produce that JSON: an asyncpg pool
(statements prepared once per connection by asyncpg's statement cache), one statement per
relation level and never one per row, rows turned into dicts by hand and encoded with orjson.
Nothing is assembled inside PostgreSQL: the point is to measure the Python path, not to
move it into the database. There is no sign-in and no row scoping: it answers as an admin sees.
Computed figures use our API's own arithmetic where it is more than a line: a target's pacing
comes from crm.targets.pacing (Asia/Shanghai days weighted by the holiday calendar).

    python -m bench.floor --dsn postgresql://postgres@127.0.0.1:5432/crm_bench_dev --port 8100
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import decimal
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import asyncpg
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm.targets import pacing

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
NEVER = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)  # what our API sorts a never-visited member as
CLOSED_FEEDBACK = ["NOT_UPHELD", "CLOSED"]  # every other feedback status is open
POOL_SIZE = 20  # as bench/run.py gives our API (CRM_POOL_SIZE) and bench/postgraphile.py PostGraphile
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
EARLIEST_MONTH = dt.date(2000, 1, 1)  # targets start here (crm/targets/service.py): so does a target's history
MAX_HISTORY_MONTHS = 24  # history(months:) takes 1 to 24

Row = asyncpg.Record
Json = dict[str, Any]
if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    Conn = PoolConnectionProxy[Row]  # what the pool hands out
    Handler = Callable[[Conn, Json], Awaitable[Json]]


# --- SQL ------------------------------------------------------------------------------------
# Every list statement asks for one row more than the page to learn hasNextPage, like our API.

CALLBACK_PAGE = """
SELECT id, purpose, channel, due_on, status, priority, attempts, notes, member_id, dealer_id
FROM callback
WHERE assignee_id = $1 AND status = 'OPEN' AND due_on <= $2
ORDER BY priority DESC, due_on, id
LIMIT $3
"""
CALLBACK_COUNT = "SELECT count(*) FROM callback WHERE assignee_id = $1 AND status = 'OPEN' AND due_on <= $2"
MEMBER_BRIEF = """
SELECT id, name, phone, tier, last_visit_at, lifetime_spend, consent_phone, consent_sms, consent_wechat, preferences
FROM member WHERE id = ANY($1::bigint[])
"""
OPEN_FEEDBACK_BRIEF = """
SELECT member_id, id, kind, status FROM feedback
WHERE member_id = ANY($1::bigint[]) AND status <> ALL($2::text[])
ORDER BY received_at DESC, id DESC
"""
DEALER_CONTACT = "SELECT id, name, contact_name, contact_phone FROM dealer WHERE id = ANY($1::bigint[])"

MEMBER_PAGE_BY_STORE = """
SELECT id, member_no, name, phone, tier, status, enrolled_at, last_visit_at, home_store_id, manager_id
FROM member WHERE home_store_id = $1
ORDER BY enrolled_at DESC, id DESC
LIMIT $2
"""
MEMBER_COUNT_BY_STORE = "SELECT count(*) FROM member WHERE home_store_id = $1"
STORE_WITH_DEALER = """
SELECT s.id, s.name, s.city, s.region, d.id AS dealer_id, d.name AS dealer_name
FROM store s LEFT JOIN dealer d ON d.id = s.dealer_id
WHERE s.id = ANY($1::bigint[])
"""
STAFF_NAMES = "SELECT id, display_name FROM staff WHERE id = ANY($1::bigint[])"
# The latest store visits of each member: a LATERAL walk of ix_visit_member_visited per member.
RECENT_VISITS = """
SELECT v.member_id, v.id, v.visited_at, v.purchase_amount
FROM unnest($1::bigint[]) AS p(member_id)
CROSS JOIN LATERAL (
    SELECT id, member_id, visited_at, purchase_amount FROM visit
    WHERE member_id = p.member_id AND kind = 'MEMBER_STORE'
    ORDER BY visited_at DESC, id DESC
    LIMIT $2
) v
"""

MEMBER_FULL = """
SELECT id, member_no, name, phone, gender, birthday, tier, status, enrolled_at, last_visit_at, version,
       consent_phone, consent_sms, consent_wechat, preferences, tags, notes,
       home_store_id, manager_id, enrolled_by_id
FROM member WHERE id = $1
"""
RECENT_VISITS_FULL = """
SELECT id, visited_at, purchase_amount, item_count, items, store_id FROM visit
WHERE member_id = $1 AND kind = 'MEMBER_STORE'
ORDER BY visited_at DESC, id DESC
LIMIT $2
"""
OPEN_CALLBACKS_OF_MEMBER = """
SELECT id, purpose, channel, due_on, status, attempts, assignee_id FROM callback
WHERE member_id = $1 AND status = 'OPEN'
ORDER BY due_on, id
"""
OPEN_FEEDBACK_OF_MEMBER = """
SELECT id, kind, channel, status, content, received_at FROM feedback
WHERE member_id = $1 AND status <> ALL($2::text[])
ORDER BY received_at DESC, id DESC
"""
FEEDBACK_EVENTS = """
SELECT feedback_id, from_status, to_status, note, created_at, actor_id FROM feedback_event
WHERE feedback_id = ANY($1::bigint[])
ORDER BY created_at, id
"""

TARGET_PAGE = """
SELECT id, month, scope, region, target_count, scope_key, store_id, staff_id, dealer_id
FROM enrolment_target WHERE month = $1 AND scope = 'STORE'
ORDER BY scope, scope_key, id
LIMIT $2
"""
TARGET_COUNT = "SELECT count(*) FROM enrolment_target WHERE month = $1 AND scope = 'STORE'"
# The page's stores over the history months and the target's month, in one statement: their STORE
# targets of the months before ('T'), and their members enrolled per Asia/Shanghai month, duplicates
# left out ('E'), which gives both the target's enrolledCount and its history's.
TARGET_HISTORY = """
SELECT 'T' AS kind, store_id AS key, month, target_count::bigint AS n
FROM enrolment_target
WHERE scope = 'STORE' AND store_id = ANY($1::bigint[]) AND month >= $2 AND month < $3
UNION ALL
SELECT 'E', home_store_id, date_trunc('month', enrolled_at AT TIME ZONE 'Asia/Shanghai')::date, count(*)
FROM member
WHERE home_store_id = ANY($1::bigint[]) AND enrolled_at >= $4 AND enrolled_at < $5 AND duplicate_of_id IS NULL
GROUP BY 2, 3
"""
DEALER_NAMES = "SELECT id, name FROM dealer WHERE id = ANY($1::bigint[])"

SEGMENT_PAGE = """
SELECT id, member_no, name, phone, tier, status, enrolled_at, last_visit_at, home_store_id,
       coalesce(last_visit_at, $3) AS seen
FROM member
WHERE tier = $1 AND (last_visit_at < $2 OR last_visit_at IS NULL)
ORDER BY coalesce(last_visit_at, $3) DESC, id DESC
LIMIT $4
"""
SEGMENT_COUNT = "SELECT count(*) FROM member WHERE tier = $1 AND (last_visit_at < $2 OR last_visit_at IS NULL)"

STORE_PAGE = "SELECT id, code, name, city, region, dealer_id FROM store ORDER BY code, id LIMIT $1"
STORE_COUNT = "SELECT count(*) FROM store"
# The newest members of each store: a LATERAL walk of ix_member_home_store_enrolled per store.
NEWEST_MEMBERS = """
SELECT m.home_store_id, m.id, m.member_no, m.name, m.tier, m.last_visit_at
FROM unnest($1::bigint[]) AS p(store_id)
CROSS JOIN LATERAL (
    SELECT id, home_store_id, member_no, name, tier, last_visit_at FROM member
    WHERE home_store_id = p.store_id
    ORDER BY enrolled_at DESC, id DESC
    LIMIT $2
) m
"""
OPEN_CALLBACKS_OF_MEMBERS = """
SELECT member_id, id, purpose, due_on, status FROM callback
WHERE member_id = ANY($1::bigint[]) AND status = 'OPEN'
ORDER BY due_on, id
"""


# --- helpers --------------------------------------------------------------------------------


class BadParams(ValueError):
    """The request's parameters are missing or malformed."""


def _cursor(order: str, values: Iterable[Any]) -> str:
    """The cursor our API gives a row: base64 of [order name, sort values], dates as ISO text."""
    plain = [v.isoformat() if isinstance(v, dt.date) else v for v in values]
    return base64.urlsafe_b64encode(orjson.dumps([order, plain])).decode().rstrip("=")


def _money(value: decimal.Decimal | None) -> str | None:
    return None if value is None else str(value)


def _today() -> dt.date:
    return dt.datetime.now(BUSINESS_TZ).date()


def _day_start(day: dt.date) -> dt.datetime:
    """The UTC instant a business day (Asia/Shanghai) starts."""
    return dt.datetime.combine(day, dt.time(), BUSINESS_TZ).astimezone(dt.UTC)


def _ids(values: Iterable[int | None]) -> list[int]:
    return sorted({v for v in values if v is not None})


def _by_id(rows: Iterable[Row]) -> dict[int, Row]:
    return {r["id"]: r for r in rows}


def _grouped(rows: Iterable[Row], key: str) -> dict[int, list[Row]]:
    out: dict[int, list[Row]] = defaultdict(list)
    for r in rows:
        out[r[key]].append(r)
    return out


async def _fetch_by_ids(conn: Conn, sql: str, ids: list[int], *args: Any) -> list[Row]:
    """One statement for all the ids of a relation level; none when there are no ids."""
    return await conn.fetch(sql, ids, *args) if ids else []


def _int(params: Json, name: str, default: int | None = None) -> int:
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadParams(f"{name} must be an integer")
    return value


def _date(params: Json, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(params[name]))
    except (KeyError, ValueError) as exc:
        raise BadParams(f"{name} must be a YYYY-MM-DD date") from exc


def _page(rows: list[Row], first: int) -> tuple[list[Row], bool]:
    return rows[:first], len(rows) > first


def _connection(total: int, has_next: bool, cursors: list[str], edges: list[Json]) -> Json:
    return {
        "totalCount": total,
        "pageInfo": {"hasNextPage": has_next, "endCursor": cursors[-1] if cursors else None},
        "edges": edges,
    }


def _preferences(raw: Json | None) -> Json:
    raw = raw or {}
    sizes = raw.get("sizes") or {}
    return {
        "sizes": {"shoe": sizes.get("shoe"), "top": sizes.get("top"), "bottom": sizes.get("bottom")},
        "colours": list(raw.get("colours") or []),
        "styles": list(raw.get("styles") or []),
    }


def _consent(r: Row) -> Json:
    return {"phone": r["consent_phone"], "sms": r["consent_sms"], "wechat": r["consent_wechat"]}


def _items(raw: list[Json] | None) -> list[Json]:
    return [
        {
            "name": i["name"],
            "sku": i.get("sku"),
            "quantity": int(i.get("quantity") or 1),
            "amount": str(decimal.Decimal(i["amount"])) if i.get("amount") is not None else None,
        }
        for i in raw or []
    ]


def _staff(staff: dict[int, Row], staff_id: int | None) -> Json | None:
    r = staff.get(staff_id) if staff_id is not None else None
    return None if r is None else {"id": r["id"], "displayName": r["display_name"]}


def _visit_brief(v: Row) -> Json:
    return {"id": v["id"], "visitedAt": v["visited_at"], "purchaseAmount": _money(v["purchase_amount"])}


# --- operations -----------------------------------------------------------------------------


def _callee(m: Row, feedback: Iterable[Row]) -> Json:
    return {
        "id": m["id"],
        "name": m["name"],
        "phone": m["phone"],
        "tier": m["tier"],
        "lastVisitAt": m["last_visit_at"],
        "lifetimeSpend": _money(m["lifetime_spend"]),
        "consent": _consent(m),
        "preferences": _preferences(m["preferences"]),
        "openFeedback": [{"id": f["id"], "kind": f["kind"], "status": f["status"]} for f in feedback],
    }


def _dealer_contact(d: Row) -> Json:
    return {"id": d["id"], "name": d["name"], "contactName": d["contact_name"], "contactPhone": d["contact_phone"]}


async def callback_agenda(conn: Conn, params: Json) -> Json:
    """web/CallbackAgenda.graphql: one assignee's open callbacks due by a day, most urgent first."""
    assignee, due_to, first = _int(params, "assignee_id"), _date(params, "due_to"), _int(params, "first", 50)
    rows, has_next = _page(await conn.fetch(CALLBACK_PAGE, assignee, due_to, first + 1), first)
    total = await conn.fetchval(CALLBACK_COUNT, assignee, due_to)
    member_ids = _ids(r["member_id"] for r in rows)
    members = _by_id(await _fetch_by_ids(conn, MEMBER_BRIEF, member_ids))
    feedback = _grouped(await _fetch_by_ids(conn, OPEN_FEEDBACK_BRIEF, member_ids, CLOSED_FEEDBACK), "member_id")
    dealers = _by_id(await _fetch_by_ids(conn, DEALER_CONTACT, _ids(r["dealer_id"] for r in rows)))
    today = _today()
    cursors, edges = [], []
    for r in rows:
        m, d = members.get(r["member_id"]), dealers.get(r["dealer_id"])
        cursor = _cursor("callback:PRIORITY", (r["priority"], r["due_on"], r["id"]))
        cursors.append(cursor)
        node = {
            "id": r["id"],
            "purpose": r["purpose"],
            "channel": r["channel"],
            "dueOn": r["due_on"],
            "overdue": r["status"] == "OPEN" and r["due_on"] < today,
            "priority": r["priority"],
            "attempts": r["attempts"],
            "notes": r["notes"],
            "member": None if m is None else _callee(m, feedback.get(m["id"], ())),
            "dealer": None if d is None else _dealer_contact(d),
        }
        edges.append({"cursor": cursor, "node": node})
    return {"callbacks": _connection(total, has_next, cursors, edges)}


async def member_page(conn: Conn, params: Json) -> Json:
    """web/MemberPage.graphql: a store's members, newest enrolment first, with store, manager, last 3 visits."""
    store_id, first = _int(params, "store_id"), _int(params, "first", 50)
    rows, has_next = _page(await conn.fetch(MEMBER_PAGE_BY_STORE, store_id, first + 1), first)
    total = await conn.fetchval(MEMBER_COUNT_BY_STORE, store_id)
    stores = _by_id(await _fetch_by_ids(conn, STORE_WITH_DEALER, _ids(r["home_store_id"] for r in rows)))
    staff = _by_id(await _fetch_by_ids(conn, STAFF_NAMES, _ids(r["manager_id"] for r in rows)))
    visits = _grouped(await _fetch_by_ids(conn, RECENT_VISITS, [r["id"] for r in rows], 3), "member_id")
    cursors, edges = [], []
    for r in rows:
        s = stores[r["home_store_id"]]
        cursor = _cursor("member:ENROLLED_AT_DESC", (r["enrolled_at"], r["id"]))
        cursors.append(cursor)
        node = {
            "id": r["id"],
            "memberNo": r["member_no"],
            "name": r["name"],
            "phone": r["phone"],
            "tier": r["tier"],
            "status": r["status"],
            "enrolledAt": r["enrolled_at"],
            "lastVisitAt": r["last_visit_at"],
            "store": {
                "id": s["id"],
                "name": s["name"],
                "dealer": None if s["dealer_id"] is None else {"id": s["dealer_id"], "name": s["dealer_name"]},
            },
            "manager": _staff(staff, r["manager_id"]),
            "recentVisits": [_visit_brief(v) for v in visits.get(r["id"], ())],
        }
        edges.append({"cursor": cursor, "node": node})
    return {"members": _connection(total, has_next, cursors, edges)}


async def member_profile(conn: Conn, params: Json) -> Json:
    """web/MemberProfile.graphql: one member with store, people, 20 visits, open callbacks and feedback."""
    m = await conn.fetchrow(MEMBER_FULL, _int(params, "member_id"))
    if m is None:
        return {"node": None}
    visits = await conn.fetch(RECENT_VISITS_FULL, m["id"], 20)
    callbacks = await conn.fetch(OPEN_CALLBACKS_OF_MEMBER, m["id"])
    feedback = await conn.fetch(OPEN_FEEDBACK_OF_MEMBER, m["id"], CLOSED_FEEDBACK)
    events = _grouped(await _fetch_by_ids(conn, FEEDBACK_EVENTS, [f["id"] for f in feedback]), "feedback_id")
    # The last level: every store and every staff member named anywhere above, one statement each.
    store_ids = _ids([m["home_store_id"], *(v["store_id"] for v in visits)])
    stores = _by_id(await _fetch_by_ids(conn, STORE_WITH_DEALER, store_ids))
    people = [m["manager_id"], m["enrolled_by_id"], *(c["assignee_id"] for c in callbacks)]
    people += [e["actor_id"] for group in events.values() for e in group]
    staff = _by_id(await _fetch_by_ids(conn, STAFF_NAMES, _ids(people)))
    home = stores[m["home_store_id"]]
    today = _today()

    def visit_store(store_id: int | None) -> Json | None:
        s = stores.get(store_id) if store_id is not None else None
        return None if s is None else {"id": s["id"], "name": s["name"]}

    node = {
        "id": m["id"],
        "memberNo": m["member_no"],
        "name": m["name"],
        "phone": m["phone"],
        "gender": m["gender"],
        "birthday": m["birthday"],
        "tier": m["tier"],
        "status": m["status"],
        "enrolledAt": m["enrolled_at"],
        "lastVisitAt": m["last_visit_at"],
        "version": m["version"],
        "consent": _consent(m),
        "preferences": _preferences(m["preferences"]),
        "tags": list(m["tags"] or []),
        "notes": m["notes"],
        "store": {
            "id": home["id"],
            "name": home["name"],
            "city": home["city"],
            "dealer": None if home["dealer_id"] is None else {"id": home["dealer_id"], "name": home["dealer_name"]},
        },
        "manager": _staff(staff, m["manager_id"]),
        "enrolledBy": _staff(staff, m["enrolled_by_id"]),
        "recentVisits": [
            {
                "id": v["id"],
                "visitedAt": v["visited_at"],
                "purchaseAmount": _money(v["purchase_amount"]),
                "itemCount": v["item_count"],
                "items": _items(v["items"]),
                "store": visit_store(v["store_id"]),
            }
            for v in visits
        ],
        "openCallbacks": [
            {
                "id": c["id"],
                "purpose": c["purpose"],
                "channel": c["channel"],
                "dueOn": c["due_on"],
                "overdue": c["status"] == "OPEN" and c["due_on"] < today,
                "attempts": c["attempts"],
                "assignee": _staff(staff, c["assignee_id"]),
            }
            for c in callbacks
        ],
        "openFeedback": [
            {
                "id": f["id"],
                "kind": f["kind"],
                "channel": f["channel"],
                "status": f["status"],
                "content": f["content"],
                "receivedAt": f["received_at"],
                "events": [
                    {
                        "fromStatus": e["from_status"],
                        "toStatus": e["to_status"],
                        "note": e["note"],
                        "createdAt": e["created_at"],
                        "actor": _staff(staff, e["actor_id"]),
                    }
                    for e in events.get(f["id"], ())
                ],
            }
            for f in feedback
        ],
    }
    return {"node": node}


def _month(params: Json) -> dt.date:
    match = _MONTH.match(str(params.get("month", "")))
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise BadParams("month must be YYYY-MM")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def _add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _history_months(month: dt.date, months: int) -> list[dt.date]:
    """The `months` months before `month`, oldest first, none before 2000-01 (where our API's history stops)."""
    back = min(months, max(0, (month.year - EARLIEST_MONTH.year) * 12 + month.month - EARLIEST_MONTH.month))
    return [_add_months(month, -k) for k in range(back, 0, -1)]


def _month_text(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


async def enrolment_progress(conn: Conn, params: Json) -> Json:
    """web/EnrolmentProgress.graphql (scope STORE): a month's store targets with pacing and their last months."""
    month, first, months = _month(params), _int(params, "first", 100), _int(params, "months", 6)
    if not 1 <= months <= MAX_HISTORY_MONTHS:
        raise BadParams(f"months must be between 1 and {MAX_HISTORY_MONTHS}")
    rows, has_next = _page(await conn.fetch(TARGET_PAGE, month, first + 1), first)
    total = await conn.fetchval(TARGET_COUNT, month)
    store_ids = _ids(r["store_id"] for r in rows)
    history = _history_months(month, months)
    since = history[0] if history else month
    found: dict[tuple[str, int, dt.date], int] = {}
    if store_ids:
        bounds = (_day_start(since), _day_start(_add_months(month, 1)))
        for h in await conn.fetch(TARGET_HISTORY, store_ids, since, month, *bounds):
            found[(h["kind"], h["key"], h["month"])] = h["n"]
    stores = _by_id(await _fetch_by_ids(conn, STORE_WITH_DEALER, store_ids))
    # STORE targets name no staff member or dealer: these stay empty and cost no statement.
    staff = _by_id(await _fetch_by_ids(conn, STAFF_NAMES, _ids(r["staff_id"] for r in rows)))
    dealers = _by_id(await _fetch_by_ids(conn, DEALER_NAMES, _ids(r["dealer_id"] for r in rows)))
    today = _today()
    calendar_source = pacing.month_calendar(month).source.value
    cursors, edges = [], []
    for r in rows:
        cursors.append(_cursor("target", (r["scope"], r["scope_key"], r["id"])))
        key, target = r["store_id"], r["target_count"]
        count = found.get(("E", key, r["month"]), 0)
        pace = pacing.pace(today, r["month"], target, count)
        past = []
        for m in history:
            t, e = found.get(("T", key, m)), found.get(("E", key, m), 0)
            past.append(
                {
                    "month": _month_text(m),
                    "targetCount": t,
                    "enrolledCount": e,
                    "progress": round(e / t, 4) if t else None,
                    "status": None if t is None else pacing.status(today, m, t, e).value,
                }
            )
        s, d = stores.get(key), dealers.get(r["dealer_id"])
        node = {
            "id": r["id"],
            "month": _month_text(r["month"]),
            "scope": r["scope"],
            "region": r["region"],
            "targetCount": target,
            "enrolledCount": count,
            "progress": round(count / target, 4) if target else None,
            "expectedByToday": pace.expected,
            "forecast": pace.forecast,
            "neededPerDay": pace.needed_per_day,
            "daysRemaining": pace.days_remaining,
            "status": pace.status.value,
            "pacingCalendar": calendar_source,
            "history": past,
            "store": None if s is None else {"id": s["id"], "name": s["name"]},
            "staff": _staff(staff, r["staff_id"]),
            "dealer": None if d is None else {"id": d["id"], "name": d["name"]},
        }
        edges.append({"node": node})
    return {"enrolmentTargets": _connection(total, has_next, cursors, edges)}


async def segment(conn: Conn, params: Json) -> Json:
    """marketing/Segment.graphql: a tier's members not seen since a day, most recently seen first."""
    tier, first = str(params.get("tier", "")), _int(params, "first", 50)
    cutoff = _day_start(_date(params, "last_visit_before"))
    rows, has_next = _page(await conn.fetch(SEGMENT_PAGE, tier, cutoff, NEVER, first + 1), first)
    total = await conn.fetchval(SEGMENT_COUNT, tier, cutoff)
    stores = _by_id(await _fetch_by_ids(conn, STORE_WITH_DEALER, _ids(r["home_store_id"] for r in rows)))
    cursors, edges = [], []
    for r in rows:
        cursors.append(_cursor("member:LAST_VISIT_DESC", (r["seen"], r["id"])))
        s = stores[r["home_store_id"]]
        node = {
            "id": r["id"],
            "memberNo": r["member_no"],
            "name": r["name"],
            "phone": r["phone"],
            "tier": r["tier"],
            "status": r["status"],
            "enrolledAt": r["enrolled_at"],
            "lastVisitAt": r["last_visit_at"],
            "store": {"id": s["id"], "name": s["name"], "city": s["city"], "region": s["region"]},
        }
        edges.append({"node": node})
    return {"members": _connection(total, has_next, cursors, edges)}


async def store_export(conn: Conn, params: Json) -> Json:
    """marketing/StoreExport.graphql: stores by code, each with its newest members, their visits and calls."""
    first, per_store = _int(params, "first", 50), _int(params, "members", 20)
    stores = await conn.fetch(STORE_PAGE, first)
    total = await conn.fetchval(STORE_COUNT)
    dealers = _by_id(await _fetch_by_ids(conn, DEALER_NAMES, _ids(s["dealer_id"] for s in stores)))
    members = await _fetch_by_ids(conn, NEWEST_MEMBERS, [s["id"] for s in stores], per_store)
    member_ids = [m["id"] for m in members]
    visits = _grouped(await _fetch_by_ids(conn, RECENT_VISITS, member_ids, 3), "member_id")
    callbacks = _grouped(await _fetch_by_ids(conn, OPEN_CALLBACKS_OF_MEMBERS, member_ids), "member_id")
    by_store = _grouped(members, "home_store_id")
    edges = []
    for s in stores:
        d = dealers.get(s["dealer_id"])
        node = {
            "id": s["id"],
            "code": s["code"],
            "name": s["name"],
            "city": s["city"],
            "region": s["region"],
            "dealer": None if d is None else {"id": d["id"], "name": d["name"]},
            "members": [
                {
                    "id": m["id"],
                    "memberNo": m["member_no"],
                    "name": m["name"],
                    "tier": m["tier"],
                    "lastVisitAt": m["last_visit_at"],
                    "recentVisits": [_visit_brief(v) for v in visits.get(m["id"], ())],
                    "openCallbacks": [
                        {"id": c["id"], "purpose": c["purpose"], "dueOn": c["due_on"], "status": c["status"]}
                        for c in callbacks.get(m["id"], ())
                    ],
                }
                for m in by_store.get(s["id"], ())
            ],
        }
        edges.append({"node": node})
    return {"stores": {"totalCount": total, "edges": edges}}


OPERATIONS: dict[str, Handler] = {
    "CallbackAgenda": callback_agenda,
    "MemberPage": member_page,
    "MemberProfile": member_profile,
    "EnrolmentProgress": enrolment_progress,
    "Segment": segment,
    "StoreExport": store_export,
}


# --- the app --------------------------------------------------------------------------------


async def _init_connection(conn: asyncpg.Connection) -> None:
    """jsonb arrives as text; decode it with orjson rather than leaving strings for Python to parse."""
    await conn.set_type_codec("jsonb", schema="pg_catalog", encoder=orjson.dumps, decoder=orjson.loads, format="text")


def _json(payload: Json, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def create_app(dsn: str, pool_size: int = POOL_SIZE) -> Starlette:
    """The floor app: one asyncpg pool, one connection per request, `POST /op/{name}` and `GET /healthz`."""
    state: dict[str, asyncpg.Pool] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(
            dsn,
            min_size=pool_size,
            max_size=pool_size,
            init=_init_connection,
            server_settings={"timezone": "UTC", "application_name": "crm-floor"},
        )
        state["pool"] = pool
        try:
            yield
        finally:
            await pool.close()

    async def operation(request: Request) -> Response:
        handler = OPERATIONS.get(request.path_params["name"])
        if handler is None:
            return _json({"errors": [{"message": "no such operation"}]}, 404)
        try:
            params = orjson.loads(await request.body())
            if not isinstance(params, dict):
                raise BadParams("the body must be a JSON object")
            async with state["pool"].acquire() as conn:
                data = await handler(conn, params)
        except (BadParams, orjson.JSONDecodeError) as exc:
            return _json({"errors": [{"message": str(exc)}]}, 400)
        return _json({"data": data})

    async def healthz(request: Request) -> Response:
        async with state["pool"].acquire() as conn:
            await conn.fetchval("SELECT 1")
        return _json({"status": "ok"})

    routes = [Route("/op/{name}", operation, methods=["POST"]), Route("/healthz", healthz, methods=["GET"])]
    return Starlette(routes=routes, lifespan=lifespan)


def main(argv: list[str] | None = None) -> None:
    """Serve the floor with uvicorn, one worker, quietly (the benchmark measures it, not its logs)."""
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn", required=True, help="postgresql:// URL of the seeded database")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument(
        "--pool-size", type=int, default=POOL_SIZE, help=f"asyncpg connections (default {POOL_SIZE}, as the peers)"
    )
    args = parser.parse_args(argv)
    uvicorn.run(
        create_app(args.dsn, args.pool_size),
        host=args.host,
        port=args.port,
        workers=1,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()

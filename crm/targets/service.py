"""Monthly enrolment targets (月辦理目標) and how far each has come."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Float, Select, String, cast, func, literal, select, tuple_, union_all
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from crm import businesstime
from crm.audit import service as audit
from crm.audit.models import AuditEvent
from crm.auth import scoping
from crm.auth.actor import Actor
from crm.auth.permissions import Op
from crm.businesstime import business_day_end, business_day_start
from crm.config import BUSINESS_TZ
from crm.db import fetch_rows
from crm.dealers.models import Dealer, Store
from crm.enums import Region, TargetScope
from crm.errors import DomainError, ErrorCode
from crm.members.models import Member
from crm.pagination import OrderKey, Page, paginate
from crm.staff.models import Staff
from crm.targets import pacing
from crm.targets.models import EnrolmentTarget
from crm.validation import Checks

MAX_TARGET = 1_000_000
MONTHS_AHEAD = 24
EARLIEST_MONTH = dt.date(2000, 1, 1)
MAX_BULK_ITEMS = 500
# A region's stores, staff or dealers set with one count: a bound on the statement's size.
MAX_BULK_REGION = 5000
MAX_HISTORY_MONTHS = 24
_UNIQUE = "uq_enrolment_target_month_scope_scope_key"
_TIMES = {"created_at", "updated_at"}
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")


@scoping.per_scope
def target_query(actor: Actor) -> Select[Any]:
    """Select the targets in the actor's scope as plain rows."""
    return scoping.where(select(*EnrolmentTarget.__table__.c), scoping.targets(actor))


def parse_month(raw: str) -> dt.date:
    """Turn 'YYYY-MM' into the first day of that month, or raise INVALID_DATE."""
    match = _MONTH.match(raw.strip())
    if match is None or int(match.group(1)) < dt.MINYEAR or not 1 <= int(match.group(2)) <= 12:
        raise DomainError.one("month", "Give the month as YYYY-MM, e.g. 2026-11.", ErrorCode.INVALID_DATE)
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def format_month(month: dt.date) -> str:
    """The 'YYYY-MM' form of a month's first day."""
    return f"{month.year:04d}-{month.month:02d}"


def next_month(month: dt.date) -> dt.date:
    """First day of the month after `month`."""
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class TargetFilter:
    month: dt.date
    scope: TargetScope | None = None


async def list_targets(
    session: AsyncSession, actor: Actor, flt: TargetFilter, *, first: int | None, after: str | None
) -> Page:
    """List one month's targets in the actor's scope by scope and key."""
    actor.require(Op.TARGET_READ)
    stmt = target_query(actor).where(EnrolmentTarget.month == flt.month)
    if flt.scope is not None:
        stmt = stmt.where(EnrolmentTarget.scope == flt.scope)
    keys = [OrderKey(EnrolmentTarget.scope), OrderKey(EnrolmentTarget.scope_key), OrderKey(EnrolmentTarget.id)]
    return await paginate(session, stmt, order_name="target", keys=keys, first=first, after=after)


TargetKey = tuple[str, dt.date, str]
"""(scope, month's first day, scope key) of a target."""

# The target column naming what a target of each scope is for.
_TARGET_KEY: dict[str, Any] = {
    TargetScope.STORE: EnrolmentTarget.store_id,
    TargetScope.STAFF: EnrolmentTarget.staff_id,
    TargetScope.DEALER: EnrolmentTarget.dealer_id,
    TargetScope.REGION: EnrolmentTarget.region,
}
_LOCAL_MONTH = cast(func.date_trunc("month", func.timezone(str(BUSINESS_TZ), Member.enrolled_at)), String)


def _attribution(scope: str) -> tuple[Any, Any, type]:
    """Where a member's enrolment counts for a scope: (FROM clause, key column, key type).

    A member counts for the home store (where they enrolled), the staff member who enrolled
    them, that store's dealer and that store's region.
    """
    if scope == TargetScope.STORE:
        return Member.__table__, Member.home_store_id, int
    if scope == TargetScope.STAFF:
        return Member.__table__, Member.enrolled_by_id, int
    by_store = Member.__table__.join(Store.__table__, Store.id == Member.home_store_id)
    if scope == TargetScope.DEALER:
        return by_store, Store.dealer_id, int
    return by_store, Store.region, str


def _counted(first: dt.date, last: dt.date) -> list[ColumnElement[bool]]:
    """Enrolments that count towards the targets of months `first`..`last`: by Shanghai day, no duplicates."""
    last_day = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    return [
        Member.enrolled_at >= business_day_start(first),
        Member.enrolled_at < business_day_end(last_day),
        Member.duplicate_of_id.is_(None),
    ]


def _count_parts(wanted: dict[str, set[str]], first: dt.date, last: dt.date) -> list[Select[Any]]:
    """Per scope, a statement counting enrolments by (month, key): columns kind 'E', scope, month, key, n."""
    parts: list[Select[Any]] = []
    for scope, scope_keys in wanted.items():
        source, key_col, convert = _attribution(scope)
        columns: list[Any] = [
            literal("E").label("kind"),
            literal(str(scope)).label("scope"),
            _LOCAL_MONTH.label("month"),
            cast(key_col, String).label("key"),
            func.count().label("n"),
        ]
        parts.append(
            select(*columns)
            .select_from(source)
            .where(key_col.in_([convert(k) for k in scope_keys]), *_counted(first, last))
            .group_by(_LOCAL_MONTH, key_col)
        )
    return parts


def _by_scope(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = {}
    for scope, key in pairs:
        wanted.setdefault(scope, set()).add(key)
    return wanted


async def enrolled_counts(session: AsyncSession, keys: Sequence[TargetKey]) -> list[int]:
    """Members enrolled in each target's month (Asia/Shanghai) and scope, duplicates left out, in one statement."""
    months = {month for _, month, _ in keys}
    parts = _count_parts(_by_scope((scope, key) for scope, _, key in keys), min(months), max(months))
    counts: dict[tuple[str, str, str], int] = {}
    for row in await fetch_rows(session, union_all(*parts)):
        counts[(row.scope, row.month[:7], row.key)] = row.n
    return [counts.get((scope, format_month(month), key), 0) for scope, month, key in keys]


def progress(month: dt.date, target_count: int, enrolled: int, today: dt.date | None = None) -> pacing.Pace:
    """A target's pacing on `today` (default: the current business day in Asia/Shanghai)."""
    return pacing.pace(today or businesstime.today(), month, target_count, enrolled)


def add_months(month: dt.date, n: int) -> dt.date:
    """The first day of the month `n` months after (or before, n < 0) the month of `month`."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _months_since_earliest(month: dt.date) -> int:
    return max(0, (month.year - EARLIEST_MONTH.year) * 12 + month.month - EARLIEST_MONTH.month)


HistoryKey = tuple[str, str, dt.date, int]
"""(scope, scope key, a target's month, how many months before it)."""


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """One past month of a store, staff member, dealer or region: its target (if one was set) and enrolments."""

    month: dt.date
    target_count: int | None
    enrolled: int


async def target_history(session: AsyncSession, actor: Actor, keys: Sequence[HistoryKey]) -> list[list[MonthFigures]]:
    """For each key, the targets and enrolments of the months before its month, oldest first, in one statement."""
    actor.require(Op.TARGET_READ)
    # Targets start in 2000-01 (EARLIEST_MONTH): history stops there.
    spans = [
        [add_months(month, -k) for k in range(min(n, _months_since_earliest(month)), 0, -1)] for _, _, month, n in keys
    ]
    months = [m for span in spans for m in span]
    if not months:
        return [[] for _ in keys]
    first, last = min(months), max(months)
    pairs = {(scope, key) for (scope, key, _, n) in keys if n > 0}
    columns: list[Any] = [
        literal("T").label("kind"),
        EnrolmentTarget.scope.label("scope"),
        cast(EnrolmentTarget.month, String).label("month"),
        EnrolmentTarget.scope_key.label("key"),
        cast(EnrolmentTarget.target_count, BigInteger).label("n"),
    ]
    set_targets = select(*columns).where(
        tuple_(EnrolmentTarget.scope, EnrolmentTarget.scope_key).in_(sorted(pairs)),
        EnrolmentTarget.month.between(first, last),
    )
    set_targets = scoping.where(set_targets, scoping.targets(actor))
    found: dict[tuple[str, str, str, str], int] = {}
    for row in await fetch_rows(session, union_all(set_targets, *_count_parts(_by_scope(pairs), first, last))):
        found[(row.kind, row.scope, row.month[:7], row.key)] = row.n
    return [
        [
            MonthFigures(
                m, found.get(("T", scope, format_month(m), key)), found.get(("E", scope, format_month(m), key), 0)
            )
            for m in span
        ]
        for (scope, key, _, _), span in zip(keys, spans, strict=True)
    ]


async def leaderboard(
    session: AsyncSession, actor: Actor, month: dt.date, scope: TargetScope, *, first: int | None, after: str | None
) -> Page:
    """One month's targets of one scope in the actor's scope, best progress first, then most enrolled.

    Rows carry `enrolled`, `ratio` (enrolled / target; -1 for a target of 0, which ranks last)
    and `rank` (1 = best; ties share a rank). One statement for the page, however long.
    """
    actor.require(Op.TARGET_READ)
    source, key_col, _ = _attribution(scope)
    target_key = _TARGET_KEY[scope]
    of_month = (EnrolmentTarget.month == month, EnrolmentTarget.scope == scope)
    counts = (
        select(key_col.label("key"), func.count().label("n"))
        .select_from(source)
        .where(key_col.in_(select(target_key).where(*of_month)), *_counted(month, month))
        .group_by(key_col)
        .subquery("enrolled")
    )
    enrolled = func.coalesce(counts.c.n, 0)
    ratio = func.coalesce(cast(enrolled, Float) / cast(func.nullif(EnrolmentTarget.target_count, 0), Float), -1.0)
    ranked = (
        target_query(actor)
        .where(*of_month)
        .outerjoin(counts, target_key == counts.c.key)
        .add_columns(
            enrolled.label("enrolled"),
            ratio.label("ratio"),
            func.rank().over(order_by=(ratio.desc(), enrolled.desc())).label("rank"),
        )
        .subquery("ranked")
    )
    keys = [
        OrderKey(ranked.c.ratio, descending=True, decode=float),
        OrderKey(ranked.c.enrolled, descending=True),
        OrderKey(ranked.c.id),
    ]
    return await paginate(
        session, select(ranked), order_name=f"leaderboard:{scope}", keys=keys, first=first, after=after
    )


def _checked_month(checks: Checks, raw: str, today: dt.date | None) -> dt.date:
    """Parse a month (INVALID_DATE at once) and check it lies between 2000-01 and MONTHS_AHEAD from now."""
    month = parse_month(raw)
    latest = add_months((today or businesstime.today()).replace(day=1), MONTHS_AHEAD)
    if not EARLIEST_MONTH <= month <= latest:
        checks.add("month", f"The month must lie between 2000-01 and {format_month(latest)}.", ErrorCode.OUT_OF_RANGE)
    return month


async def _scope_values(session: AsyncSession, actor: Actor, checks: Checks, data: dict[str, Any]) -> dict[str, Any]:
    scope = data["scope"]
    scope_id, region = data.get("scope_id"), data.get("region")
    values: dict[str, Any] = {"store_id": None, "staff_id": None, "dealer_id": None, "region": None}
    if scope == TargetScope.REGION:
        if region is None:
            checks.add("region", "A regional target needs its region.", ErrorCode.REQUIRED)
        if scope_id is not None:
            checks.add("scope_id", "A regional target takes a region, not an ID.", ErrorCode.INVALID)
        if region is not None and not actor.sees_everything and region != actor.region:
            checks.add("region", "You set targets for your own region only.", ErrorCode.INVALID)
        values["region"] = Region(region) if region else None
        return values
    if region is not None:
        checks.add("region", "Only a regional target takes a region.", ErrorCode.INVALID)
    model, column, condition = {
        TargetScope.STORE: (Store, "store_id", scoping.stores(actor)),
        TargetScope.STAFF: (Staff, "staff_id", scoping.staff(actor)),
        TargetScope.DEALER: (Dealer, "dealer_id", scoping.dealers(actor)),
    }[scope]
    if scope_id is None:
        checks.add("scope_id", f"A {scope.lower()} target needs the {scope.lower()}.", ErrorCode.REQUIRED)
    await scoping.check_visible(session, checks, "scope_id", model, scope_id, condition, scope.lower())
    values[column] = scope_id
    return values


async def set_target(
    session: AsyncSession, actor: Actor, data: dict[str, Any], *, today: dt.date | None = None
) -> EnrolmentTarget:
    """Create or replace the target of a month for one store, staff member, dealer or region in scope."""
    actor.require(Op.TARGET_SET)
    checks = Checks()
    month = _checked_month(checks, data["month"], today)
    count = data.get("target_count")
    checks.int_range("target_count", count, 0, MAX_TARGET)
    values = await _scope_values(session, actor, checks, data)
    checks.raise_if_any()
    existing = await session.scalar(
        select(EnrolmentTarget).where(
            EnrolmentTarget.month == month,
            EnrolmentTarget.scope == data["scope"],
            *(getattr(EnrolmentTarget, k).is_not_distinct_from(v) for k, v in values.items()),
        )
    )
    before = audit.snapshot(existing) if existing is not None else None
    stmt = (
        insert(EnrolmentTarget)
        .values(month=month, scope=data["scope"], target_count=count, **values)
        .on_conflict_do_update(
            constraint=_UNIQUE,
            set_={"target_count": count, "updated_at": func.now()},
        )
        .returning(EnrolmentTarget.id)
    )
    target_id = (await session.execute(stmt)).scalar_one()
    target = await session.get(EnrolmentTarget, target_id, populate_existing=True)
    assert target is not None
    await audit.record(session, actor, "targetSet", target, before)
    return target


# What a bulk target can be for: (model, target column, scope condition, what to call one).
_BULK: dict[str, tuple[Any, str, Callable[[Actor], scoping.Condition], str]] = {
    TargetScope.STORE: (Store, "store_id", scoping.stores, "store"),
    TargetScope.STAFF: (Staff, "staff_id", scoping.staff, "staff member"),
    TargetScope.DEALER: (Dealer, "dealer_id", scoping.dealers, "dealer"),
}


@dataclass(frozen=True, slots=True)
class BulkResult:
    """The targets a bulk set wrote (in the order asked for), and how many were new."""

    targets: list[Row[Any]]
    created: int
    updated: int


def _region_members(scope: str, region: str, actor: Actor) -> Select[Any]:
    """Ids of the active stores, staff members (working at one of them) or dealers of a region in scope."""
    stores = select(Store.id).where(Store.region == region, Store.active)
    if scope == TargetScope.STORE:
        return scoping.where(stores, scoping.stores(actor)).order_by(Store.id)
    if scope == TargetScope.STAFF:
        staff = select(Staff.id).where(Staff.active, Staff.store_id.in_(stores))
        return scoping.where(staff, scoping.staff(actor)).order_by(Staff.id)
    dealers = select(Dealer.id).where(Dealer.region == region, Dealer.active)
    return scoping.where(dealers, scoping.dealers(actor)).order_by(Dealer.id)


async def _bulk_region(
    session: AsyncSession, actor: Actor, checks: Checks, scope: str, region: str, count: int | None
) -> list[tuple[int, int]]:
    checks.int_range("target_count", count, 0, MAX_TARGET)
    if not actor.sees_everything and region != actor.region:
        checks.add("region", "You set targets for your own region only.", ErrorCode.INVALID)
        return []
    ids = list(await session.scalars(_region_members(scope, region, actor).limit(MAX_BULK_REGION + 1)))
    what = _BULK[scope][3]
    if not ids:
        checks.add("region", f"No active {what} in this region (in your scope).", ErrorCode.NOT_FOUND)
    elif len(ids) > MAX_BULK_REGION:
        checks.add("region", f"More than {MAX_BULK_REGION} of them: list them as items.", ErrorCode.OUT_OF_RANGE)
    return [(pk, count or 0) for pk in ids]


async def _bulk_items(
    session: AsyncSession, actor: Actor, checks: Checks, scope: str, items: list[dict[str, Any]]
) -> list[tuple[int, int]]:
    if not items:
        checks.add("items", "List at least one item.", ErrorCode.REQUIRED)
        return []
    if len(items) > MAX_BULK_ITEMS:
        checks.add("items", f"At most {MAX_BULK_ITEMS} items at once.", ErrorCode.OUT_OF_RANGE)
        return []
    model, _, condition, what = _BULK[scope]
    first_index: dict[int, int] = {}
    for i, item in enumerate(items):
        checks.int_range(f"items.{i}.target_count", item.get("target_count"), 0, MAX_TARGET)
        pk = item["scope_id"]
        if pk in first_index:
            checks.add(f"items.{i}.scope_id", f"Already listed as item {first_index[pk]}.", ErrorCode.DUPLICATE)
        else:
            first_index[pk] = i
    statement = scoping.where(select(model.id).where(model.id.in_(list(first_index))), condition(actor))
    visible = set(await session.scalars(statement))
    for pk, i in first_index.items():
        if pk not in visible:
            checks.add(f"items.{i}.scope_id", f"No such {what}.", ErrorCode.NOT_FOUND)
    return [
        (pk, item["target_count"])
        for pk, item in zip(first_index, (items[i] for i in first_index.values()), strict=True)
    ]


def _audited(row: Any) -> dict[str, Any]:
    return {c.name: audit.to_json(getattr(row, c.name)) for c in EnrolmentTarget.__table__.c if c.name not in _TIMES}


async def set_targets_bulk(
    session: AsyncSession, actor: Actor, data: dict[str, Any], *, today: dt.date | None = None
) -> BulkResult:
    """Set one month's targets for many stores, staff members or dealers at once: all or nothing.

    Either `region` and `target_count` (the same count for every active one of the region in
    the actor's scope) or `items` ({scope_id, target_count}, at most MAX_BULK_ITEMS). Any problem
    refuses the whole request; a problem with an item names it (items.<index>.<field>).
    One INSERT ... ON CONFLICT writes every row; each new or changed target is audited.
    """
    actor.require(Op.TARGET_SET)
    checks = Checks()
    month = _checked_month(checks, data["month"], today)
    scope = TargetScope(data["scope"])
    region, count, items = data.get("region"), data.get("target_count"), data.get("items")
    wanted: list[tuple[int, int]] = []
    if scope not in _BULK:
        checks.add(
            "scope", "Bulk targets are for stores, staff or dealers: set a region's with targetSet.", ErrorCode.INVALID
        )
    elif items is not None and (region is not None or count is not None):
        checks.add("items", "Give either region and targetCount, or items, not both.", ErrorCode.INVALID)
    elif items is not None:
        wanted = await _bulk_items(session, actor, checks, scope, items)
    elif region is None and count is None:
        checks.add(
            "items", "Give region and targetCount (one count for the whole region), or items.", ErrorCode.REQUIRED
        )
    elif region is None:
        checks.add("region", "targetCount applies to every one of a region: give the region.", ErrorCode.REQUIRED)
    elif count is None:
        checks.add("target_count", "Give the count to set for every one of the region.", ErrorCode.REQUIRED)
    else:
        wanted = await _bulk_region(session, actor, checks, scope, region, count)
    checks.raise_if_any()
    column = _BULK[scope][1]
    keys = [str(pk) for pk, _ in wanted]
    existing = {
        row.scope_key: row
        for row in await session.execute(
            select(*EnrolmentTarget.__table__.c)
            .where(EnrolmentTarget.month == month, EnrolmentTarget.scope == scope, EnrolmentTarget.scope_key.in_(keys))
            # One lock order for every writer (the plan's scan order can change between executions):
            # concurrent bulk sets of a region take turns instead of deadlocking.
            .order_by(EnrolmentTarget.id)
            .with_for_update()
        )
    }
    values = insert(EnrolmentTarget).values(
        [{"month": month, "scope": scope.value, column: pk, "target_count": n} for pk, n in wanted]
    )
    stmt = values.on_conflict_do_update(
        constraint=_UNIQUE, set_={"target_count": values.excluded.target_count, "updated_at": func.now()}
    ).returning(*EnrolmentTarget.__table__.c)
    position = {key: i for i, key in enumerate(keys)}
    rows = sorted(await session.execute(stmt), key=lambda r: position[r.scope_key])
    events = []
    for row in rows:
        prior = existing.get(row.scope_key)
        before, after = audit.changes(_audited(prior) if prior is not None else None, _audited(row))
        if prior is None or after:
            events.append(
                {
                    "actor_id": actor.staff_id,
                    "token_id": actor.token_id,
                    "request_id": actor.request_id,
                    "action": "targetSetBulk",
                    "entity_type": EnrolmentTarget.__tablename__,
                    "entity_id": row.id,
                    "before": before,
                    "after": after,
                }
            )
    if events:
        await session.execute(insert(AuditEvent), events)
    return BulkResult(targets=rows, created=sum(k not in existing for k in keys), updated=len(existing))

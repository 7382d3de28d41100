"""Monthly enrolment targets (月辦理目標) and how far each has come."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, cast, func, literal, select, union_all
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit import service as audit
from crm.auth import scoping
from crm.auth.actor import Actor
from crm.auth.permissions import Op
from crm.businesstime import business_day_start
from crm.config import BUSINESS_TZ
from crm.dealers.models import Dealer, Store
from crm.enums import Region, TargetScope
from crm.errors import DomainError, ErrorCode
from crm.members.models import Member
from crm.pagination import OrderKey, Page, paginate
from crm.staff.models import Staff
from crm.targets.models import EnrolmentTarget
from crm.validation import Checks, today

MAX_TARGET = 1_000_000
MONTHS_AHEAD = 24
EARLIEST_MONTH = dt.date(2000, 1, 1)
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")


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


async def enrolled_counts(session: AsyncSession, keys: Sequence[TargetKey]) -> list[int]:
    """Members enrolled in each target's month (Asia/Shanghai) and scope, in one statement."""
    months = {month for _, month, _ in keys}
    start = business_day_start(min(months))
    end = business_day_start(next_month(max(months)))
    local_month = cast(func.date_trunc("month", func.timezone(str(BUSINESS_TZ), Member.enrolled_at)), String)
    in_range = (Member.enrolled_at >= start, Member.enrolled_at < end)
    wanted = {scope: {key for s, _, key in keys if s == scope} for scope in {s for s, _, _ in keys}}
    by_store = Member.__table__.join(Store.__table__, Store.id == Member.home_store_id)
    attribution: dict[str, tuple[Any, Any, Any]] = {
        TargetScope.STORE: (Member.__table__, Member.home_store_id, int),
        TargetScope.STAFF: (Member.__table__, Member.enrolled_by_id, int),
        TargetScope.DEALER: (by_store, Store.dealer_id, int),
        TargetScope.REGION: (by_store, Store.region, str),
    }
    parts = []
    for scope, scope_keys in wanted.items():
        source, key_col, convert = attribution[scope]
        parts.append(
            select(
                literal(str(scope)).label("scope"),
                local_month.label("month"),
                cast(key_col, String).label("key"),
                func.count().label("n"),
            )
            .select_from(source)
            .where(key_col.in_([convert(k) for k in scope_keys]), *in_range)
            .group_by(local_month, key_col)
        )
    counts: dict[tuple[str, str, str], int] = {}
    for row in await session.execute(union_all(*parts)):
        counts[(row.scope, row.month[:7], row.key)] = row.n
    return [counts.get((scope, format_month(month), key), 0) for scope, month, key in keys]


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


async def set_target(session: AsyncSession, actor: Actor, data: dict[str, Any]) -> EnrolmentTarget:
    """Create or replace the target of a month for one store, staff member, dealer or region in scope."""
    actor.require(Op.TARGET_SET)
    checks = Checks()
    month = parse_month(data["month"])
    latest = today().replace(day=1)
    for _ in range(MONTHS_AHEAD):
        latest = next_month(latest)
    if not EARLIEST_MONTH <= month <= latest:
        checks.add("month", f"The month must lie between 2000-01 and {format_month(latest)}.", ErrorCode.OUT_OF_RANGE)
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
            constraint="uq_enrolment_target_month_scope_scope_key",
            set_={"target_count": count, "updated_at": func.now()},
        )
        .returning(EnrolmentTarget.id)
    )
    target_id = (await session.execute(stmt)).scalar_one()
    target = await session.get(EnrolmentTarget, target_id, populate_existing=True)
    assert target is not None
    await audit.record(session, actor, "targetSet", target, before)
    return target

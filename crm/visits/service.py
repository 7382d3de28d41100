"""Visits: a member's store visit (with purchases) or a dealer's showroom visit."""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit import service as audit
from crm.auth import scoping
from crm.auth.actor import Actor, Forbidden
from crm.auth.permissions import Op
from crm.businesstime import within_days
from crm.callbacks import service as callbacks
from crm.dealers.models import Dealer, Store
from crm.enums import DealerVisitPurpose, VisitKind
from crm.errors import DomainError, ErrorCode
from crm.members.models import Member
from crm.pagination import OrderKey, Page, as_datetime, paginate, where_given
from crm.staff.models import Staff
from crm.validation import Checks
from crm.visits.models import Visit

MAX_AMOUNT = decimal.Decimal("1000000")
MAX_ITEMS = 50
MAX_QUANTITY = 100000
CENT = decimal.Decimal("0.01")


@scoping.per_scope
def visit_query(actor: Actor) -> Select[Any]:
    """Select the visits in the actor's scope as plain rows."""
    return scoping.where(select(*Visit.__table__.c), scoping.visits(actor))


@dataclass(frozen=True, slots=True)
class VisitFilter:
    kind: VisitKind | None = None
    member_id: int | None = None
    store_id: int | None = None
    dealer_id: int | None = None
    purpose: DealerVisitPurpose | None = None
    visited_from: dt.date | None = None
    visited_to: dt.date | None = None


async def list_visits(
    session: AsyncSession, actor: Actor, flt: VisitFilter, *, first: int | None, after: str | None
) -> Page:
    """List the visits in the actor's scope, newest first."""
    actor.require(Op.VISIT_READ)
    stmt = visit_query(actor)
    stmt = where_given(
        stmt,
        (Visit.kind, flt.kind),
        (Visit.member_id, flt.member_id),
        (Visit.store_id, flt.store_id),
        (Visit.dealer_id, flt.dealer_id),
        (Visit.purpose, flt.purpose),
    )
    stmt = stmt.where(*within_days(Visit.visited_at, flt.visited_from, flt.visited_to))
    keys = [OrderKey(Visit.visited_at, descending=True, decode=as_datetime), OrderKey(Visit.id, descending=True)]
    return await paginate(session, stmt, order_name="visit", keys=keys, first=first, after=after)


def _items(checks: Checks, raw: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    if not raw:
        return []
    if len(raw) > MAX_ITEMS:
        checks.add("items", f"A visit may list at most {MAX_ITEMS} items.", ErrorCode.OUT_OF_RANGE)
        return []
    out = []
    for i, item in enumerate(raw):
        name = checks.text(f"items.{i}.name", item.get("name"), max_length=100, required=True)
        sku = checks.text(f"items.{i}.sku", item.get("sku"), max_length=40)
        quantity = item.get("quantity", 1)
        checks.int_range(f"items.{i}.quantity", quantity, 1, 1000)
        amount = item.get("amount")
        checks.money(f"items.{i}.amount", amount, maximum=MAX_AMOUNT)
        if amount is not None and not checks.has(f"items.{i}.amount"):
            # Kept as JSON text: store it with two decimals, as purchase_amount is ("1E+2", "-0" -> "100.00", "0.00").
            amount = (amount + 0).quantize(CENT)
        out.append(
            {"name": name, "sku": sku, "quantity": quantity, "amount": str(amount) if amount is not None else None}
        )
    return out


async def record(session: AsyncSession, actor: Actor, data: dict[str, Any]) -> Visit:
    """Record a visit; a member's visit also moves the member's last visit forward."""
    checks = Checks()
    member_id, dealer_id = data.get("member_id"), data.get("dealer_id")
    if not (actor.may(Op.VISIT_RECORD_MEMBER) or actor.may(Op.VISIT_RECORD_DEALER)):
        raise Forbidden(Op.VISIT_RECORD_DEALER if member_id is None and dealer_id else Op.VISIT_RECORD_MEMBER)
    if (member_id is None) == (dealer_id is None):
        raise DomainError.one(None, "Give either a member or a dealer.", ErrorCode.INVALID)
    actor.require(Op.VISIT_RECORD_MEMBER if member_id is not None else Op.VISIT_RECORD_DEALER)
    data.setdefault("recorded_by_id", actor.staff_id)
    visited_at = data.get("visited_at") or dt.datetime.now(dt.UTC)
    visited_at = checks.not_future("visited_at", visited_at)
    notes = checks.text("notes", data.get("notes"), max_length=2000)
    recorded_by_id = data.get("recorded_by_id")
    await scoping.check_visible(
        session, checks, "recorded_by_id", Staff, recorded_by_id, scoping.staff(actor), "staff member"
    )
    values: dict[str, Any] = {"visited_at": visited_at, "notes": notes, "recorded_by_id": recorded_by_id}
    if member_id is not None:
        for key in ("purpose", "quantity"):
            if data.get(key) is not None:
                checks.add(key, f"{key} applies to dealer visits only.", ErrorCode.INVALID)
        member = await scoping.find(session, Member, member_id, scoping.members(actor))
        if member is None:
            checks.add("member_id", "No such member.", ErrorCode.NOT_FOUND)
        store_id = data.get("store_id") or (member.home_store_id if member else None)
        await scoping.check_visible(
            session, checks, "store_id", Store, data.get("store_id"), scoping.stores(actor), "store"
        )
        amount = data.get("purchase_amount")
        checks.money("purchase_amount", amount, maximum=MAX_AMOUNT)
        items = _items(checks, data.get("items"))
        item_count = data.get("item_count")
        if item_count is None:
            item_count = sum(int(i["quantity"] or 0) for i in items)
        checks.int_range("item_count", item_count, 0, MAX_QUANTITY)
        values |= {
            "kind": VisitKind.MEMBER_STORE,
            "member_id": member_id,
            "store_id": store_id,
            "purchase_amount": amount,
            "items": items,
            "item_count": item_count,
        }
    else:
        for key in ("purchase_amount", "items", "item_count"):
            if data.get(key) not in (None, []):
                checks.add(key, f"{key} applies to member visits only.", ErrorCode.INVALID)
        await scoping.check_visible(session, checks, "dealer_id", Dealer, dealer_id, scoping.dealers(actor), "dealer")
        if data.get("purpose") is None:
            checks.add("purpose", "A dealer visit needs its purpose.", ErrorCode.REQUIRED)
        quantity = data.get("quantity")
        checks.int_range("quantity", quantity, 0, MAX_QUANTITY)
        store_id = data.get("store_id")
        await scoping.check_visible(session, checks, "store_id", Store, store_id, scoping.stores(actor), "store")
        values |= {
            "kind": VisitKind.DEALER_SHOWROOM,
            "dealer_id": dealer_id,
            "store_id": store_id,
            "purpose": data.get("purpose"),
            "quantity": quantity,
        }
    checks.raise_if_any()
    visit = Visit(**values)
    session.add(visit)
    await session.flush()
    if member_id is not None:
        await session.execute(
            update(Member)
            .where(Member.id == member_id)
            .values(
                last_visit_at=func.greatest(func.coalesce(Member.last_visit_at, visited_at), visited_at),
                lifetime_spend=Member.lifetime_spend + func.coalesce(visit.purchase_amount, 0),
            )
            .execution_options(synchronize_session=False)
        )
    await callbacks.record_conversions(session, visit.id, visit.visited_at, member_id, visit.dealer_id)
    await session.refresh(visit)
    await audit.record(session, actor, "visitRecord", visit, None)
    return visit

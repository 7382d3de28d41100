"""Dealers and stores: listing and maintenance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit import service as audit
from crm.auth import scoping
from crm.auth.actor import Actor
from crm.auth.permissions import Op
from crm.db import flush_checking_unique
from crm.dealers.models import Dealer, Store
from crm.enums import DealerTier, PaymentStanding, Region, Role, StoreKind
from crm.errors import DomainError, ErrorCode, FieldError
from crm.pagination import OrderKey, Page, paginate, where_given
from crm.staff.models import Staff
from crm.validation import Checks

_DEALER_UNIQUE = {"uq_dealer_code": FieldError("code", "A dealer with this code exists.", ErrorCode.DUPLICATE)}
_STORE_UNIQUE = {"uq_store_code": FieldError("code", "A store with this code exists.", ErrorCode.DUPLICATE)}


@scoping.per_scope
def dealer_query(actor: Actor) -> Select[Any]:
    """Select the dealers in the actor's scope as plain rows (contact phones as the actor may see them)."""
    columns = [scoping.phone_column(actor, c) if c.key == "contact_phone" else c for c in Dealer.__table__.c]
    return scoping.where(select(*columns), scoping.dealers(actor))


@scoping.per_scope
def store_query(actor: Actor) -> Select[Any]:
    """Select the stores in the actor's scope as plain rows."""
    return scoping.where(select(*Store.__table__.c), scoping.stores(actor))


@dataclass(frozen=True, slots=True)
class DealerFilter:
    region: Region | None = None
    tier: DealerTier | None = None
    payment_standing: PaymentStanding | None = None
    receptionist_id: int | None = None
    sales_clerk_id: int | None = None
    search: str | None = None
    active: bool | None = None


@dataclass(frozen=True, slots=True)
class StoreFilter:
    kind: StoreKind | None = None
    dealer_id: int | None = None
    region: Region | None = None
    city: str | None = None
    search: str | None = None
    active: bool | None = None


async def list_dealers(
    session: AsyncSession, actor: Actor, flt: DealerFilter, *, first: int | None, after: str | None
) -> Page:
    """List the dealers in the actor's scope by code."""
    actor.require(Op.DEALER_READ)
    stmt = dealer_query(actor)
    stmt = where_given(
        stmt,
        (Dealer.region, flt.region),
        (Dealer.tier, flt.tier),
        (Dealer.payment_standing, flt.payment_standing),
        (Dealer.receptionist_id, flt.receptionist_id),
        (Dealer.sales_clerk_id, flt.sales_clerk_id),
        (Dealer.active, flt.active),
    )
    if flt.search:
        like = f"%{flt.search.strip()}%"
        stmt = stmt.where(Dealer.name.ilike(like) | Dealer.code.ilike(like))
    keys = [OrderKey(Dealer.code), OrderKey(Dealer.id)]
    return await paginate(session, stmt, order_name="dealer", keys=keys, first=first, after=after)


async def list_stores(
    session: AsyncSession, actor: Actor, flt: StoreFilter, *, first: int | None, after: str | None
) -> Page:
    """List the stores in the actor's scope by code."""
    actor.require(Op.STORE_READ)
    stmt = store_query(actor)
    stmt = where_given(
        stmt,
        (Store.kind, flt.kind),
        (Store.dealer_id, flt.dealer_id),
        (Store.region, flt.region),
        (Store.city, flt.city),
        (Store.active, flt.active),
    )
    if flt.search:
        like = f"%{flt.search.strip()}%"
        stmt = stmt.where(Store.name.ilike(like) | Store.code.ilike(like))
    keys = [OrderKey(Store.code), OrderKey(Store.id)]
    return await paginate(session, stmt, order_name="store", keys=keys, first=first, after=after)


async def _staff_with_role(session: AsyncSession, checks: Checks, field: str, staff_id: int | None, role: Role) -> None:
    if staff_id is None:
        return
    staff = await session.get(Staff, staff_id)
    if staff is None:
        checks.add(field, "No such staff member.", ErrorCode.NOT_FOUND)
    elif staff.role != role:
        checks.add(field, f"This person is not a {role.value.lower().replace('_', ' ')}.", ErrorCode.INVALID)


async def _dealer_values(session: AsyncSession, checks: Checks, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "code" in data:
        code = checks.text("code", data["code"], max_length=20, required=True)
        out["code"] = code.upper() if code else code
    if "name" in data:
        out["name"] = checks.text("name", data["name"], max_length=100, required=True)
    if "city" in data:
        out["city"] = checks.text("city", data["city"], max_length=40, required=True)
    if "contact_name" in data:
        out["contact_name"] = checks.text("contact_name", data["contact_name"], max_length=60)
    if "contact_phone" in data:
        out["contact_phone"] = checks.mobile("contact_phone", data["contact_phone"])
    for key in ("personality", "sales_profile", "concerns"):
        if key in data:
            out[key] = checks.text(key, data[key], max_length=2000)
    for key in ("region", "tier", "payment_standing", "active"):
        if key in data:
            if data[key] is None:
                checks.add(key, f"{key} cannot be empty.", ErrorCode.REQUIRED)
            out[key] = data[key]
    if "receptionist_id" in data:
        await _staff_with_role(session, checks, "receptionist_id", data["receptionist_id"], Role.RECEPTIONIST)
        out["receptionist_id"] = data["receptionist_id"]
    if "sales_clerk_id" in data:
        await _staff_with_role(session, checks, "sales_clerk_id", data["sales_clerk_id"], Role.SALES_CLERK)
        out["sales_clerk_id"] = data["sales_clerk_id"]
    return out


def _check_region(actor: Actor, checks: Checks, region: str | None) -> None:
    if not actor.sees_everything and region is not None and region != actor.region:
        checks.add("region", "You work on the dealers of your own region only.", ErrorCode.INVALID)


async def create_dealer(session: AsyncSession, actor: Actor, data: dict[str, Any]) -> Dealer:
    """Create a dealer (in one's own region, unless an admin)."""
    actor.require(Op.DEALER_WRITE)
    checks = Checks()
    values = await _dealer_values(session, checks, data)
    _check_region(actor, checks, values.get("region"))
    checks.raise_if_any()
    dealer = Dealer(**{k: v for k, v in values.items() if v is not None})
    session.add(dealer)
    await flush_checking_unique(session, _DEALER_UNIQUE)
    await audit.record(session, actor, "dealerCreate", dealer, None)
    return dealer


async def update_dealer(session: AsyncSession, actor: Actor, dealer_id: int, data: dict[str, Any]) -> Dealer:
    """Change the dealer fields that were sent."""
    actor.require(Op.DEALER_WRITE)
    dealer = await scoping.find(session, Dealer, dealer_id, scoping.dealers(actor), for_update=True)
    if dealer is None:
        raise DomainError.one("id", "No such dealer.", ErrorCode.NOT_FOUND)
    if not data:
        raise DomainError.one(None, "Nothing to update.", ErrorCode.NOTHING_TO_UPDATE)
    checks = Checks()
    values = await _dealer_values(session, checks, data)
    _check_region(actor, checks, values.get("region"))
    checks.raise_if_any()
    before = audit.snapshot(dealer)
    for key, value in values.items():
        setattr(dealer, key, value)
    await flush_checking_unique(session, _DEALER_UNIQUE)
    await audit.record(session, actor, "dealerUpdate", dealer, before)
    return dealer


async def _store_values(session: AsyncSession, checks: Checks, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "code" in data:
        code = checks.text("code", data["code"], max_length=20, required=True)
        out["code"] = code.upper() if code else code
    if "name" in data:
        out["name"] = checks.text("name", data["name"], max_length=100, required=True)
    if "city" in data:
        out["city"] = checks.text("city", data["city"], max_length=40, required=True)
    if "address" in data:
        out["address"] = checks.text("address", data["address"], max_length=200)
    for key in ("kind", "region", "active"):
        if key in data:
            if data[key] is None:
                checks.add(key, f"{key} cannot be empty.", ErrorCode.REQUIRED)
            out[key] = data[key]
    if "opened_on" in data:
        out["opened_on"] = data["opened_on"]
    if "dealer_id" in data:
        if data["dealer_id"] is not None and await session.get(Dealer, data["dealer_id"]) is None:
            checks.add("dealer_id", "No such dealer.", ErrorCode.NOT_FOUND)
        out["dealer_id"] = data["dealer_id"]
    return out


def _check_store_kind(checks: Checks, kind: str | None, dealer_id: int | None) -> None:
    if kind == StoreKind.DEALER and dealer_id is None:
        checks.add("dealer_id", "A dealer's store needs its dealer.", ErrorCode.REQUIRED)
    if kind == StoreKind.SELF_OPERATED and dealer_id is not None:
        checks.add("dealer_id", "A self-operated store has no dealer.", ErrorCode.INVALID)


async def create_store(session: AsyncSession, actor: Actor, data: dict[str, Any]) -> Store:
    """Create a store."""
    actor.require(Op.STORE_WRITE)
    checks = Checks()
    values = await _store_values(session, checks, data)
    _check_store_kind(checks, values.get("kind"), values.get("dealer_id"))
    checks.raise_if_any()
    store = Store(**{k: v for k, v in values.items() if v is not None})
    session.add(store)
    await flush_checking_unique(session, _STORE_UNIQUE)
    await audit.record(session, actor, "storeCreate", store, None)
    return store


async def update_store(session: AsyncSession, actor: Actor, store_id: int, data: dict[str, Any]) -> Store:
    """Change the store fields that were sent."""
    actor.require(Op.STORE_WRITE)
    store = await session.get(Store, store_id, with_for_update=True)
    if store is None:
        raise DomainError.one("id", "No such store.", ErrorCode.NOT_FOUND)
    if not data:
        raise DomainError.one(None, "Nothing to update.", ErrorCode.NOTHING_TO_UPDATE)
    checks = Checks()
    values = await _store_values(session, checks, data)
    _check_store_kind(checks, values.get("kind", store.kind), values.get("dealer_id", store.dealer_id))
    checks.raise_if_any()
    before = audit.snapshot(store)
    for key, value in values.items():
        setattr(store, key, value)
    await flush_checking_unique(session, _STORE_UNIQUE)
    await audit.record(session, actor, "storeUpdate", store, before)
    return store

"""Staff accounts: listing and maintenance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.db import flush_checking_unique
from crm.dealers.models import Store
from crm.enums import Region, Role
from crm.errors import DomainError, ErrorCode, FieldError
from crm.pagination import OrderKey, Page, paginate
from crm.staff.models import Staff
from crm.validation import Checks

COLUMNS = tuple(c for c in Staff.__table__.c)
_UNIQUE = {"uq_staff_username": FieldError("username", "This username is taken.", ErrorCode.DUPLICATE)}


def base_query() -> Select[Any]:
    """Select the columns the API reads (plain rows, no ORM identity map)."""
    return select(*COLUMNS)


@dataclass(frozen=True, slots=True)
class StaffFilter:
    role: Role | None = None
    store_id: int | None = None
    region: Region | None = None
    active: bool | None = None
    search: str | None = None


async def list_staff(session: AsyncSession, flt: StaffFilter, *, first: int | None, after: str | None) -> Page:
    """List staff by username."""
    stmt = base_query()
    if flt.role is not None:
        stmt = stmt.where(Staff.role == flt.role)
    if flt.store_id is not None:
        stmt = stmt.where(Staff.store_id == flt.store_id)
    if flt.region is not None:
        stmt = stmt.where(Staff.region == flt.region)
    if flt.active is not None:
        stmt = stmt.where(Staff.active == flt.active)
    if flt.search:
        like = f"%{flt.search.strip()}%"
        stmt = stmt.where(Staff.username.ilike(like) | Staff.display_name.ilike(like))
    keys = [OrderKey(Staff.username), OrderKey(Staff.id)]
    return await paginate(session, stmt, order_name="staff", keys=keys, first=first, after=after)


async def _check_fields(session: AsyncSession, checks: Checks, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "username" in data:
        username = checks.text("username", data["username"], max_length=40, required=True)
        if username is not None:
            username = username.lower()
            if not all(ch.isascii() and (ch.isalnum() or ch in "_.-") for ch in username) or len(username) < 3:
                checks.add("username", "Use 3-40 letters, digits, '.', '_' or '-'.", ErrorCode.INVALID)
        out["username"] = username
    if "display_name" in data:
        out["display_name"] = checks.text("display_name", data["display_name"], max_length=60, required=True)
    if "phone" in data:
        out["phone"] = checks.mobile("phone", data["phone"])
    if "daily_call_capacity" in data:
        checks.int_range("daily_call_capacity", data["daily_call_capacity"], 0, 500)
        out["daily_call_capacity"] = data["daily_call_capacity"]
    for key in ("role", "region", "active"):
        if key in data:
            out[key] = data[key]
    if "store_id" in data:
        store_id = data["store_id"]
        if store_id is not None and await session.get(Store, store_id) is None:
            checks.add("store_id", "No such store.", ErrorCode.NOT_FOUND)
        out["store_id"] = store_id
    return out


def _check_role_fit(checks: Checks, role: str, store_id: int | None, region: str | None) -> None:
    if role == Role.STORE_STAFF and store_id is None:
        checks.add("store_id", "Store staff must belong to a store.", ErrorCode.REQUIRED)
    if role in (Role.VIP_MANAGER, Role.RECEPTIONIST, Role.SALES_CLERK) and region is None:
        checks.add("region", "This role works on a region; choose one.", ErrorCode.REQUIRED)


async def create(session: AsyncSession, data: dict[str, Any]) -> Staff:
    """Create a staff account."""
    checks = Checks()
    values = await _check_fields(session, checks, data)
    _check_role_fit(checks, values.get("role", ""), values.get("store_id"), values.get("region"))
    checks.raise_if_any()
    staff = Staff(**{k: v for k, v in values.items() if v is not None or k in ("store_id", "region")})
    session.add(staff)
    await flush_checking_unique(session, _UNIQUE)
    return staff


async def update(session: AsyncSession, staff_id: int, data: dict[str, Any]) -> Staff:
    """Change a staff account's fields that were sent."""
    staff = await session.get(Staff, staff_id)
    if staff is None:
        raise DomainError.one("id", "No such staff member.", ErrorCode.NOT_FOUND)
    if not data:
        raise DomainError.one(None, "Nothing to update.", ErrorCode.NOTHING_TO_UPDATE)
    checks = Checks()
    values = await _check_fields(session, checks, data)
    _check_role_fit(
        checks,
        values.get("role", staff.role),
        values.get("store_id", staff.store_id),
        values.get("region", staff.region),
    )
    checks.raise_if_any()
    for key, value in values.items():
        setattr(staff, key, value)
    await flush_checking_unique(session, _UNIQUE)
    return staff

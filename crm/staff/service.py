"""Staff accounts: listing and maintenance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit import service as audit
from crm.auth import scoping
from crm.auth.actor import Actor
from crm.auth.permissions import Op
from crm.auth.service import set_password
from crm.db import flush_checking_unique
from crm.dealers.models import Store
from crm.enums import Region, Role
from crm.errors import DomainError, ErrorCode, FieldError
from crm.pagination import OrderKey, Page, paginate
from crm.staff.models import Staff
from crm.validation import Checks

SECRET_COLUMNS = frozenset({"password_hash", "failed_logins", "locked_until"})
COLUMNS = tuple(c for c in Staff.__table__.c if c.name not in SECRET_COLUMNS)
_UNIQUE = {"uq_staff_username": FieldError("username", "This username is taken.", ErrorCode.DUPLICATE)}


@scoping.per_scope
def base_query(actor: Actor) -> Select[Any]:
    """Select the staff in the actor's scope (plain rows; work phones as the actor may see them)."""
    columns = [scoping.phone_column(actor, c) if c.key == "phone" else c for c in COLUMNS]
    return scoping.where(select(*columns), scoping.staff(actor))


@dataclass(frozen=True, slots=True)
class StaffFilter:
    role: Role | None = None
    store_id: int | None = None
    region: Region | None = None
    active: bool | None = None
    search: str | None = None


async def list_staff(
    session: AsyncSession, actor: Actor, flt: StaffFilter, *, first: int | None, after: str | None
) -> Page:
    """List the staff in the actor's scope by username."""
    actor.require(Op.STAFF_READ)
    stmt = base_query(actor)
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


async def create(session: AsyncSession, actor: Actor, data: dict[str, Any]) -> Staff:
    """Create a staff account, with an initial password if one is given."""
    actor.require(Op.STAFF_WRITE)
    password = data.pop("password", None)
    checks = Checks()
    values = await _check_fields(session, checks, data)
    _check_role_fit(checks, values.get("role", ""), values.get("store_id"), values.get("region"))
    checks.raise_if_any()
    staff = Staff(**{k: v for k, v in values.items() if v is not None or k in ("store_id", "region")})
    session.add(staff)
    await flush_checking_unique(session, _UNIQUE)
    if password is not None:
        await set_password(session, staff, password)
    await audit.record(session, actor, "staffCreate", staff, None)
    return staff


async def update(session: AsyncSession, actor: Actor, staff_id: int, data: dict[str, Any]) -> Staff:
    """Change a staff account's fields that were sent; a new password signs the account out everywhere."""
    actor.require(Op.STAFF_WRITE)
    password = data.pop("password", None)
    staff = await session.get(Staff, staff_id, with_for_update=True)
    if staff is None:
        raise DomainError.one("id", "No such staff member.", ErrorCode.NOT_FOUND)
    if not data and password is None:
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
    before = audit.snapshot(staff)
    for key, value in values.items():
        setattr(staff, key, value)
    await flush_checking_unique(session, _UNIQUE)
    if password is not None:
        await set_password(session, staff, password)
    await audit.record(session, actor, "staffUpdate", staff, before)
    return staff

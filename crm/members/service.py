"""Members: search, enrolment, updates."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit import service as audit
from crm.auth import scoping
from crm.auth.actor import Actor
from crm.auth.permissions import Op
from crm.businesstime import business_day_start, within_days
from crm.db import check_version, flush_checking_unique
from crm.dealers.models import Store
from crm.enums import MemberStatus, MemberTier, Role
from crm.errors import DomainError, ErrorCode, FieldError, RequestError
from crm.ids import to_global_id
from crm.members.models import Member
from crm.pagination import OrderKey, Page, as_datetime, paginate
from crm.staff.models import Staff
from crm.validation import Checks, normalise_mobile

EARLIEST_BIRTHDAY = dt.date(1900, 1, 1)
MAX_TAGS = 20
MAX_PREFERENCE_ITEMS = 10
NEVER = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


class MemberOrder(enum.Enum):
    ENROLLED_AT_DESC = "ENROLLED_AT_DESC"
    NAME = "NAME"
    LAST_VISIT_DESC = "LAST_VISIT_DESC"
    MEMBER_NO = "MEMBER_NO"


_SHOWN = {
    "name": scoping.name_column,
    "phone": scoping.phone_column,
    "birthday": scoping.birthday_column,
    "lunar_birthday_month": scoping.birthday_column,
    "lunar_birthday_day": scoping.birthday_column,
}


@scoping.per_scope
def member_query(actor: Actor) -> Select[Any]:
    """Select the members in the actor's scope as plain rows, personal fields as the actor may see them."""
    columns = [_SHOWN[c.key](actor, c) if c.key in _SHOWN else c for c in Member.__table__.c]
    return scoping.where(select(*columns), scoping.members(actor))


@dataclass(frozen=True, slots=True)
class MemberFilter:
    search: str | None = None
    store_id: int | None = None
    dealer_id: int | None = None
    tier: MemberTier | None = None
    status: MemberStatus | None = None
    manager_id: int | None = None
    enrolled_from: dt.date | None = None
    enrolled_to: dt.date | None = None
    last_visit_before: dt.date | None = None
    tag: str | None = None


def _order_keys(order: MemberOrder) -> list[OrderKey]:
    if order is MemberOrder.NAME:
        return [OrderKey(Member.name), OrderKey(Member.id)]
    if order is MemberOrder.MEMBER_NO:
        return [OrderKey(Member.member_no), OrderKey(Member.id)]
    if order is MemberOrder.LAST_VISIT_DESC:
        last = func.coalesce(Member.last_visit_at, NEVER)
        return [OrderKey(last, descending=True, decode=as_datetime), OrderKey(Member.id, descending=True)]
    return [OrderKey(Member.enrolled_at, descending=True, decode=as_datetime), OrderKey(Member.id, descending=True)]


def _search(stmt: Select[Any], raw: str, actor: Actor) -> Select[Any]:
    text = raw.strip()
    if not text:
        return stmt
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.upper().startswith("M") and text[1:].isdigit():
        return stmt.where(Member.member_no == text.upper())
    if actor.masks_personal_data:
        # Searching by name or phone would reveal what the masked fields hide.
        raise RequestError("Your role may search members by membership number only.", "FORBIDDEN")
    if digits and len(digits) == len(text.replace(" ", "").replace("+", "").replace("-", "")):
        normalised = normalise_mobile(text)
        if normalised is not None:
            return stmt.where(Member.phone == normalised)
        return stmt.where(Member.phone.contains(digits, autoescape=True))
    return stmt.where(Member.name.contains(text, autoescape=True))


async def list_members(
    session: AsyncSession,
    actor: Actor,
    flt: MemberFilter,
    order: MemberOrder,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """List the members in the actor's scope matching every given filter, in a stable order."""
    actor.require(Op.MEMBER_READ)
    if order is MemberOrder.NAME and actor.masks_personal_data:
        # Cursors carry the sort values: sorting by name would hand out the names the mask hides.
        raise RequestError("Your role may not sort members by name.", "FORBIDDEN")
    stmt = member_query(actor)
    if flt.search:
        stmt = _search(stmt, flt.search, actor)
    if flt.store_id is not None:
        stmt = stmt.where(Member.home_store_id == flt.store_id)
    if flt.dealer_id is not None:
        stmt = stmt.where(Member.home_store_id.in_(select(Store.id).where(Store.dealer_id == flt.dealer_id)))
    if flt.tier is not None:
        stmt = stmt.where(Member.tier == flt.tier)
    if flt.status is not None:
        stmt = stmt.where(Member.status == flt.status)
    if flt.manager_id is not None:
        stmt = stmt.where(Member.manager_id == flt.manager_id)
    stmt = stmt.where(*within_days(Member.enrolled_at, flt.enrolled_from, flt.enrolled_to))
    if flt.last_visit_before is not None:
        cutoff = business_day_start(flt.last_visit_before)
        stmt = stmt.where((Member.last_visit_at < cutoff) | Member.last_visit_at.is_(None))
    if flt.tag:
        stmt = stmt.where(Member.tags.contains([flt.tag.strip()]))
    return await paginate(
        session, stmt, order_name=f"member:{order.value}", keys=_order_keys(order), first=first, after=after
    )


def _preferences(checks: Checks, prefs: dict[str, Any] | None) -> dict[str, Any]:
    if not prefs:
        return {}
    sizes = {
        k: v
        for k, v in (
            (key, checks.text(f"preferences.sizes.{key}", value, max_length=10))
            for key, value in (prefs.get("sizes") or {}).items()
        )
        if v
    }
    out: dict[str, Any] = {"sizes": sizes}
    for key in ("colours", "styles"):
        out[key] = (
            checks.tags(f"preferences.{key}", prefs.get(key), max_items=MAX_PREFERENCE_ITEMS, max_length=20) or []
        )
    return out


async def _existing_phone_owner(session: AsyncSession, phone: str, exclude_id: int | None = None) -> int | None:
    stmt = select(Member.id).where(Member.phone == phone)
    if exclude_id is not None:
        stmt = stmt.where(Member.id != exclude_id)
    return await session.scalar(stmt)


def _duplicate_phone(member_id: int) -> FieldError:
    return FieldError(
        "phone",
        "A member with this phone number is already enrolled.",
        ErrorCode.DUPLICATE_PHONE,
        to_global_id("Member", member_id),
    )


async def _values(
    session: AsyncSession, actor: Actor, checks: Checks, data: dict[str, Any], *, member_id: int | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = checks.text("name", data["name"], max_length=60, required=True)
    if "phone" in data:
        phone = checks.mobile("phone", data["phone"], required=True)
        if phone is not None:
            owner = await _existing_phone_owner(session, phone, member_id)
            if owner is not None:
                checks.errors.append(_duplicate_phone(owner))
        out["phone"] = phone
    if "birthday" in data:
        checks.past_date("birthday", data["birthday"], earliest=EARLIEST_BIRTHDAY)
        out["birthday"] = data["birthday"]
    if "lunar_birthday" in data:
        lunar = data["lunar_birthday"]
        month, day = (lunar.month, lunar.day) if lunar is not None else (None, None)
        if lunar is not None:
            checks.int_range("lunar_birthday.month", month, 1, 12)
            checks.int_range("lunar_birthday.day", day, 1, 30)
        out["lunar_birthday_month"], out["lunar_birthday_day"] = month, day
    for key in ("gender", "tier", "status"):
        if key in data:
            if data[key] is None:
                checks.add(key, f"{key} cannot be empty.", ErrorCode.REQUIRED)
            out[key] = data[key]
    for key in ("consent_phone", "consent_sms", "consent_wechat"):
        if key in data:
            if data[key] is None:
                checks.add(key, f"{key} cannot be empty.", ErrorCode.REQUIRED)
            out[key] = data[key]
    if "preferences" in data:
        out["preferences"] = _preferences(checks, data["preferences"])
    if "tags" in data:
        out["tags"] = checks.tags("tags", data["tags"], max_items=MAX_TAGS, max_length=30) or []
    if "notes" in data:
        out["notes"] = checks.text("notes", data["notes"], max_length=2000)
    if "home_store_id" in data:
        if data["home_store_id"] is None:
            checks.add("home_store_id", "A member needs a home store.", ErrorCode.REQUIRED)
        elif not await scoping.is_visible(session, Store, data["home_store_id"], scoping.stores(actor)):
            checks.add("home_store_id", "No such store (in your scope).", ErrorCode.NOT_FOUND)
        out["home_store_id"] = data["home_store_id"]
    for key, roles in (
        ("manager_id", (Role.VIP_MANAGER,)),
        ("enrolled_by_id", tuple(Role)),
    ):
        if key in data:
            staff_id = data[key]
            if staff_id is not None:
                staff = await scoping.find(session, Staff, staff_id, scoping.staff(actor))
                if staff is None:
                    checks.add(key, "No such staff member.", ErrorCode.NOT_FOUND)
                elif staff.role not in roles:
                    checks.add(key, "This person is not a VIP manager.", ErrorCode.INVALID)
            out[key] = staff_id
    if "enrolled_at" in data:
        out["enrolled_at"] = checks.not_future("enrolled_at", data["enrolled_at"])
    return out


async def enrol(session: AsyncSession, actor: Actor, data: dict[str, Any]) -> Member:
    """Enrol a new VIP member (辦理VIP) at a store in the actor's scope; the phone number must be new."""
    actor.require(Op.MEMBER_ENROL)
    checks = Checks()
    for required in ("name", "phone", "home_store_id"):
        data.setdefault(required, None)
    data.setdefault("enrolled_by_id", actor.staff_id)
    values = await _values(session, actor, checks, data)
    checks.raise_if_any()
    values.setdefault("enrolled_at", None)
    if values["enrolled_at"] is None:
        values["enrolled_at"] = dt.datetime.now(dt.UTC)
    member = Member(**{k: v for k, v in values.items() if v is not None})
    session.add(member)
    await _flush(session, member)
    await audit.record(session, actor, "memberEnrol", member, None)
    return member


async def get_for_update(session: AsyncSession, actor: Actor, member_id: int, version: int | None) -> Member:
    """Lock a member in the actor's scope for a change; NOT_FOUND outside it, STALE_VERSION if changed since."""
    member = await scoping.find(session, Member, member_id, scoping.members(actor), for_update=True)
    if member is None:
        raise DomainError.one("id", "No such member.", ErrorCode.NOT_FOUND)
    if member.erased_at is not None:
        raise DomainError.one("id", "This member's data was erased.", ErrorCode.INVALID_STATE)
    check_version(member, version)
    return member


async def update(session: AsyncSession, actor: Actor, member_id: int, data: dict[str, Any]) -> Member:
    """Change the member fields that were sent."""
    actor.require(Op.MEMBER_UPDATE)
    member = await get_for_update(session, actor, member_id, data.pop("version", None))
    if not data:
        raise DomainError.one(None, "Nothing to update.", ErrorCode.NOTHING_TO_UPDATE)
    checks = Checks()
    values = await _values(session, actor, checks, data, member_id=member_id)
    checks.raise_if_any()
    before = audit.snapshot(member)
    for key, value in values.items():
        setattr(member, key, value)
    member.version += 1
    await _flush(session, member)
    await audit.record(session, actor, "memberUpdate", member, before)
    return member


async def _flush(session: AsyncSession, member: Member) -> None:
    """Flush; a concurrent enrolment of the same phone still ends as DUPLICATE_PHONE."""
    try:
        await flush_checking_unique(
            session, {"uq_member_phone": FieldError("phone", "duplicate", ErrorCode.DUPLICATE_PHONE)}
        )
    except DomainError as exc:
        owner = await _existing_phone_owner(session, member.phone, member.id)
        raise DomainError([_duplicate_phone(owner or 0)]) from exc
    await session.refresh(member)


async def mark_duplicate(
    session: AsyncSession, actor: Actor, member_id: int, duplicate_of_id: int | None, version: int | None = None
) -> Member:
    """Mark a member as a second enrolment of another (None clears it); duplicates do not count towards targets.

    Never a chain: the original must not be a duplicate itself, and a member others point at
    cannot become one. Both rows are locked in id order, so two markings of the same pair
    neither deadlock nor form a chain.
    """
    actor.require(Op.MEMBER_UPDATE)
    ids = sorted({member_id} | ({duplicate_of_id} if duplicate_of_id is not None else set()))
    locked = scoping.where(select(Member).where(Member.id.in_(ids)), scoping.members(actor))
    locked = locked.order_by(Member.id).with_for_update(of=Member).execution_options(populate_existing=True)
    found: dict[int, Member] = {m.id: m for m in await session.scalars(locked)}
    member = found.get(member_id)
    if member is None:
        raise DomainError.one("id", "No such member.", ErrorCode.NOT_FOUND)
    if member.erased_at is not None:
        raise DomainError.one("id", "This member's data was erased.", ErrorCode.INVALID_STATE)
    check_version(member, version)
    checks = Checks()
    if duplicate_of_id == member_id:
        checks.add("duplicate_of_id", "A member cannot be a duplicate of itself.", ErrorCode.INVALID)
    elif duplicate_of_id is not None:
        original = found.get(duplicate_of_id)
        if original is None:
            checks.add("duplicate_of_id", "No such member.", ErrorCode.NOT_FOUND)
        elif original.duplicate_of_id is not None:
            checks.add(
                "duplicate_of_id",
                "That member is a duplicate itself: point at the member it duplicates.",
                ErrorCode.INVALID_STATE,
                to_global_id("Member", original.duplicate_of_id),
            )
        pointing = select(Member.id).where(Member.duplicate_of_id == member_id).limit(1)
        dependant = await session.scalar(pointing)
        if dependant is not None:
            # Name the dependant only when the caller may see it.
            visible = await session.scalar(scoping.where(pointing, scoping.members(actor)))
            checks.add(
                "id",
                "Other members are marked as duplicates of this one: mark them as duplicates of the original first.",
                ErrorCode.INVALID_STATE,
                to_global_id("Member", visible) if visible is not None else None,
            )
    checks.raise_if_any()
    before = audit.snapshot(member)
    member.duplicate_of_id = duplicate_of_id
    member.version += 1
    await _flush(session, member)
    await audit.record(session, actor, "memberMarkDuplicate", member, before)
    return member

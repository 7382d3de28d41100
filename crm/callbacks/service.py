"""Callbacks (回訪): planned follow-up contacts with a member or a dealer."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit import service as audit
from crm.auth import scoping
from crm.auth.actor import Actor
from crm.auth.permissions import Op
from crm.callbacks.models import Callback
from crm.db import check_version
from crm.dealers.models import Dealer
from crm.enums import CallbackPurpose, CallbackStatus, Channel, NonConversionReason, PartyKind
from crm.errors import DomainError, ErrorCode
from crm.feedback.models import Feedback
from crm.members.models import Member
from crm.pagination import OrderKey, Page, as_date, paginate, where_given
from crm.staff.models import Staff
from crm.validation import Checks, today

MAX_PRIORITY = 3
CLOSING_STATUSES = (CallbackStatus.DONE, CallbackStatus.UNREACHABLE, CallbackStatus.CANCELLED)
_CONSENT_COLUMN = {Channel.PHONE: "consent_phone", Channel.SMS: "consent_sms", Channel.WECHAT: "consent_wechat"}


class CallbackOrder(enum.Enum):
    DUE_ON = "DUE_ON"
    DUE_ON_DESC = "DUE_ON_DESC"
    PRIORITY = "PRIORITY"


def callback_query(actor: Actor) -> Select[Any]:
    """Select the callbacks in the actor's scope as plain rows."""
    return scoping.where(select(*Callback.__table__.c), scoping.callbacks(actor))


@dataclass(frozen=True, slots=True)
class CallbackFilter:
    assignee_id: int | None = None
    status: CallbackStatus | None = None
    purpose: CallbackPurpose | None = None
    party_kind: PartyKind | None = None
    member_id: int | None = None
    dealer_id: int | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    overdue: bool | None = None


def _order_keys(order: CallbackOrder) -> list[OrderKey]:
    if order is CallbackOrder.DUE_ON_DESC:
        return [OrderKey(Callback.due_on, descending=True, decode=as_date), OrderKey(Callback.id, descending=True)]
    if order is CallbackOrder.PRIORITY:
        return [
            OrderKey(Callback.priority, descending=True),
            OrderKey(Callback.due_on, decode=as_date),
            OrderKey(Callback.id),
        ]
    return [OrderKey(Callback.due_on, decode=as_date), OrderKey(Callback.id)]


async def list_callbacks(
    session: AsyncSession,
    actor: Actor,
    flt: CallbackFilter,
    order: CallbackOrder,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """List callbacks matching every given filter."""
    actor.require(Op.CALLBACK_READ)
    stmt = callback_query(actor)
    stmt = where_given(
        stmt,
        (Callback.assignee_id, flt.assignee_id),
        (Callback.status, flt.status),
        (Callback.purpose, flt.purpose),
        (Callback.party_kind, flt.party_kind),
        (Callback.member_id, flt.member_id),
        (Callback.dealer_id, flt.dealer_id),
    )
    if flt.due_from is not None:
        stmt = stmt.where(Callback.due_on >= flt.due_from)
    if flt.due_to is not None:
        stmt = stmt.where(Callback.due_on <= flt.due_to)
    if flt.overdue is True:
        stmt = stmt.where(Callback.status == CallbackStatus.OPEN, Callback.due_on < today())
    elif flt.overdue is False:
        stmt = stmt.where((Callback.status != CallbackStatus.OPEN) | (Callback.due_on >= today()))
    return await paginate(
        session, stmt, order_name=f"callback:{order.value}", keys=_order_keys(order), first=first, after=after
    )


def is_overdue(status: str, due_on: dt.date) -> bool:
    """An open callback whose due day (Asia/Shanghai) has passed."""
    return status == CallbackStatus.OPEN and due_on < today()


async def _check_consent(session: AsyncSession, checks: Checks, member_id: int | None, channel: str | None) -> None:
    if member_id is None or channel is None:
        return
    member = await session.get(Member, member_id)
    if member is not None and not getattr(member, _CONSENT_COLUMN[Channel(channel)]):
        checks.add("channel", f"The member has not agreed to be contacted by {channel}.", ErrorCode.NO_CONSENT)


async def _assignee(session: AsyncSession, actor: Actor, checks: Checks, staff_id: int | None) -> None:
    if staff_id is None:
        return
    staff = await scoping.find(session, Staff, staff_id, scoping.staff(actor))
    if staff is None:
        checks.add("assignee_id", "No such staff member.", ErrorCode.NOT_FOUND)
    elif not staff.active:
        checks.add("assignee_id", "This account is deactivated.", ErrorCode.INVALID)


def _plan_values(checks: Checks, data: dict[str, Any], *, new: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("purpose", "channel", "due_on"):
        if key in data:
            if data[key] is None:
                checks.add(key, f"{key} cannot be empty.", ErrorCode.REQUIRED)
            out[key] = data[key]
    if out.get("due_on") is not None and out["due_on"] < today():
        checks.add("due_on", "The due day must not be in the past.", ErrorCode.INVALID_DATE)
    if "priority" in data:
        if data["priority"] is None:
            checks.add("priority", "priority cannot be empty.", ErrorCode.REQUIRED)
        checks.int_range("priority", data["priority"], 0, MAX_PRIORITY)
        out["priority"] = data["priority"]
    if "notes" in data:
        out["notes"] = checks.text("notes", data["notes"], max_length=2000)
    if "assignee_id" in data:
        out["assignee_id"] = data["assignee_id"]
    if new and out.get("due_on") is None and not checks.has("due_on"):
        checks.add("due_on", "due_on is required.", ErrorCode.REQUIRED)
    return out


async def create(session: AsyncSession, actor: Actor, data: dict[str, Any]) -> Callback:
    """Plan a callback to a member or a dealer in scope, on a channel the member agreed to."""
    actor.require(Op.CALLBACK_WRITE)
    checks = Checks()
    member_id, dealer_id = data.get("member_id"), data.get("dealer_id")
    if (member_id is None) == (dealer_id is None):
        raise DomainError.one(None, "Give either a member or a dealer.", ErrorCode.INVALID)
    data.setdefault("channel", Channel.PHONE)
    data.setdefault("due_on", None)
    values = _plan_values(checks, data, new=True)
    await scoping.check_visible(session, checks, "member_id", Member, member_id, scoping.members(actor), "member")
    await scoping.check_visible(session, checks, "dealer_id", Dealer, dealer_id, scoping.dealers(actor), "dealer")
    feedback_id = data.get("feedback_id")
    if feedback_id is not None:
        feedback = await session.get(Feedback, feedback_id)
        if feedback is None:
            checks.add("feedback_id", "No such feedback.", ErrorCode.NOT_FOUND)
        elif (feedback.member_id, feedback.dealer_id) != (member_id, dealer_id):
            checks.add("feedback_id", "This feedback came from someone else.", ErrorCode.INVALID)
    await _assignee(session, actor, checks, values.get("assignee_id"))
    if not checks.has("member_id"):
        await _check_consent(session, checks, member_id, values.get("channel"))
    checks.raise_if_any()
    callback = Callback(
        party_kind=PartyKind.MEMBER if member_id is not None else PartyKind.DEALER,
        member_id=member_id,
        dealer_id=dealer_id,
        feedback_id=feedback_id,
        **{k: v for k, v in values.items() if v is not None},
    )
    session.add(callback)
    await session.flush()
    await session.refresh(callback)
    await audit.record(session, actor, "callbackCreate", callback, None)
    return callback


async def _open_callback(session: AsyncSession, actor: Actor, callback_id: int, version: int | None) -> Callback:
    actor.require(Op.CALLBACK_WRITE)
    callback = await scoping.find(session, Callback, callback_id, scoping.callbacks(actor), for_update=True)
    if callback is None:
        raise DomainError.one("id", "No such callback.", ErrorCode.NOT_FOUND)
    check_version(callback, version)
    if callback.status != CallbackStatus.OPEN:
        raise DomainError.one("id", "This callback is already closed.", ErrorCode.INVALID_STATE)
    return callback


async def update(session: AsyncSession, actor: Actor, callback_id: int, data: dict[str, Any]) -> Callback:
    """Reschedule, reassign or re-channel an open callback."""
    callback = await _open_callback(session, actor, callback_id, data.pop("version", None))
    if not data:
        raise DomainError.one(None, "Nothing to update.", ErrorCode.NOTHING_TO_UPDATE)
    checks = Checks()
    values = _plan_values(checks, data, new=False)
    await _assignee(session, actor, checks, values.get("assignee_id"))
    if "channel" in values:
        await _check_consent(session, checks, callback.member_id, values["channel"])
    checks.raise_if_any()
    before = audit.snapshot(callback)
    for key, value in values.items():
        setattr(callback, key, value)
    callback.version += 1
    await session.flush()
    await session.refresh(callback)
    await audit.record(session, actor, "callbackUpdate", callback, before)
    return callback


async def close(session: AsyncSession, actor: Actor, callback_id: int, data: dict[str, Any]) -> Callback:
    """Close a callback with its outcome: done (reached), unreachable or cancelled."""
    callback = await _open_callback(session, actor, callback_id, data.pop("version", None))
    checks = Checks()
    status: CallbackStatus | None = data.get("status")
    if status not in CLOSING_STATUSES:
        checks.add("status", "Close as DONE, UNREACHABLE or CANCELLED.", ErrorCode.INVALID)
    satisfaction = data.get("satisfaction")
    checks.int_range("satisfaction", satisfaction, 1, 5)
    reason: NonConversionReason | None = data.get("non_conversion_reason")
    if status != CallbackStatus.DONE:
        for key, value in (("satisfaction", satisfaction), ("non_conversion_reason", reason)):
            if value is not None:
                checks.add(key, f"{key} needs a callback that reached the person (DONE).", ErrorCode.INVALID)
    outcome = checks.text("outcome_notes", data.get("outcome_notes"), max_length=2000)
    checks.raise_if_any()
    now = dt.datetime.now(dt.UTC)
    assert status is not None  # checked above
    before = audit.snapshot(callback)
    callback.version += 1
    callback.status = status
    callback.closed_at = now
    callback.outcome_notes = outcome
    callback.satisfaction = satisfaction
    callback.non_conversion_reason = reason
    if status != CallbackStatus.CANCELLED:
        callback.attempts += 1
        callback.last_attempt_at = now
        callback.reached = status == CallbackStatus.DONE
    await session.flush()
    await session.refresh(callback)
    await audit.record(session, actor, "callbackClose", callback, before)
    return callback

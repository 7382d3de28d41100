"""Callbacks (回訪): planned follow-up contacts with a member or a dealer."""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, null, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit import service as audit
from crm.auth import scoping
from crm.auth.actor import Actor
from crm.auth.permissions import Op
from crm.callbacks.models import Callback, CallbackAttempt, CallbackPolicy
from crm.db import check_version
from crm.dealers.models import Dealer
from crm.enums import (
    CallbackPurpose,
    CallbackStatus,
    CallOutcome,
    Channel,
    MemberTier,
    NonConversionReason,
    PartyKind,
    Region,
)
from crm.errors import DomainError, ErrorCode
from crm.feedback.models import Feedback
from crm.members.models import Member
from crm.pagination import OrderKey, Page, as_date, paginate, where_given
from crm.staff.models import Staff
from crm.validation import Checks, today

MAX_PRIORITY = 3
CLOSING_STATUSES = (CallbackStatus.DONE, CallbackStatus.UNREACHABLE, CallbackStatus.CANCELLED)
_MEMBER_TEXT = ("notes", "outcome_notes")
_CONSENT_COLUMN = {Channel.PHONE: "consent_phone", Channel.SMS: "consent_sms", Channel.WECHAT: "consent_wechat"}


class CallbackOrder(enum.Enum):
    DUE_ON = "DUE_ON"
    DUE_ON_DESC = "DUE_ON_DESC"
    PRIORITY = "PRIORITY"


@scoping.per_scope
def callback_query(actor: Actor) -> Select[Any]:
    """Select the callbacks in the actor's scope as plain rows.

    What was said on a call to a member (notes, outcome notes: the last attempt's words) is null for
    roles that see members' personal data masked, as it is in the attempt log and the timeline.
    """
    columns: list[Any] = list(Callback.__table__.c)
    if actor.masks_personal_data:
        columns = [
            case((Callback.member_id.is_(None), c), else_=null()).label(c.key) if c.key in _MEMBER_TEXT else c
            for c in columns
        ]
    return scoping.where(select(*columns), scoping.callbacks(actor))


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


FALLBACK_CHANNELS = (Channel.WECHAT, Channel.SMS, Channel.PHONE)


def reachable_channel(member: Member, wanted: str) -> Channel | None:
    """The wanted channel if the member agreed to it, else the first agreed of WeChat, SMS, phone."""
    for channel in (Channel(wanted), *FALLBACK_CHANNELS):
        if getattr(member, _CONSENT_COLUMN[channel]):
            return channel
    return None


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
    if not checks.has("assignee_id") and not checks.has("due_on"):
        await check_room(session, checks, values.get("assignee_id"), values.get("due_on"), None)
    checks.raise_if_any()
    policy = await policy_for(session, values["purpose"])
    if policy is not None:
        values |= {"policy_id": policy.id, "max_attempts": policy.max_attempts}
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
    moved = "due_on" in values or "assignee_id" in values
    if moved and not checks.has("assignee_id") and not checks.has("due_on"):
        assignee_id = values.get("assignee_id", callback.assignee_id)
        await check_room(session, checks, assignee_id, values.get("due_on", callback.due_on), callback.id)
    checks.raise_if_any()
    before = audit.snapshot(callback)
    for key, value in values.items():
        setattr(callback, key, value)
    callback.version += 1
    await session.flush()
    await session.refresh(callback)
    await audit.record(session, actor, "callbackUpdate", callback, before)
    return callback


def _record_try(
    session: AsyncSession,
    actor: Actor,
    callback: Callback,
    now: dt.datetime,
    *,
    reached: bool,
    channel: str | None = None,
    outcome: CallOutcome | None = None,
    satisfaction: int | None = None,
    reason: NonConversionReason | None = None,
    notes: str | None = None,
) -> None:
    """Add one row to the callback's attempt log and count it on the callback."""
    session.add(
        CallbackAttempt(
            callback_id=callback.id,
            attempted_at=now,
            actor_id=actor.staff_id,
            channel=channel or callback.channel,
            reached=reached,
            outcome=outcome,
            satisfaction=satisfaction if reached else None,
            non_conversion_reason=reason if reached else None,
            notes=notes,
        )
    )
    callback.attempts += 1
    callback.last_attempt_at = now
    callback.reached = reached


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
        # Closing as done or unreachable is a try like any other: it is in the attempt log too.
        _record_try(
            session,
            actor,
            callback,
            now,
            reached=status == CallbackStatus.DONE,
            satisfaction=satisfaction,
            reason=reason,
            notes=outcome,
        )
    await session.flush()
    await session.refresh(callback)
    await audit.record(session, actor, "callbackClose", callback, before)
    return callback


# How far ahead a retry or a suggestion looks for a day with room.
ROOM_HORIZON_DAYS = 60
_FIRST_DAY_WITH_ROOM = text(
    """
    SELECT d::date
    FROM generate_series(CAST(:earliest AS date), CAST(:earliest AS date) + CAST(:horizon AS int), interval '1 day') d
    WHERE (SELECT count(*) FROM callback c
           WHERE c.assignee_id = :assignee AND c.status = 'OPEN' AND c.due_on = d::date
             AND c.id IS DISTINCT FROM CAST(:exclude AS bigint))
          < (SELECT daily_call_capacity FROM staff WHERE id = :assignee)
    ORDER BY d LIMIT 1"""
)


async def first_day_with_room(
    session: AsyncSession, assignee_id: int | None, earliest: dt.date, exclude_id: int | None = None
) -> dt.date | None:
    """The first day from `earliest` on which the assignee has calls to spare (None: none within 60 days)."""
    if assignee_id is None:
        return earliest
    # Lock the assignee: two writes checking the same person's day at once take turns, so neither
    # can pass the count the other is about to change.
    await session.execute(select(Staff.id).where(Staff.id == assignee_id).with_for_update())
    params = {"earliest": earliest, "horizon": ROOM_HORIZON_DAYS, "assignee": assignee_id, "exclude": exclude_id}
    day: dt.date | None = await session.scalar(_FIRST_DAY_WITH_ROOM, params)
    return day


async def check_room(
    session: AsyncSession, checks: Checks, assignee_id: int | None, day: dt.date | None, exclude_id: int | None
) -> None:
    """Refuse to give someone more open calls on a day than their daily capacity (OVER_CAPACITY)."""
    if assignee_id is None or day is None:
        return
    free = await first_day_with_room(session, assignee_id, day, exclude_id)
    if free != day:
        hint = f" The first day with room is {free.isoformat()}." if free else ""
        checks.add("due_on", f"The assignee's calls for {day.isoformat()} are full.{hint}", ErrorCode.OVER_CAPACITY)


async def policy_for(session: AsyncSession, purpose: str) -> CallbackPolicy | None:
    """The planning policy of a purpose (its attempt limit, retry delay and conversion window)."""
    policy: CallbackPolicy | None = await session.scalar(
        select(CallbackPolicy).where(CallbackPolicy.purpose == purpose)
    )
    return policy


async def log_attempt(session: AsyncSession, actor: Actor, callback_id: int, data: dict[str, Any]) -> Callback:
    """Record one try at an open callback.

    Reached: the callback is done with its outcome, unless the person asked to be called later
    (CALL_LATER), which keeps it open for `call_again_on`. Not reached: it is retried after the
    policy's delay on the first day the assignee has room, until the attempt limit closes it as
    UNREACHABLE.
    """
    callback = await _open_callback(session, actor, callback_id, data.pop("version", None))
    checks = Checks()
    reached = data.get("reached")
    if reached is None:
        checks.add("reached", "Say whether the person was reached.", ErrorCode.REQUIRED)
    outcome: CallOutcome | None = data.get("outcome")
    satisfaction = data.get("satisfaction")
    reason: NonConversionReason | None = data.get("non_conversion_reason")
    checks.int_range("satisfaction", satisfaction, 1, 5)
    if reached is False:
        for key, value in (("outcome", outcome), ("satisfaction", satisfaction), ("non_conversion_reason", reason)):
            if value is not None:
                checks.add(key, f"{key} needs a call that reached the person.", ErrorCode.INVALID)
    if reached and outcome is None:
        checks.add("outcome", "Say what came of the call.", ErrorCode.REQUIRED)
    call_again_on: dt.date | None = data.get("call_again_on")
    if call_again_on is not None:
        if outcome is not CallOutcome.CALL_LATER:
            checks.add("call_again_on", "Only a CALL_LATER outcome takes a day to call again.", ErrorCode.INVALID)
        elif call_again_on < today():
            checks.add("call_again_on", "The day to call again must not be in the past.", ErrorCode.INVALID_DATE)
    notes = checks.text("notes", data.get("notes"), max_length=2000)
    channel = data.get("channel") or callback.channel
    await _check_consent(session, checks, callback.member_id, channel)
    checks.raise_if_any()
    now = dt.datetime.now(dt.UTC)
    before = audit.snapshot(callback)
    callback.version += 1
    _record_try(
        session,
        actor,
        callback,
        now,
        reached=bool(reached),
        channel=channel,
        outcome=outcome,
        satisfaction=satisfaction,
        reason=reason,
        notes=notes,
    )
    if reached:
        callback.outcome = outcome
        callback.satisfaction = satisfaction
        callback.non_conversion_reason = reason
        callback.outcome_notes = notes
    if reached and outcome is not CallOutcome.CALL_LATER:
        callback.status = CallbackStatus.DONE
        callback.closed_at = now
    elif not reached and callback.attempts >= callback.max_attempts:
        callback.status = CallbackStatus.UNREACHABLE
        callback.closed_at = now
    else:
        policy = await policy_for(session, callback.purpose)
        delay = policy.retry_delay_days if policy is not None and not reached else 1
        earliest = call_again_on or today() + dt.timedelta(days=delay)
        callback.due_on = await first_day_with_room(session, callback.assignee_id, earliest, callback.id) or earliest
    await session.flush()
    await session.refresh(callback)
    await audit.record(session, actor, "callbackLogAttempt", callback, before)
    return callback


# --- planning policies -------------------------------------------------------------------------

_CAMPAIGN_CODE = "^[A-Z0-9_-]{1,30}$"
MAX_TAGS = 20


async def list_policies(session: AsyncSession, actor: Actor) -> list[CallbackPolicy]:
    """Every purpose's planning policy."""
    actor.require(Op.CALLBACK_READ)
    return list((await session.scalars(select(CallbackPolicy).order_by(CallbackPolicy.id))).all())


def _policy_values(checks: Checks, data: dict[str, Any]) -> dict[str, Any]:
    ranges = {
        "offset_days": (0, 365),
        "idle_days": (1, 3650),
        "quiet_days": (0, 365),
        "weekday": (1, 7),
        "priority": (0, 3),
        "max_attempts": (1, 10),
        "retry_delay_days": (0, 30),
        "conversion_days": (1, 90),
    }
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None and (key in ranges or key in ("enabled", "channel", "tiers", "tags", "regions")):
            checks.add(key, f"{key} cannot be empty.", ErrorCode.REQUIRED)
            continue
        if key in ranges:
            checks.int_range(key, value, *ranges[key])
        out[key] = value
    if out.get("tiers") is not None:
        out["tiers"] = sorted({MemberTier(t).value for t in out["tiers"]})
    if out.get("regions") is not None:
        out["regions"] = sorted({Region(r).value for r in out["regions"]})
    if out.get("tags") is not None:
        tags = [checks.text("tags", t, max_length=30, required=True) for t in out["tags"]]
        if len(tags) > MAX_TAGS:
            checks.add("tags", f"At most {MAX_TAGS} tags.", ErrorCode.OUT_OF_RANGE)
        out["tags"] = sorted({t for t in tags if t})
    if "campaign_code" in out and out["campaign_code"] is not None:
        out["campaign_code"] = out["campaign_code"].strip().upper()
        if not re.match(_CAMPAIGN_CODE, out["campaign_code"]):
            checks.add("campaign_code", "Use 1-30 letters, digits, '-' or '_'.", ErrorCode.INVALID)
    return out


async def update_policy(session: AsyncSession, actor: Actor, purpose: str, data: dict[str, Any]) -> CallbackPolicy:
    """Change a purpose's planning policy; only the fields sent change."""
    actor.require(Op.CALLBACK_POLICY_WRITE)
    policy = await session.scalar(select(CallbackPolicy).where(CallbackPolicy.purpose == purpose).with_for_update())
    if policy is None:
        raise DomainError.one("purpose", f"{purpose} calls are not planned from a policy.", ErrorCode.NOT_FOUND)
    check_version(policy, data.pop("version", None))
    if not data:
        raise DomainError.one(None, "Nothing to update.", ErrorCode.NOTHING_TO_UPDATE)
    checks = Checks()
    values = _policy_values(checks, data)
    merged = {c: values.get(c, getattr(policy, c)) for c in ("campaign_code", "campaign_starts_on", "campaign_ends_on")}
    starts, ends = merged["campaign_starts_on"], merged["campaign_ends_on"]
    if starts is not None and ends is not None and ends < starts:
        checks.add("campaign_ends_on", "The campaign ends before it starts.", ErrorCode.INVALID_DATE)
    enabled = values.get("enabled", policy.enabled)
    if purpose == CallbackPurpose.PROMOTION and enabled and None in merged.values():
        checks.add("campaign_code", "A promotion needs its campaign code, first and last day.", ErrorCode.REQUIRED)
    checks.raise_if_any()
    before = audit.snapshot(policy)
    for key, value in values.items():
        setattr(policy, key, value)
    policy.version += 1
    policy.updated_at = func.now()
    await session.flush()
    await session.refresh(policy)
    await audit.record(session, actor, "callbackPolicyUpdate", policy, before)
    return policy


# A visit converts the person's calls that were done within their policy's window before it.
_CONVERT = text(
    """
    UPDATE callback c SET converted_visit_id = :visit_id, converted_at = :visited_at
    WHERE c.status = 'DONE' AND c.converted_visit_id IS NULL
      AND (c.member_id = :member_id OR c.dealer_id = :dealer_id)
      AND c.closed_at <= :visited_at
      AND c.closed_at > CAST(:visited_at AS timestamptz) - make_interval(days => coalesce(
          (SELECT p.conversion_days FROM callback_policy p WHERE p.id = c.policy_id), :default_days))"""
)
DEFAULT_CONVERSION_DAYS = 14


async def record_conversions(
    session: AsyncSession, visit_id: int, visited_at: dt.datetime, member_id: int | None, dealer_id: int | None
) -> None:
    """Count a visit as the conversion of the calls done shortly before it (one statement)."""
    params = {
        "visit_id": visit_id,
        "visited_at": visited_at,
        "member_id": member_id,
        "dealer_id": dealer_id,
        "default_days": DEFAULT_CONVERSION_DAYS,
    }
    await session.execute(_CONVERT, params)

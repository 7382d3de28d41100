"""Feedback (建議和投訴): listing and intake; the closed-loop steps build on the event table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit import service as audit
from crm.auth import scoping
from crm.auth.actor import Actor
from crm.auth.permissions import Op
from crm.businesstime import within_days
from crm.dealers.models import Dealer, Store
from crm.enums import (
    Department,
    FeedbackChannel,
    FeedbackKind,
    FeedbackStatus,
    PartyKind,
)
from crm.errors import DomainError, ErrorCode
from crm.feedback.models import Feedback, FeedbackEvent
from crm.members.models import Member
from crm.pagination import OrderKey, Page, as_datetime, paginate, where_given
from crm.staff.models import Staff
from crm.validation import Checks

MAX_CONTENT = 4000
# The loop ends when a complaint is closed after its review, or found not upheld. Every other
# status, RETURN_VISIT_DONE included (it still awaits the closing review), is open.
FINAL_STATUSES = (FeedbackStatus.NOT_UPHELD, FeedbackStatus.CLOSED)
OPEN_STATUSES = tuple(s for s in FeedbackStatus if s not in FINAL_STATUSES)


def feedback_query(actor: Actor) -> Select[Any]:
    """Select the feedback in the actor's scope as plain rows."""
    return scoping.where(select(*Feedback.__table__.c), scoping.feedback(actor))


def event_query() -> Select[Any]:
    """Select feedback event columns as plain rows."""
    return select(*FeedbackEvent.__table__.c)


@dataclass(frozen=True, slots=True)
class FeedbackFilter:
    status: FeedbackStatus | None = None
    kind: FeedbackKind | None = None
    channel: FeedbackChannel | None = None
    department: Department | None = None
    party_kind: PartyKind | None = None
    member_id: int | None = None
    dealer_id: int | None = None
    store_id: int | None = None
    open: bool | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None


async def list_feedback(
    session: AsyncSession, actor: Actor, flt: FeedbackFilter, *, first: int | None, after: str | None
) -> Page:
    """List the feedback in the actor's scope, newest first."""
    actor.require(Op.FEEDBACK_READ)
    stmt = feedback_query(actor)
    stmt = where_given(
        stmt,
        (Feedback.status, flt.status),
        (Feedback.kind, flt.kind),
        (Feedback.channel, flt.channel),
        (Feedback.department, flt.department),
        (Feedback.party_kind, flt.party_kind),
        (Feedback.member_id, flt.member_id),
        (Feedback.dealer_id, flt.dealer_id),
        (Feedback.store_id, flt.store_id),
    )
    if flt.open is not None:
        is_open = Feedback.status.in_(OPEN_STATUSES)
        stmt = stmt.where(is_open if flt.open else ~is_open)
    stmt = stmt.where(*within_days(Feedback.received_at, flt.received_from, flt.received_to))
    keys = [OrderKey(Feedback.received_at, descending=True, decode=as_datetime), OrderKey(Feedback.id, descending=True)]
    return await paginate(session, stmt, order_name="feedback", keys=keys, first=first, after=after)


async def submit(session: AsyncSession, actor: Actor, data: dict[str, Any]) -> Feedback:
    """Take in feedback from a member or a dealer in scope; it starts RECEIVED, with its first event."""
    actor.require(Op.FEEDBACK_SUBMIT)
    checks = Checks()
    member_id, dealer_id = data.get("member_id"), data.get("dealer_id")
    if (member_id is None) == (dealer_id is None):
        raise DomainError.one(None, "Give either a member or a dealer.", ErrorCode.INVALID)
    data.setdefault("received_by_id", actor.staff_id)
    await scoping.check_visible(session, checks, "member_id", Member, member_id, scoping.members(actor), "member")
    await scoping.check_visible(session, checks, "dealer_id", Dealer, dealer_id, scoping.dealers(actor), "dealer")
    store_id = data.get("store_id")
    await scoping.check_visible(session, checks, "store_id", Store, store_id, scoping.stores(actor), "store")
    received_by_id = data.get("received_by_id")
    await scoping.check_visible(
        session, checks, "received_by_id", Staff, received_by_id, scoping.staff(actor), "staff member"
    )
    content = checks.text("content", data.get("content"), max_length=MAX_CONTENT, required=True)
    received_at = data.get("received_at") or dt.datetime.now(dt.UTC)
    received_at = checks.not_future("received_at", received_at)
    checks.raise_if_any()
    feedback = Feedback(
        party_kind=PartyKind.MEMBER if member_id is not None else PartyKind.DEALER,
        member_id=member_id,
        dealer_id=dealer_id,
        store_id=store_id,
        kind=data["kind"],
        channel=data["channel"],
        content=content,
        status=FeedbackStatus.RECEIVED,
        received_at=received_at,
        received_by_id=received_by_id,
    )
    session.add(feedback)
    await session.flush()
    session.add(
        FeedbackEvent(
            feedback_id=feedback.id,
            from_status=None,
            to_status=FeedbackStatus.RECEIVED,
            actor_id=received_by_id,
            created_at=received_at,  # the intake step happened when the feedback came in
        )
    )
    await session.flush()
    await session.refresh(feedback)
    await audit.record(session, actor, "feedbackSubmit", feedback, None)
    return feedback

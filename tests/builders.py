"""Small async builders: each inserts one row in the test's transaction and returns it."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm.dealers.models import Dealer, Store
from crm.enums import Region, Role, StoreKind
from crm.ids import to_global_id
from crm.members.models import Member
from crm.staff.models import Staff

_seq = itertools.count(1)


def gid(type_name: str, pk: int) -> str:
    """Global ID of a row, as the API shows it."""
    return to_global_id(type_name, pk)


def unique_phone() -> str:
    """A valid, unused mainland mobile number in E.164."""
    return f"+86139{next(_seq):08d}"


async def make_dealer(session: AsyncSession, **kw: Any) -> Dealer:
    n = next(_seq)
    dealer = Dealer(
        code=f"TD{n:05d}",
        name=kw.pop("name", f"測試經銷商{n}"),
        region=kw.pop("region", Region.EAST),
        city=kw.pop("city", "杭州"),
        **kw,
    )
    session.add(dealer)
    await session.flush()
    return dealer


async def make_store(session: AsyncSession, **kw: Any) -> Store:
    n = next(_seq)
    dealer = kw.pop("dealer", None)
    store = Store(
        code=kw.pop("code", f"TS{n:05d}"),
        name=kw.pop("name", f"測試店{n}"),
        kind=StoreKind.DEALER if dealer else kw.pop("kind", StoreKind.SELF_OPERATED),
        dealer_id=dealer.id if dealer else None,
        region=kw.pop("region", Region.EAST),
        city=kw.pop("city", "上海"),
        **kw,
    )
    session.add(store)
    await session.flush()
    return store


async def make_staff(session: AsyncSession, role: Role = Role.VIP_MANAGER, **kw: Any) -> Staff:
    n = next(_seq)
    store = kw.pop("store", None)
    if role == Role.STORE_STAFF and store is None:
        store = await make_store(session)
    staff = Staff(
        username=kw.pop("username", f"user{n}"),
        display_name=kw.pop("display_name", f"員工{n}"),
        role=role,
        store_id=store.id if store else None,
        region=kw.pop(
            "region", Region.EAST if role in (Role.VIP_MANAGER, Role.RECEPTIONIST, Role.SALES_CLERK) else None
        ),
        **kw,
    )
    session.add(staff)
    await session.flush()
    return staff


async def make_member(session: AsyncSession, **kw: Any) -> Member:
    n = next(_seq)
    store = kw.pop("store", None) or await make_store(session)
    member = Member(
        name=kw.pop("name", f"會員{n}"),
        phone=kw.pop("phone", unique_phone()),
        home_store_id=store.id,
        enrolled_at=kw.pop("enrolled_at", dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n)),
        **kw,
    )
    session.add(member)
    await session.flush()
    await session.refresh(member)
    return member


# ---------------------------------------------------------------------------
# Callbacks and feedback (tests/callbacks, tests/feedback).

from crm.callbacks.models import Callback  # noqa: E402
from crm.enums import CallbackPurpose, CallbackStatus, FeedbackChannel, FeedbackKind, FeedbackStatus  # noqa: E402
from crm.feedback.models import Feedback  # noqa: E402
from crm.validation import today  # noqa: E402


async def make_callback(session: AsyncSession, **kw: Any) -> Callback:
    """A callback to `member` or `dealer` (a new member when neither), due in a week unless told.

    Rows are inserted as given, so a past due day (an overdue callback) is possible here;
    a closed status gets a closed_at.
    """
    member, dealer = kw.pop("member", None), kw.pop("dealer", None)
    if member is None and dealer is None:
        member = await make_member(session)
    assignee = kw.pop("assignee", None)
    status = kw.pop("status", CallbackStatus.OPEN)
    callback = Callback(
        party_kind="DEALER" if dealer is not None else "MEMBER",
        member_id=member.id if member is not None else None,
        dealer_id=dealer.id if dealer is not None else None,
        purpose=kw.pop("purpose", CallbackPurpose.SATISFACTION),
        due_on=kw.pop("due_on", today() + dt.timedelta(days=7)),
        assignee_id=assignee.id if assignee is not None else None,
        status=status,
        closed_at=kw.pop("closed_at", None if status == CallbackStatus.OPEN else dt.datetime.now(dt.UTC)),
        **kw,
    )
    session.add(callback)
    await session.flush()
    await session.refresh(callback)
    return callback


async def make_feedback(session: AsyncSession, **kw: Any) -> Feedback:
    """Feedback from `member` or `dealer` (a new member when neither), in any status, without events."""
    n = next(_seq)
    member, dealer = kw.pop("member", None), kw.pop("dealer", None)
    if member is None and dealer is None:
        member = await make_member(session)
    store = kw.pop("store", None)
    feedback = Feedback(
        party_kind="DEALER" if dealer is not None else "MEMBER",
        member_id=member.id if member is not None else None,
        dealer_id=dealer.id if dealer is not None else None,
        store_id=store.id if store is not None else None,
        kind=kw.pop("kind", FeedbackKind.COMPLAINT),
        channel=kw.pop("channel", FeedbackChannel.STORE),
        content=kw.pop("content", f"測試意見{n}"),
        status=kw.pop("status", FeedbackStatus.RECEIVED),
        received_at=kw.pop("received_at", dt.datetime(2026, 6, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n)),
        **kw,
    )
    session.add(feedback)
    await session.flush()
    await session.refresh(feedback)
    return feedback


# ---------------------------------------------------------------------------
# Visits and enrolment targets (tests/visits, tests/targets).

from crm.enums import DealerVisitPurpose, TargetScope, VisitKind  # noqa: E402
from crm.targets.models import EnrolmentTarget  # noqa: E402
from crm.visits.models import Visit  # noqa: E402


async def make_visit(session: AsyncSession, **kw: Any) -> Visit:
    """A showroom visit of `dealer`, else a store visit of `member` (a new member when none).

    A member's visit is at `store` or the member's home store; rows are inserted as given,
    so the member's last_visit_at is left alone.
    """
    member, dealer, store = kw.pop("member", None), kw.pop("dealer", None), kw.pop("store", None)
    if dealer is not None:
        party: dict[str, Any] = {
            "kind": VisitKind.DEALER_SHOWROOM,
            "dealer_id": dealer.id,
            "store_id": store.id if store is not None else None,
            "purpose": kw.pop("purpose", DealerVisitPurpose.SEE_GOODS),
        }
    else:
        member = member or await make_member(session)
        party = {
            "kind": VisitKind.MEMBER_STORE,
            "member_id": member.id,
            "store_id": store.id if store is not None else member.home_store_id,
        }
    visit = Visit(
        **party,
        visited_at=kw.pop("visited_at", dt.datetime(2026, 6, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=next(_seq))),
        **kw,
    )
    session.add(visit)
    await session.flush()
    await session.refresh(visit)
    return visit


async def make_target(session: AsyncSession, **kw: Any) -> EnrolmentTarget:
    """A month's target for `store`, `staff`, `dealer` or `region` (exactly one); month is a date, day 1."""
    store, staff, dealer, region = (kw.pop(k, None) for k in ("store", "staff", "dealer", "region"))
    if store is not None:
        scope = TargetScope.STORE
    elif staff is not None:
        scope = TargetScope.STAFF
    elif dealer is not None:
        scope = TargetScope.DEALER
    else:
        scope = TargetScope.REGION
    target = EnrolmentTarget(
        month=kw.pop("month", dt.date(2026, 6, 1)),
        scope=scope,
        store_id=store.id if store is not None else None,
        staff_id=staff.id if staff is not None else None,
        dealer_id=dealer.id if dealer is not None else None,
        region=region if scope == TargetScope.REGION else None,
        target_count=kw.pop("target_count", 10),
        **kw,
    )
    session.add(target)
    await session.flush()
    await session.refresh(target)
    return target


# ---------------------------------------------------------------------------
# Call attempts and feedback events (tests/timeline, tests/staff).

from crm.callbacks.models import CallbackAttempt  # noqa: E402
from crm.feedback.models import FeedbackEvent  # noqa: E402


async def make_attempt(session: AsyncSession, callback: Callback, **kw: Any) -> CallbackAttempt:
    """One try at `callback` by `actor` (a staff row, optional), not reached unless told; the callback is left alone."""
    actor = kw.pop("actor", None)
    attempt = CallbackAttempt(
        callback_id=callback.id,
        actor_id=actor.id if actor is not None else None,
        channel=kw.pop("channel", callback.channel),
        reached=kw.pop("reached", False),
        attempted_at=kw.pop("attempted_at", dt.datetime(2026, 6, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=next(_seq))),
        **kw,
    )
    session.add(attempt)
    await session.flush()
    await session.refresh(attempt)
    return attempt


async def make_feedback_event(session: AsyncSession, feedback: Feedback, **kw: Any) -> FeedbackEvent:
    """One step of `feedback` (to_status required; no from_status: the intake) by `actor`; the case is left alone."""
    actor = kw.pop("actor", None)
    event = FeedbackEvent(
        feedback_id=feedback.id,
        actor_id=actor.id if actor is not None else None,
        created_at=kw.pop("created_at", dt.datetime(2026, 6, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=next(_seq))),
        **kw,
    )
    session.add(event)
    await session.flush()
    await session.refresh(event)
    return event

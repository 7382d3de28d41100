"""PIPL requests on one member: export everything held on them, or erase their personal data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit import service as audit
from crm.audit.models import AuditEvent
from crm.auth.actor import Actor
from crm.auth.permissions import Op
from crm.callbacks.models import Callback
from crm.enums import CallbackStatus, Gender, MemberStatus
from crm.errors import DomainError, ErrorCode
from crm.feedback.models import Feedback, FeedbackEvent
from crm.members.models import Member
from crm.members.service import get_for_update
from crm.visits.models import Visit

ERASED_NAME = "(已刪除)"
ERASED_TEXT = "(已刪除)"


def erased_phone(member_id: int) -> str:
    """A placeholder that satisfies the phone constraint yet is no one's number (+8610...: no mobile starts 10)."""
    return f"+8610{member_id:09d}"


def _rows(result: Any) -> list[dict[str, Any]]:
    return [audit.to_json(dict(row._mapping)) for row in result]


async def export(session: AsyncSession, actor: Actor, member_id: int) -> dict[str, Any]:
    """Everything held on one member, as JSON-ready data (the export is itself audited)."""
    actor.require(Op.MEMBER_EXPORT)
    member = await session.get(Member, member_id)
    if member is None:
        raise DomainError.one("id", "No such member.", ErrorCode.NOT_FOUND)
    feedback_ids = select(Feedback.id).where(Feedback.member_id == member_id)
    data = {
        "exportedAt": dt.datetime.now(dt.UTC).isoformat(),
        "member": _rows(await session.execute(select(*Member.__table__.c).where(Member.id == member_id)))[0],
        "visits": _rows(
            await session.execute(select(*Visit.__table__.c).where(Visit.member_id == member_id).order_by(Visit.id))
        ),
        "callbacks": _rows(
            await session.execute(
                select(*Callback.__table__.c).where(Callback.member_id == member_id).order_by(Callback.id)
            )
        ),
        "feedback": _rows(
            await session.execute(
                select(*Feedback.__table__.c).where(Feedback.member_id == member_id).order_by(Feedback.id)
            )
        ),
        "feedbackEvents": _rows(
            await session.execute(
                select(*FeedbackEvent.__table__.c)
                .where(FeedbackEvent.feedback_id.in_(feedback_ids))
                .order_by(FeedbackEvent.id)
            )
        ),
        "auditTrail": _rows(
            await session.execute(
                select(*AuditEvent.__table__.c)
                .where(AuditEvent.entity_type == "member", AuditEvent.entity_id == member_id)
                .order_by(AuditEvent.id)
            )
        ),
    }
    await audit.record(session, actor, "memberExport", member, audit.snapshot(member))
    return data


async def erase(session: AsyncSession, actor: Actor, member_id: int) -> Member:
    """Anonymise a member's personal data everywhere; keep the row and its numbers for aggregates."""
    actor.require(Op.MEMBER_ERASE)
    member = await get_for_update(session, actor, member_id, None)
    before = audit.snapshot(member)
    now = dt.datetime.now(dt.UTC)
    member.name = ERASED_NAME
    member.phone = erased_phone(member.id)
    member.birthday = None
    member.lunar_birthday_month = member.lunar_birthday_day = None
    member.gender = Gender.UNDISCLOSED
    member.preferences = {}
    member.tags = []
    member.notes = None
    member.consent_phone = member.consent_sms = member.consent_wechat = False
    member.status = MemberStatus.CLOSED
    member.erased_at = now
    member.version += 1
    await session.execute(update(Visit).where(Visit.member_id == member_id).values(notes=None))
    await session.execute(
        update(Callback)
        .where(Callback.member_id == member_id, Callback.status == CallbackStatus.OPEN)
        .values(status=CallbackStatus.CANCELLED, closed_at=now)
    )
    await session.execute(
        update(Callback).where(Callback.member_id == member_id).values(notes=None, outcome_notes=None)
    )
    mine = select(Feedback.id).where(Feedback.member_id == member_id)
    await session.execute(
        update(Feedback)
        .where(Feedback.member_id == member_id)
        .values(content=ERASED_TEXT, assessment_note=None, solution=None, review_note=None)
    )
    await session.execute(update(FeedbackEvent).where(FeedbackEvent.feedback_id.in_(mine)).values(note=None))
    await session.flush()
    await audit.record(session, actor, "memberErase", member, before)
    return member

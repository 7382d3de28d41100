"""Feedback (建議和投訴) and its status history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, Timestamps
from crm.enums import (
    Department,
    FeedbackCause,
    FeedbackChannel,
    FeedbackKind,
    FeedbackStatus,
    PartyKind,
    check_in,
)


class Feedback(Timestamps, Base):
    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint(check_in("party_kind", PartyKind), name="party_kind"),
        CheckConstraint(check_in("kind", FeedbackKind), name="kind"),
        CheckConstraint(check_in("channel", FeedbackChannel), name="channel"),
        CheckConstraint(check_in("status", FeedbackStatus), name="status"),
        CheckConstraint(check_in("department", Department), name="department"),
        CheckConstraint(check_in("cause", FeedbackCause), name="cause"),
        CheckConstraint(
            "(party_kind = 'MEMBER' AND member_id IS NOT NULL AND dealer_id IS NULL)"
            " OR (party_kind = 'DEALER' AND dealer_id IS NOT NULL AND member_id IS NULL)",
            name="party_matches_kind",
        ),
        CheckConstraint("char_length(content) BETWEEN 1 AND 4000", name="content_length"),
        Index("ix_feedback_status_received", "status", "received_at"),
        Index("ix_feedback_received_at", "received_at", "id"),
        Index("ix_feedback_member_id", "member_id", "status"),
        Index("ix_feedback_dealer_id", "dealer_id", "status"),
        Index("ix_feedback_store_id", "store_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    party_kind: Mapped[str] = mapped_column(String(10))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealer.id", ondelete="CASCADE"))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("store.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), server_default=text("'RECEIVED'"))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    department: Mapped[str | None] = mapped_column(String(20))
    cause: Mapped[str | None] = mapped_column(String(20))
    responsible_person: Mapped[str | None] = mapped_column(String(60))
    assessment_note: Mapped[str | None] = mapped_column(Text)
    solution: Mapped[str | None] = mapped_column(Text)
    customer_accepted: Mapped[bool | None] = mapped_column(Boolean)
    review_note: Mapped[str | None] = mapped_column(Text)
    # Optimistic concurrency: an update naming an older version is refused (STALE_VERSION).
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))


class FeedbackEvent(Base):
    __tablename__ = "feedback_event"
    __table_args__ = (
        CheckConstraint(check_in("from_status", FeedbackStatus), name="from_status"),
        CheckConstraint(check_in("to_status", FeedbackStatus), name="to_status"),
        Index("ix_feedback_event_feedback_id", "feedback_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))

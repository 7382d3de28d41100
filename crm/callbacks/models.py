"""Callbacks: planned follow-up contacts (回訪) with a member or a dealer."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, Timestamps
from crm.enums import CallbackPurpose, CallbackStatus, Channel, NonConversionReason, PartyKind, check_in


class Callback(Timestamps, Base):
    __tablename__ = "callback"
    __table_args__ = (
        CheckConstraint(check_in("party_kind", PartyKind), name="party_kind"),
        CheckConstraint(check_in("purpose", CallbackPurpose), name="purpose"),
        CheckConstraint(check_in("channel", Channel), name="channel"),
        CheckConstraint(check_in("status", CallbackStatus), name="status"),
        CheckConstraint(check_in("non_conversion_reason", NonConversionReason), name="non_conversion_reason"),
        CheckConstraint(
            "(party_kind = 'MEMBER' AND member_id IS NOT NULL AND dealer_id IS NULL)"
            " OR (party_kind = 'DEALER' AND dealer_id IS NOT NULL AND member_id IS NULL)",
            name="party_matches_kind",
        ),
        CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction"),
        CheckConstraint("attempts >= 0", name="attempts"),
        CheckConstraint("(status = 'OPEN') = (closed_at IS NULL)", name="closed_at_matches_status"),
        Index("ix_callback_assignee_status_due", "assignee_id", "status", "due_on"),
        Index("ix_callback_status_due", "status", "due_on", "id"),
        Index("ix_callback_member_id", "member_id", "status"),
        Index("ix_callback_dealer_id", "dealer_id", "status"),
        Index("ix_callback_feedback_id", "feedback_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    party_kind: Mapped[str] = mapped_column(String(10))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealer.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(10), server_default=text("'PHONE'"))
    due_on: Mapped[dt.date] = mapped_column(Date)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), server_default=text("'OPEN'"))
    priority: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reached: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    non_conversion_reason: Mapped[str | None] = mapped_column(String(20))
    outcome_notes: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id", ondelete="SET NULL"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Optimistic concurrency: an update naming an older version is refused (STALE_VERSION).
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))

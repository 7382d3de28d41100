"""Feedback (建議和投訴) and its status history."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
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


class FeedbackSlaStep(enum.StrEnum):
    """A clock of the closed loop: the longest a case may stay in a status, or RESOLVE (receipt to RESOLVED)."""

    RECEIVED = "RECEIVED"
    ASSESSED = "ASSESSED"
    INVESTIGATING = "INVESTIGATING"
    SOLUTION_PROPOSED = "SOLUTION_PROPOSED"
    RESOLVED = "RESOLVED"
    RETURN_VISIT_DONE = "RETURN_VISIT_DONE"
    RESOLVE = "RESOLVE"


class FeedbackEventKind(enum.StrEnum):
    """What a feedback event records: a step of the loop, or an escalation to a supervisor."""

    TRANSITION = "TRANSITION"
    ESCALATION = "ESCALATION"


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
        # Overdue lists and the escalation job: open statuses whose step deadline has passed.
        Index("ix_feedback_status_due", "status", "due_at"),
        Index("ix_feedback_escalated_to_id", "escalated_to_id"),
        Index("ix_feedback_handler_resolved", "handler_id", "resolved_at"),
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
    # SLA clocks (crm/feedback/workflow.py): when the current status began and its deadline (null
    # once final), the deadline for RESOLVED set at intake, and the milestones they are judged by.
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolve_due_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    upheld: Mapped[bool | None] = mapped_column(Boolean)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))


class FeedbackSla(Timestamps, Base):
    """How long a step of the loop may take, per kind of feedback (hours)."""

    __tablename__ = "feedback_sla"
    __table_args__ = (
        CheckConstraint(check_in("kind", FeedbackKind), name="kind"),
        CheckConstraint(check_in("step", FeedbackSlaStep), name="step"),
        CheckConstraint("hours BETWEEN 1 AND 8760", name="hours"),
        UniqueConstraint("kind", "step"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    step: Mapped[str] = mapped_column(String(20))
    hours: Mapped[int] = mapped_column(Integer)
    # No foreign key (like the audit trail's actor_id): `crm seed --reset` truncates staff with CASCADE,
    # which would empty this configuration table along with it.
    updated_by_id: Mapped[int | None] = mapped_column(BigInteger)


class FeedbackEvent(Base):
    __tablename__ = "feedback_event"
    __table_args__ = (
        CheckConstraint(check_in("from_status", FeedbackStatus), name="from_status"),
        CheckConstraint(check_in("to_status", FeedbackStatus), name="to_status"),
        CheckConstraint(check_in("kind", FeedbackEventKind), name="kind"),
        Index("ix_feedback_event_feedback_id", "feedback_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    # An escalation keeps the status (from_status = to_status) and names the supervisor in the note.
    kind: Mapped[str] = mapped_column(String(20), server_default=text("'TRANSITION'"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))

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
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, Timestamps
from crm.enums import (
    CallbackPurpose,
    CallbackStatus,
    CallOutcome,
    Channel,
    NonConversionReason,
    PartyKind,
    check_in,
)


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
        CheckConstraint("max_attempts BETWEEN 1 AND 10", name="max_attempts"),
        CheckConstraint(check_in("outcome", CallOutcome), name="outcome"),
        CheckConstraint("(status = 'OPEN') = (closed_at IS NULL)", name="closed_at_matches_status"),
        Index("ix_callback_assignee_status_due", "assignee_id", "status", "due_on"),
        Index("ix_callback_status_due", "status", "due_on", "id"),
        Index("ix_callback_member_id", "member_id", "status"),
        Index("ix_callback_dealer_id", "dealer_id", "status"),
        Index("ix_callback_feedback_id", "feedback_id"),
        Index("ix_callback_converted_visit_id", "converted_visit_id"),
        Index("ix_callback_source_visit_id", "source_visit_id"),
        Index("ix_callback_assignee_closed", "assignee_id", "closed_at"),
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
    outcome: Mapped[str | None] = mapped_column(String(20))
    max_attempts: Mapped[int] = mapped_column(SmallInteger, server_default=text("3"))
    # Planned calls: the policy that made it and a key naming what it is about (the purpose and the
    # visit, birthday year, week...). The key is unique, so planning a period twice creates nothing new.
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("callback_policy.id", ondelete="SET NULL"))
    plan_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    source_visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id", ondelete="SET NULL"))
    # A visit by the same person within the policy's conversion window after the call was done.
    converted_visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id", ondelete="SET NULL"))
    converted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Optimistic concurrency: an update naming an older version is refused (STALE_VERSION).
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))


class CallbackPolicy(Timestamps, Base):
    """How calls of one purpose are planned: an admin tunes it through the API."""

    __tablename__ = "callback_policy"
    __table_args__ = (
        CheckConstraint(check_in("purpose", CallbackPurpose), name="purpose"),
        CheckConstraint(check_in("channel", Channel), name="channel"),
        CheckConstraint("offset_days BETWEEN 0 AND 365", name="offset_days"),
        CheckConstraint("idle_days BETWEEN 1 AND 3650", name="idle_days"),
        CheckConstraint("quiet_days BETWEEN 0 AND 365", name="quiet_days"),
        CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday"),
        CheckConstraint("priority BETWEEN 0 AND 3", name="priority"),
        CheckConstraint("max_attempts BETWEEN 1 AND 10", name="max_attempts"),
        CheckConstraint("retry_delay_days BETWEEN 0 AND 30", name="retry_delay_days"),
        CheckConstraint("conversion_days BETWEEN 1 AND 90", name="conversion_days"),
        CheckConstraint("campaign_ends_on >= campaign_starts_on", name="campaign_period"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(30), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # Days after the trigger (purchase visit, resolved complaint) or before the birthday.
    offset_days: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Reactivation: members with no visit for idle_days who were not called in the last quiet_days.
    # Payment reminders: at most one per quiet_days.
    idle_days: Mapped[int] = mapped_column(Integer, server_default=text("90"))
    quiet_days: Mapped[int] = mapped_column(Integer, server_default=text("30"))
    # Dealer sales talk: the ISO weekday of the weekly call (1 = Monday).
    weekday: Mapped[int] = mapped_column(SmallInteger, server_default=text("1"))
    priority: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    channel: Mapped[str] = mapped_column(String(10), server_default=text("'PHONE'"))
    # Which members: tiers, tags and regions (of the home store); empty means all.
    tiers: Mapped[list[str]] = mapped_column(ARRAY(String(12)), server_default=text("'{}'"))
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(30)), server_default=text("'{}'"))
    regions: Mapped[list[str]] = mapped_column(ARRAY(String(20)), server_default=text("'{}'"))
    # Promotion campaigns: a code naming the campaign (part of each call's key) and its period.
    campaign_code: Mapped[str | None] = mapped_column(String(30))
    campaign_starts_on: Mapped[dt.date | None] = mapped_column(Date)
    campaign_ends_on: Mapped[dt.date | None] = mapped_column(Date)
    max_attempts: Mapped[int] = mapped_column(SmallInteger, server_default=text("3"))
    retry_delay_days: Mapped[int] = mapped_column(SmallInteger, server_default=text("1"))
    conversion_days: Mapped[int] = mapped_column(SmallInteger, server_default=text("14"))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))


class CallbackAttempt(Base):
    """One try at a callback: reached or not, and what came of it."""

    __tablename__ = "callback_attempt"
    __table_args__ = (
        CheckConstraint(check_in("channel", Channel), name="channel"),
        CheckConstraint(check_in("outcome", CallOutcome), name="outcome"),
        CheckConstraint(check_in("non_conversion_reason", NonConversionReason), name="non_conversion_reason"),
        CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction"),
        CheckConstraint("reached OR (outcome IS NULL AND satisfaction IS NULL)", name="outcome_needs_reach"),
        Index("ix_callback_attempt_callback_id", "callback_id", "attempted_at"),
        Index("ix_callback_attempt_actor_id", "actor_id", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callback.id", ondelete="CASCADE"))
    attempted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(10))
    reached: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str | None] = mapped_column(String(20))
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    non_conversion_reason: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)

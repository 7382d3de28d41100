"""VIP members."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Sequence,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, Timestamps
from crm.enums import Gender, MemberStatus, MemberTier, check_in

MEMBER_NO_SEQ = Sequence("member_no_seq", metadata=Base.metadata)


class Member(Timestamps, Base):
    __tablename__ = "member"
    __table_args__ = (
        CheckConstraint(check_in("gender", Gender), name="gender"),
        CheckConstraint(check_in("tier", MemberTier), name="tier"),
        CheckConstraint(check_in("status", MemberStatus), name="status"),
        CheckConstraint("phone ~ '^\\+861[0-9]{10}$'", name="phone_normalised"),
        CheckConstraint("char_length(name) BETWEEN 1 AND 60", name="name_length"),
        CheckConstraint("duplicate_of_id <> id", name="not_duplicate_of_itself"),
        CheckConstraint(
            "(lunar_birthday_month IS NULL) = (lunar_birthday_day IS NULL)"
            " AND lunar_birthday_month BETWEEN 1 AND 12 AND lunar_birthday_day BETWEEN 1 AND 30",
            name="lunar_birthday",
        ),
        CheckConstraint("lifetime_spend >= 0", name="lifetime_spend"),
        Index("ix_member_home_store_enrolled", "home_store_id", "enrolled_at"),
        Index("ix_member_enrolled_at", "enrolled_at", "id"),
        Index("ix_member_manager_id", "manager_id"),
        Index("ix_member_enrolled_by_id", "enrolled_by_id", "enrolled_at"),
        Index("ix_member_last_visit_at", "last_visit_at"),
        Index("ix_member_name", "name", "id"),
        Index("ix_member_duplicate_of_id", "duplicate_of_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    member_no: Mapped[str] = mapped_column(
        String(20),
        unique=True,
        server_default=text("'M' || lpad(nextval('member_no_seq')::text, 8, '0')"),
    )
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    gender: Mapped[str] = mapped_column(String(12), server_default=text("'UNDISCLOSED'"))
    birthday: Mapped[dt.date | None] = mapped_column(Date)
    # A birthday kept by the lunar calendar (農曆生日): month and day; the greeting goes on this
    # year's solar date of it. Leap months are celebrated in the ordinary month of the same number.
    lunar_birthday_month: Mapped[int | None] = mapped_column(SmallInteger)
    lunar_birthday_day: Mapped[int | None] = mapped_column(SmallInteger)
    tier: Mapped[str] = mapped_column(String(12), server_default=text("'SILVER'"))
    status: Mapped[str] = mapped_column(String(12), server_default=text("'ACTIVE'"))
    home_store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="RESTRICT"))
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    enrolled_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    consent_phone: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    consent_sms: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    consent_wechat: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    preferences: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(30)), server_default=text("'{}'"))
    notes: Mapped[str | None] = mapped_column(Text)
    # Kept by the visit service in the same transaction as the visit: the list
    # filters and the call agenda read it without touching the visit table.
    last_visit_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Sum of purchase amounts, kept with last_visit_at: planning ranks calls by it, the agenda shows it.
    lifetime_spend: Mapped[decimal.Decimal] = mapped_column(Numeric(14, 2), server_default=text("0"))
    # Optimistic concurrency: an update naming an older version is refused (STALE_VERSION).
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    # Set when the member's personal data was erased on request (PIPL); the row stays for aggregates.
    erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when this enrolment repeats another member (the same person enrolled twice): it stays on
    # record but no longer counts towards enrolment targets. Never points at another duplicate.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))

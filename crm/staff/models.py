"""Staff accounts: the people who use the CRM."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, Timestamps
from crm.enums import Region, Role, check_in


class Staff(Timestamps, Base):
    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint(check_in("role", Role), name="role"),
        CheckConstraint(check_in("region", Region), name="region"),
        CheckConstraint("daily_call_capacity BETWEEN 0 AND 500", name="daily_call_capacity"),
        CheckConstraint("username ~ '^[a-z0-9_.-]{3,40}$'", name="username"),
        Index("ix_staff_store_id", "store_id"),
        Index("ix_staff_role_region", "role", "region"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(20))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("store.id", ondelete="RESTRICT"))
    region: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(20))
    daily_call_capacity: Mapped[int] = mapped_column(Integer, server_default=text("40"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # Sign-in: an argon2id hash (null: cannot sign in) and the failed-attempt back-off.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

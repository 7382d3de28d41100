"""Monthly enrolment targets (月辦理目標)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, Timestamps
from crm.enums import Region, TargetScope, check_in


class EnrolmentTarget(Timestamps, Base):
    __tablename__ = "enrolment_target"
    __table_args__ = (
        CheckConstraint(check_in("scope", TargetScope), name="scope"),
        CheckConstraint(check_in("region", Region), name="region"),
        CheckConstraint("extract(day from month) = 1", name="month_first_day"),
        CheckConstraint("target_count BETWEEN 0 AND 1000000", name="target_count"),
        CheckConstraint(
            "(scope = 'STORE') = (store_id IS NOT NULL)"
            " AND (scope = 'STAFF') = (staff_id IS NOT NULL)"
            " AND (scope = 'DEALER') = (dealer_id IS NOT NULL)"
            " AND (scope = 'REGION') = (region IS NOT NULL)",
            name="scope_matches_key",
        ),
        UniqueConstraint("month", "scope", "scope_key"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(String(10))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("store.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealer.id", ondelete="CASCADE"))
    region: Mapped[str | None] = mapped_column(String(20))
    scope_key: Mapped[str] = mapped_column(
        String(40), Computed("coalesce(store_id::text, staff_id::text, dealer_id::text, region)", persisted=True)
    )
    target_count: Mapped[int] = mapped_column(Integer)

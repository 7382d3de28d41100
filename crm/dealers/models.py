"""Dealers (franchisees) and stores (self-operated or a dealer's)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, Timestamps
from crm.enums import DealerTier, PaymentStanding, Region, StoreKind, check_in


class Dealer(Timestamps, Base):
    __tablename__ = "dealer"
    __table_args__ = (
        CheckConstraint(check_in("tier", DealerTier), name="tier"),
        CheckConstraint(check_in("region", Region), name="region"),
        CheckConstraint(check_in("payment_standing", PaymentStanding), name="payment_standing"),
        Index("ix_dealer_region_name", "region", "name"),
        Index("ix_dealer_receptionist_id", "receptionist_id"),
        Index("ix_dealer_sales_clerk_id", "sales_clerk_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(40))
    tier: Mapped[str] = mapped_column(String(20), server_default=text("'STANDARD'"))
    contact_name: Mapped[str | None] = mapped_column(String(60))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    receptionist_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL", use_alter=True))
    sales_clerk_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL", use_alter=True))
    payment_standing: Mapped[str] = mapped_column(String(20), server_default=text("'GOOD'"))
    personality: Mapped[str | None] = mapped_column(Text)
    sales_profile: Mapped[str | None] = mapped_column(Text)
    concerns: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class Store(Timestamps, Base):
    __tablename__ = "store"
    __table_args__ = (
        CheckConstraint(check_in("kind", StoreKind), name="kind"),
        CheckConstraint(check_in("region", Region), name="region"),
        CheckConstraint("(kind = 'DEALER') = (dealer_id IS NOT NULL)", name="dealer_matches_kind"),
        Index("ix_store_dealer_id", "dealer_id"),
        Index("ix_store_region_city", "region", "city"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealer.id", ondelete="RESTRICT"))
    region: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(200))
    opened_on: Mapped[dt.date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))

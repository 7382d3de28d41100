"""Visits: a member at a store, or a dealer at the showroom."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base
from crm.enums import DealerVisitPurpose, VisitKind, check_in


class Visit(Base):
    __tablename__ = "visit"
    __table_args__ = (
        CheckConstraint(check_in("kind", VisitKind), name="kind"),
        CheckConstraint(check_in("purpose", DealerVisitPurpose), name="purpose"),
        CheckConstraint(
            "(kind = 'MEMBER_STORE' AND member_id IS NOT NULL AND store_id IS NOT NULL"
            " AND dealer_id IS NULL AND purpose IS NULL)"
            " OR (kind = 'DEALER_SHOWROOM' AND dealer_id IS NOT NULL AND member_id IS NULL"
            " AND purpose IS NOT NULL AND purchase_amount IS NULL)",
            name="party_matches_kind",
        ),
        CheckConstraint("purchase_amount >= 0", name="purchase_amount"),
        CheckConstraint("item_count >= 0", name="item_count"),
        CheckConstraint("quantity >= 0", name="quantity"),
        Index("ix_visit_member_visited", "member_id", "visited_at"),
        Index("ix_visit_store_visited", "store_id", "visited_at"),
        Index("ix_visit_dealer_visited", "dealer_id", "visited_at"),
        Index("ix_visit_visited_at", "visited_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealer.id", ondelete="CASCADE"))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("store.id", ondelete="RESTRICT"))
    visited_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    purchase_amount: Mapped[decimal.Decimal | None] = mapped_column(Numeric(12, 2))
    item_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    purpose: Mapped[str | None] = mapped_column(String(20))
    quantity: Mapped[int | None] = mapped_column(Integer)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))

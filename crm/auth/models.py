"""Sign-in tokens and idempotency keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base
from crm.enums import TokenKind, check_in


class AuthToken(Base):
    """A bearer token: a sign-in session or an API token. Only its SHA-256 is stored."""

    __tablename__ = "auth_token"
    __table_args__ = (
        CheckConstraint(check_in("kind", TokenKind), name="kind"),
        CheckConstraint("kind = 'SESSION' OR name IS NOT NULL", name="api_token_named"),
        Index("ix_auth_token_staff_id", "staff_id", "kind"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str | None] = mapped_column(String(60))
    # API tokens carry the operations they may run; null means the role's full rights.
    scopes: Mapped[list[str] | None] = mapped_column(ARRAY(String(40)))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class IdempotencyKey(Base):
    """A retried mutation's key: the first result is kept and returned to every retry."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("staff_id", "key"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    operation: Mapped[str] = mapped_column(String(40))
    request_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))

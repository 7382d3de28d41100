"""Writing and reading the audit trail."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.models import AuditEvent
from crm.auth.actor import Actor
from crm.auth.permissions import Op
from crm.pagination import OrderKey, Page, paginate

# Personal fields are never copied into the trail in clear: an erased member must leave nothing behind.
_PERSONAL = {"phone": "masked", "name": "masked", "birthday": "hidden", "contact_phone": "masked"}
_SECRET = {"password_hash", "token_hash"}


def to_json(value: Any) -> Any:
    """A value as JSON-ready data (times ISO 8601, decimals as text)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value


def _protect(column: str, value: Any) -> Any:
    how = _PERSONAL.get(column)
    if value is None or how is None:
        return to_json(value)
    if how == "hidden":
        return "(hidden)"
    text = str(value)
    if column.endswith("phone"):
        return text[3:6] + "****" + text[-4:] if len(text) >= 10 else "****"
    return text[:1] + "**"


def snapshot(row: Any) -> dict[str, Any]:
    """The audited values of an ORM object: every column, personal ones masked, secrets left out."""
    table = row.__table__
    return {
        c.name: _protect(c.name, getattr(row, c.key))
        for c in table.columns
        if c.name not in _SECRET and c.name not in ("created_at", "updated_at")
    }


def changes(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Keep only the fields that changed (all of `after` for a creation)."""
    if before is None or after is None:
        return before, after or {}
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


async def record(
    session: AsyncSession,
    actor: Actor | None,
    action: str,
    entity: Any,
    before: dict[str, Any] | None,
) -> None:
    """Append one audit event for a change to `entity`, in the caller's transaction."""
    await session.flush()
    old, new = changes(before, snapshot(entity))
    session.add(
        AuditEvent(
            actor_id=actor.staff_id if actor else None,
            token_id=actor.token_id if actor else None,
            request_id=actor.request_id if actor else None,
            action=action,
            entity_type=entity.__table__.name,
            entity_id=entity.id,
            before=old,
            after=new,
        )
    )


def audit_query() -> Select[Any]:
    """Select audit event columns."""
    return select(*AuditEvent.__table__.c)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    entity_type: str | None = None
    entity_id: int | None = None
    actor_id: int | None = None
    action: str | None = None


async def list_events(
    session: AsyncSession, actor: Actor, flt: AuditFilter, *, first: int | None, after: str | None
) -> Page:
    """List audit events, newest first (admins and supervisors)."""
    actor.require(Op.AUDIT_READ)
    stmt = audit_query()
    for column, value in (
        (AuditEvent.entity_type, flt.entity_type),
        (AuditEvent.entity_id, flt.entity_id),
        (AuditEvent.actor_id, flt.actor_id),
        (AuditEvent.action, flt.action),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    keys = [OrderKey(AuditEvent.id, descending=True)]
    return await paginate(session, stmt, order_name="audit", keys=keys, first=first, after=after)

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
from crm.pagination import OrderKey, Page, paginate, where_given

# Personal data is never copied into the trail in clear: an erased member must leave nothing behind.
# Per table, how a column is shown: names and phones masked (王**, 138****5678), birthdays and what staff
# typed about a customer (notes, complaints, labels) hidden. Any other *phone column is masked as well.
_MASKED, _HIDDEN = "masked", "hidden"
_PERSONAL: dict[str, dict[str, str]] = {
    "member": {
        "name": _MASKED,
        "phone": _MASKED,
        "birthday": _HIDDEN,
        "lunar_birthday_month": _HIDDEN,
        "lunar_birthday_day": _HIDDEN,
        "notes": _HIDDEN,
        "tags": _HIDDEN,
        "preferences": _HIDDEN,
    },
    "visit": {"notes": _HIDDEN},
    "callback": {"notes": _HIDDEN, "outcome_notes": _HIDDEN},
    "callback_attempt": {"notes": _HIDDEN},
    "feedback": {"content": _HIDDEN, "assessment_note": _HIDDEN, "solution": _HIDDEN, "review_note": _HIDDEN},
}
# Secrets: the trail shows that one is set (and, through the diff, that it changed), never its value.
_SECRET = {"password_hash", "token_hash"}
_UNAUDITED = {"created_at", "updated_at"}


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


def _protect(table: str, column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in _SECRET:
        return "(set)"
    how = _PERSONAL.get(table, {}).get(column) or (_MASKED if column.endswith("phone") else None)
    if how is None:
        return to_json(value)
    if how == _HIDDEN:
        return "(hidden)"
    text = str(value)
    if column.endswith("phone"):
        return text[3:6] + "****" + text[-4:] if len(text) >= 10 else "****"
    return text[:1] + "**"


class Snapshot(dict[str, Any]):
    """A row's audited values as the trail shows them (personal ones masked, secrets as "(set)").

    The real values are kept beside, in memory only, so that a change the mask hides
    (王小紅 -> 王小明, a new number with the same first and last digits, a new password)
    still counts as a change.
    """

    def __init__(self, shown: dict[str, Any], real: dict[str, Any]) -> None:
        super().__init__(shown)
        self.real = real


def snapshot(row: Any) -> Snapshot:
    """The audited values of an ORM object: every column but the timestamps, personal ones masked."""
    table = row.__table__
    columns = [c for c in table.columns if c.name not in _UNAUDITED]
    real = {c.name: to_json(getattr(row, c.key)) for c in columns}
    return Snapshot({name: _protect(table.name, name, value) for name, value in real.items()}, real)


def _real(values: dict[str, Any]) -> dict[str, Any]:
    return values.real if isinstance(values, Snapshot) else values


def changes(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Keep only the fields that changed (all of `after` for a creation), as the trail shows them."""
    if before is None or after is None:
        return (dict(before) if before is not None else None), dict(after or {})
    old, new = _real(before), _real(after)
    keys = [k for k in after if old.get(k) != new.get(k)]
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
    stmt = where_given(
        stmt,
        (AuditEvent.entity_type, flt.entity_type),
        (AuditEvent.entity_id, flt.entity_id),
        (AuditEvent.actor_id, flt.actor_id),
        (AuditEvent.action, flt.action),
    )
    keys = [OrderKey(AuditEvent.id, descending=True)]
    return await paginate(session, stmt, order_name="audit", keys=keys, first=first, after=after)

"""DataLoaders for visits."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from crm.auth import scoping
from crm.auth.actor import Actor
from crm.batch import first_rows_loader, row_loader
from crm.db import SerialSession
from crm.enums import VisitKind
from crm.visits.models import Visit
from crm.visits.service import visit_query


def visit_by_id(session: SerialSession, actor: Actor) -> DataLoader[int, Any]:
    """Load visit rows by id."""
    return row_loader(session, visit_query(actor), Visit.id)


def recent_visits_by_member(session: SerialSession, actor: Actor) -> DataLoader[tuple[int, int], list[Any]]:
    """Load each member's latest store visits, newest first; keys are (member id, how many)."""
    return first_rows_loader(session, _store_visits(actor), Visit.member_id, (Visit.visited_at.desc(), Visit.id.desc()))


@scoping.per_scope
def _store_visits(actor: Actor) -> Any:
    return visit_query(actor).where(Visit.kind == VisitKind.MEMBER_STORE)

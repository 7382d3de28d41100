"""DataLoaders for visits."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import BigInteger, func, literal, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from strawberry.dataloader import DataLoader

from crm.auth.actor import Actor
from crm.batch import row_loader
from crm.db import SerialSession
from crm.enums import VisitKind
from crm.visits.models import Visit
from crm.visits.service import visit_query


def visit_by_id(session: SerialSession, actor: Actor) -> DataLoader[int, Any]:
    """Load visit rows by id."""
    return row_loader(session, visit_query(actor), Visit.id)


def recent_visits_by_member(session: SerialSession, actor: Actor) -> DataLoader[tuple[int, int], list[Any]]:
    """Load each member's latest store visits, newest first; keys are (member id, how many).

    One statement for the whole batch: a LATERAL subquery per member walks the
    (member_id, visited_at) index backwards and stops after the first few.
    """

    async def load(keys: list[tuple[int, int]]) -> list[list[Any]]:
        limit = max(n for _, n in keys)
        ids = select(func.unnest(literal(sorted({m for m, _ in keys}), ARRAY(BigInteger))).label("mid")).subquery()
        latest = (
            visit_query(actor)
            .where(Visit.member_id == ids.c.mid, Visit.kind == VisitKind.MEMBER_STORE)
            .order_by(Visit.visited_at.desc(), Visit.id.desc())
            .limit(limit)
            .lateral()
        )
        stmt = select(latest).select_from(ids).join(latest, true())
        grouped: dict[int, list[Any]] = defaultdict(list)
        for row in await session.execute(stmt):
            grouped[row.member_id].append(row)
        return [grouped.get(m, [])[:n] for m, n in keys]

    return DataLoader(load_fn=load)

"""DataLoaders for enrolment targets."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from crm.auth.actor import Actor
from crm.batch import row_loader
from crm.db import SerialSession
from crm.targets.models import EnrolmentTarget
from crm.targets.service import HistoryKey, MonthFigures, TargetKey, enrolled_counts, target_history, target_query


def target_by_id(session: SerialSession, actor: Actor) -> DataLoader[int, Any]:
    """Load target rows by id."""
    return row_loader(session, target_query(actor), EnrolmentTarget.id)


def enrolled_by_target(session: SerialSession, actor: Actor) -> DataLoader[TargetKey, int]:
    """Count enrolments per (scope, month, scope key), one statement per batch."""

    async def load(keys: list[TargetKey]) -> list[int]:
        return await enrolled_counts(session, keys)

    return DataLoader(load_fn=load)


def history_by_target(session: SerialSession, actor: Actor) -> DataLoader[HistoryKey, list[MonthFigures]]:
    """Past months' targets and enrolments per (scope, scope key, month, months back), one statement per batch."""

    async def load(keys: list[HistoryKey]) -> list[list[MonthFigures]]:
        return await target_history(session, actor, keys)

    return DataLoader(load_fn=load)

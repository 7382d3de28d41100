"""DataLoaders for staff."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from crm.batch import rows_by_key
from crm.db import SerialSession
from crm.staff.models import Staff
from crm.staff.service import base_query


def staff_by_id(session: SerialSession) -> DataLoader[int, Any]:
    """Load staff rows by id."""

    async def load(keys: list[int]) -> list[Any]:
        return await rows_by_key(session, base_query(), Staff.id, keys)

    return DataLoader(load_fn=load)

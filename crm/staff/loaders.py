"""DataLoaders for staff."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from crm.auth.actor import Actor
from crm.batch import row_loader
from crm.db import SerialSession
from crm.staff.models import Staff
from crm.staff.service import base_query


def staff_by_id(session: SerialSession, actor: Actor) -> DataLoader[int, Any]:
    """Load staff rows by id."""
    return row_loader(session, base_query(actor), Staff.id)

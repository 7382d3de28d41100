"""DataLoaders for members."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from crm.batch import row_loader
from crm.db import SerialSession
from crm.members.models import Member
from crm.members.service import member_query


def member_by_id(session: SerialSession) -> DataLoader[int, Any]:
    """Load member rows by id."""
    return row_loader(session, member_query(), Member.id)

"""DataLoaders for members."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from crm.auth.actor import Actor
from crm.batch import row_loader
from crm.db import SerialSession
from crm.members.models import Member
from crm.members.service import member_query


def member_by_id(session: SerialSession, actor: Actor) -> DataLoader[int, Any]:
    """Load member rows by id (None outside the actor's scope)."""
    return row_loader(session, member_query(actor), Member.id)

"""DataLoaders for members."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from crm.auth.actor import Actor
from crm.batch import first_rows_loader, row_loader
from crm.db import SerialSession
from crm.members.models import Member
from crm.members.service import member_query


def member_by_id(session: SerialSession, actor: Actor) -> DataLoader[int, Any]:
    """Load member rows by id (None outside the actor's scope)."""
    return row_loader(session, member_query(actor), Member.id)


def newest_members_by_store(session: SerialSession, actor: Actor) -> DataLoader[tuple[int, int], list[Any]]:
    """Load each store's most recently enrolled members; keys are (store id, how many)."""
    order = (Member.enrolled_at.desc(), Member.id.desc())
    return first_rows_loader(session, member_query(actor), Member.home_store_id, order)

"""DataLoaders for callbacks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import null, select
from strawberry.dataloader import DataLoader

from crm.auth import scoping
from crm.auth.actor import Actor
from crm.batch import row_list_loader, row_loader
from crm.callbacks.models import Callback, CallbackAttempt
from crm.callbacks.service import callback_query
from crm.db import SerialSession
from crm.enums import CallbackStatus


@scoping.per_scope
def _open(actor: Actor) -> Any:
    return callback_query(actor).where(Callback.status == CallbackStatus.OPEN).order_by(Callback.due_on, Callback.id)


def callback_by_id(session: SerialSession, actor: Actor) -> DataLoader[int, Any]:
    """Load callback rows by id."""
    return row_loader(session, callback_query(actor), Callback.id)


def open_callbacks_by_member(session: SerialSession, actor: Actor) -> DataLoader[int, list[Any]]:
    """Load each member's open callbacks, by due date."""
    return row_list_loader(session, _open(actor), Callback.member_id)


def open_callbacks_by_dealer(session: SerialSession, actor: Actor) -> DataLoader[int, list[Any]]:
    """Load each dealer's open callbacks, by due date."""
    return row_list_loader(session, _open(actor), Callback.dealer_id)


def attempts_by_callback(session: SerialSession, actor: Actor) -> DataLoader[int, list[Any]]:
    """Load each callback's attempts, oldest first; what was said is hidden from roles that see masked data."""
    return row_list_loader(session, _attempts(actor), CallbackAttempt.callback_id)


@scoping.per_scope
def _attempts(actor: Actor) -> Any:
    columns = [
        null().label(c.key) if c.key == "notes" and actor.masks_personal_data else c
        for c in CallbackAttempt.__table__.c
    ]
    return select(*columns).order_by(CallbackAttempt.attempted_at, CallbackAttempt.id)

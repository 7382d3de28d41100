"""DataLoaders for feedback."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from crm.auth import scoping
from crm.auth.actor import Actor
from crm.batch import row_list_loader, row_loader
from crm.db import SerialSession
from crm.feedback.models import Feedback, FeedbackEvent
from crm.feedback.service import OPEN_STATUSES, event_query, feedback_query


@scoping.per_scope
def _open(actor: Actor) -> Any:
    return (
        feedback_query(actor)
        .where(Feedback.status.in_(OPEN_STATUSES))
        .order_by(Feedback.received_at.desc(), Feedback.id.desc())
    )


def feedback_by_id(session: SerialSession, actor: Actor) -> DataLoader[int, Any]:
    """Load feedback rows by id."""
    return row_loader(session, feedback_query(actor), Feedback.id)


def open_feedback_by_member(session: SerialSession, actor: Actor) -> DataLoader[int, list[Any]]:
    """Load each member's feedback that is not closed, newest first."""
    return row_list_loader(session, _open(actor), Feedback.member_id)


def open_feedback_by_dealer(session: SerialSession, actor: Actor) -> DataLoader[int, list[Any]]:
    """Load each dealer's feedback that is not closed, newest first."""
    return row_list_loader(session, _open(actor), Feedback.dealer_id)


def events_by_feedback(session: SerialSession, actor: Actor) -> DataLoader[int, list[Any]]:
    """Load each feedback's status history, oldest first."""
    return row_list_loader(session, _events(actor), FeedbackEvent.feedback_id)


@scoping.per_scope
def _events(actor: Actor) -> Any:
    return event_query(actor).order_by(FeedbackEvent.created_at, FeedbackEvent.id)

"""DataLoaders for feedback."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from crm.batch import row_list_loader, row_loader
from crm.db import SerialSession
from crm.feedback.models import Feedback, FeedbackEvent
from crm.feedback.service import OPEN_STATUSES, event_query, feedback_query

_OPEN = (
    feedback_query().where(Feedback.status.in_(OPEN_STATUSES)).order_by(Feedback.received_at.desc(), Feedback.id.desc())
)


def feedback_by_id(session: SerialSession) -> DataLoader[int, Any]:
    """Load feedback rows by id."""
    return row_loader(session, feedback_query(), Feedback.id)


def open_feedback_by_member(session: SerialSession) -> DataLoader[int, list[Any]]:
    """Load each member's feedback that is not closed, newest first."""
    return row_list_loader(session, _OPEN, Feedback.member_id)


def open_feedback_by_dealer(session: SerialSession) -> DataLoader[int, list[Any]]:
    """Load each dealer's feedback that is not closed, newest first."""
    return row_list_loader(session, _OPEN, Feedback.dealer_id)


def events_by_feedback(session: SerialSession) -> DataLoader[int, list[Any]]:
    """Load each feedback's status history, oldest first."""
    statement = event_query().order_by(FeedbackEvent.created_at, FeedbackEvent.id)
    return row_list_loader(session, statement, FeedbackEvent.feedback_id)

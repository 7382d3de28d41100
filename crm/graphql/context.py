"""Per-request context: one session, per-request DataLoaders, the request's identity."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from crm.auth.actor import Actor, Unauthenticated
from crm.callbacks import loaders as callback_loaders
from crm.db import SerialSession
from crm.dealers import loaders as dealer_loaders
from crm.feedback import loaders as feedback_loaders
from crm.members import loaders as member_loaders
from crm.staff import loaders as staff_loaders
from crm.targets import loaders as target_loaders
from crm.timeline import loaders as timeline_loaders
from crm.visits import loaders as visit_loaders


class Loaders:
    """DataLoaders created lazily for one request and one actor; never shared between requests.

    Each loader reads only rows in the actor's scope, with personal data shown as the
    actor may see it: a relation or `node` never reveals what a list would not.
    """

    def __init__(self, session: SerialSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    @cached_property
    def member_by_id(self) -> DataLoader[int, Any]:
        return member_loaders.member_by_id(self.session, self.actor)

    @cached_property
    def newest_members_by_store(self) -> DataLoader[tuple[int, int], list[Any]]:
        return member_loaders.newest_members_by_store(self.session, self.actor)

    @cached_property
    def store_by_id(self) -> DataLoader[int, Any]:
        return dealer_loaders.store_by_id(self.session, self.actor)

    @cached_property
    def dealer_by_id(self) -> DataLoader[int, Any]:
        return dealer_loaders.dealer_by_id(self.session, self.actor)

    @cached_property
    def stores_by_dealer(self) -> DataLoader[int, list[Any]]:
        return dealer_loaders.stores_by_dealer(self.session, self.actor)

    @cached_property
    def staff_by_id(self) -> DataLoader[int, Any]:
        return staff_loaders.staff_by_id(self.session, self.actor)

    @cached_property
    def visit_by_id(self) -> DataLoader[int, Any]:
        return visit_loaders.visit_by_id(self.session, self.actor)

    @cached_property
    def recent_visits_by_member(self) -> DataLoader[tuple[int, int], list[Any]]:
        return visit_loaders.recent_visits_by_member(self.session, self.actor)

    @cached_property
    def callback_by_id(self) -> DataLoader[int, Any]:
        return callback_loaders.callback_by_id(self.session, self.actor)

    @cached_property
    def open_callbacks_by_member(self) -> DataLoader[int, list[Any]]:
        return callback_loaders.open_callbacks_by_member(self.session, self.actor)

    @cached_property
    def open_callbacks_by_dealer(self) -> DataLoader[int, list[Any]]:
        return callback_loaders.open_callbacks_by_dealer(self.session, self.actor)

    @cached_property
    def attempts_by_callback(self) -> DataLoader[int, list[Any]]:
        return callback_loaders.attempts_by_callback(self.session, self.actor)

    @cached_property
    def feedback_by_id(self) -> DataLoader[int, Any]:
        return feedback_loaders.feedback_by_id(self.session, self.actor)

    @cached_property
    def open_feedback_by_member(self) -> DataLoader[int, list[Any]]:
        return feedback_loaders.open_feedback_by_member(self.session, self.actor)

    @cached_property
    def open_feedback_by_dealer(self) -> DataLoader[int, list[Any]]:
        return feedback_loaders.open_feedback_by_dealer(self.session, self.actor)

    @cached_property
    def feedback_events_by_feedback(self) -> DataLoader[int, list[Any]]:
        return feedback_loaders.events_by_feedback(self.session, self.actor)

    @cached_property
    def target_by_id(self) -> DataLoader[int, Any]:
        return target_loaders.target_by_id(self.session, self.actor)

    @cached_property
    def enrolled_by_target(self) -> DataLoader[Any, int]:
        return target_loaders.enrolled_by_target(self.session, self.actor)

    @cached_property
    def history_by_target(self) -> DataLoader[Any, list[Any]]:
        return target_loaders.history_by_target(self.session, self.actor)

    @cached_property
    def timeline_pages(self) -> DataLoader[timeline_loaders.TimelineKey, Any]:
        return timeline_loaders.timeline_pages(self.session, self.actor)


@dataclass
class Context:
    """What every resolver may use; built once per request."""

    session: SerialSession
    actor: Actor | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])

    @property
    def signed_in(self) -> Actor:
        """The actor, or UNAUTHENTICATED when the request carries no valid token."""
        if self.actor is None:
            raise Unauthenticated()
        return self.actor

    def act_as(self, actor: Actor) -> None:
        """Make the rest of the request act for `actor` (its loaders are that actor's, built afresh)."""
        self.actor = replace(actor, request_id=self.request_id)
        self.__dict__.pop("loaders", None)

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.session, self.signed_in)


Info = StrawberryInfo[Context, None]

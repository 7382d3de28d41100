"""Callback queries and mutations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from crm.callbacks import service
from crm.callbacks.models import Callback
from crm.callbacks.service import CallbackOrder
from crm.callbacks.types import CallbackType
from crm.enums import CallbackPurpose, CallbackStatus, Channel, NonConversionReason, PartyKind
from crm.graphql.context import Info
from crm.graphql.payloads import UserError, decode_ids, mutate, mutate_once, pop_pk, provided
from crm.graphql.relay import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, to_connection
from crm.ids import pk_of


@strawberry.input(description="Filters for the callback list; all given filters must match.")
class CallbackFilter:
    assignee_id: strawberry.ID | None = strawberry.field(default=None, description="Staff member making the calls.")
    status: CallbackStatus | None = strawberry.field(default=None, description="Status.")
    purpose: CallbackPurpose | None = strawberry.field(default=None, description="Purpose.")
    party_kind: PartyKind | None = strawberry.field(default=None, description="Member or dealer callbacks.")
    member_id: strawberry.ID | None = strawberry.field(default=None, description="Member contacted.")
    dealer_id: strawberry.ID | None = strawberry.field(default=None, description="Dealer contacted.")
    due_from: dt.date | None = strawberry.field(default=None, description="Due on or after this day.")
    due_to: dt.date | None = strawberry.field(default=None, description="Due on or before this day.")
    overdue: bool | None = strawberry.field(
        default=None, description="true: open and past due (Asia/Shanghai); false: the others."
    )


@strawberry.input(description="A new callback to a member (memberId) or a dealer (dealerId).")
class CallbackCreateInput:
    member_id: strawberry.ID | None = strawberry.field(default=None, description="Member to contact.")
    dealer_id: strawberry.ID | None = strawberry.field(default=None, description="Dealer to contact.")
    purpose: CallbackPurpose = strawberry.field(description="Why the contact is made.")
    due_on: dt.date = strawberry.field(description="Day it is due, today or later (Asia/Shanghai).")
    channel: Channel | None = strawberry.field(
        default=strawberry.UNSET, description="Channel (default PHONE); the member must have agreed to it."
    )
    assignee_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description="Who makes it.")
    priority: int | None = strawberry.field(default=strawberry.UNSET, description="0 (default) to 3.")
    feedback_id: strawberry.ID | None = strawberry.field(default=None, description="Complaint it follows up.")
    notes: str | None = strawberry.field(default=strawberry.UNSET, description="Notes, at most 2000 characters.")


@strawberry.input(description="Changes to an open callback; only the fields sent are changed.")
class CallbackUpdateInput:
    id: strawberry.ID = strawberry.field(description="The callback to change.")
    purpose: CallbackPurpose | None = strawberry.field(default=strawberry.UNSET, description="Purpose.")
    due_on: dt.date | None = strawberry.field(default=strawberry.UNSET, description="New due day, today or later.")
    channel: Channel | None = strawberry.field(default=strawberry.UNSET, description="Channel.")
    assignee_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="New assignee; null leaves it unassigned."
    )
    priority: int | None = strawberry.field(default=strawberry.UNSET, description="0 to 3.")
    notes: str | None = strawberry.field(default=strawberry.UNSET, description="Notes; null clears them.")
    version: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="The version the change is based on; a newer stored one gives STALE_VERSION.",
    )


@strawberry.input(description="The outcome that closes a callback.")
class CallbackCloseInput:
    id: strawberry.ID = strawberry.field(description="The callback to close.")
    status: CallbackStatus = strawberry.field(description="DONE (reached), UNREACHABLE or CANCELLED.")
    satisfaction: int | None = strawberry.field(default=None, description="1 to 5, when reached.")
    non_conversion_reason: NonConversionReason | None = strawberry.field(
        default=None, description="Why the person will not come back or buy, when reached and they said so."
    )
    outcome_notes: str | None = strawberry.field(default=None, description="What was said, at most 2000 characters.")
    version: int | None = strawberry.field(
        default=None, description="The version the change is based on; a newer stored one gives STALE_VERSION."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any unique string (e.g. a UUID) from a client that may retry: the same key with the same input"
        " writes once and returns the first result; with another input it gives IDEMPOTENCY_KEY_REUSED.",
    )


@strawberry.type(description="Result of a callback mutation.")
class CallbackPayload:
    callback: CallbackType | None = strawberry.field(description="The callback as saved; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused; empty on success.")


def _filter(flt: CallbackFilter | None) -> service.CallbackFilter:
    if flt is None:
        return service.CallbackFilter()
    return service.CallbackFilter(
        assignee_id=pk_of(flt.assignee_id, "Staff") if flt.assignee_id else None,
        status=flt.status,
        purpose=flt.purpose,
        party_kind=flt.party_kind,
        member_id=pk_of(flt.member_id, "Member") if flt.member_id else None,
        dealer_id=pk_of(flt.dealer_id, "Dealer") if flt.dealer_id else None,
        due_from=flt.due_from,
        due_to=flt.due_to,
        overdue=flt.overdue,
    )


_IDS = {"member_id": "Member", "dealer_id": "Dealer", "assignee_id": "Staff", "feedback_id": "Feedback"}


def _payload(callback: object, errors: list[UserError]) -> CallbackPayload:
    return CallbackPayload(callback=CallbackType.from_row(callback) if callback else None, user_errors=errors)


@strawberry.type
class Query:
    @strawberry.field(description="Callbacks, filtered, in a stable order, a page at a time.")
    async def callbacks(
        self,
        info: Info,
        filter: Annotated[CallbackFilter | None, strawberry.argument(description="Filters.")] = None,  # noqa: A002
        order_by: Annotated[CallbackOrder, strawberry.argument(description="Sort order.")] = CallbackOrder.DUE_ON,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[CallbackType]:
        page = await service.list_callbacks(
            info.context.session, info.context.signed_in, _filter(filter), order_by, first=first, after=after
        )
        return to_connection(page, CallbackType.from_row)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Plan a callback. A channel the member refused gives NO_CONSENT.")
    async def callback_create(
        self,
        info: Info,
        input_: Annotated[CallbackCreateInput, strawberry.argument(name="input", description="The callback to plan.")],
    ) -> CallbackPayload:
        callback, errors = await mutate(
            info, lambda s, actor: service.create(s, actor, decode_ids(provided(input_), _IDS))
        )
        return _payload(callback, errors)

    @strawberry.mutation(description="Reschedule, reassign or change an open callback.")
    async def callback_update(
        self,
        info: Info,
        input_: Annotated[
            CallbackUpdateInput, strawberry.argument(name="input", description="The callback and the changes.")
        ],
    ) -> CallbackPayload:
        data = provided(input_)
        callback, errors = await mutate(
            info, lambda s, actor: service.update(s, actor, pop_pk(data, "Callback"), decode_ids(data, _IDS))
        )
        return _payload(callback, errors)

    @strawberry.mutation(description="Close a callback with its outcome; a closed one gives INVALID_STATE.")
    async def callback_close(
        self,
        info: Info,
        input_: Annotated[
            CallbackCloseInput, strawberry.argument(name="input", description="The callback and its outcome.")
        ],
    ) -> CallbackPayload:
        data = provided(input_)
        key = data.pop("idempotency_key", None)
        callback, errors = await mutate_once(
            info,
            key,
            "callbackClose",
            dict(data),
            lambda s, actor: service.close(s, actor, pop_pk(data, "Callback"), data),
            lambda s, pk: s.get(Callback, pk),
        )
        return _payload(callback, errors)

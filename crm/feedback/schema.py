"""Feedback queries and mutations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from crm.enums import Department, FeedbackChannel, FeedbackKind, FeedbackStatus, PartyKind
from crm.feedback import service
from crm.feedback.models import Feedback
from crm.feedback.types import FeedbackType
from crm.graphql.context import Info
from crm.graphql.payloads import UserError, decode_ids, mutate_once, provided
from crm.graphql.relay import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, to_connection
from crm.ids import pk_of


@strawberry.input(description="Filters for the feedback list; all given filters must match.")
class FeedbackFilter:
    status: FeedbackStatus | None = strawberry.field(default=None, description="Step of the closed loop.")
    kind: FeedbackKind | None = strawberry.field(default=None, description="Kind.")
    channel: FeedbackChannel | None = strawberry.field(default=None, description="Where it came in.")
    department: Department | None = strawberry.field(default=None, description="Department responsible.")
    party_kind: PartyKind | None = strawberry.field(default=None, description="From members or dealers.")
    member_id: strawberry.ID | None = strawberry.field(default=None, description="From this member.")
    dealer_id: strawberry.ID | None = strawberry.field(default=None, description="From this dealer.")
    store_id: strawberry.ID | None = strawberry.field(default=None, description="Concerning this store.")
    open: bool | None = strawberry.field(default=None, description="true: not closed yet; false: closed.")
    received_from: dt.date | None = strawberry.field(
        default=None, description="Received on or after this day (Asia/Shanghai)."
    )
    received_to: dt.date | None = strawberry.field(
        default=None, description="Received on or before this day (Asia/Shanghai)."
    )


@strawberry.input(description="Feedback from a member (memberId) or a dealer (dealerId).")
class FeedbackSubmitInput:
    member_id: strawberry.ID | None = strawberry.field(default=None, description="The member giving it.")
    dealer_id: strawberry.ID | None = strawberry.field(default=None, description="The dealer giving it.")
    kind: FeedbackKind = strawberry.field(description="Suggestion, complaint, praise or quality report.")
    channel: FeedbackChannel = strawberry.field(description="Where it came in.")
    content: str = strawberry.field(description="What the customer said, 1 to 4000 characters.")
    store_id: strawberry.ID | None = strawberry.field(default=None, description="Store it concerns.")
    received_at: dt.datetime | None = strawberry.field(default=None, description="When (default now); not future.")
    received_by_id: strawberry.ID | None = strawberry.field(default=None, description="Staff member taking it in.")
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any unique string (e.g. a UUID) from a client that may retry: the same key with the same input"
        " writes once and returns the first result; with another input it gives IDEMPOTENCY_KEY_REUSED.",
    )


@strawberry.type(description="Result of a feedback mutation.")
class FeedbackPayload:
    feedback: FeedbackType | None = strawberry.field(description="The feedback as saved; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused; empty on success.")


def _filter(flt: FeedbackFilter | None) -> service.FeedbackFilter:
    if flt is None:
        return service.FeedbackFilter()
    return service.FeedbackFilter(
        status=flt.status,
        kind=flt.kind,
        channel=flt.channel,
        department=flt.department,
        party_kind=flt.party_kind,
        member_id=pk_of(flt.member_id, "Member") if flt.member_id else None,
        dealer_id=pk_of(flt.dealer_id, "Dealer") if flt.dealer_id else None,
        store_id=pk_of(flt.store_id, "Store") if flt.store_id else None,
        open=flt.open,
        received_from=flt.received_from,
        received_to=flt.received_to,
    )


_IDS = {"member_id": "Member", "dealer_id": "Dealer", "store_id": "Store", "received_by_id": "Staff"}


@strawberry.type
class Query:
    @strawberry.field(description="Feedback, newest first, a page at a time.")
    async def feedback(
        self,
        info: Info,
        filter: Annotated[FeedbackFilter | None, strawberry.argument(description="Filters.")] = None,  # noqa: A002
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[FeedbackType]:
        page = await service.list_feedback(
            info.context.session, info.context.signed_in, _filter(filter), first=first, after=after
        )
        return to_connection(page, FeedbackType.from_row)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Take in feedback; it starts RECEIVED with its first event.")
    async def feedback_submit(
        self,
        info: Info,
        input_: Annotated[FeedbackSubmitInput, strawberry.argument(name="input", description="The feedback.")],
    ) -> FeedbackPayload:
        data = provided(input_)
        key = data.pop("idempotency_key", None)
        row, errors = await mutate_once(
            info,
            key,
            "feedbackSubmit",
            dict(data),
            lambda s, actor: service.submit(s, actor, decode_ids(data, _IDS)),
            lambda s, pk: s.get(Feedback, pk),
        )
        return FeedbackPayload(feedback=FeedbackType.from_row(row) if row else None, user_errors=errors)

"""GraphQL types for timelines, and the resolvers behind Member.timeline and Dealer.timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from crm.callbacks.types import CallbackType
from crm.dealers.types import StoreType
from crm.feedback.types import FeedbackType
from crm.graphql.context import Info
from crm.graphql.relay import Connection, Edge, PageInfo, load_one
from crm.pagination import Page
from crm.staff.types import StaffType
from crm.timeline.service import NOTE_LENGTH, EntryKind, Subject, summary
from crm.visits.types import VisitType

strawberry.enum(
    EntryKind,
    name="TimelineEntryKind",
    description="What a timeline entry records: enrolment (ENROLMENT), a dealer's store opening (STORE_OPENED),"
    " a visit (VISIT), one try at a callback (CALL_ATTEMPT), a callback closed without any try, mostly cancelled"
    " (CALL_CLOSED), feedback coming in (FEEDBACK_RECEIVED) or a later step of it (FEEDBACK_EVENT).",
)


@strawberry.type(name="TimelineEntry", description="One event in a member's or a dealer's history.")
class TimelineEntryType:
    at: dt.datetime = strawberry.field(description="When it happened (UTC).")
    kind: EntryKind = strawberry.field(description="What kind of event this is.")
    summary: str = strawberry.field(
        description="One line on what happened, from structured fields only (kinds, statuses, amounts), in Chinese."
    )
    note: str | None = strawberry.field(
        description=f"Free text written with it (visit notes, what was said, the feedback's words), at most"
        f" {NOTE_LENGTH} characters; null when there is none or for roles that see personal data masked."
    )
    staff_id: strawberry.Private[int | None]
    visit_id: strawberry.Private[int | None]
    callback_id: strawberry.Private[int | None]
    feedback_id: strawberry.Private[int | None]
    store_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> TimelineEntryType:
        return cls(
            at=row.at,
            kind=EntryKind(row.kind),
            summary=summary(row.kind, row.detail),
            note=row.note,
            staff_id=row.staff_id,
            visit_id=row.visit_id,
            callback_id=row.callback_id,
            feedback_id=row.feedback_id,
            store_id=row.store_id,
        )

    @strawberry.field(
        description="Staff member involved: who enrolled, recorded the visit, made the call, took in or moved"
        " the feedback (the assignee, for a call closed without tries)."
    )
    async def staff(self, info: Info) -> StaffType | None:
        return await load_one(info.context.loaders.staff_by_id, self.staff_id, StaffType.from_row)

    @strawberry.field(description="The visit (VISIT entries).")
    async def visit(self, info: Info) -> VisitType | None:
        return await load_one(info.context.loaders.visit_by_id, self.visit_id, VisitType.from_row)

    @strawberry.field(description="The callback (CALL_ATTEMPT and CALL_CLOSED entries).")
    async def callback(self, info: Info) -> CallbackType | None:
        return await load_one(info.context.loaders.callback_by_id, self.callback_id, CallbackType.from_row)

    @strawberry.field(description="The feedback (FEEDBACK_RECEIVED and FEEDBACK_EVENT entries).")
    async def feedback(self, info: Info) -> FeedbackType | None:
        return await load_one(info.context.loaders.feedback_by_id, self.feedback_id, FeedbackType.from_row)

    @strawberry.field(
        description="Store concerned: the home store at enrolment, the store visited, the store the feedback is"
        " about, the store opened."
    )
    async def store(self, info: Info) -> StoreType | None:
        return await load_one(info.context.loaders.store_by_id, self.store_id, StoreType.from_row)


@strawberry.type(name="TimelineConnection", description="A page of a timeline, newest first.")
class TimelineConnection(Connection[TimelineEntryType]):
    pass


def _connection(page: Page) -> TimelineConnection:
    edges = [Edge(cursor=c, node=TimelineEntryType.from_row(r)) for r, c in zip(page.rows, page.cursors, strict=True)]
    return TimelineConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        page=page,
    )


async def timeline(info: Info, subject: Subject, pk: int, first: int | None, after: str | None) -> TimelineConnection:
    """Resolve a page of the timeline of a member or dealer the request already sees."""
    return _connection(await info.context.loaders.timeline_pages.load((subject, pk, first, after)))

"""The audit trail, for admins and supervisors."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from crm.audit import service
from crm.graphql.context import Info
from crm.graphql.relay import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, load_one, to_connection
from crm.ids import from_global_id
from crm.staff.types import StaffType


@strawberry.type(name="AuditEvent", description="One change: who, what, when, the values before and after.")
class AuditEventType:
    id: strawberry.ID = strawberry.field(description="Sequence number of the event.")
    at: dt.datetime = strawberry.field(description="When (UTC).")
    action: str = strawberry.field(description="The mutation, e.g. memberUpdate.")
    entity_type: str = strawberry.field(description="Table of the changed record, e.g. member.")
    entity_id: int = strawberry.field(description="Primary key of the changed record.")
    before: JSON | None = strawberry.field(
        description="Changed fields before (personal ones masked); null on creation."
    )
    after: JSON = strawberry.field(description="Changed fields after (personal ones masked).")
    request_id: str | None = strawberry.field(description="Request id, as in the server log.")
    actor_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> AuditEventType:
        return cls(
            id=strawberry.ID(str(row.id)),
            at=row.at,
            action=row.action,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            before=row.before,
            after=JSON(row.after or {}),
            request_id=row.request_id,
            actor_id=row.actor_id,
        )

    @strawberry.field(description="Who made the change.")
    async def actor(self, info: Info) -> StaffType | None:
        return await load_one(info.context.loaders.staff_by_id, self.actor_id, StaffType.from_row)


@strawberry.input(description="Filters for the audit trail.")
class AuditFilter:
    entity: strawberry.ID | None = strawberry.field(default=None, description="Global ID of a record: its history.")
    actor_id: strawberry.ID | None = strawberry.field(default=None, description="Changes made by this staff member.")
    action: str | None = strawberry.field(default=None, description="Only this mutation, e.g. memberUpdate.")


_TABLES = {
    "Member": "member",
    "Store": "store",
    "Dealer": "dealer",
    "Staff": "staff",
    "Visit": "visit",
    "Callback": "callback",
    "Feedback": "feedback",
    "EnrolmentTarget": "enrolment_target",
}


def _filter(flt: AuditFilter | None) -> service.AuditFilter:
    if flt is None:
        return service.AuditFilter()
    entity_type = entity_id = None
    if flt.entity:
        type_name, entity_id = from_global_id(flt.entity)
        entity_type = _TABLES.get(type_name, type_name)
    actor_id = from_global_id(flt.actor_id)[1] if flt.actor_id else None
    return service.AuditFilter(entity_type=entity_type, entity_id=entity_id, actor_id=actor_id, action=flt.action)


@strawberry.type
class Query:
    @strawberry.field(description="The audit trail, newest first (admins and supervisors).")
    async def audit_events(
        self,
        info: Info,
        filter: Annotated[AuditFilter | None, strawberry.argument(description="Filters.")] = None,  # noqa: A002
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[AuditEventType]:
        page = await service.list_events(
            info.context.session, info.context.signed_in, _filter(filter), first=first, after=after
        )
        return to_connection(page, AuditEventType.from_row)

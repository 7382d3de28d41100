"""Staff queries and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry

from crm.enums import Region, Role
from crm.graphql.context import Info
from crm.graphql.payloads import UserError, decode_ids, mutate, pop_pk, provided
from crm.graphql.relay import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, to_connection
from crm.ids import pk_of
from crm.staff import service
from crm.staff.types import StaffType


@strawberry.input(description="Filters for the staff list.")
class StaffFilter:
    role: Role | None = strawberry.field(default=None, description="Role.")
    store_id: strawberry.ID | None = strawberry.field(default=None, description="Store worked in.")
    region: Region | None = strawberry.field(default=None, description="Region worked on.")
    active: bool | None = strawberry.field(default=None, description="Account usable or not.")
    search: str | None = strawberry.field(default=None, description="Part of the username or name.")


@strawberry.input(description="A new staff account.")
class StaffCreateInput:
    username: str = strawberry.field(description="3-40 lower-case letters, digits, '.', '_' or '-'; unique.")
    display_name: str = strawberry.field(description="Name shown to colleagues, at most 60 characters.")
    role: Role = strawberry.field(description="Role.")
    store_id: strawberry.ID | None = strawberry.field(default=None, description="Required for STORE_STAFF.")
    region: Region | None = strawberry.field(
        default=None, description="Required for VIP_MANAGER, RECEPTIONIST and SALES_CLERK."
    )
    phone: str | None = strawberry.field(default=strawberry.UNSET, description="Work mainland mobile.")
    daily_call_capacity: int | None = strawberry.field(default=strawberry.UNSET, description="0-500 (default 40).")
    password: str | None = strawberry.field(
        default=strawberry.UNSET, description="Initial password, 10-200 characters (none: cannot sign in yet)."
    )


@strawberry.input(description="Changes to a staff account; only the fields sent are changed.")
class StaffUpdateInput:
    id: strawberry.ID = strawberry.field(description="The account to change.")
    display_name: str | None = strawberry.field(default=strawberry.UNSET, description="Display name.")
    role: Role | None = strawberry.field(default=strawberry.UNSET, description="Role.")
    store_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description="Store.")
    region: Region | None = strawberry.field(default=strawberry.UNSET, description="Region.")
    phone: str | None = strawberry.field(default=strawberry.UNSET, description="Work mobile.")
    daily_call_capacity: int | None = strawberry.field(default=strawberry.UNSET, description="0-500.")
    active: bool | None = strawberry.field(default=strawberry.UNSET, description="Account usable or not.")
    password: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new password (10-200 characters); signs the account out everywhere."
    )


@strawberry.type(description="Result of a staff mutation.")
class StaffPayload:
    staff: StaffType | None = strawberry.field(description="The account as saved; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused; empty on success.")


_STAFF_IDS = {"store_id": "Store"}


@strawberry.type
class Query:
    @strawberry.field(description="Staff accounts by username, a page at a time.")
    async def staff(
        self,
        info: Info,
        filter: Annotated[StaffFilter | None, strawberry.argument(description="Filters.")] = None,  # noqa: A002
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[StaffType]:
        f = filter or StaffFilter()
        flt = service.StaffFilter(
            role=f.role,
            store_id=pk_of(f.store_id, "Store") if f.store_id else None,
            region=f.region,
            active=f.active,
            search=f.search,
        )
        page = await service.list_staff(info.context.session, info.context.signed_in, flt, first=first, after=after)
        return to_connection(page, StaffType.from_row)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a staff account.")
    async def staff_create(
        self,
        info: Info,
        input_: Annotated[StaffCreateInput, strawberry.argument(name="input", description="The account to create.")],
    ) -> StaffPayload:
        staff, errors = await mutate(
            info, lambda s, actor: service.create(s, actor, decode_ids(provided(input_), _STAFF_IDS))
        )
        return StaffPayload(staff=StaffType.from_row(staff) if staff else None, user_errors=errors)

    @strawberry.mutation(description="Change a staff account.")
    async def staff_update(
        self,
        info: Info,
        input_: Annotated[
            StaffUpdateInput, strawberry.argument(name="input", description="The account and the changes.")
        ],
    ) -> StaffPayload:
        data = provided(input_)
        staff, errors = await mutate(
            info, lambda s, actor: service.update(s, actor, pop_pk(data, "Staff"), decode_ids(data, _STAFF_IDS))
        )
        return StaffPayload(staff=StaffType.from_row(staff) if staff else None, user_errors=errors)

"""GraphQL types for staff."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from crm.enums import Region, Role
from crm.graphql.context import Info
from crm.graphql.relay import Node, load_one
from crm.ids import to_global_id

if TYPE_CHECKING:
    from crm.dealers.types import StoreType


@strawberry.type(name="Staff", description="A person who works with the CRM.")
class StaffType(Node):
    pk: strawberry.Private[int]
    username: str = strawberry.field(description="Login name: lower-case letters, digits, '.', '_' or '-'.")
    display_name: str = strawberry.field(description="Name shown to colleagues.")
    role: Role = strawberry.field(description="Role, which decides access.")
    region: Region | None = strawberry.field(description="Region worked on (VIP managers, receptionists, clerks).")
    phone: str | None = strawberry.field(description="Work mobile number, E.164.")
    daily_call_capacity: int = strawberry.field(description="Most callbacks this person is planned per day.")
    active: bool = strawberry.field(description="Whether the account may be used.")
    store_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> StaffType:
        return cls(
            id=strawberry.ID(to_global_id("Staff", row.id)),
            pk=row.id,
            username=row.username,
            display_name=row.display_name,
            role=row.role,
            region=row.region,
            phone=row.phone,
            daily_call_capacity=row.daily_call_capacity,
            active=row.active,
            store_id=row.store_id,
        )

    @strawberry.field(description="Store this person works in (store staff).")
    async def store(self, info: Info) -> Annotated[StoreType, strawberry.lazy("crm.dealers.types")] | None:
        from crm.dealers.types import StoreType

        return await load_one(info.context.loaders.store_by_id, self.store_id, StoreType.from_row)

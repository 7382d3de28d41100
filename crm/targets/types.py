"""GraphQL types for enrolment targets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from crm.dealers.types import DealerType, StoreType
from crm.enums import Region, TargetScope
from crm.graphql.context import Info
from crm.graphql.relay import Node, load_one
from crm.ids import to_global_id
from crm.staff.types import StaffType
from crm.targets.service import format_month


@strawberry.type(
    name="EnrolmentTarget", description="How many members a store, person, dealer or region should enrol in a month."
)
class EnrolmentTargetType(Node):
    pk: strawberry.Private[int]
    month: str = strawberry.field(description="The month, YYYY-MM (Asia/Shanghai).")
    scope: TargetScope = strawberry.field(description="What the target applies to.")
    region: Region | None = strawberry.field(description="The region (regional targets).")
    target_count: int = strawberry.field(description="Members to enrol in the month.")
    updated_at: dt.datetime = strawberry.field(description="When the target was last set (UTC).")
    month_start: strawberry.Private[dt.date]
    scope_key: strawberry.Private[str]
    store_id: strawberry.Private[int | None]
    staff_id: strawberry.Private[int | None]
    dealer_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> EnrolmentTargetType:
        return cls(
            id=strawberry.ID(to_global_id("EnrolmentTarget", row.id)),
            pk=row.id,
            month=format_month(row.month),
            scope=row.scope,
            region=row.region,
            target_count=row.target_count,
            updated_at=row.updated_at,
            month_start=row.month,
            scope_key=row.scope_key,
            store_id=row.store_id,
            staff_id=row.staff_id,
            dealer_id=row.dealer_id,
        )

    @strawberry.field(description="Members enrolled so far in the month, attributed to this scope.")
    async def enrolled_count(self, info: Info) -> int:
        return await info.context.loaders.enrolled_by_target.load((self.scope, self.month_start, self.scope_key))

    @strawberry.field(description="Enrolled so far divided by the target (1.0 = reached); null when the target is 0.")
    async def progress(self, info: Info) -> float | None:
        if self.target_count == 0:
            return None
        enrolled: int = await self.enrolled_count(info)
        return round(enrolled / self.target_count, 4)

    @strawberry.field(description="The store (store targets).")
    async def store(self, info: Info) -> StoreType | None:
        return await load_one(info.context.loaders.store_by_id, self.store_id, StoreType.from_row)

    @strawberry.field(description="The staff member (staff targets).")
    async def staff(self, info: Info) -> StaffType | None:
        return await load_one(info.context.loaders.staff_by_id, self.staff_id, StaffType.from_row)

    @strawberry.field(description="The dealer (dealer targets).")
    async def dealer(self, info: Info) -> DealerType | None:
        return await load_one(info.context.loaders.dealer_by_id, self.dealer_id, DealerType.from_row)

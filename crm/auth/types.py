"""GraphQL types for sign-in and API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from crm.auth.permissions import Op
from crm.graphql.context import Info
from crm.graphql.relay import load_one
from crm.staff.types import StaffType

strawberry.enum(Op, description="An operation; API tokens are granted a list of these.")


@strawberry.type(name="ApiToken", description="A long-lived token for a program (the mobile app, marketing scripts).")
class ApiTokenType:
    id: strawberry.ID = strawberry.field(description="ID of the token (not the token itself).")
    name: str = strawberry.field(description="What the token is for.")
    scopes: list[Op] = strawberry.field(description="Operations the token may run (never more than its owner's role).")
    created_at: dt.datetime = strawberry.field(description="When it was created (UTC).")
    expires_at: dt.datetime = strawberry.field(description="When it stops working (UTC).")
    revoked_at: dt.datetime | None = strawberry.field(description="When it was revoked, if it was.")
    staff_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> ApiTokenType:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            scopes=[Op(s) for s in row.scopes or []],
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            staff_id=row.staff_id,
        )

    @strawberry.field(description="The account the token acts for.")
    async def staff(self, info: Info) -> StaffType | None:
        return await load_one(info.context.loaders.staff_by_id, self.staff_id, StaffType.from_row)

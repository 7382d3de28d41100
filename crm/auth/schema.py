"""Sign-in, sign-out, one's own account, API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from crm.auth import service
from crm.auth.permissions import Op
from crm.auth.types import ApiTokenType
from crm.graphql.context import Info
from crm.graphql.payloads import UserError, decode_ids, mutate, provided, user_errors
from crm.graphql.relay import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, load_one, to_connection
from crm.staff.types import StaffType


@strawberry.input(description="A username and password.")
class LoginInput:
    username: str = strawberry.field(description="Login name.")
    password: str = strawberry.field(description="Password.")


@strawberry.type(description="Result of signing in.")
class LoginPayload:
    token: str | None = strawberry.field(
        description="Bearer token for 'Authorization: Bearer <token>'; null when refused."
    )
    expires_at: dt.datetime | None = strawberry.field(description="When the token stops working (UTC).")
    staff: StaffType | None = strawberry.field(description="Who signed in.")
    user_errors: list[UserError] = strawberry.field(
        description="INVALID_CREDENTIALS, or ACCOUNT_LOCKED after repeated failures; empty on success."
    )


@strawberry.type(description="Result of signing out.")
class LogoutPayload:
    ok: bool = strawberry.field(description="The token no longer works.")


@strawberry.input(description="One's current password and a new one.")
class PasswordChangeInput:
    current_password: str = strawberry.field(description="The password in use now.")
    new_password: str = strawberry.field(description="10 to 200 characters; other sessions are signed out.")


@strawberry.type(description="Result of changing one's password.")
class PasswordChangePayload:
    ok: bool = strawberry.field(description="The password was changed.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.input(description="A new API token.")
class ApiTokenCreateInput:
    staff_id: strawberry.ID = strawberry.field(description="The account the token acts for.")
    name: str = strawberry.field(description="What it is for, e.g. 'mobile app, store S0001'.")
    scopes: list[Op] = strawberry.field(description="Operations granted; each must be allowed to the account's role.")
    expires_in_days: int | None = strawberry.field(default=None, description="1 to 366 days (default 90).")


@strawberry.type(description="Result of creating an API token.")
class ApiTokenCreatePayload:
    token: str | None = strawberry.field(description="The token itself: shown once, stored only as a digest.")
    api_token: ApiTokenType | None = strawberry.field(description="The token's record.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.input(description="The API token to revoke.")
class ApiTokenRevokeInput:
    id: strawberry.ID = strawberry.field(description="ID of the token record.")


@strawberry.type(description="Result of revoking an API token.")
class ApiTokenRevokePayload:
    api_token: ApiTokenType | None = strawberry.field(description="The revoked token's record.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in staff member.")
    async def me(self, info: Info) -> StaffType:
        actor = info.context.signed_in
        staff = await load_one(info.context.loaders.staff_by_id, actor.staff_id, StaffType.from_row)
        assert staff is not None  # oneself is always in scope
        return staff

    @strawberry.field(description="API tokens, newest first (admins).")
    async def api_tokens(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[ApiTokenType]:
        page = await service.list_api_tokens(info.context.session, info.context.signed_in, first=first, after=after)
        return to_connection(page, ApiTokenType.from_row)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Sign in; the only operation open without a token.")
    async def login(
        self, info: Info, input_: Annotated[LoginInput, strawberry.argument(name="input", description="Credentials.")]
    ) -> LoginPayload:
        session = info.context.session
        result = await service.login(session, input_.username, input_.password)
        await session.commit()  # a failure's attempt count must be kept as well
        if result.error is not None:
            return LoginPayload(token=None, expires_at=None, staff=None, user_errors=user_errors(result.error))
        assert result.staff is not None and result.actor is not None
        # The payload's relations (staff { store }) are read as the person who just signed in.
        info.context.act_as(result.actor)
        staff = StaffType.from_row(result.staff)
        return LoginPayload(token=result.token, expires_at=result.expires_at, staff=staff, user_errors=[])

    @strawberry.mutation(description="Sign out: the token of this request stops working.")
    async def logout(self, info: Info) -> LogoutPayload:
        await mutate(info, service.logout)
        return LogoutPayload(ok=True)

    @strawberry.mutation(description="Change one's own password; other sessions are signed out.")
    async def password_change(
        self,
        info: Info,
        input_: Annotated[PasswordChangeInput, strawberry.argument(name="input", description="Old and new password.")],
    ) -> PasswordChangePayload:
        session = info.context.session
        error = await service.change_password(
            session, info.context.signed_in, input_.current_password, input_.new_password
        )
        await session.commit()  # a wrong current password counts towards the lock-out
        return PasswordChangePayload(ok=error is None, user_errors=user_errors(error) if error else [])

    @strawberry.mutation(description="Create an API token (admins); the token is shown once.")
    async def api_token_create(
        self,
        info: Info,
        input_: Annotated[ApiTokenCreateInput, strawberry.argument(name="input", description="The token to create.")],
    ) -> ApiTokenCreatePayload:
        result, errors = await mutate(
            info,
            lambda s, actor: service.create_api_token(s, actor, decode_ids(provided(input_), {"staff_id": "Staff"})),
        )
        if result is None:
            return ApiTokenCreatePayload(token=None, api_token=None, user_errors=errors)
        raw, token = result
        return ApiTokenCreatePayload(token=raw, api_token=ApiTokenType.from_row(token), user_errors=[])

    @strawberry.mutation(description="Revoke an API token at once (admins).")
    async def api_token_revoke(
        self,
        info: Info,
        input_: Annotated[ApiTokenRevokeInput, strawberry.argument(name="input", description="The token.")],
    ) -> ApiTokenRevokePayload:
        token_id = int(input_.id) if str(input_.id).isdigit() else 0
        token, errors = await mutate(info, lambda s, actor: service.revoke_api_token(s, actor, token_id))
        return ApiTokenRevokePayload(api_token=ApiTokenType.from_row(token) if token else None, user_errors=errors)

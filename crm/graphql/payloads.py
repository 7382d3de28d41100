"""User errors in mutation payloads and the helpers mutations share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

import strawberry

from crm.auth import idempotency
from crm.auth.actor import Actor
from crm.db import SerialSession
from crm.errors import DomainError, FieldError, RequestError
from crm.errors import ErrorCode as DomainErrorCode
from crm.graphql.context import Info
from crm.ids import pk_of

T = TypeVar("T")

ErrorCode = strawberry.enum(
    DomainErrorCode,
    name="ErrorCode",
    description="Why an input was refused.",
)


@strawberry.type(description="A problem with a mutation's input; nothing was written.")
class UserError:
    field: str | None = strawberry.field(
        description="The input field at fault (camelCase), or null for the whole input."
    )
    message: str = strawberry.field(description="What is wrong, for a person to read.")
    code: DomainErrorCode = strawberry.field(description="What is wrong, for a program to act on.")
    related_id: strawberry.ID | None = strawberry.field(
        description="Global ID of an existing record the problem concerns (e.g. the member who already has this phone)."
    )


def _camel(name: str | None) -> str | None:
    if name is None:
        return None
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def user_errors(error: DomainError) -> list[UserError]:
    """Convert a service's DomainError into the payload's userErrors."""
    return [_user_error(e) for e in error.errors]


def _user_error(e: FieldError) -> UserError:
    return UserError(
        field=_camel(e.field),
        message=e.message,
        code=e.code,
        related_id=strawberry.ID(e.related_id) if e.related_id else None,
    )


def provided(data: Any) -> dict[str, Any]:
    """Return the fields of an input object that the client actually sent."""
    return {k: v for k, v in vars(data).items() if v is not strawberry.UNSET}


def decode_ids(data: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    """Replace global IDs in an input dict by primary keys; a bad ID is a user error on its field."""
    errors = []
    for name, type_name in fields.items():
        value = data.get(name)
        if value is None:
            continue
        try:
            data[name] = pk_of(str(value), type_name)
        except RequestError as exc:
            errors.append(FieldError(name, str(exc), DomainErrorCode.INVALID_ID))
    if errors:
        raise DomainError(errors)
    return data


async def mutate(info: Info, work: Callable[[SerialSession, Actor], Awaitable[T]]) -> tuple[T | None, list[UserError]]:
    """Run one mutation for the signed-in actor as one unit of work; a user error writes nothing."""
    actor = info.context.signed_in
    session = info.context.session
    try:
        result = await work(session, actor)
        await session.commit()
    except DomainError as exc:
        await session.rollback()
        return None, user_errors(exc)
    except BaseException:
        await session.rollback()
        raise
    return result, []


def pop_pk(data: dict[str, Any], type_name: str) -> int:
    """Remove the `id` of the record being changed from an input dict and decode it."""
    holder = {"id": data.pop("id")}
    decode_ids(holder, {"id": type_name})
    return int(holder["id"])


class Identified(Protocol):
    id: int


R = TypeVar("R", bound=Identified)


async def mutate_once(
    info: Info,
    key: str | None,
    operation: str,
    request: dict[str, Any],
    work: Callable[[SerialSession, Actor], Awaitable[R]],
    load: Callable[[SerialSession, int], Awaitable[R | None]],
) -> tuple[R | None, list[UserError]]:
    """Like `mutate`, but a retry with the same idempotency key and input returns the first result.

    Without a key it is `mutate`. The key is taken in the mutation's own transaction, so a
    refused request releases it and a retry runs afresh.
    """
    if key is None:
        return await mutate(info, work)

    async def once(session: SerialSession, actor: Actor) -> R:
        taken = await idempotency.claim(session, actor, key, operation, request)
        if taken.replay_id is not None:
            earlier = await load(session, taken.replay_id)
            assert earlier is not None  # the key's result row exists: it was committed with it
            return earlier
        assert taken.key_id is not None
        result = await work(session, actor)
        await idempotency.complete(session, taken.key_id, result.id)
        return result

    return await mutate(info, once)

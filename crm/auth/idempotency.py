"""Idempotency keys: a retried mutation with the same key and input writes once and gets the first result."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.auth.models import IdempotencyKey
from crm.errors import DomainError, ErrorCode

MAX_KEY_LENGTH = 100


def request_hash(operation: str, request: dict[str, Any]) -> str:
    """A digest of the operation and its input (keys sorted; dates, decimals and enums as text)."""
    raw = orjson.dumps([operation, request], option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True, slots=True)
class Claim:
    """Either this request owns the key (`key_id`) or an earlier one completed it (`replay_id`)."""

    key_id: int | None = None
    replay_id: int | None = None


async def claim(session: AsyncSession, actor: Actor, key: str, operation: str, request: dict[str, Any]) -> Claim:
    """Take a key for this request, or find the result of the request that took it first.

    The insert waits while another transaction holds the same key uncommitted, then
    either takes over (that one rolled back: it wrote nothing) or finds it done.
    """
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise DomainError.one(
            "idempotency_key", f"An idempotency key has 1 to {MAX_KEY_LENGTH} characters.", ErrorCode.INVALID
        )
    digest = request_hash(operation, request)
    key_id = await session.scalar(
        insert(IdempotencyKey)
        .values(staff_id=actor.staff_id, key=key, operation=operation, request_hash=digest)
        .on_conflict_do_nothing(constraint="uq_idempotency_key_staff_id_key")
        .returning(IdempotencyKey.id)
    )
    if key_id is not None:
        return Claim(key_id=key_id)
    earlier = (
        await session.execute(
            select(IdempotencyKey.operation, IdempotencyKey.request_hash, IdempotencyKey.result).where(
                IdempotencyKey.staff_id == actor.staff_id, IdempotencyKey.key == key
            )
        )
    ).one()
    if earlier.operation != operation or earlier.request_hash != digest or not earlier.result:
        raise DomainError.one(
            "idempotency_key",
            "This idempotency key was already used for a different request.",
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
        )
    return Claim(replay_id=int(earlier.result["id"]))


async def complete(session: AsyncSession, key_id: int, result_id: int) -> None:
    """Record the result of the request that owns the key, in its transaction."""
    await session.execute(update(IdempotencyKey).where(IdempotencyKey.id == key_id).values(result={"id": result_id}))

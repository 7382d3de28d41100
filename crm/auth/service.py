"""Sign-in, sessions, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit import service as audit
from crm.auth import passwords
from crm.auth.actor import Actor
from crm.auth.models import AuthToken
from crm.auth.permissions import Op
from crm.db import fetch_rows
from crm.enums import Region, Role, TokenKind
from crm.errors import DomainError, ErrorCode
from crm.pagination import OrderKey, Page, as_datetime, paginate
from crm.staff.models import Staff
from crm.validation import Checks

SESSION_HOURS = 12
MAX_API_TOKEN_DAYS = 366
FREE_ATTEMPTS = 5  # failed logins before the back-off starts
MAX_LOCK_MINUTES = 60
TOKEN_PREFIX = "crm_"  # noqa: S105  (a prefix, not a secret)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh opaque bearer token and the digest that is stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return raw, _digest(raw)


def lock_minutes(failures: int) -> int:
    """Minutes an account stays locked after `failures` consecutive failures (doubling, capped)."""
    if failures < FREE_ATTEMPTS:
        return 0
    return int(min(MAX_LOCK_MINUTES, 2 ** (failures - FREE_ATTEMPTS)))


@dataclass(frozen=True, slots=True)
class LoginResult:
    """A successful sign-in (token set) or why it failed (error set)."""

    token: str | None = None
    expires_at: dt.datetime | None = None
    staff: Staff | None = None
    error: DomainError | None = None
    actor: Actor | None = None  # who the new session acts for


async def login(session: AsyncSession, username: str, password: str) -> LoginResult:
    """Check a username and password; on success create a session token.

    A failure is returned, not raised: the failed-attempt count must be committed.
    Unknown user, wrong password and deactivated account give the same answer.
    """
    now = dt.datetime.now(dt.UTC)
    staff = await session.scalar(select(Staff).where(Staff.username == username.strip().lower()).with_for_update())
    if staff is not None and (locked := _locked(staff, now)) is not None:
        return LoginResult(error=locked)
    ok = passwords.verify(staff.password_hash if staff else None, password)
    if staff is None or not ok or not staff.active:
        if staff is not None and not ok:
            await _count_failure(session, staff, now, None, "loginFailed")
        return LoginResult(error=DomainError.one(None, "Wrong username or password.", ErrorCode.INVALID_CREDENTIALS))
    staff.failed_logins = 0
    staff.locked_until = None
    if staff.password_hash and passwords.needs_rehash(staff.password_hash):
        staff.password_hash = passwords.hash_password(password)
    raw, digest = new_token()
    expires = now + dt.timedelta(hours=SESSION_HOURS)
    token = AuthToken(token_hash=digest, staff_id=staff.id, kind=TokenKind.SESSION, expires_at=expires)
    session.add(token)
    await session.flush()
    actor = Actor(
        staff_id=staff.id,
        role=Role(staff.role),
        store_id=staff.store_id,
        region=Region(staff.region) if staff.region else None,
        token_id=token.id,
    )
    await audit.record(session, actor, "login", token, None)
    return LoginResult(token=raw, expires_at=expires, staff=staff, actor=actor)


def _locked(staff: Staff, now: dt.datetime) -> DomainError | None:
    if staff.locked_until is None or staff.locked_until <= now:
        return None
    wait = max(1, int((staff.locked_until - now).total_seconds() // 60) + 1)
    return DomainError.one(None, f"Too many failed attempts; try again in {wait} minutes.", ErrorCode.ACCOUNT_LOCKED)


async def _count_failure(
    session: AsyncSession, staff: Staff, now: dt.datetime, actor: Actor | None, action: str
) -> None:
    """Count a wrong password against the account; lock it (doubling) past the free attempts; audit it."""
    before = audit.snapshot(staff)
    staff.failed_logins += 1
    minutes = lock_minutes(staff.failed_logins)
    staff.locked_until = now + dt.timedelta(minutes=minutes) if minutes else None
    await audit.record(session, actor, action, staff, before)


# Every request runs this: built once, with the token's digest and the time as parameters.
_TOKEN_LOOKUP = (
    select(
        AuthToken.id.label("token_id"),
        AuthToken.scopes,
        Staff.id.label("staff_id"),
        Staff.role,
        Staff.store_id,
        Staff.region,
    )
    .join(Staff, Staff.id == AuthToken.staff_id)
    .where(
        AuthToken.token_hash == bindparam("digest"),
        AuthToken.revoked_at.is_(None),
        AuthToken.expires_at > bindparam("now", type_=AuthToken.expires_at.type),
        Staff.active.is_(True),
    )
)


async def authenticate(session: AsyncSession, raw: str) -> Actor | None:
    """Return who a bearer token acts for, or None if it is unknown, expired, revoked or the account is off."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    found = await fetch_rows(session, _TOKEN_LOOKUP, {"digest": _digest(raw), "now": dt.datetime.now(dt.UTC)})
    if not found:
        return None
    token_id, scopes, staff_id, role, store_id, region = found[0]
    return Actor(
        staff_id=staff_id,
        role=Role(role),
        store_id=store_id,
        region=Region(region) if region else None,
        token_id=token_id,
        scopes=frozenset(Op(s) for s in scopes) if scopes is not None else None,
    )


async def logout(session: AsyncSession, actor: Actor) -> None:
    """Revoke the token the request came with."""
    token = await session.get(AuthToken, actor.token_id, with_for_update=True)
    if token is None or token.revoked_at is not None:
        return
    before = audit.snapshot(token)
    token.revoked_at = dt.datetime.now(dt.UTC)
    await audit.record(session, actor, "logout", token, before)


async def change_password(session: AsyncSession, actor: Actor, current: str, new: str) -> DomainError | None:
    """Change one's own password; every other session of the account is signed out.

    A refusal is returned, not raised: a wrong current password counts towards the
    lock-out like a failed login, and that count must be committed.
    """
    now = dt.datetime.now(dt.UTC)
    staff = await session.get(Staff, actor.staff_id, with_for_update=True)
    assert staff is not None
    if (locked := _locked(staff, now)) is not None:
        return locked
    if not passwords.verify(staff.password_hash, current):
        await _count_failure(session, staff, now, actor, "passwordChangeFailed")
        return DomainError.one("current_password", "The current password is wrong.", ErrorCode.INVALID_CREDENTIALS)
    try:
        before = audit.snapshot(staff)
        await set_password(session, staff, new, keep_token_id=actor.token_id)
    except DomainError as exc:
        return exc
    await audit.record(session, actor, "passwordChange", staff, before)
    return None


async def set_password(session: AsyncSession, staff: Staff, new: str, *, keep_token_id: int | None = None) -> None:
    """Set a password and revoke the account's sessions (except the one changing it)."""
    reason = passwords.problem(new)
    if reason is not None:
        raise DomainError.one("new_password", reason, ErrorCode.INVALID)
    staff.password_hash = passwords.hash_password(new)
    staff.failed_logins = 0
    staff.locked_until = None
    revoke = update(AuthToken).where(
        AuthToken.staff_id == staff.id, AuthToken.kind == TokenKind.SESSION, AuthToken.revoked_at.is_(None)
    )
    if keep_token_id is not None:
        revoke = revoke.where(AuthToken.id != keep_token_id)
    await session.execute(revoke.values(revoked_at=dt.datetime.now(dt.UTC)))
    await session.flush()


def token_query() -> Select[Any]:
    """Select API token columns (never the digest)."""
    return select(  # type: ignore[return-value]
        AuthToken.id,
        AuthToken.staff_id,
        AuthToken.kind,
        AuthToken.name,
        AuthToken.scopes,
        AuthToken.created_at,
        AuthToken.expires_at,
        AuthToken.revoked_at,
    )


async def list_api_tokens(session: AsyncSession, actor: Actor, *, first: int | None, after: str | None) -> Page:
    """List API tokens, newest first."""
    actor.require(Op.TOKEN_MANAGE)
    stmt = token_query().where(AuthToken.kind == TokenKind.API)
    keys = [
        OrderKey(AuthToken.created_at, descending=True, decode=as_datetime),
        OrderKey(AuthToken.id, descending=True),
    ]
    return await paginate(session, stmt, order_name="api-token", keys=keys, first=first, after=after)


async def create_api_token(session: AsyncSession, actor: Actor, data: dict[str, Any]) -> tuple[str, AuthToken]:
    """Create an API token for a staff member with a subset of their role's operations."""
    actor.require(Op.TOKEN_MANAGE)
    checks = Checks()
    name = checks.text("name", data.get("name"), max_length=60, required=True)
    days = data.get("expires_in_days")
    if days is None:
        days = 90  # 0 is out of range, not "the default"
    checks.int_range("expires_in_days", days, 1, MAX_API_TOKEN_DAYS)
    staff = await session.get(Staff, data["staff_id"])
    scopes: list[Op] = list(data.get("scopes") or [])
    if staff is None:
        checks.add("staff_id", "No such staff member.", ErrorCode.NOT_FOUND)
    elif not staff.active:
        checks.add("staff_id", "This account is deactivated.", ErrorCode.INVALID)
    else:
        owner = Actor(staff_id=staff.id, role=Role(staff.role), store_id=None, region=None, token_id=0)
        beyond = sorted(op.value for op in scopes if not owner.may(op))
        if beyond:
            checks.add("scopes", f"The role {staff.role} may not: {', '.join(beyond)}.", ErrorCode.INVALID)
    if not scopes:
        checks.add("scopes", "Grant at least one operation.", ErrorCode.REQUIRED)
    checks.raise_if_any()
    raw, digest = new_token()
    token = AuthToken(
        token_hash=digest,
        staff_id=data["staff_id"],
        kind=TokenKind.API,
        name=name,
        scopes=sorted({op.value for op in scopes}),
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=days),
    )
    session.add(token)
    await session.flush()
    await session.refresh(token)
    await audit.record(session, actor, "apiTokenCreate", token, None)
    return raw, token


async def revoke_api_token(session: AsyncSession, actor: Actor, token_id: int) -> AuthToken:
    """Revoke an API token at once."""
    actor.require(Op.TOKEN_MANAGE)
    token = await session.get(AuthToken, token_id, with_for_update=True)
    if token is None or token.kind != TokenKind.API:
        raise DomainError.one("id", "No such API token.", ErrorCode.NOT_FOUND)
    if token.revoked_at is None:
        before = audit.snapshot(token)
        token.revoked_at = dt.datetime.now(dt.UTC)
        await audit.record(session, actor, "apiTokenRevoke", token, before)
    return token

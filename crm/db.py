"""Database plumbing: declarative base, engine, sessions."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import re
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import orjson
from sqlalchemy import DateTime, MetaData, event, func
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.base import Executable

from crm import readpath
from crm.config import Settings, async_url
from crm.errors import DomainError, ErrorCode, FieldError

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with an explicit constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    """Return the current time in UTC."""
    return dt.datetime.now(dt.UTC)


class Timestamps:
    """created_at / updated_at columns, set by the database."""

    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


class SerialSession(AsyncSession):
    """An AsyncSession whose statements never overlap.

    Strawberry resolves sibling fields concurrently, and one asyncpg connection
    runs one statement at a time; the lock queues them instead of failing with
    "another operation is in progress". Loaders batch keys, so little waits.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = asyncio.Lock()
        self._finished = False

    async def _serially(self, work: Coroutine[Any, Any, T]) -> T:
        """Run one database call at a time; a call once started runs to its end.

        graphql-core cancels sibling resolvers when a non-null field fails; a statement
        cancelled half-way would leave the connection (and its transaction) unusable, so
        the call is shielded and the cancellation honoured once it is done.
        """
        try:
            await self._lock.acquire()
        except BaseException:
            work.close()  # cancelled while queued: the call never starts
            raise
        try:
            if self._finished:
                work.close()
                # A resolver left running after its request ended must not touch a connection given back.
                raise RuntimeError("the request this session belonged to has finished")
            task = asyncio.ensure_future(work)
            try:
                return await asyncio.shield(task)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await task
                raise
        finally:
            self._lock.release()

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        return await self._serially(super().execute(*args, **kwargs))

    async def rows(self, statement: Executable, params: dict[str, Any] | None = None) -> list[Any]:
        """The rows of a SELECT, run on the driver directly (crm/readpath.py): the read path's way."""
        return await self._serially(readpath.rows(self, statement, params))

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        return await self._serially(super().scalar(*args, **kwargs))

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        return await self._serially(super().get(*args, **kwargs))

    async def refresh(self, *args: Any, **kwargs: Any) -> None:
        await self._serially(super().refresh(*args, **kwargs))

    async def flush(self, *args: Any, **kwargs: Any) -> None:
        await self._serially(super().flush(*args, **kwargs))

    async def commit(self) -> None:
        await self._serially(super().commit())

    async def rollback(self) -> None:
        await self._serially(super().rollback())

    async def close(self) -> None:
        """Wait for a statement in flight, refuse any later one, then give the connection back."""
        async with self._lock:
            self._finished = True
            await super().close()


async def fetch_rows(session: AsyncSession, statement: Executable, params: dict[str, Any] | None = None) -> list[Any]:
    """The rows of a SELECT: on the driver directly for a SerialSession (the app's), else the ORM's way."""
    if isinstance(session, SerialSession):
        return await session.rows(statement, params)
    return list((await session.execute(statement, params)).all())


def make_engine(settings: Settings, url: str) -> AsyncEngine:
    """Create the async engine with a bounded pool that fails fast."""
    engine = create_async_engine(
        async_url(url),
        pool_size=settings.pool_size,
        max_overflow=0,
        pool_timeout=settings.pool_timeout,
        json_deserializer=read_json,
        connect_args={
            "server_settings": {
                "timezone": "UTC",
                "application_name": "crm",
                "lock_timeout": str(int(settings.lock_timeout * 1000)),
                "idle_in_transaction_session_timeout": str(int(settings.idle_in_transaction_timeout * 1000)),
            }
        },
    )
    ping_idle_connections(engine, settings.pool_ping_after)
    return engine


_LONG_NUMBER = re.compile(r"[0-9]{19}")


def read_json(text: str) -> Any:
    """JSON from the database (JSONB columns such as a visit's items), parsed by orjson.

    A visit's items are decoded for every row of an export; orjson does it several times faster.
    orjson reads an integer beyond 64 bits as a float, and refuses what the standard parser
    takes (NaN): a text with 19 digits in a row, or one orjson refuses, goes to the standard one.
    """
    if _LONG_NUMBER.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def ping_idle_connections(engine: AsyncEngine, after: float) -> None:
    """Check a pooled connection before handing it out when it has been idle for `after` seconds.

    SQLAlchemy's `pool_pre_ping` pings on every checkout: with asyncpg that is BEGIN, a statement
    and ROLLBACK, three round trips and about 7% of a small read's CPU. A connection returned a
    moment ago is alive; one that sat in the pool may have been dropped by the server or a proxy.
    """
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def _returned(dbapi_connection: Any, record: Any) -> None:
        record.info["crm_returned_at"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _handed_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        returned = record.info.get("crm_returned_at")
        if returned is None or time.monotonic() - returned < after:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:
            # The pool replaces the connection and tries again.
            raise DisconnectionError("the pooled connection is gone") from exc


def make_sessionmaker(bind: Any, **kwargs: Any) -> async_sessionmaker[SerialSession]:
    """Sessions that keep loaded values after commit and never lazy-load."""
    return async_sessionmaker(bind=bind, class_=SerialSession, expire_on_commit=False, **kwargs)


async def flush_checking_unique(session: AsyncSession, constraints: dict[str, FieldError]) -> None:
    """Flush inside a savepoint; turn a named unique violation into a DomainError.

    Checking first and inserting after would race with a concurrent insert; the
    database's unique constraint is the only reliable judge.
    """
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        text = str(exc.orig)
        for name, error in constraints.items():
            if name in text:
                raise DomainError([error]) from exc
        raise


def check_version(row: Any, version: int | None) -> None:
    """Refuse a change based on an older version of a row (optimistic concurrency)."""
    if version is not None and version != row.version:
        raise DomainError.one(
            "version",
            f"Someone else changed this record (now version {row.version}); reload it and try again.",
            ErrorCode.STALE_VERSION,
        )

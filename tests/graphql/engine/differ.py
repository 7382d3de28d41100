"""Run one request through both executors and compare the answers byte for byte."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import orjson
import strawberry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from crm.auth.actor import Actor
from crm.db import make_sessionmaker
from crm.graphql.context import Context
from crm.graphql.schema import schema, schema_for


def answer(result: Any) -> bytes:
    """The JSON of a result: data and errors (message, locations, path, extensions, and what was raised)."""
    errors = [
        {**e.formatted, "raised": type(e.original_error).__name__ if e.original_error is not None else None}
        for e in result.errors or []
    ]
    return orjson.dumps({"data": result.data, "errors": errors})


_TIMESTAMP = re.compile(rb'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?\+00:00)"')


def without_clock(payload: bytes, around: dt.datetime) -> bytes:
    """Replace the timestamps a write took from the clock (within a minute of `around`) by a marker.

    Services stamp writes with the Python clock, which moves between the two runs; every other
    byte must still be equal.
    """

    def replace(match: re.Match[bytes]) -> bytes:
        stamp = dt.datetime.fromisoformat(match.group(1).decode())
        return b'"<now>"' if abs((stamp - around).total_seconds()) < 60 else match.group(0)

    return _TIMESTAMP.sub(replace, payload)


def stats() -> Any:
    return schema.execution_context_class.stats  # type: ignore[attr-defined]


@dataclass
class Compared:
    engine: bytes
    reference: bytes
    compiled: bool  # the engine ran it from a plan (not a fallback)

    @property
    def decoded(self) -> dict[str, Any]:
        result: dict[str, Any] = orjson.loads(self.engine)
        return result


class Differ:
    """Executes documents against the seeded database with the engine and with graphql-core.

    Each run happens in a savepoint rolled back afterwards (sequences put back too), so a
    mutation meets the same database under both executors.
    """

    def __init__(self, connection: AsyncConnection, actors: dict[str, Actor]) -> None:
        self.connection = connection
        self.actors = actors
        self.sessionmaker = make_sessionmaker(connection, join_transaction_mode="create_savepoint")
        self.reference = schema_for(compiled_execution=False)
        self.sequences: list[tuple[str, int | None, bool]] | None = None

    async def _sequences(self) -> list[tuple[str, int | None, bool]]:
        rows = await self.connection.execute(
            text("SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences")
        )
        return [(name, value, value is not None) for name, value in rows]

    async def _restore(self, sequences: list[tuple[str, int | None, bool]]) -> None:
        for name, value, called in sequences:
            await self.connection.execute(
                text("SELECT setval(CAST(:name AS regclass), :value, :called)"),
                {"name": name, "value": value if value is not None else 1, "called": called},
            )

    async def run(
        self,
        which: strawberry.Schema,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        role: str | None = "admin",
        operation_name: str | None = None,
        writes: bool = False,
    ) -> bytes:
        sequences = await self._sequences() if writes else None
        savepoint = await self.connection.begin_nested()
        try:
            async with self.sessionmaker() as session:
                context = Context(session=session)
                if role is not None:
                    context.act_as(self.actors[role])
                result = await which.execute(
                    query, variable_values=variables, context_value=context, operation_name=operation_name
                )
        finally:
            await savepoint.rollback()
            if sequences is not None:
                await self._restore(sequences)
        return answer(result)

    async def compare(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        role: str | None = "admin",
        operation_name: str | None = None,
        writes: bool = False,
    ) -> Compared:
        kw: dict[str, Any] = {"role": role, "operation_name": operation_name, "writes": writes}
        reference = await self.run(self.reference, query, variables, **kw)
        before = stats().compiled
        engine = await self.run(schema, query, variables, **kw)
        if writes:
            now = dt.datetime.now(dt.UTC)
            reference, engine = without_clock(reference, now), without_clock(engine, now)
        return Compared(engine, reference, stats().compiled > before)

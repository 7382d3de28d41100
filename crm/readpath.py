"""Read statements on the driver directly: SQLAlchemy compiles, asyncpg runs, rows stay light.

`session.execute(select(...))` spends most of its time around the query rather than in it: the
ORM's execution context, the greenlet hop into the sync layer, the DB-API cursor emulation and
the Result/Row machinery (about 0.5-0.65 ms of CPU per statement here against 0.19 ms for asyncpg
alone, see PERFORMANCE.md). The read path of a request (the page, the loaders' batches, the
sign-in lookup) needs none of that, only the rows. `rows()` keeps what decides the answer and
drops the rest:

- the SQL, its parameters and the conversion of values in and out are SQLAlchemy's own: the
  statement is compiled through the engine's compiled cache exactly as `Connection.execute`
  compiles it, parameters are built with `construct_params` (expanding IN lists as SQLAlchemy
  does), and each value passes the bind and result processors of its column type;
- it runs on the session's own connection and transaction, through the SQLAlchemy asyncpg
  adapter's prepared-statement cache, starting the transaction the way the adapter does;
- a driver error is translated and wrapped as SQLAlchemy would (`DBAPIError` and its subclasses
  with the same `orig`), so callers and the HTTP layer see the same exceptions;
- `before_cursor_execute` / `after_cursor_execute` listeners still see every statement (the
  statement-count tests and the benchmark count through them).

Rows are tuples with an attribute per column and `_mapping`, like SQLAlchemy's `Row` for the
uses here. Anything else (pending ORM changes to flush first, DML, a statement SQLAlchemy would
not cache, duplicate column names) goes through `session.execute` as before.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, cast

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import compiler
from sqlalchemy.sql.base import Executable
from sqlalchemy.util import greenlet_spawn

_KEPT = "crm.readpath.connection"
_RESERVED = {"_mapping", "_fields"}


def _mapping(self: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(self._fields, self, strict=True))  # type: ignore[attr-defined]


_ROW_CLASSES: dict[tuple[str, ...], type] = {}


def row_class(keys: tuple[str, ...]) -> type:
    """A tuple subclass reading its items by column name (one class per column list)."""
    found = _ROW_CLASSES.get(keys)
    if found is None:
        namespace: dict[str, Any] = {"__slots__": (), "_fields": keys, "_mapping": property(_mapping)}
        for index, key in enumerate(keys):
            # Like SQLAlchemy's Row, a column named `count` or `index` reads as the value.
            if not key.startswith("__") and key not in _RESERVED:
                namespace[key] = property(itemgetter(index))
        found = _ROW_CLASSES[keys] = type("Row", (tuple,), namespace)
    return found


class _Shape:
    """What a compiled statement's rows need: their class, and the result processors by position."""

    __slots__ = ("keys", "make", "oids", "processors")

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.keys = keys
        self.make: Any = row_class(keys)
        self.oids: tuple[int, ...] | None = None
        self.processors: list[tuple[int, Callable[[Any], Any]]] = []


_SHAPES: weakref.WeakKeyDictionary[Any, _Shape | None] = weakref.WeakKeyDictionary()


def _shape(compiled: Any) -> _Shape | None:
    """The rows' shape of a compiled SELECT, or None when the light path does not apply."""
    try:
        return _SHAPES[compiled]
    except KeyError:
        pass
    shape: _Shape | None = None
    columns = compiled._result_columns
    if (
        compiled.positional
        and columns
        and compiled._ordered_columns
        and not compiled._textual_ordered_columns
        and not compiled._ad_hoc_textual
        and not (compiled.isinsert or compiled.isupdate or compiled.isdelete)
        and not compiled.schema_translate_map
    ):
        keys = _keys(compiled)
        if keys is not None and len(set(keys)) == len(keys):
            shape = _Shape(keys)
    _SHAPES[compiled] = shape
    return shape


def _keys(compiled: Any) -> tuple[str, ...] | None:
    """The rows' keys as SQLAlchemy names them; None for a select of ORM entities (objects, not tuples)."""
    entities = getattr(compiled.compile_state, "_entities", None)
    if compiled.statement._propagate_attrs.get("compile_state_plugin") != "orm" or not entities:
        return tuple(column.keyname for column in compiled._result_columns)
    # An ORM-enabled select names its columns its own way (`count`, not `count_1`; `id`, `id_1`).
    names = tuple(getattr(entity, "_label_name", None) for entity in entities)
    if len(names) != len(compiled._result_columns) or not all(isinstance(name, str) for name in names):
        return None  # entities (objects, not tuples), or a shape not known here
    return cast(tuple[str, ...], names)


def _processors(shape: _Shape, compiled: Any, dialect: Any, attributes: Sequence[Any]) -> bool:
    """Fill the shape's result processors for the column types the server reported."""
    oids = tuple(attribute.type.oid for attribute in attributes)
    if shape.oids == oids:
        return True
    columns = compiled._result_columns
    if len(oids) != len(columns):
        return False
    shape.processors = [
        (index, processor)
        for index, (column, oid) in enumerate(zip(columns, oids, strict=True))
        if (processor := column.type._cached_result_processor(dialect, oid)) is not None
    ]
    shape.oids = oids
    return True


async def _connection(session: AsyncSession) -> AsyncConnection:
    """The session's connection, kept on the session while its transaction lasts (no greenlet hop)."""
    transaction = session.sync_session._transaction
    kept = session.info.get(_KEPT)
    if kept is not None and transaction is not None and kept[0]() is transaction and transaction.is_active:
        connection: AsyncConnection = kept[1]
        if connection.sync_connection is not None and not connection.sync_connection.invalidated:
            return connection
    connection = await session.connection()
    # The transaction weakly: it refers to the session, whose info holds this; a strong reference
    # would make every request's session (and all it reaches) garbage only the collector frees.
    session.info[_KEPT] = (weakref.ref(session.sync_session._transaction), connection)
    return connection


# A statement object used again (the loaders' statements are) keeps its compiled form here, so it
# is neither traversed for its cache key nor looked up again: (dialect, compiled, extracted, collected).
_COMPILED: weakref.WeakKeyDictionary[Any, tuple[Any, Any, Any, Any]] = weakref.WeakKeyDictionary()


def _compiled(statement: Any, sync: Connection) -> tuple[Any, Any, Any]:
    dialect = sync.dialect
    kept = _COMPILED.get(statement)
    if kept is not None and kept[0] is dialect:
        return kept[1], kept[2], kept[3]
    compiled, extracted, collected, _ = statement._compile_w_cache(
        dialect,
        compiled_cache=sync._execution_options.get("compiled_cache", sync.engine._compiled_cache),
        column_keys=[],
        for_executemany=False,
        schema_translate_map=None,
        linting=dialect.compiler_linting | compiler.WARN_LINTING,
    )
    _COMPILED[statement] = (dialect, compiled, extracted, collected)
    return compiled, extracted, collected


async def rows(session: AsyncSession, statement: Executable, params: dict[str, Any] | None = None) -> list[Any]:
    """Run a SELECT on the session's connection and return its rows (light tuples; see the module).

    The caller holds the session for this statement (SerialSession's lock): a fallback runs through
    AsyncSession's own `execute`, not the serialising one, which would wait for that lock forever.

    `params`: values for the statement's named `bindparam`s, as `session.execute(statement, params)`.
    """
    if session.new or session.deleted or session.dirty:
        # The ORM would flush these first (autoflush): leave it to the ORM.
        return list((await AsyncSession.execute(session, statement, params)).all())
    connection = await _connection(session)
    sync: Connection = connection.sync_connection  # type: ignore[assignment]
    dialect = sync.dialect
    compiled, extracted, collected = _compiled(statement, sync)
    shape = _shape(compiled)
    if shape is None:
        return list((await AsyncSession.execute(session, statement, params)).all())
    values_in: Any = compiled.construct_params(
        params, extracted_parameters=extracted, escape_names=False, _collected_params=collected
    )
    sql: str = compiled.string
    processors = compiled._bind_processors
    positions = compiled.positiontup
    if compiled.literal_execute_params or compiled.post_compile_params:
        expanded = compiled._process_parameters_for_postcompile(values_in)
        sql = expanded.statement
        positions = expanded.positiontup
        processors = {**processors, **expanded.processors}
    values = tuple(processors[key](values_in[key]) if key in processors else values_in[key] for key in positions)

    if sync._has_events or sync.engine._has_events:
        sync.dispatch.before_cursor_execute(sync, None, sql, values, None, False)
    pooled = sync._dbapi_connection
    if pooled is None:  # invalidated: let SQLAlchemy reconnect
        pooled = await connection.get_raw_connection()
    adapter: Any = pooled.dbapi_connection
    try:
        async with adapter._execute_mutex:
            if adapter._transaction is None:
                await adapter._start_transaction()
            try:
                # The dialect's time of the last schema change: prepared statements older than it
                # are prepared again (as the adapter's cursor does).
                prepared, attributes = await adapter._prepare(sql, dialect._invalidate_schema_cache_asof)  # type: ignore[attr-defined]
                records = await prepared.fetch(*values)
            except Exception as error:
                adapter._handle_exception(error)
    except dialect.loaded_dbapi.Error as error:
        if isinstance(
            error, (dialect.loaded_dbapi.InvalidCachedStatementError, dialect.loaded_dbapi.InternalServerError)
        ):
            dialect._invalidate_schema_cache()  # type: ignore[attr-defined]  # as the dialect's context does
        # SQLAlchemy's own handling: wrapped as execute() wraps it, the connection and the pool
        # invalidated on a disconnect, handle_error listeners called.
        await greenlet_spawn(sync._handle_dbapi_exception, error, sql, values, None, None)
        raise  # not reached: the call above raises
    if sync._has_events or sync.engine._has_events:
        sync.dispatch.after_cursor_execute(sync, None, sql, values, None, False)

    if not _processors(shape, compiled, dialect, attributes):
        raise RuntimeError(f"the server returned {len(attributes)} columns for {len(shape.keys)}")
    make = shape.make
    new = tuple.__new__
    converters = shape.processors
    if not converters:
        return [new(make, record) for record in records]
    out = []
    for record in records:
        values_out = list(record)
        for index, convert in converters:
            values_out[index] = convert(values_out[index])
        out.append(new(make, values_out))
    return out

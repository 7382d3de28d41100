"""Keyset pagination: stable order, opaque cursors, cost independent of the page's depth."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement, SQLColumnExpression

from crm.db import fetch_rows
from crm.errors import RequestError

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class OrderKey:
    """One column of a sort order; the last key of every order must be unique (the id)."""

    expr: SQLColumnExpression[Any]
    descending: bool = False
    decode: Callable[[Any], Any] = lambda v: v


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def as_datetime(value: Any) -> dt.datetime:
    """Decode a cursor value written from a datetime."""
    return dt.datetime.fromisoformat(value)


def as_date(value: Any) -> dt.date:
    """Decode a cursor value written from a date."""
    return dt.date.fromisoformat(value)


def encode_cursor(order_name: str, values: Sequence[Any]) -> str:
    """Encode the sort values of a row; the order name guards against mixing orders."""
    raw = orjson.dumps([order_name, [_encode_value(v) for v in values]])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, order_name: str, keys: Sequence[OrderKey]) -> list[Any]:
    """Decode a cursor made by encode_cursor for the same order, or raise INVALID_CURSOR."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        name, values = orjson.loads(base64.urlsafe_b64decode(padded))
        if name != order_name or len(values) != len(keys):
            raise ValueError("cursor of another order")
        return [key.decode(v) if v is not None else None for key, v in zip(keys, values, strict=True)]
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise RequestError("The cursor is not valid for this list and order.", "INVALID_CURSOR") from exc


def _after(keys: Sequence[OrderKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Build (k1 > v1) OR (k1 = v1 AND k2 > v2) ... honouring each key's direction."""
    clauses = []
    for i, key in enumerate(keys):
        equal = [keys[j].expr == values[j] for j in range(i)]
        step = key.expr < values[i] if key.descending else key.expr > values[i]
        clauses.append(and_(*equal, step))
    return or_(*clauses)


@dataclass(slots=True)
class Page:
    """One page of rows with what the connection needs to describe it."""

    rows: list[Row[Any]]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    counted: Select[Any] | Callable[[], Select[Any]]  # the rows to count (no order, no page), or how to build them
    session: AsyncSession

    async def total_count(self) -> int:
        """Count every row matching the filters (built and run only when a client asks)."""
        counted = self.counted() if callable(self.counted) else self.counted
        count_statement = select(func.count()).select_from(counted.order_by(None).subquery())
        found = await fetch_rows(self.session, count_statement)
        return int(found[0][0] or 0) if found else 0


def check_first(first: int | None) -> int:
    """Return a page size within bounds or raise INVALID_PAGE_SIZE."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        raise RequestError(f"first must be between 0 and {MAX_PAGE_SIZE}.", "INVALID_PAGE_SIZE")
    return first


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    *,
    order_name: str,
    keys: Sequence[OrderKey],
    first: int | None,
    after: str | None,
) -> Page:
    """Fetch one page of `statement` in the order `keys`, after the row `after` points at."""
    size = check_first(first)
    paged = statement
    if after:
        paged = paged.where(_after(keys, decode_cursor(after, order_name, keys)))
    sort_labels: list[Any] = [key.expr.label(f"_k{i}") for i, key in enumerate(keys)]
    paged = paged.add_columns(*sort_labels).order_by(
        *[key.expr.desc() if key.descending else key.expr.asc() for key in keys]
    )
    rows = await fetch_rows(session, paged.limit(size + 1))
    has_next = len(rows) > size
    rows = rows[:size]
    width = len(keys)
    cursors = [encode_cursor(order_name, list(row[-width:])) for row in rows]
    return Page(
        rows=rows,
        cursors=cursors,
        has_next=has_next,
        has_previous=after is not None,
        counted=statement,
        session=session,
    )


def where_given(statement: Select[Any], *pairs: tuple[Any, Any]) -> Select[Any]:
    """Add `column = value` for every pair whose value was given (not None): a list's equality filters."""
    return statement.where(*(column == value for column, value in pairs if value is not None))

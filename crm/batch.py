"""Batch-loading helpers: one statement per relation per request, whatever the page size.

A loader's statement is built once per base statement (the base statements are kept per actor
scope, see `scoping.per_scope`) with the keys as a bound parameter, so a batch only binds values:
no statement to build, no cache key to compute (see crm/readpath.py).
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Sequence
from operator import attrgetter
from typing import Any

from sqlalchemy import BigInteger, Select, any_, bindparam, func, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from strawberry.dataloader import DataLoader

from crm.db import fetch_rows

_KEYED: weakref.WeakKeyDictionary[Select[Any], dict[Any, Select[Any]]] = weakref.WeakKeyDictionary()


def _keyed(statement: Select[Any], key: QueryableAttribute[Any]) -> Select[Any]:
    """`statement WHERE key = ANY(:keys)`, built once per statement and key.

    The keys travel as one array parameter: the SQL is the same for any number of keys, so
    it is prepared once per connection and no IN list is expanded into it per batch.
    """
    per_key = _KEYED.setdefault(statement, {})
    found = per_key.get(key.key)
    if found is None:
        found = per_key[key.key] = statement.where(key == any_(bindparam("keys", type_=ARRAY(key.type))))
    return found


async def rows_by_key(
    session: AsyncSession, statement: Select[Any], key: QueryableAttribute[Any], keys: Sequence[Any]
) -> list[Row[Any] | None]:
    """Fetch one row per key (or None), in the order of `keys`."""
    result = await fetch_rows(session, _keyed(statement, key), {"keys": list(set(keys))})
    of = attrgetter(key.key)
    found = {of(row): row for row in result}
    return [found.get(k) for k in keys]


async def row_lists_by_key(
    session: AsyncSession, statement: Select[Any], key: QueryableAttribute[Any], keys: Sequence[Any]
) -> list[list[Row[Any]]]:
    """Fetch every row per key, keeping the statement's order, in the order of `keys`."""
    result = await fetch_rows(session, _keyed(statement, key), {"keys": list(set(keys))})
    grouped: dict[Any, list[Row[Any]]] = defaultdict(list)
    of = attrgetter(key.key)
    for row in result:
        grouped[of(row)].append(row)
    return [grouped.get(k, []) for k in keys]


def row_loader(session: AsyncSession, statement: Select[Any], key: QueryableAttribute[Any]) -> DataLoader[Any, Any]:
    """A DataLoader of one row (or None) per key, one statement per batch."""

    async def load(keys: list[Any]) -> list[Any]:
        return await rows_by_key(session, statement, key, keys)

    return DataLoader(load_fn=load)


def row_list_loader(
    session: AsyncSession, statement: Select[Any], key: QueryableAttribute[Any]
) -> DataLoader[Any, list[Any]]:
    """A DataLoader of every row per key (in the statement's order), one statement per batch."""

    async def load(keys: list[Any]) -> list[list[Any]]:
        return await row_lists_by_key(session, statement, key, keys)

    return DataLoader(load_fn=load)


_FIRST: weakref.WeakKeyDictionary[Select[Any], dict[Any, Select[Any]]] = weakref.WeakKeyDictionary()


def _first(statement: Select[Any], key: QueryableAttribute[Any], order_by: Sequence[Any], limit: int) -> Select[Any]:
    """The first `limit` rows per parent of `:parents`, built once per statement, key and limit."""
    per_shape = _FIRST.setdefault(statement, {})
    found = per_shape.get((key.key, limit))
    if found is None:
        ids = select(func.unnest(bindparam("parents", type_=ARRAY(BigInteger))).label("parent")).subquery()
        first = statement.where(key == ids.c.parent).order_by(*order_by).limit(limit).lateral()
        found = per_shape[(key.key, limit)] = select(first).select_from(ids).join(first, true())
    return found


def first_rows_loader(
    session: AsyncSession, statement: Select[Any], key: QueryableAttribute[Any], order_by: Sequence[Any]
) -> DataLoader[tuple[int, int], list[Any]]:
    """A DataLoader of the first rows per parent; keys are (parent id, how many).

    One statement per batch: a LATERAL subquery per parent walks the (key, order)
    index and stops after the first few, however many rows a parent has.
    """

    async def load(keys: list[tuple[int, int]]) -> list[list[Any]]:
        limit = max(n for _, n in keys)
        parents = sorted({parent for parent, _ in keys})
        grouped: dict[Any, list[Any]] = defaultdict(list)
        of = attrgetter(key.key)
        for row in await fetch_rows(session, _first(statement, key, order_by, limit), {"parents": parents}):
            grouped[of(row)].append(row)
        return [grouped.get(parent, [])[:n] for parent, n in keys]

    return DataLoader(load_fn=load)

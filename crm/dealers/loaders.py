"""DataLoaders for dealers and stores."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from crm.batch import row_lists_by_key, rows_by_key
from crm.db import SerialSession
from crm.dealers.models import Dealer, Store
from crm.dealers.service import dealer_query, store_query


def dealer_by_id(session: SerialSession) -> DataLoader[int, Any]:
    """Load dealer rows by id."""

    async def load(keys: list[int]) -> list[Any]:
        return await rows_by_key(session, dealer_query(), Dealer.id, keys)

    return DataLoader(load_fn=load)


def store_by_id(session: SerialSession) -> DataLoader[int, Any]:
    """Load store rows by id."""

    async def load(keys: list[int]) -> list[Any]:
        return await rows_by_key(session, store_query(), Store.id, keys)

    return DataLoader(load_fn=load)


def stores_by_dealer(session: SerialSession) -> DataLoader[int, list[Any]]:
    """Load each dealer's stores, by code."""

    async def load(keys: list[int]) -> list[list[Any]]:
        return await row_lists_by_key(session, store_query().order_by(Store.code), Store.dealer_id, keys)

    return DataLoader(load_fn=load)

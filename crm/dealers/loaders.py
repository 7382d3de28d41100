"""DataLoaders for dealers and stores."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from crm.auth.actor import Actor
from crm.batch import row_list_loader, row_loader
from crm.db import SerialSession
from crm.dealers.models import Dealer, Store
from crm.dealers.service import dealer_query, store_query


def dealer_by_id(session: SerialSession, actor: Actor) -> DataLoader[int, Any]:
    """Load dealer rows by id."""
    return row_loader(session, dealer_query(actor), Dealer.id)


def store_by_id(session: SerialSession, actor: Actor) -> DataLoader[int, Any]:
    """Load store rows by id."""
    return row_loader(session, store_query(actor), Store.id)


def stores_by_dealer(session: SerialSession, actor: Actor) -> DataLoader[int, list[Any]]:
    """Load each dealer's stores, by code."""
    return row_list_loader(session, store_query(actor).order_by(Store.code), Store.dealer_id)

"""Dealer and store queries and mutations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from crm.dealers import service
from crm.dealers.types import DealerType, StoreType
from crm.enums import DealerTier, PaymentStanding, Region, StoreKind
from crm.graphql.context import Info
from crm.graphql.payloads import UserError, decode_ids, mutate, pop_pk, provided
from crm.graphql.relay import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, to_connection
from crm.ids import pk_of


@strawberry.input(description="Filters for the dealer list.")
class DealerFilter:
    region: Region | None = strawberry.field(default=None, description="Sales region.")
    tier: DealerTier | None = strawberry.field(default=None, description="Dealer tier.")
    payment_standing: PaymentStanding | None = strawberry.field(default=None, description="Payment standing.")
    receptionist_id: strawberry.ID | None = strawberry.field(default=None, description="Assigned receptionist.")
    sales_clerk_id: strawberry.ID | None = strawberry.field(default=None, description="Assigned sales clerk.")
    search: str | None = strawberry.field(default=None, description="Part of the name or code.")
    active: bool | None = strawberry.field(default=None, description="Trading or not.")


@strawberry.input(description="Filters for the store list.")
class StoreFilter:
    kind: StoreKind | None = strawberry.field(default=None, description="Self-operated or a dealer's.")
    dealer_id: strawberry.ID | None = strawberry.field(default=None, description="Dealer running the store.")
    region: Region | None = strawberry.field(default=None, description="Sales region.")
    city: str | None = strawberry.field(default=None, description="City, exactly.")
    search: str | None = strawberry.field(default=None, description="Part of the name or code.")
    active: bool | None = strawberry.field(default=None, description="Open or not.")


@strawberry.input(description="A new dealer.")
class DealerCreateInput:
    code: str = strawberry.field(description="Unique code, at most 20 characters (stored upper-case).")
    name: str = strawberry.field(description="Company name, at most 100 characters.")
    region: Region = strawberry.field(description="Sales region.")
    city: str = strawberry.field(description="City, at most 40 characters.")
    tier: DealerTier | None = strawberry.field(default=strawberry.UNSET, description="Tier (default STANDARD).")
    contact_name: str | None = strawberry.field(default=strawberry.UNSET, description="Main contact person.")
    contact_phone: str | None = strawberry.field(default=strawberry.UNSET, description="Contact's mainland mobile.")
    receptionist_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description="A RECEPTIONIST.")
    sales_clerk_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description="A SALES_CLERK.")
    payment_standing: PaymentStanding | None = strawberry.field(default=strawberry.UNSET, description="Default GOOD.")
    personality: str | None = strawberry.field(default=strawberry.UNSET, description="Profile: personality.")
    sales_profile: str | None = strawberry.field(default=strawberry.UNSET, description="Profile: sales situation.")
    concerns: str | None = strawberry.field(default=strawberry.UNSET, description="Profile: concerns.")


@strawberry.input(description="Changes to a dealer; only the fields sent are changed.")
class DealerUpdateInput:
    id: strawberry.ID = strawberry.field(description="The dealer to change.")
    code: str | None = strawberry.field(default=strawberry.UNSET, description="Unique code.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="Company name.")
    region: Region | None = strawberry.field(default=strawberry.UNSET, description="Sales region.")
    city: str | None = strawberry.field(default=strawberry.UNSET, description="City.")
    tier: DealerTier | None = strawberry.field(default=strawberry.UNSET, description="Tier.")
    contact_name: str | None = strawberry.field(default=strawberry.UNSET, description="Main contact person.")
    contact_phone: str | None = strawberry.field(default=strawberry.UNSET, description="Contact's mainland mobile.")
    receptionist_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description="A RECEPTIONIST.")
    sales_clerk_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description="A SALES_CLERK.")
    payment_standing: PaymentStanding | None = strawberry.field(default=strawberry.UNSET, description="Standing.")
    personality: str | None = strawberry.field(default=strawberry.UNSET, description="Profile: personality.")
    sales_profile: str | None = strawberry.field(default=strawberry.UNSET, description="Profile: sales situation.")
    concerns: str | None = strawberry.field(default=strawberry.UNSET, description="Profile: concerns.")
    active: bool | None = strawberry.field(default=strawberry.UNSET, description="Trading or not.")


@strawberry.input(description="A new store.")
class StoreCreateInput:
    code: str = strawberry.field(description="Unique code, at most 20 characters (stored upper-case).")
    name: str = strawberry.field(description="Store name, at most 100 characters.")
    kind: StoreKind = strawberry.field(description="Self-operated or a dealer's.")
    region: Region = strawberry.field(description="Sales region.")
    city: str = strawberry.field(description="City.")
    dealer_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Required for DEALER stores."
    )
    address: str | None = strawberry.field(default=strawberry.UNSET, description="Street address.")
    opened_on: dt.date | None = strawberry.field(default=strawberry.UNSET, description="Opening date.")


@strawberry.input(description="Changes to a store; only the fields sent are changed.")
class StoreUpdateInput:
    id: strawberry.ID = strawberry.field(description="The store to change.")
    code: str | None = strawberry.field(default=strawberry.UNSET, description="Unique code.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="Store name.")
    kind: StoreKind | None = strawberry.field(default=strawberry.UNSET, description="Self-operated or a dealer's.")
    region: Region | None = strawberry.field(default=strawberry.UNSET, description="Sales region.")
    city: str | None = strawberry.field(default=strawberry.UNSET, description="City.")
    dealer_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description="Dealer.")
    address: str | None = strawberry.field(default=strawberry.UNSET, description="Street address.")
    opened_on: dt.date | None = strawberry.field(default=strawberry.UNSET, description="Opening date.")
    active: bool | None = strawberry.field(default=strawberry.UNSET, description="Open or not.")


@strawberry.type(description="Result of a dealer mutation.")
class DealerPayload:
    dealer: DealerType | None = strawberry.field(description="The dealer as saved; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused; empty on success.")


@strawberry.type(description="Result of a store mutation.")
class StorePayload:
    store: StoreType | None = strawberry.field(description="The store as saved; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused; empty on success.")


_DEALER_IDS = {"receptionist_id": "Staff", "sales_clerk_id": "Staff"}
_STORE_IDS = {"dealer_id": "Dealer"}


@strawberry.type
class Query:
    @strawberry.field(description="Dealers by code, a page at a time.")
    async def dealers(
        self,
        info: Info,
        filter: Annotated[DealerFilter | None, strawberry.argument(description="Filters.")] = None,  # noqa: A002
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[DealerType]:
        f = filter or DealerFilter()
        flt = service.DealerFilter(
            region=f.region,
            tier=f.tier,
            payment_standing=f.payment_standing,
            receptionist_id=pk_of(f.receptionist_id, "Staff") if f.receptionist_id else None,
            sales_clerk_id=pk_of(f.sales_clerk_id, "Staff") if f.sales_clerk_id else None,
            search=f.search,
            active=f.active,
        )
        page = await service.list_dealers(info.context.session, info.context.signed_in, flt, first=first, after=after)
        return to_connection(page, DealerType.from_row)

    @strawberry.field(description="Stores by code, a page at a time.")
    async def stores(
        self,
        info: Info,
        filter: Annotated[StoreFilter | None, strawberry.argument(description="Filters.")] = None,  # noqa: A002
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[StoreType]:
        f = filter or StoreFilter()
        flt = service.StoreFilter(
            kind=f.kind,
            dealer_id=pk_of(f.dealer_id, "Dealer") if f.dealer_id else None,
            region=f.region,
            city=f.city,
            search=f.search,
            active=f.active,
        )
        page = await service.list_stores(info.context.session, info.context.signed_in, flt, first=first, after=after)
        return to_connection(page, StoreType.from_row)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a dealer.")
    async def dealer_create(
        self,
        info: Info,
        input_: Annotated[DealerCreateInput, strawberry.argument(name="input", description="The dealer to create.")],
    ) -> DealerPayload:
        dealer, errors = await mutate(
            info, lambda s, actor: service.create_dealer(s, actor, decode_ids(provided(input_), _DEALER_IDS))
        )
        return DealerPayload(dealer=DealerType.from_row(dealer) if dealer else None, user_errors=errors)

    @strawberry.mutation(description="Change a dealer's details or profile.")
    async def dealer_update(
        self,
        info: Info,
        input_: Annotated[
            DealerUpdateInput, strawberry.argument(name="input", description="The dealer and the changes.")
        ],
    ) -> DealerPayload:
        data = provided(input_)
        dealer, errors = await mutate(
            info,
            lambda s, actor: service.update_dealer(s, actor, pop_pk(data, "Dealer"), decode_ids(data, _DEALER_IDS)),
        )
        return DealerPayload(dealer=DealerType.from_row(dealer) if dealer else None, user_errors=errors)

    @strawberry.mutation(description="Create a store.")
    async def store_create(
        self,
        info: Info,
        input_: Annotated[StoreCreateInput, strawberry.argument(name="input", description="The store to create.")],
    ) -> StorePayload:
        store, errors = await mutate(
            info, lambda s, actor: service.create_store(s, actor, decode_ids(provided(input_), _STORE_IDS))
        )
        return StorePayload(store=StoreType.from_row(store) if store else None, user_errors=errors)

    @strawberry.mutation(description="Change a store's details.")
    async def store_update(
        self,
        info: Info,
        input_: Annotated[
            StoreUpdateInput, strawberry.argument(name="input", description="The store and the changes.")
        ],
    ) -> StorePayload:
        data = provided(input_)
        store, errors = await mutate(
            info, lambda s, actor: service.update_store(s, actor, pop_pk(data, "Store"), decode_ids(data, _STORE_IDS))
        )
        return StorePayload(store=StoreType.from_row(store) if store else None, user_errors=errors)

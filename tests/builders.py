"""Small async builders: each inserts one row in the test's transaction and returns it."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm.dealers.models import Dealer, Store
from crm.enums import Region, Role, StoreKind
from crm.ids import to_global_id
from crm.members.models import Member
from crm.staff.models import Staff

_seq = itertools.count(1)


def gid(type_name: str, pk: int) -> str:
    """Global ID of a row, as the API shows it."""
    return to_global_id(type_name, pk)


def unique_phone() -> str:
    """A valid, unused mainland mobile number in E.164."""
    return f"+86139{next(_seq):08d}"


async def make_dealer(session: AsyncSession, **kw: Any) -> Dealer:
    n = next(_seq)
    dealer = Dealer(
        code=f"TD{n:05d}",
        name=kw.pop("name", f"測試經銷商{n}"),
        region=kw.pop("region", Region.EAST),
        city=kw.pop("city", "杭州"),
        **kw,
    )
    session.add(dealer)
    await session.flush()
    return dealer


async def make_store(session: AsyncSession, **kw: Any) -> Store:
    n = next(_seq)
    dealer = kw.pop("dealer", None)
    store = Store(
        code=kw.pop("code", f"TS{n:05d}"),
        name=kw.pop("name", f"測試店{n}"),
        kind=StoreKind.DEALER if dealer else kw.pop("kind", StoreKind.SELF_OPERATED),
        dealer_id=dealer.id if dealer else None,
        region=kw.pop("region", Region.EAST),
        city=kw.pop("city", "上海"),
        **kw,
    )
    session.add(store)
    await session.flush()
    return store


async def make_staff(session: AsyncSession, role: Role = Role.VIP_MANAGER, **kw: Any) -> Staff:
    n = next(_seq)
    store = kw.pop("store", None)
    if role == Role.STORE_STAFF and store is None:
        store = await make_store(session)
    staff = Staff(
        username=kw.pop("username", f"user{n}"),
        display_name=kw.pop("display_name", f"員工{n}"),
        role=role,
        store_id=store.id if store else None,
        region=kw.pop(
            "region", Region.EAST if role in (Role.VIP_MANAGER, Role.RECEPTIONIST, Role.SALES_CLERK) else None
        ),
        **kw,
    )
    session.add(staff)
    await session.flush()
    return staff


async def make_member(session: AsyncSession, **kw: Any) -> Member:
    n = next(_seq)
    store = kw.pop("store", None) or await make_store(session)
    member = Member(
        name=kw.pop("name", f"會員{n}"),
        phone=kw.pop("phone", unique_phone()),
        home_store_id=store.id,
        enrolled_at=kw.pop("enrolled_at", dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n)),
        **kw,
    )
    session.add(member)
    await session.flush()
    await session.refresh(member)
    return member

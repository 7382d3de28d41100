"""Row scoping: which rows an actor may see and change, as SQL conditions.

Every list, every loader (so every relation and `node`) and every write goes
through these, so a row outside the actor's scope behaves as if it did not
exist. None means "no restriction".
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, func, literal, null, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.auth.permissions import Exposure, Op
from crm.callbacks.models import Callback
from crm.dealers.models import Dealer, Store
from crm.enums import Role
from crm.errors import ErrorCode
from crm.feedback.models import Feedback
from crm.members.models import Member
from crm.staff.models import Staff
from crm.targets.models import EnrolmentTarget
from crm.validation import Checks
from crm.visits.models import Visit

Condition = ColumnElement[bool] | None
M = TypeVar("M")
Statement = TypeVar("Statement")
STATEMENTS_PER_BUILDER = 256  # about 5-10 KiB each (statement and its keyed forms)


def per_scope(build: Callable[[Actor], Statement]) -> Callable[[Actor], Statement]:
    """Keep what a statement builder returns for each actor scope (`Actor.scope_key`).

    The loaders' statements depend only on who asks, SQLAlchemy statements are immutable, and
    building one (and its cache key) costs more CPU than running it: a request then reuses the
    statement built for the same person's earlier requests. Bounded: least recently used first out.
    """
    built: OrderedDict[tuple[object, ...], Statement] = OrderedDict()

    @functools.wraps(build)
    def cached(actor: Actor) -> Statement:
        key = actor.scope_key
        found = built.get(key)
        if found is None:
            found = built[key] = build(actor)
            if len(built) > STATEMENTS_PER_BUILDER:
                built.popitem(last=False)
        else:
            built.move_to_end(key)
        return found

    return cached


def _gate(actor: Actor, op: Op, condition: Condition) -> Condition:
    """No rows at all when the actor may not read this kind of record (the role or the token's scopes)."""
    return condition if actor.may(op) else false()


def _stores(actor: Actor) -> Condition:
    if actor.sees_everything:
        return None
    if actor.role is Role.STORE_STAFF:
        return Store.id == actor.store_id if actor.store_id is not None else false()
    if actor.region is None:
        return false()
    if actor.role in (Role.RECEPTIONIST, Role.SALES_CLERK):
        return (Store.region == actor.region) & Store.dealer_id.is_not(None)
    return Store.region == actor.region


def stores(actor: Actor) -> Condition:
    """Stores an actor works on: their own (store staff), their region's (VIP managers), their region's
    dealer stores (receptionists, sales clerks); all for admins, supervisors and marketing.

    A member's home store is part of the member (Member.store is never null): an API token
    granted MEMBER_READ without STORE_READ still sees the stores in its scope through members.
    """
    condition = _stores(actor)
    return condition if actor.may(Op.STORE_READ) or actor.may(Op.MEMBER_READ) else false()


def _ids(column: Any, condition: Condition) -> Any:
    return select(column).where(condition) if condition is not None else None


def store_ids(actor: Actor) -> Select[Any] | None:
    """Ids of the stores the actor works on, as a subquery (None: all)."""
    condition = _stores(actor)
    return select(Store.id).where(condition) if condition is not None else None


def _members(actor: Actor) -> Condition:
    ids = store_ids(actor)
    return Member.home_store_id.in_(ids) if ids is not None else None


def members(actor: Actor) -> Condition:
    """Members whose home store is in scope."""
    return _gate(actor, Op.MEMBER_READ, _members(actor))


def dealers(actor: Actor) -> Condition:
    """Dealers of the actor's region; a store's own dealer for store staff."""
    return _gate(actor, Op.DEALER_READ, _dealers(actor))


def _dealers(actor: Actor) -> Condition:
    if actor.sees_everything:
        return None
    if actor.role is Role.STORE_STAFF:
        return Dealer.id.in_(select(Store.dealer_id).where(Store.id == actor.store_id))
    return Dealer.region == actor.region if actor.region is not None else false()


def _either(member_column: Any, dealer_column: Any, actor: Actor) -> Condition:
    member_ids, dealer_ids = _ids(Member.id, _members(actor)), _ids(Dealer.id, _dealers(actor))
    if member_ids is None and dealer_ids is None:
        return None
    return or_(
        member_column.in_(member_ids) if member_ids is not None else member_column.is_not(None),
        dealer_column.in_(dealer_ids) if dealer_ids is not None else dealer_column.is_not(None),
    )


def visits(actor: Actor) -> Condition:
    """Visits of members and dealers in scope."""
    return _gate(actor, Op.VISIT_READ, _either(Visit.member_id, Visit.dealer_id, actor))


def callbacks(actor: Actor) -> Condition:
    """Callbacks to members and dealers in scope."""
    return _gate(actor, Op.CALLBACK_READ, _either(Callback.member_id, Callback.dealer_id, actor))


def feedback(actor: Actor) -> Condition:
    """Feedback from members and dealers in scope, or about a store in scope."""
    condition = _either(Feedback.member_id, Feedback.dealer_id, actor)
    ids = store_ids(actor)
    if condition is not None and ids is not None:
        condition = or_(condition, Feedback.store_id.in_(ids))
    return _gate(actor, Op.FEEDBACK_READ, condition)


def staff(actor: Actor) -> Condition:
    """Oneself, colleagues of the stores in scope and of one's region.

    Oneself stays visible without STAFF_READ (an API token's narrower grant): `me` and
    one's own name on records one wrote must not vanish or fail.
    """
    condition = _gate(actor, Op.STAFF_READ, _staff(actor))
    return None if condition is None else or_(Staff.id == actor.staff_id, condition)


def _staff(actor: Actor) -> Condition:
    if actor.sees_everything:
        return None
    ids = store_ids(actor)
    parts: list[ColumnElement[bool]] = [
        Staff.id == actor.staff_id,
        Staff.store_id.in_(ids) if ids is not None else true(),
    ]
    if actor.region is not None:
        parts.append(Staff.region == actor.region)
    return or_(*parts)


def targets(actor: Actor) -> Condition:
    """Targets of stores, staff and dealers in scope, and of one's region."""
    if actor.sees_everything:
        return _gate(actor, Op.TARGET_READ, None)
    parts: list[ColumnElement[bool]] = [
        EnrolmentTarget.store_id.in_(_ids(Store.id, _stores(actor))),
        EnrolmentTarget.staff_id.in_(_ids(Staff.id, _staff(actor))),
        EnrolmentTarget.dealer_id.in_(_ids(Dealer.id, _dealers(actor))),
    ]
    if actor.region is not None:
        parts.append(EnrolmentTarget.region == actor.region)
    return _gate(actor, Op.TARGET_READ, or_(*parts))


def where(statement: Select[Any], condition: Condition) -> Select[Any]:
    """Apply a scope condition to a statement (no-op for None)."""
    return statement.where(condition) if condition is not None else statement


async def is_visible(session: AsyncSession, model: Any, pk: int, condition: Condition) -> bool:
    """Tell whether a row exists and is in scope."""
    statement = where(select(literal(1)).select_from(model).where(model.id == pk), condition)
    return await session.scalar(statement) is not None


def phone_column(actor: Actor | None, column: Any) -> Any:
    """A phone column as this actor may see it: whole, masked (138****5678) or null."""
    exposure = actor.personal_data.phone if actor is not None else Exposure.HIDDEN
    if exposure is Exposure.FULL:
        return column
    if exposure is Exposure.MASKED:
        # +86 138 0013 8000 -> 138****8000
        return func.substr(column, 4, 3).op("||")("****").op("||")(func.right(column, 4)).label(column.key)
    return null().label(column.key)


def name_column(actor: Actor | None, column: Any) -> Any:
    """A person's name as this actor may see it: whole or masked (王**)."""
    exposure = actor.personal_data.name if actor is not None else Exposure.HIDDEN
    if exposure is Exposure.FULL:
        return column
    return func.left(column, 1).op("||")("**").label(column.key)


def birthday_column(actor: Actor | None, column: Any) -> Any:
    """A birthday as this actor may see it: whole or null."""
    exposure = actor.personal_data.birthday if actor is not None else Exposure.HIDDEN
    return column if exposure is Exposure.FULL else null().label(column.key)


async def find(
    session: AsyncSession, model: type[M], pk: int, condition: Condition, *, for_update: bool = False
) -> M | None:
    """Load one row as an ORM object if it exists and is in scope (locked for update if asked), in one statement."""
    table: Any = model
    statement = where(select(table).where(table.id == pk), condition)
    if for_update:
        statement = statement.with_for_update(of=table)
    row: M | None = await session.scalar(statement)
    return row


async def check_visible(
    session: AsyncSession, checks: Checks, field: str, model: Any, pk: int | None, condition: Condition, what: str
) -> None:
    """Record NOT_FOUND on `field` unless the row exists and is in scope (outside it looks the same as absent)."""
    if pk is not None and not await is_visible(session, model, pk, condition):
        checks.add(field, f"No such {what}.", ErrorCode.NOT_FOUND)

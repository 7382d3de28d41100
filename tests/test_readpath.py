"""The read path (crm/readpath.py): `session.rows()` answers as `session.execute()` would, rows stay light."""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import uuid
from typing import Any

import asyncpg
import pytest
from sqlalchemy import (
    DDL,
    BigInteger,
    Column,
    Float,
    Integer,
    MetaData,
    Table,
    bindparam,
    event,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Row
from sqlalchemy.exc import DBAPIError

from crm.batch import first_rows_loader, row_list_loader, row_loader, rows_by_key
from crm.callbacks.models import Callback
from crm.config import Settings
from crm.db import SerialSession, fetch_rows, make_engine, make_sessionmaker
from crm.dealers.models import Store
from crm.enums import CallbackPurpose, CallbackStatus, VisitKind
from crm.members.models import Member
from crm.pagination import OrderKey, paginate
from crm.visits.models import Visit
from tests.builders import make_callback, make_member, make_store, make_visit, unique_phone

BASE = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
WAIT = 10  # seconds: a fallback that waited for the session's own lock would hang; fail instead


def is_light(row: Any) -> bool:
    """A row made by the read path itself (a tuple), not by SQLAlchemy's Result (a Row)."""
    return isinstance(row, tuple) and not isinstance(row, Row)


async def both(
    session: SerialSession, statement: Any, params: dict[str, Any] | None = None
) -> tuple[list[Any], list[Any]]:
    """The rows of `statement` through the read path, then through the ORM."""
    light = await asyncio.wait_for(session.rows(statement, params), WAIT)
    orm = list((await session.execute(statement, params)).all())
    return light, orm


def assert_same(light: list[Any], orm: list[Any]) -> None:
    """Same values of the same types in the same order, readable by the same names."""
    assert [tuple(row) for row in light] == [tuple(row) for row in orm]
    assert [tuple(map(type, row)) for row in light] == [tuple(map(type, row)) for row in orm]
    for mine, theirs in zip(light, orm, strict=True):
        assert tuple(mine._fields) == tuple(theirs._fields)
        assert mine._mapping == dict(theirs._mapping)
        for name in theirs._fields:
            assert getattr(mine, name) == getattr(theirs, name)


async def _populate(session: SerialSession) -> dict[str, Any]:
    """Two stores, three members (tags, preferences, birthdays, spend), visits with items, callbacks."""
    store = await make_store(session)
    other = await make_store(session)
    members = [
        await make_member(
            session,
            store=store,
            tags=["vip", "tea"],
            preferences={"drink": "oolong", "sizes": [1, 2], "nested": {"ok": True}},
            birthday=dt.date(1980, 2, 29),
            lifetime_spend=decimal.Decimal("1234.50"),
            last_visit_at=BASE,
        ),
        await make_member(session, store=other, tags=[], preferences={}, notes="沒有偏好"),
        await make_member(session, store=store, tags=["gold"], preferences={"drink": None}),
    ]
    for n, member in enumerate(members):
        for d in range(n + 2):
            await make_visit(
                session,
                member=member,
                visited_at=BASE + dt.timedelta(days=d, minutes=n),
                purchase_amount=decimal.Decimal(100 + d) + decimal.Decimal("0.25"),
                item_count=d,
                items=[{"sku": f"S{n}{d}", "qty": d, "price": 12.5}],
            )
    callbacks = [
        await make_callback(session, member=members[0], due_on=dt.date(2026, 6, 10), priority=2),
        await make_callback(
            session,
            member=members[1],
            due_on=dt.date(2026, 6, 11),
            status=CallbackStatus.DONE,
            purpose=CallbackPurpose.BIRTHDAY,
        ),
    ]
    return {"store": store, "other": other, "members": members, "callbacks": callbacks}


# ---------------------------------------------------------------------------
# The same rows as session.execute


async def test_a_table_of_every_column_type_reads_the_same(session):
    # given: members with arrays, JSONB, numeric, dates and timestamps; visits with items; callbacks
    data = await _populate(session)
    statements = [
        select(*Member.__table__.c).order_by(Member.id),
        select(*Visit.__table__.c).order_by(Visit.member_id, Visit.visited_at.desc()),
        select(*Callback.__table__.c).order_by(Callback.id),
    ]
    for statement in statements:
        # when
        light, orm = await both(session, statement)
        # then
        assert light and all(is_light(row) for row in light)
        assert_same(light, orm)
    member = (await session.rows(statements[0]))[0]
    assert member.tags == ["vip", "tea"]
    assert member.preferences == {"drink": "oolong", "sizes": [1, 2], "nested": {"ok": True}}
    assert member.lifetime_spend == decimal.Decimal("1234.50") and type(member.lifetime_spend) is decimal.Decimal
    assert member.birthday == dt.date(1980, 2, 29)
    assert member.last_visit_at == BASE and member.last_visit_at.tzinfo is not None
    assert member.id == data["members"][0].id


async def test_bound_values_of_every_type_select_the_same_rows(session):
    # given
    data = await _populate(session)
    first = data["members"][0]
    statements = [
        select(Member.id, Member.name).where(Member.tags.contains(["vip"])),
        select(Member.id).where(Member.preferences.contains({"drink": "oolong"})),
        select(Member.id, Member.preferences["drink"].label("drink")).order_by(Member.id),
        select(Member.id).where(Member.lifetime_spend >= decimal.Decimal("1000.00")),
        select(Member.id).where(Member.birthday == dt.date(1980, 2, 29)),
        select(Visit.id, Visit.visited_at).where(Visit.visited_at >= BASE + dt.timedelta(days=1)).order_by(Visit.id),
        select(Visit.id).where(Visit.kind.in_([VisitKind.MEMBER_STORE]), Visit.member_id == first.id),
        select(Callback.id, Callback.purpose, Callback.status).where(Callback.status == CallbackStatus.OPEN),
        select(Callback.id).where(Callback.due_on.between(dt.date(2026, 6, 1), dt.date(2026, 6, 30))),
        select(type_coerce(Member.lifetime_spend, Float).label("spend")).order_by(Member.id),
        select(Member.id).where(Member.id.in_(bindparam("literal_ids", [first.id], literal_execute=True))),
        select(Member.id).order_by(Member.id).limit(2).offset(1),
    ]
    for statement in statements:
        # when
        light, orm = await both(session, statement)
        # then
        assert light, statement
        assert all(is_light(row) for row in light)
        assert_same(light, orm)
    spends = await session.rows(statements[-3])
    assert spends[0].spend == 1234.5 and type(spends[0].spend) is float


async def test_in_over_a_set_of_keys_reads_the_same_for_every_batch_size(session):
    # given
    data = await _populate(session)
    ids = [m.id for m in data["members"]] + [10**12]
    for size in (0, 1, 2, 4, 3, 1):
        batch = set(ids[:size])
        # when
        light, orm = await both(session, select(Member.id, Member.name).where(Member.id.in_(batch)).order_by(Member.id))
        # then
        assert_same(light, orm)
        assert [row.id for row in light] == sorted(batch - {10**12})


async def test_one_statement_with_expanding_keys_reads_the_same_for_every_batch_size(session):
    # given: one statement object, as the loaders keep theirs, bound to batches of different sizes
    data = await _populate(session)
    ids = [m.id for m in data["members"]]
    statement = (
        select(Member.id, Member.tags, Member.home_store_id)
        .where(Member.id.in_(bindparam("keys", expanding=True)))
        .order_by(Member.id)
    )
    for keys in ([ids[0]], ids, [], [ids[2], ids[0]], [ids[1]], ids):
        # when
        light, orm = await both(session, statement, {"keys": keys})
        # then
        assert_same(light, orm)
        assert [row.id for row in light] == sorted(keys)


async def test_the_loaders_answer_per_key_in_the_order_asked(session):
    # given
    data = await _populate(session)
    ids = [m.id for m in data["members"]]
    base = select(*Member.__table__.c)
    expected = {row.id: tuple(row) for row in (await session.execute(base)).all()}
    for keys in ([ids[1]], [ids[2], 10**12, ids[0]], ids + ids[:1]):
        # when
        found = await asyncio.wait_for(rows_by_key(session, base, Member.id, keys), WAIT)
        # then
        assert [tuple(row) if row is not None else None for row in found] == [expected.get(k) for k in keys]
    # when: through DataLoaders, one batch each
    one = await row_loader(session, base, Member.id).load_many([ids[2], ids[0]])
    lists = await row_list_loader(session, select(*Visit.__table__.c).order_by(Visit.id), Visit.member_id).load_many(
        [ids[1], 10**12]
    )
    # then
    assert [row.id for row in one] == [ids[2], ids[0]]
    visits = (
        await session.execute(select(*Visit.__table__.c).where(Visit.member_id == ids[1]).order_by(Visit.id))
    ).all()
    assert [tuple(row) for row in lists[0]] == [tuple(row) for row in visits]
    assert lists[1] == []


async def test_a_lateral_first_rows_query_reads_the_same(session):
    # given: the statement first_rows_loader builds, with its parents literal and bound
    data = await _populate(session)
    parents = sorted(m.id for m in data["members"])
    visits = select(*Visit.__table__.c)
    for unnest in (
        func.unnest(literal(parents, ARRAY(BigInteger))),
        func.unnest(bindparam("parents", type_=ARRAY(BigInteger))),
    ):
        ids = select(unnest.label("parent")).subquery()
        first = (
            visits.where(Visit.member_id == ids.c.parent)
            .order_by(Visit.visited_at.desc(), Visit.id.desc())
            .limit(2)
            .lateral()
        )
        statement = select(first).select_from(ids).join(first, true())
        # when
        light, orm = await both(session, statement, {"parents": parents})
        # then
        assert len(light) == 6
        assert_same(light, orm)


async def test_first_rows_loader_gives_the_newest_rows_per_parent(session):
    # given
    data = await _populate(session)
    m0, m1, m2 = (m.id for m in data["members"])
    order = (Visit.visited_at.desc(), Visit.id.desc())
    loader = first_rows_loader(session, select(*Visit.__table__.c), Visit.member_id, order)
    # when
    found = await asyncio.wait_for(loader.load_many([(m2, 3), (m0, 1), (10**12, 2), (m1, 5)]), WAIT)
    # then
    for rows, (parent, n) in zip(found, [(m2, 3), (m0, 1), (10**12, 2), (m1, 5)], strict=True):
        newest = (await session.execute(select(Visit.id).where(Visit.member_id == parent).order_by(*order))).all()
        assert [row.id for row in rows] == [row.id for row in newest[:n]]
        assert all(row.member_id == parent for row in rows)


async def test_union_all_labels_and_counts_read_the_same(session):
    # given
    data = await _populate(session)
    parts = [
        select(literal("member").label("kind"), Member.home_store_id.label("key"), func.count().label("n"))
        .group_by(Member.home_store_id)
        .order_by(None),
        select(literal("visit").label("kind"), Visit.store_id, func.count()).group_by(Visit.store_id),
    ]
    statements = [
        union_all(*parts),
        union_all(*parts).order_by(text("kind"), text("key")),
        select(Member.id.label("member_id"), Store.name.label("store_name"), Store.id.label("store_id"))
        .join(Store, Store.id == Member.home_store_id)
        .order_by(Member.id),
        select(Member.id, Store.id).join(Store, Store.id == Member.home_store_id).order_by(Member.id),
        select(func.count().label("n")).select_from(Member),
        select(func.count()).select_from(Member.__table__),
        select(func.count().label("n")).select_from(select(Member.id).where(Member.tags.contains(["vip"])).subquery()),
        select(func.count(Visit.id).label("visits"), func.sum(Visit.purchase_amount).label("spent")),
    ]
    for statement in statements:
        # when
        light, orm = await both(session, statement)
        # then
        assert light and all(is_light(row) for row in light)
        assert_same(light, orm)
    counts = await session.rows(statements[1])
    assert {(row.kind, row.key): row.n for row in counts} == {
        ("member", data["store"].id): 2,
        ("member", data["other"].id): 1,
        ("visit", data["store"].id): 2 + 4,
        ("visit", data["other"].id): 3,
    }
    assert (await session.rows(statements[4]))[0].n == (await session.rows(statements[5]))[0][0] == 3
    totals = (await session.rows(statements[-1]))[0]
    assert totals.visits == 9 and totals.spent == decimal.Decimal("912.25")


async def test_paginate_pages_through_the_read_path(session):
    # given
    data = await _populate(session)
    keys = [OrderKey(Member.name, descending=True), OrderKey(Member.id)]
    statement = select(Member.id, Member.name)
    everything = (await session.execute(statement.order_by(Member.name.desc(), Member.id))).all()
    # when
    first = await paginate(session, statement, order_name="readpath", keys=keys, first=2, after=None)
    second = await paginate(session, statement, order_name="readpath", keys=keys, first=2, after=first.cursors[-1])
    # then
    assert [row.id for row in first.rows + second.rows] == [row.id for row in everything]
    assert first.has_next and not second.has_next
    assert await first.total_count() == len(data["members"])
    assert all(is_light(row) for row in first.rows)


async def test_fetch_rows_reads_the_same_through_a_plain_session(session):
    # given
    data = await _populate(session)
    statement = select(Member.id, Member.tags).where(Member.id.in_(bindparam("keys", expanding=True)))
    keys = [m.id for m in data["members"][:2]]
    # when
    light = await fetch_rows(session, statement, {"keys": keys})
    orm = await fetch_rows(_PlainSession(session), statement, {"keys": keys})  # type: ignore[arg-type]
    # then
    assert all(is_light(row) for row in light)
    assert sorted(map(tuple, light)) == sorted(map(tuple, orm))
    assert all(isinstance(row, Row) for row in orm)


class _PlainSession:
    """Not a SerialSession: fetch_rows takes the ORM's way (execute) with it."""

    def __init__(self, session: SerialSession) -> None:
        self._session = session

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        return await self._session.execute(*args, **kwargs)


# ---------------------------------------------------------------------------
# Rows


async def test_rows_read_like_sqlalchemy_rows(session):
    # given
    member = await make_member(session, tags=["vip"], preferences={"drink": "tea"})
    statement = select(
        Member.id, Member.name, Member.tags, Member.preferences, Member.enrolled_at.label("since")
    ).where(Member.id == member.id)
    # when
    light, orm = await both(session, statement)
    mine, theirs = light[0], orm[0]
    # then
    assert is_light(mine)
    assert mine.id == theirs.id == member.id
    assert mine.since == theirs.since == member.enrolled_at
    assert mine._mapping == dict(theirs._mapping)
    assert mine._mapping["tags"] == ["vip"] and "preferences" in mine._mapping
    assert mine._fields == theirs._fields == ("id", "name", "tags", "preferences", "since")
    assert mine[0] == theirs[0] and mine[-1] == theirs[-1] and mine[2] == theirs[2]
    assert mine[-2:] == theirs[-2:] == (member.preferences, member.enrolled_at)
    assert mine[1:3] == theirs[1:3]
    assert len(mine) == len(theirs) == 5
    assert mine == tuple(theirs) and list(mine) == list(theirs)
    identity, name, *_ = mine
    assert (identity, name) == (member.id, member.name)
    with pytest.raises(AttributeError):
        _ = mine.phone
    with pytest.raises(IndexError):
        _ = mine[5]


async def test_names_that_are_not_attributes_are_still_in_the_mapping(session):
    # given: labels that are no Python identifiers, keywords, or the row's own names
    statement = select(
        literal(1).label("two words"),
        literal(2).label("class"),
        literal(3).label("_fields"),
        literal(4).label("plain"),
    )
    # when
    light, orm = await both(session, statement)
    # then
    assert tuple(light[0]) == tuple(orm[0]) == (1, 2, 3, 4)
    assert light[0]._mapping == dict(orm[0]._mapping) == {"two words": 1, "class": 2, "_fields": 3, "plain": 4}
    assert light[0].plain == orm[0].plain == 4


# ---------------------------------------------------------------------------
# Pending ORM changes


async def test_a_new_object_not_yet_flushed_is_found(session, statements):
    # given: a member added to the session, not flushed
    store = await make_store(session)
    phone = unique_phone()
    member = Member(name="未寫入", phone=phone, home_store_id=store.id, enrolled_at=BASE)
    session.add(member)
    assert member.id is None
    statements.active = True
    # when
    found = await asyncio.wait_for(session.rows(select(Member.id, Member.name).where(Member.phone == phone)), WAIT)
    # then: flushed first (autoflush), as session.execute does
    assert [tuple(row) for row in found] == [(member.id, "未寫入")]
    assert member.id is not None
    assert statements.statements[0].startswith("INSERT INTO member")
    assert statements.statements[-1].startswith("SELECT")
    # and: the session is clean again, and the next statement takes the light path
    again = await session.rows(select(Member.id).where(Member.phone == phone))
    assert [row.id for row in again] == [member.id] and all(is_light(row) for row in again)


async def test_changed_and_deleted_objects_not_yet_flushed_are_seen(session):
    # given
    first, second = await make_member(session), await make_member(session)
    callback = await make_callback(session, member=first)
    first.name = "改過的名字"
    await session.delete(callback)
    # when
    names = await asyncio.wait_for(session.rows(select(Member.name).where(Member.id == first.id)), WAIT)
    callbacks = await session.rows(select(Callback.id).where(Callback.member_id == first.id))
    # then
    assert [row.name for row in names] == ["改過的名字"]
    assert callbacks == []
    assert second.id is not None


async def test_rows_runs_in_the_sessions_transaction(engine):
    # given: a session on the engine itself, its transaction started by the read path
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session:
        # when
        started = (await session.rows(select(func.now().label("at"))))[0].at
        await asyncio.sleep(0.01)
        again = (await session.rows(select(func.now().label("at"))))[0].at
        same = (await session.execute(select(func.now()))).scalar_one()
        await session.commit()
        await asyncio.sleep(0.01)
        later = (await session.rows(select(func.now().label("at"))))[0].at
        await session.rollback()
    # then: one transaction until the commit, a new one after it
    assert started == again == same
    assert later > started


async def test_concurrent_calls_on_one_session_wait_for_each_other(session):
    # given
    data = await _populate(session)
    ids = [m.id for m in data["members"]]
    # when
    results = await asyncio.wait_for(
        asyncio.gather(
            *(session.rows(select(Member.id).where(Member.id == pk)) for pk in ids),
            session.execute(select(func.count()).select_from(Member)),
            session.rows(select(Visit.id).where(Visit.member_id.in_(ids))),
        ),
        WAIT,
    )
    # then
    assert [rows[0].id for rows in results[:3]] == ids
    assert results[3].scalar_one() == 3
    assert len(results[4]) == 9


# ---------------------------------------------------------------------------
# Errors


async def _error(call: Any) -> DBAPIError:
    with pytest.raises(DBAPIError) as caught:
        await asyncio.wait_for(call, WAIT)
    return caught.value


async def _error_in_savepoint(session: SerialSession, call: Any) -> DBAPIError:
    """The error `call()` raises inside a savepoint, rolled back by it."""
    with pytest.raises(DBAPIError) as caught:
        async with session.begin_nested():
            await asyncio.wait_for(call(), WAIT)
    return caught.value


async def test_a_nul_in_text_raises_sqlalchemys_error_with_its_sqlstate(session):
    # given
    member = await make_member(session)
    statement = select(Member.id).where(Member.name == "王\x00紅")
    # when
    light = await _error_in_savepoint(session, lambda: session.rows(statement))
    orm = await _error_in_savepoint(session, lambda: session.execute(statement))
    # then
    assert light.orig.sqlstate == "22021"
    assert type(light) is type(orm)
    assert type(light.orig) is type(orig := orm.orig) and str(light.orig) == str(orig)
    assert "member.name" in light.statement
    # and: after the savepoint's rollback the session goes on
    assert [row.id for row in await session.rows(select(Member.id).where(Member.id == member.id))] == [member.id]


async def test_a_statement_failing_on_the_server_raises_and_the_session_recovers(session):
    # given
    member = await make_member(session)
    statement = select((literal(1) / literal(0)).label("ratio"))
    # when
    light = await _error(session.rows(statement))
    # then
    assert light.orig.sqlstate == "22012"
    assert "division by zero" in str(light)
    await session.rollback()
    orm = await _error_in_savepoint(session, lambda: session.execute(statement))
    assert type(light) is type(orm) and type(light.orig) is type(orm.orig)
    # and: the transaction was rolled back; the session answers again, on the read path
    found = await session.rows(select(Member.id).where(Member.id == member.id))
    assert found == []
    assert (await session.rows(select(literal(7).label("seven"))))[0].seven == 7


async def test_an_aborted_transaction_refuses_statements_like_sqlalchemy(session):
    # given: a failed statement, no rollback yet
    await _error(session.rows(select(literal(1) / literal(0))))
    # when
    light = await _error(session.rows(select(literal(1))))
    # then
    assert light.orig.sqlstate == "25P02"  # in_failed_sql_transaction
    await session.rollback()
    assert tuple((await session.rows(select(literal(1))))[0]) == (1,)


# ---------------------------------------------------------------------------
# Statement listeners


async def test_statement_listeners_see_every_statement_of_the_read_path(session, statements, engine):
    # given
    data = await _populate(session)
    ids = [m.id for m in data["members"]]
    seen: list[tuple[str, Any]] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        seen.append((statement, tuple(parameters)))

    after: list[str] = []

    def after_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        after.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after_execute)
    statement = select(Member.id, Member.name).where(Member.id.in_(bindparam("keys", expanding=True)))
    try:
        statements.active = True
        # when
        await session.rows(statement, {"keys": ids})
        await session.rows(select(func.count()).select_from(Member))
        await session.rows(select(literal_column("1").label("a"), literal_column("2").label("a")))  # a fallback
        counted = statements.count
        await session.execute(statement, {"keys": ids})
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)
        event.remove(engine.sync_engine, "after_cursor_execute", after_execute)
    # then
    assert counted == 3
    assert statements.count == 4
    assert len(after) == 4
    # and: the listeners see the SQL and the values SQLAlchemy itself sends
    assert seen[0] == seen[3]
    assert seen[0][1] == tuple(ids)
    assert statements.statements[1].startswith("SELECT count(*)")


# ---------------------------------------------------------------------------
# Fallbacks


async def test_duplicate_names_fall_back_to_sqlalchemy_rows(session):
    # given
    member = await make_member(session)
    statements = [
        select(literal_column("1").label("a"), literal_column("2").label("a")),
        select(Member.__table__.c.id.label("x"), Store.__table__.c.id.label("x")).select_from(
            Member.__table__.join(Store.__table__, Store.__table__.c.id == Member.__table__.c.home_store_id)
        ),
    ]
    for statement in statements:
        # when
        light, orm = await both(session, statement)
        # then
        assert light and all(isinstance(row, Row) for row in light)
        assert [tuple(row) for row in light] == [tuple(row) for row in orm]
        assert tuple(light[0]._fields) == tuple(orm[0]._fields)
    assert tuple((await session.rows(statements[1]))[0]) == (member.id, member.home_store_id)


async def test_orm_columns_labelled_alike_read_by_the_orms_names(session):
    # given: two ORM columns given the same label (the ORM names them id and id_1)
    member = await make_member(session)
    statement = select(Member.id.label("id"), Store.id.label("id")).join(Store, Store.id == Member.home_store_id)
    # when
    light, orm = await both(session, statement)
    # then: the same values under the same names
    assert [tuple(row) for row in light] == [tuple(row) for row in orm] == [(member.id, member.home_store_id)]
    assert tuple(light[0]._fields) == tuple(orm[0]._fields)


async def test_two_id_columns_of_a_join_read_by_their_disambiguated_names(session):
    # given: no labels: SQLAlchemy names the second `id_1`
    member = await make_member(session)
    statement = select(Member.id, Store.id).join(Store, Store.id == Member.home_store_id)
    # when
    light, orm = await both(session, statement)
    # then
    assert_same(light, orm)
    assert (light[0].id, light[0].id_1) == (member.id, member.home_store_id)


async def test_text_dml_and_entities_fall_back(session):
    # given
    store = await make_store(session)
    phone = unique_phone()
    inserted = (
        insert(Member)
        .values(name="經由插入", phone=phone, home_store_id=store.id, enrolled_at=BASE)
        .returning(Member.id, Member.name)
    )
    # when
    returned = await asyncio.wait_for(session.rows(inserted), WAIT)
    textual = await session.rows(text("SELECT CAST(:a AS integer) AS a, CAST(:b AS text) AS b"), {"a": 1, "b": "二"})
    typed = await session.rows(
        text("SELECT id, name FROM member WHERE phone = :phone").columns(Member.id, Member.name), {"phone": phone}
    )
    # then
    assert [row.name for row in returned] == ["經由插入"]
    assert [tuple(row) for row in textual] == [(1, "二")]
    assert [tuple(row) for row in typed] == [(returned[0].id, "經由插入")]


# ---------------------------------------------------------------------------
# Known differences from session.execute (bugs: see each reason)


def _fresh_table() -> Table:
    return Table(f"readpath_{uuid.uuid4().hex[:12]}", MetaData(), Column("v", Integer))


async def test_a_statement_prepared_before_a_schema_change_runs_after_it(session):
    # given: a statement prepared on this connection, then its table altered through SQLAlchemy
    table = _fresh_table()
    connection = await session.connection()
    await connection.execute(DDL(f"CREATE TEMP TABLE {table.name} (v integer)"))
    await connection.execute(table.insert().values(v=1))
    assert [tuple(row) for row in await session.rows(select(table.c.v))] == [(1,)]
    await connection.execute(DDL(f"ALTER TABLE {table.name} ALTER COLUMN v TYPE bigint"))
    # when / then: session.execute re-prepares here; the read path must too
    assert [tuple(row) for row in await session.rows(select(table.c.v))] == [(1,)]


async def test_a_statement_made_stale_elsewhere_fails_once_only(session):
    # given: the table altered outside SQLAlchemy's knowledge (as a migration in another process does)
    table = _fresh_table()
    await session.execute(text(f"CREATE TEMP TABLE {table.name} (v integer)"))
    await session.execute(table.insert().values(v=1))
    await session.rows(select(table.c.v))
    await session.execute(text(f"ALTER TABLE {table.name} ALTER COLUMN v TYPE bigint"))
    await _error_in_savepoint(session, lambda: session.rows(select(table.c.v)))
    # when
    async with session.begin_nested():
        found = await session.rows(select(table.c.v))
    # then
    assert [tuple(row) for row in found] == [(1,)]


async def _terminated_pool(database_url: str) -> tuple[Any, Any]:
    """An engine whose two pooled connections the server has closed (no ping within 60 s)."""
    engine = make_engine(Settings(pool_size=2, pool_ping_after=60), database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as a, sessionmaker() as b:
        pids = [await a.scalar(text("SELECT pg_backend_pid()")), await b.scalar(text("SELECT pg_backend_pid()"))]
    conn = await asyncpg.connect(database_url)
    try:
        for pid in pids:
            assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await conn.close()
    await asyncio.sleep(0.1)
    return engine, sessionmaker


async def test_a_lost_connection_is_reported_as_invalidated(database_url):
    # given
    engine, sessionmaker = await _terminated_pool(database_url)
    try:
        async with sessionmaker() as session:
            # when
            error = await _error(session.rows(select(literal(1))))
        # then: as session.execute reports it
        assert error.connection_invalidated
    finally:
        await engine.dispose()


async def test_after_a_lost_connection_the_next_session_gets_a_live_one(database_url):
    # given: the server closed every pooled connection; one request has hit that
    engine, sessionmaker = await _terminated_pool(database_url)
    try:
        async with sessionmaker() as session:
            await _error(session.rows(select(literal(1))))
        # when
        async with sessionmaker() as session:
            found = await session.rows(select(literal(2).label("two")))
        # then
        assert [row.two for row in found] == [2]
    finally:
        await engine.dispose()


async def test_an_entity_select_gives_objects(session):
    # given
    member = await make_member(session)
    # when
    light, orm = await both(session, select(Member).where(Member.id == member.id))
    # then
    assert light[0][0] is orm[0][0] is member


async def test_columns_named_count_and_index_read_as_attributes(session):
    # given
    await make_member(session)
    # when
    light, orm = await both(session, select(func.count().label("count"), literal(0).label("index")))
    # then
    assert (orm[0].count, orm[0].index) == (1, 0)
    assert (light[0].count, light[0].index) == (1, 0)


@pytest.mark.parametrize(
    ("columns", "names"),
    [
        ((func.count(),), ("count",)),
        ((func.sum(Member.lifetime_spend), func.max(Member.id)), ("sum", "max")),
        ((Member.id, Member.id), ("id", "id_1")),
    ],
)
async def test_unlabelled_columns_of_an_orm_statement_read_by_sqlalchemys_names(session, columns, names):
    # given
    await make_member(session)
    # when
    light, orm = await both(session, select(*columns).select_from(Member))
    # then
    assert orm[0]._fields == names
    assert light[0]._fields == orm[0]._fields

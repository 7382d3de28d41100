"""Members through the GraphQL API: enrolment, updates, filters, pagination."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from crm.enums import MemberTier, Role
from crm.members.models import Member
from tests.builders import gid, make_member, make_staff, make_store

ENROL = """
mutation Enrol($input: MemberEnrolInput!) {
  memberEnrol(input: $input) {
    member { id memberNo name phone tier birthday consent { phone sms wechat } store { name }
             preferences { sizes { shoe top } colours styles } tags }
    userErrors { field message code relatedId }
  }
}
"""

UPDATE = """
mutation Update($input: MemberUpdateInput!) {
  memberUpdate(input: $input) {
    member { id name phone tier notes consent { phone sms wechat } }
    userErrors { field code relatedId }
  }
}
"""

LIST = """
query List($filter: MemberFilter, $orderBy: MemberOrder, $first: Int, $after: String) {
  members(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    edges { cursor node { id name } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""


async def _count(session) -> int:
    return int(await session.scalar(select(func.count()).select_from(Member)))


async def test_enrol_normalises_phone_and_applies_defaults(gql, session):
    # given
    store = await make_store(session, name="上海南京西路店")
    # when
    data = await gql(
        ENROL,
        {
            "input": {
                "name": " 王小紅 ",
                "phone": "+86 138 0013 8000",
                "homeStoreId": gid("Store", store.id),
                "birthday": "1990-02-28",
                "preferences": {"sizes": {"shoe": "38"}, "colours": ["黑色", "黑色", "米白"]},
                "tags": ["高消費"],
            }
        },
    )
    # then
    payload = data["memberEnrol"]
    assert payload["userErrors"] == []
    member = payload["member"]
    assert member["name"] == "王小紅"
    assert member["phone"] == "+8613800138000"
    assert member["tier"] == "SILVER"
    assert member["memberNo"].startswith("M")
    assert member["consent"] == {"phone": True, "sms": True, "wechat": True}
    assert member["store"]["name"] == "上海南京西路店"
    assert member["preferences"]["colours"] == ["黑色", "米白"]
    assert member["preferences"]["sizes"]["shoe"] == "38"


async def test_duplicate_phone_returns_existing_member_and_writes_nothing(gql, session):
    # given
    existing = await make_member(session, phone="+8613800138001")
    before = await _count(session)
    # when
    data = await gql(
        ENROL,
        {"input": {"name": "李四", "phone": "138 0013 8001", "homeStoreId": gid("Store", existing.home_store_id)}},
    )
    # then
    payload = data["memberEnrol"]
    assert payload["member"] is None
    assert payload["userErrors"] == [
        {
            "field": "phone",
            "message": "A member with this phone number is already enrolled.",
            "code": "DUPLICATE_PHONE",
            "relatedId": gid("Member", existing.id),
        }
    ]
    assert await _count(session) == before


async def test_enrol_reports_every_bad_field_at_once(gql, session):
    # given
    before = await _count(session)
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    # when
    data = await gql(
        ENROL,
        {
            "input": {
                "name": "",
                "phone": "12345",
                "homeStoreId": gid("Store", 999999),
                "birthday": tomorrow,
                "tags": ["x" * 31],
            }
        },
    )
    # then
    codes = {(e["field"], e["code"]) for e in data["memberEnrol"]["userErrors"]}
    assert codes == {
        ("name", "REQUIRED"),
        ("phone", "INVALID_PHONE"),
        ("homeStoreId", "NOT_FOUND"),
        ("birthday", "INVALID_DATE"),
        ("tags", "TOO_LONG"),
    }
    assert await _count(session) == before


async def test_enrol_rejects_malformed_ids_and_non_manager(gql, session):
    # given
    store = await make_store(session)
    clerk = await make_staff(session, Role.SALES_CLERK)
    # when
    bad_id = await gql(ENROL, {"input": {"name": "甲", "phone": "13800138002", "homeStoreId": "nonsense"}})
    not_manager = await gql(
        ENROL,
        {
            "input": {
                "name": "甲",
                "phone": "13800138002",
                "homeStoreId": gid("Store", store.id),
                "managerId": gid("Staff", clerk.id),
            }
        },
    )
    # then
    assert bad_id["memberEnrol"]["userErrors"][0]["code"] == "INVALID_ID"
    assert not_manager["memberEnrol"]["userErrors"] == [
        {"field": "managerId", "code": "INVALID", "message": "This person is not a VIP manager.", "relatedId": None}
    ]


async def test_update_changes_only_sent_fields(gql, session):
    # given
    member = await make_member(session, name="張三", notes="舊備註", tier=MemberTier.GOLD)
    # when
    data = await gql(
        UPDATE,
        {
            "input": {
                "id": gid("Member", member.id),
                "notes": None,
                "consent": {"phone": False, "sms": True, "wechat": False},
            }
        },
    )
    # then
    updated = data["memberUpdate"]["member"]
    assert data["memberUpdate"]["userErrors"] == []
    assert updated["name"] == "張三"
    assert updated["tier"] == "GOLD"
    assert updated["notes"] is None
    assert updated["consent"] == {"phone": False, "sms": True, "wechat": False}


async def test_update_to_another_members_phone_is_refused(gql, session):
    # given
    first = await make_member(session)
    second = await make_member(session)
    # when
    data = await gql(UPDATE, {"input": {"id": gid("Member", second.id), "phone": first.phone}})
    # then
    assert data["memberUpdate"]["userErrors"] == [
        {"field": "phone", "code": "DUPLICATE_PHONE", "relatedId": gid("Member", first.id)}
    ]


async def test_update_unknown_member_and_empty_update(gql, session):
    # given
    member = await make_member(session)
    # when
    unknown = await gql(UPDATE, {"input": {"id": gid("Member", 987654321), "name": "X"}})
    empty = await gql(UPDATE, {"input": {"id": gid("Member", member.id)}})
    wrong_type = await gql(UPDATE, {"input": {"id": gid("Store", member.home_store_id), "name": "X"}})
    # then
    assert unknown["memberUpdate"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert empty["memberUpdate"]["userErrors"][0]["code"] == "NOTHING_TO_UPDATE"
    assert wrong_type["memberUpdate"]["userErrors"][0]["code"] == "INVALID_ID"


async def test_filters(gql, session):
    # given
    store = await make_store(session)
    other = await make_store(session)
    manager = await make_staff(session, Role.VIP_MANAGER)
    a = await make_member(
        session,
        store=store,
        name="陳美玲",
        tier=MemberTier.GOLD,
        manager_id=manager.id,
        enrolled_at=dt.datetime(2026, 3, 31, 16, 30, tzinfo=dt.UTC),
        tags=["新品"],
        last_visit_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
    )
    b = await make_member(
        session,
        store=store,
        name="陳大文",
        phone="+8613912345678",
        enrolled_at=dt.datetime(2026, 3, 31, 15, 30, tzinfo=dt.UTC),
    )
    await make_member(session, store=other, name="林小華")

    async def ids(flt):
        data = await gql(LIST, {"filter": flt, "first": 100})
        return {e["node"]["id"] for e in data["members"]["edges"]}

    s = gid("Store", store.id)
    # when / then
    assert await ids({"storeId": s}) == {gid("Member", a.id), gid("Member", b.id)}
    assert await ids({"storeId": s, "search": "美玲"}) == {gid("Member", a.id)}
    assert await ids({"storeId": s, "search": "139 1234 5678"}) == {gid("Member", b.id)}
    assert await ids({"storeId": s, "search": "5678"}) == {gid("Member", b.id)}
    assert await ids({"storeId": s, "tier": "GOLD"}) == {gid("Member", a.id)}
    assert await ids({"managerId": gid("Staff", manager.id)}) == {gid("Member", a.id)}
    assert await ids({"storeId": s, "tag": "新品"}) == {gid("Member", a.id)}
    # 2026-03-31 16:30 UTC is 2026-04-01 00:30 in Shanghai: April for the business
    assert await ids({"storeId": s, "enrolledFrom": "2026-04-01"}) == {gid("Member", a.id)}
    assert await ids({"storeId": s, "enrolledTo": "2026-03-31"}) == {gid("Member", b.id)}
    assert await ids({"storeId": s, "lastVisitBefore": "2026-01-05"}) == {gid("Member", b.id)}
    member_no = (await session.get(Member, a.id)).member_no
    assert await ids({"search": member_no.lower()}) == {gid("Member", a.id)}


async def test_pagination_walks_every_row_once_in_stable_order(gql, session):
    # given
    store = await make_store(session)
    same_moment = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    created = [await make_member(session, store=store, enrolled_at=same_moment) for _ in range(7)]
    seen: list[str] = []
    after = None
    # when
    for order in ("ENROLLED_AT_DESC",):
        while True:
            data = await gql(
                LIST, {"filter": {"storeId": gid("Store", store.id)}, "orderBy": order, "first": 3, "after": after}
            )
            conn = data["members"]
            assert conn["totalCount"] == 7
            seen += [e["node"]["id"] for e in conn["edges"]]
            if not conn["pageInfo"]["hasNextPage"]:
                break
            after = conn["pageInfo"]["endCursor"]
    # then
    assert seen == [gid("Member", m.id) for m in sorted(created, key=lambda m: -m.id)]


async def test_every_order_pages_consistently(gql, session):
    # given
    store = await make_store(session)
    for i, name in enumerate(["丙", "甲", "乙", "甲"]):
        await make_member(
            session, store=store, name=name, last_visit_at=None if i % 2 else dt.datetime(2026, 2, i + 1, tzinfo=dt.UTC)
        )
    flt = {"storeId": gid("Store", store.id)}
    for order in ("NAME", "LAST_VISIT_DESC", "MEMBER_NO", "ENROLLED_AT_DESC"):
        # when
        full = await gql(LIST, {"filter": flt, "orderBy": order, "first": 100})
        first = await gql(LIST, {"filter": flt, "orderBy": order, "first": 2})
        rest = await gql(
            LIST, {"filter": flt, "orderBy": order, "first": 100, "after": first["members"]["pageInfo"]["endCursor"]}
        )
        # then
        whole = [e["node"]["id"] for e in full["members"]["edges"]]
        paged = [e["node"]["id"] for e in first["members"]["edges"] + rest["members"]["edges"]]
        assert paged == whole, order
        assert rest["members"]["pageInfo"]["hasPreviousPage"] is True


async def test_page_size_bounds_and_bad_cursor(gql):
    # when
    too_big = await gql.raw(LIST, {"first": 101})
    negative = await gql.raw(LIST, {"first": -1})
    bad_cursor = await gql.raw(LIST, {"after": "not-a-cursor"})
    other_order = await gql.raw(LIST, {"orderBy": "NAME", "after": "WyJtZW1iZXI6RU5ST0xMRURfQVRfREVTQyIsWzEsMV1d"})
    # then
    assert too_big["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"
    assert negative["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"
    assert bad_cursor["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    assert other_order["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_first_zero_counts_without_rows_and_still_says_more_follow(gql, session):
    # given
    store = await make_store(session)
    await make_member(session, store=store)
    # when
    data = await gql(LIST, {"filter": {"storeId": gid("Store", store.id)}, "first": 0})
    # then
    page = data["members"]
    assert page["edges"] == []
    assert page["totalCount"] == 1
    assert page["pageInfo"]["hasNextPage"] is True


async def test_day_filters_at_the_ends_of_the_calendar_do_not_fail(gql, session):
    # given
    store = await make_store(session)
    await make_member(session, store=store)
    base = {"storeId": gid("Store", store.id)}
    # when
    widest = await gql(LIST, {"filter": {**base, "enrolledFrom": "0001-01-01", "enrolledTo": "9999-12-31"}})
    never = await gql(LIST, {"filter": {**base, "lastVisitBefore": "0001-01-01"}})
    # then
    assert widest["members"]["totalCount"] == 1
    assert never["members"]["totalCount"] == 1  # never visited


async def test_nul_characters_are_refused_not_crashing(gql, session):
    # given
    store = await make_store(session)
    before = await _count(session)
    # when
    enrol = await gql(
        ENROL, {"input": {"name": "王\x00紅", "phone": "13800138000", "homeStoreId": gid("Store", store.id)}}
    )
    search = await gql.raw(LIST, {"filter": {"search": "王\x00"}})
    # then
    assert enrol["memberEnrol"]["member"] is None
    assert [(e["field"], e["code"]) for e in enrol["memberEnrol"]["userErrors"]] == [("name", "INVALID")]
    assert await _count(session) == before
    assert search["errors"][0]["extensions"]["code"] == "INVALID_TEXT"
    assert "Unexpected" not in search["errors"][0]["message"]

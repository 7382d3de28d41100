"""Visits through the GraphQL API: recording store and showroom visits, the visit list, recent visits."""

from __future__ import annotations

import datetime as dt
import decimal

from sqlalchemy import func, select

from crm.enums import DealerVisitPurpose, Role
from crm.members.models import Member
from crm.visits.models import Visit
from tests.builders import gid, make_dealer, make_member, make_staff, make_store, make_visit

RECORD = """
mutation Record($input: VisitRecordInput!) {
  visitRecord(input: $input) {
    visit {
      id kind visitedAt purchaseAmount itemCount items { name sku quantity amount } purpose quantity notes
      member { id lastVisitAt } dealer { id } store { id } recordedBy { id }
    }
    userErrors { field code }
  }
}
"""

LIST = """
query Visits($filter: VisitFilter, $first: Int, $after: String) {
  visits(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { id visitedAt } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""

MEMBER = """
query Member($id: ID!, $limit: Int!) {
  node(id: $id) { ... on Member { lastVisitAt recentVisits(limit: $limit) { id visitedAt } } }
}
"""


async def _count(session) -> int:
    return int(await session.scalar(select(func.count()).select_from(Visit)))


async def _last_visit(session, member) -> dt.datetime | None:
    return await session.scalar(select(Member.last_visit_at).where(Member.id == member.id))


async def _refused(gql, session, visit_input: dict) -> list[dict]:
    """Record a visit that must be refused; return its userErrors after checking nothing was written."""
    before = await _count(session)
    data = await gql(RECORD, {"input": visit_input})
    assert data["visitRecord"]["visit"] is None
    assert await _count(session) == before
    errors: list[dict] = data["visitRecord"]["userErrors"]
    return errors


async def test_member_visit_defaults_to_home_store_and_keeps_exact_amounts(gql, session):
    # given
    home = await make_store(session)
    member = await make_member(session, store=home)
    clerk = await make_staff(session, Role.STORE_STAFF, store=home)
    # when
    data = await gql(
        RECORD,
        {
            "input": {
                "memberId": gid("Member", member.id),
                "visitedAt": "2026-06-01T17:00:00+08:00",
                "purchaseAmount": "1299.50",
                "items": [
                    {"name": "羊絨大衣", "sku": "C2026-01", "quantity": 2, "amount": "900.00"},
                    {"name": "絲巾", "amount": "399.50"},
                ],
                "recordedById": gid("Staff", clerk.id),
                "notes": " 試穿了三件 ",
            }
        },
    )
    # then
    payload = data["visitRecord"]
    assert payload["userErrors"] == []
    visit = payload["visit"]
    assert visit["kind"] == "MEMBER_STORE"
    assert visit["visitedAt"] == "2026-06-01T09:00:00+00:00"
    assert visit["purchaseAmount"] == "1299.50"
    assert visit["itemCount"] == 3
    assert visit["items"] == [
        {"name": "羊絨大衣", "sku": "C2026-01", "quantity": 2, "amount": "900.00"},
        {"name": "絲巾", "sku": None, "quantity": 1, "amount": "399.50"},
    ]
    assert visit["purpose"] is None
    assert visit["quantity"] is None
    assert visit["notes"] == "試穿了三件"
    assert visit["member"] == {"id": gid("Member", member.id), "lastVisitAt": "2026-06-01T09:00:00+00:00"}
    assert visit["dealer"] is None
    assert visit["store"] == {"id": gid("Store", home.id)}
    assert visit["recordedBy"] == {"id": gid("Staff", clerk.id)}
    assert await _count(session) == 1


async def test_member_visit_at_another_store_with_explicit_item_count(gql, session):
    # given
    member = await make_member(session)
    elsewhere = await make_store(session)
    # when
    data = await gql(
        RECORD,
        {
            "input": {
                "memberId": gid("Member", member.id),
                "storeId": gid("Store", elsewhere.id),
                "visitedAt": "2026-06-02T10:00:00Z",
                "itemCount": 5,
                "items": [{"name": "襯衫", "quantity": 1}],
            }
        },
    )
    # then
    visit = data["visitRecord"]["visit"]
    assert visit["store"] == {"id": gid("Store", elsewhere.id)}
    assert visit["itemCount"] == 5
    assert visit["purchaseAmount"] is None


async def test_amounts_come_back_with_two_decimals(gql, session):
    # given
    member = await make_member(session)
    # when
    data = await gql(
        RECORD,
        {
            "input": {
                "memberId": gid("Member", member.id),
                "purchaseAmount": "1e2",
                "items": [{"name": "外套", "amount": "100"}, {"name": "贈品", "amount": "-0"}, {"name": "襪子"}],
            }
        },
    )
    # then
    visit = data["visitRecord"]["visit"]
    assert visit["purchaseAmount"] == "100.00"
    assert [i["amount"] for i in visit["items"]] == ["100.00", "0.00", None]
    assert visit["itemCount"] == 3


async def test_visit_without_time_is_recorded_now_and_becomes_the_last_visit(gql, session):
    # given
    member = await make_member(session, last_visit_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    # when
    data = await gql(RECORD, {"input": {"memberId": gid("Member", member.id)}})
    # then
    visit = data["visitRecord"]["visit"]
    assert visit["visitedAt"] > "2026-01-01T00:00:00+00:00"
    assert visit["member"]["lastVisitAt"] == visit["visitedAt"]
    assert visit["itemCount"] == 0
    assert visit["items"] == []


async def test_last_visit_moves_forward_but_never_back(gql, session):
    # given
    member = await make_member(session)
    member_id = gid("Member", member.id)

    async def record(at: str) -> str:
        data = await gql(RECORD, {"input": {"memberId": member_id, "visitedAt": at}})
        assert data["visitRecord"]["userErrors"] == []
        last: str = data["visitRecord"]["visit"]["member"]["lastVisitAt"]
        return last

    # when
    first = await record("2026-05-10T06:00:00Z")
    after_older = await record("2026-04-01T06:00:00Z")
    after_newer = await record("2026-05-20T06:00:00Z")
    # then
    assert first == "2026-05-10T06:00:00+00:00"
    assert after_older == "2026-05-10T06:00:00+00:00"
    assert after_newer == "2026-05-20T06:00:00+00:00"
    shown = await gql(MEMBER, {"id": member_id, "limit": 3})
    assert shown["node"]["lastVisitAt"] == "2026-05-20T06:00:00+00:00"
    assert [v["visitedAt"] for v in shown["node"]["recentVisits"]] == [
        "2026-05-20T06:00:00+00:00",
        "2026-05-10T06:00:00+00:00",
        "2026-04-01T06:00:00+00:00",
    ]


async def test_dealer_showroom_visit(gql, session):
    # given
    dealer = await make_dealer(session)
    showroom = await make_store(session)
    receptionist = await make_staff(session, Role.RECEPTIONIST)
    # when
    data = await gql(
        RECORD,
        {
            "input": {
                "dealerId": gid("Dealer", dealer.id),
                "storeId": gid("Store", showroom.id),
                "visitedAt": "2026-06-03T02:00:00Z",
                "purpose": "ORDER",
                "quantity": 240,
                "recordedById": gid("Staff", receptionist.id),
                "notes": "訂了秋冬款",
            }
        },
    )
    without_store = await gql(
        RECORD, {"input": {"dealerId": gid("Dealer", dealer.id), "purpose": "RETURN_DEFECTIVE", "quantity": 0}}
    )
    # then
    payload = data["visitRecord"]
    assert payload["userErrors"] == []
    visit = payload["visit"]
    assert visit["kind"] == "DEALER_SHOWROOM"
    assert visit["purpose"] == "ORDER"
    assert visit["quantity"] == 240
    assert visit["dealer"] == {"id": gid("Dealer", dealer.id)}
    assert visit["store"] == {"id": gid("Store", showroom.id)}
    assert visit["member"] is None
    assert visit["purchaseAmount"] is None
    assert visit["itemCount"] == 0
    assert visit["items"] == []
    assert visit["recordedBy"] == {"id": gid("Staff", receptionist.id)}
    assert without_store["visitRecord"]["visit"]["store"] is None
    assert without_store["visitRecord"]["visit"]["quantity"] == 0
    assert await _count(session) == 2


async def test_visit_needs_exactly_one_of_member_and_dealer(gql, session):
    # given
    member = await make_member(session)
    dealer = await make_dealer(session)
    # when
    neither = await _refused(gql, session, {"visitedAt": "2026-06-01T00:00:00Z"})
    both = await _refused(
        gql, session, {"memberId": gid("Member", member.id), "dealerId": gid("Dealer", dealer.id), "purpose": "ORDER"}
    )
    # then
    assert neither == [{"field": None, "code": "INVALID"}]
    assert both == [{"field": None, "code": "INVALID"}]
    assert await _last_visit(session, member) is None


async def test_unknown_member_store_dealer_and_staff_are_not_found(gql, session):
    # given
    member = await make_member(session)
    # when
    unknown_member = await _refused(gql, session, {"memberId": gid("Member", 987654321)})
    unknown_store = await _refused(
        gql, session, {"memberId": gid("Member", member.id), "storeId": gid("Store", 987654321)}
    )
    unknown_dealer = await _refused(gql, session, {"dealerId": gid("Dealer", 987654321), "purpose": "SEE_GOODS"})
    unknown_staff = await _refused(
        gql, session, {"memberId": gid("Member", member.id), "recordedById": gid("Staff", 987654321)}
    )
    # then
    assert unknown_member == [{"field": "memberId", "code": "NOT_FOUND"}]
    assert unknown_store == [{"field": "storeId", "code": "NOT_FOUND"}]
    assert unknown_dealer == [{"field": "dealerId", "code": "NOT_FOUND"}]
    assert unknown_staff == [{"field": "recordedById", "code": "NOT_FOUND"}]
    assert await _last_visit(session, member) is None


async def test_malformed_or_wrong_type_ids_are_invalid(gql, session):
    # given
    member = await make_member(session)
    # when
    garbage = await _refused(gql, session, {"memberId": "nonsense"})
    store_as_member = await _refused(gql, session, {"memberId": gid("Store", member.home_store_id)})
    bad_store = await _refused(gql, session, {"memberId": gid("Member", member.id), "storeId": "%%%"})
    # then
    assert garbage == [{"field": "memberId", "code": "INVALID_ID"}]
    assert store_as_member == [{"field": "memberId", "code": "INVALID_ID"}]
    assert bad_store == [{"field": "storeId", "code": "INVALID_ID"}]


async def test_amounts_must_be_non_negative_with_at_most_two_decimals(gql, session):
    # given
    member = await make_member(session)
    member_id = gid("Member", member.id)
    # when
    negative = await _refused(gql, session, {"memberId": member_id, "purchaseAmount": "-0.01"})
    three_decimals = await _refused(gql, session, {"memberId": member_id, "purchaseAmount": "12.345"})
    too_large = await _refused(gql, session, {"memberId": member_id, "purchaseAmount": "1000000.01"})
    bad_item = await _refused(
        gql, session, {"memberId": member_id, "items": [{"name": "褲子", "quantity": 0, "amount": "-5"}]}
    )
    # then
    assert negative == [{"field": "purchaseAmount", "code": "OUT_OF_RANGE"}]
    assert three_decimals == [{"field": "purchaseAmount", "code": "INVALID"}]
    assert too_large == [{"field": "purchaseAmount", "code": "OUT_OF_RANGE"}]
    assert {(e["field"], e["code"]) for e in bad_item} == {
        ("items.0.quantity", "OUT_OF_RANGE"),
        ("items.0.amount", "OUT_OF_RANGE"),
    }
    assert await _last_visit(session, member) is None


async def test_items_need_a_name_and_at_most_fifty_lines(gql, session):
    # given
    member = await make_member(session)
    member_id = gid("Member", member.id)
    # when
    nameless = await _refused(gql, session, {"memberId": member_id, "items": [{"name": "  "}]})
    too_many = await _refused(gql, session, {"memberId": member_id, "items": [{"name": "襪子"}] * 51})
    # then
    assert nameless == [{"field": "items.0.name", "code": "REQUIRED"}]
    assert too_many == [{"field": "items", "code": "OUT_OF_RANGE"}]


async def test_future_or_zoneless_visit_time_is_refused(gql, session):
    # given
    member = await make_member(session)
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    # when
    future = await _refused(gql, session, {"memberId": gid("Member", member.id), "visitedAt": tomorrow})
    zoneless = await _refused(gql, session, {"memberId": gid("Member", member.id), "visitedAt": "2026-06-01T10:00:00"})
    # then
    assert future == [{"field": "visitedAt", "code": "INVALID_DATE"}]
    assert zoneless == [{"field": "visitedAt", "code": "INVALID_DATE"}]
    assert await _last_visit(session, member) is None


async def test_purpose_and_quantity_belong_to_dealer_visits_only(gql, session):
    # given
    member = await make_member(session)
    # when
    refused = await _refused(gql, session, {"memberId": gid("Member", member.id), "purpose": "ORDER", "quantity": 3})
    # then
    assert {(e["field"], e["code"]) for e in refused} == {("purpose", "INVALID"), ("quantity", "INVALID")}
    assert await _last_visit(session, member) is None


async def test_dealer_visit_needs_a_purpose_and_takes_no_purchases(gql, session):
    # given
    dealer = await make_dealer(session)
    dealer_id = gid("Dealer", dealer.id)
    # when
    no_purpose = await _refused(gql, session, {"dealerId": dealer_id, "quantity": 10})
    purchases = await _refused(
        gql, session, {"dealerId": dealer_id, "purpose": "ORDER", "purchaseAmount": "100", "items": [{"name": "裙"}]}
    )
    negative_quantity = await _refused(gql, session, {"dealerId": dealer_id, "purpose": "ORDER", "quantity": -1})
    # then
    assert no_purpose == [{"field": "purpose", "code": "REQUIRED"}]
    assert {(e["field"], e["code"]) for e in purchases} == {("purchaseAmount", "INVALID"), ("items", "INVALID")}
    assert negative_quantity == [{"field": "quantity", "code": "OUT_OF_RANGE"}]


async def test_notes_are_limited_to_two_thousand_characters(gql, session):
    # given
    member = await make_member(session)
    member_id = gid("Member", member.id)
    # when
    too_long = await _refused(gql, session, {"memberId": member_id, "notes": "備" * 2001})
    longest = await gql(RECORD, {"input": {"memberId": member_id, "notes": "備" * 2000}})
    # then
    assert too_long == [{"field": "notes", "code": "TOO_LONG"}]
    assert len(longest["visitRecord"]["visit"]["notes"]) == 2000


async def test_every_problem_is_reported_at_once(gql, session):
    # given
    member = await make_member(session)
    # when
    errors = await _refused(
        gql,
        session,
        {
            "memberId": gid("Member", member.id),
            "visitedAt": "2099-01-01T00:00:00Z",
            "purchaseAmount": "-1",
            "notes": "x" * 2001,
            "purpose": "SEE_GOODS",
        },
    )
    # then
    assert {(e["field"], e["code"]) for e in errors} == {
        ("visitedAt", "INVALID_DATE"),
        ("purchaseAmount", "OUT_OF_RANGE"),
        ("notes", "TOO_LONG"),
        ("purpose", "INVALID"),
    }


async def test_filters(gql, session):
    # given
    store_a = await make_store(session)
    store_b = await make_store(session)
    first_dealer = await make_dealer(session)
    second_dealer = await make_dealer(session)
    ann = await make_member(session, store=store_a)
    bob = await make_member(session, store=store_b)
    day = dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC)
    v1 = await make_visit(session, member=ann, visited_at=day)
    d1 = await make_visit(
        session, dealer=first_dealer, store=store_a, purpose=DealerVisitPurpose.ORDER, visited_at=day + dt.timedelta(1)
    )
    v2 = await make_visit(session, member=bob, visited_at=day + dt.timedelta(2))
    d2 = await make_visit(session, dealer=second_dealer, visited_at=day + dt.timedelta(3))
    v3 = await make_visit(session, member=ann, store=store_b, visited_at=day + dt.timedelta(4))

    async def ids(flt):
        data = await gql(LIST, {"filter": flt, "first": 100})
        assert data["visits"]["totalCount"] == len(data["visits"]["edges"])
        return [e["node"]["id"] for e in data["visits"]["edges"]]

    def visits(*rows):
        return [gid("Visit", v.id) for v in rows]

    # when / then: newest first in every list
    assert await ids(None) == visits(v3, d2, v2, d1, v1)
    assert await ids({"kind": "MEMBER_STORE"}) == visits(v3, v2, v1)
    assert await ids({"kind": "DEALER_SHOWROOM"}) == visits(d2, d1)
    assert await ids({"memberId": gid("Member", ann.id)}) == visits(v3, v1)
    assert await ids({"storeId": gid("Store", store_a.id)}) == visits(d1, v1)
    assert await ids({"storeId": gid("Store", store_b.id)}) == visits(v3, v2)
    assert await ids({"dealerId": gid("Dealer", first_dealer.id)}) == visits(d1)
    assert await ids({"purpose": "ORDER"}) == visits(d1)
    assert await ids({"purpose": "SEE_GOODS"}) == visits(d2)
    assert await ids({"kind": "MEMBER_STORE", "storeId": gid("Store", store_a.id)}) == visits(v1)
    assert await ids({"memberId": gid("Member", bob.id), "storeId": gid("Store", store_a.id)}) == []
    assert await ids({"visitedFrom": "2026-06-02", "visitedTo": "2026-06-04"}) == visits(d2, v2, d1)


async def test_day_filters_use_shanghai_days(gql, session):
    # given: 17:00 UTC on 1 June is 01:00 on 2 June in Shanghai
    member = await make_member(session)
    late = await make_visit(session, member=member, visited_at=dt.datetime(2026, 6, 1, 17, tzinfo=dt.UTC))
    midnight = await make_visit(session, member=member, visited_at=dt.datetime(2026, 6, 1, 16, tzinfo=dt.UTC))
    before = await make_visit(session, member=member, visited_at=dt.datetime(2026, 6, 1, 15, 59, 59, tzinfo=dt.UTC))
    morning = await make_visit(session, member=member, visited_at=dt.datetime(2026, 6, 1, 1, tzinfo=dt.UTC))

    async def ids(**days):
        data = await gql(LIST, {"filter": {"memberId": gid("Member", member.id), **days}})
        return [e["node"]["id"] for e in data["visits"]["edges"]]

    def visits(*rows):
        return [gid("Visit", v.id) for v in rows]

    # when / then
    assert await ids(visitedFrom="2026-06-02") == visits(late, midnight)
    assert await ids(visitedTo="2026-06-01") == visits(before, morning)
    assert await ids(visitedFrom="2026-06-01", visitedTo="2026-06-01") == visits(before, morning)
    assert await ids(visitedFrom="2026-06-02", visitedTo="2026-06-02") == visits(late, midnight)
    assert await ids(visitedFrom="2026-06-03") == []
    assert await ids(visitedTo="2026-05-31") == []


async def test_day_filters_accept_the_first_and_last_calendar_days(gql, session):
    # given
    member = await make_member(session)
    visit = await make_visit(session, member=member)
    flt = {"memberId": gid("Member", member.id)}
    # when
    everything = await gql(LIST, {"filter": {**flt, "visitedFrom": "0001-01-01", "visitedTo": "9999-12-31"}})
    nothing_after = await gql(LIST, {"filter": {**flt, "visitedFrom": "9999-12-31"}})
    nothing_before = await gql(LIST, {"filter": {**flt, "visitedTo": "0001-01-01"}})
    # then
    assert [e["node"]["id"] for e in everything["visits"]["edges"]] == [gid("Visit", visit.id)]
    assert nothing_after["visits"]["totalCount"] == 0
    assert nothing_before["visits"]["totalCount"] == 0


async def test_pagination_walks_every_visit_once_newest_first(gql, session):
    # given: seven visits, three of them at the same moment
    member = await make_member(session)
    same = dt.datetime(2026, 6, 5, 3, 0, 0, 123456, tzinfo=dt.UTC)
    moments = [same, same, same] + [same - dt.timedelta(hours=h) for h in (1, 2, 26, 50)]
    created = [await make_visit(session, member=member, visited_at=at) for at in moments]
    expected = [gid("Visit", v.id) for v in sorted(created, key=lambda v: (v.visited_at, v.id), reverse=True)]
    seen: list[str] = []
    pages = 0
    after = None
    # when
    while True:
        data = await gql(LIST, {"filter": {"memberId": gid("Member", member.id)}, "first": 3, "after": after})
        conn = data["visits"]
        pages += 1
        assert conn["totalCount"] == 7
        assert conn["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += [e["node"]["id"] for e in conn["edges"]]
        assert conn["pageInfo"]["endCursor"] == conn["edges"][-1]["cursor"]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    # then
    assert pages == 3
    assert seen == expected
    assert len(set(seen)) == 7


async def test_page_size_bounds_and_bad_cursors(gql, session):
    # given
    member = await make_member(session)
    await make_visit(session, member=member)
    members_cursor = (await gql("query { members(first: 1) { pageInfo { endCursor } } }"))["members"]["pageInfo"]
    # when
    too_big = await gql.raw(LIST, {"first": 101})
    negative = await gql.raw(LIST, {"first": -1})
    largest = await gql.raw(LIST, {"first": 100})
    bad_cursor = await gql.raw(LIST, {"after": "not-a-cursor"})
    other_list = await gql.raw(LIST, {"after": members_cursor["endCursor"]})
    bad_filter_id = await gql.raw(LIST, {"filter": {"memberId": gid("Store", 1)}})
    # then
    assert too_big["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"
    assert negative["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"
    assert "errors" not in largest
    assert bad_cursor["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    assert other_list["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    assert bad_filter_id["errors"][0]["extensions"]["code"] == "INVALID_ID"


async def test_node_returns_a_visit(gql, session):
    # given
    member = await make_member(session)
    visit = await make_visit(
        session,
        member=member,
        purchase_amount=decimal.Decimal("88.80"),
        visited_at=dt.datetime(2026, 6, 1, 17, tzinfo=dt.UTC),
    )
    query = """
    query($id: ID!) {
      node(id: $id) { __typename id ... on Visit { kind visitedAt purchaseAmount member { id } store { id } } }
    }
    """
    # when
    found = await gql(query, {"id": gid("Visit", visit.id)})
    missing = await gql(query, {"id": gid("Visit", 987654321)})
    # then
    assert found["node"] == {
        "__typename": "Visit",
        "id": gid("Visit", visit.id),
        "kind": "MEMBER_STORE",
        "visitedAt": "2026-06-01T17:00:00+00:00",
        "purchaseAmount": "88.80",
        "member": {"id": gid("Member", member.id)},
        "store": {"id": gid("Store", member.home_store_id)},
    }
    assert missing["node"] is None


async def test_recent_visits_limit_bounds(gql, session):
    # given: 21 store visits and a showroom visit at the member's home store
    member = await make_member(session)
    base = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    created = [await make_visit(session, member=member, visited_at=base + dt.timedelta(days=d)) for d in range(21)]
    await make_visit(session, dealer=await make_dealer(session), store=await make_store(session))
    member_id = gid("Member", member.id)
    newest_first = [gid("Visit", v.id) for v in reversed(created)]
    # when
    one = await gql(MEMBER, {"id": member_id, "limit": 1})
    twenty = await gql(MEMBER, {"id": member_id, "limit": 20})
    both = await gql(
        "query($id: ID!) { node(id: $id) { ... on Member {"
        " a: recentVisits(limit: 2) { id } b: recentVisits(limit: 5) { id } } } }",
        {"id": member_id},
    )
    default = await gql(
        "query($id: ID!) { node(id: $id) { ... on Member { recentVisits { id } } } }", {"id": member_id}
    )
    zero = await gql.raw(MEMBER, {"id": member_id, "limit": 0})
    too_many = await gql.raw(MEMBER, {"id": member_id, "limit": 21})
    # then
    assert [v["id"] for v in one["node"]["recentVisits"]] == newest_first[:1]
    assert [v["id"] for v in twenty["node"]["recentVisits"]] == newest_first[:20]
    assert [v["id"] for v in default["node"]["recentVisits"]] == newest_first[:3]
    assert [v["id"] for v in both["node"]["a"]] == newest_first[:2]
    assert [v["id"] for v in both["node"]["b"]] == newest_first[:5]
    assert zero["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"

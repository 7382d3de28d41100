"""Timelines: a member's and a dealer's history from every source, in one order, page by page."""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass

import pytest

from crm.auth.actor import Actor
from crm.enums import (
    CallbackPurpose,
    CallbackStatus,
    CallOutcome,
    Channel,
    DealerVisitPurpose,
    FeedbackKind,
    FeedbackStatus,
    Region,
    Role,
)
from crm.errors import RequestError
from crm.staff.models import Staff
from crm.timeline.service import EntryKind, Subject, summary, timeline
from tests.builders import (
    gid,
    make_attempt,
    make_callback,
    make_dealer,
    make_feedback,
    make_feedback_event,
    make_member,
    make_staff,
    make_store,
    make_visit,
)


def actor_of(staff: Staff) -> Actor:
    return Actor(
        staff_id=staff.id,
        role=Role(staff.role),
        store_id=staff.store_id,
        region=Region(staff.region) if staff.region else None,
        token_id=0,
    )


def at(day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=dt.UTC)


@dataclass
class History:
    """A member with one of everything, and the order their timeline must come in (kind, id)."""

    member: object
    store: object
    manager: Staff
    clerk: Staff
    expected: list[tuple[str, int]]


async def _history(session) -> History:
    store = await make_store(session, region=Region.EAST)
    manager = await make_staff(session, Role.VIP_MANAGER, region=Region.EAST)
    clerk = await make_staff(session, Role.STORE_STAFF, store=store)
    member = await make_member(
        session, store=store, enrolled_by_id=clerk.id, enrolled_at=dt.datetime(2026, 5, 1, 2, tzinfo=dt.UTC)
    )
    first_visit = await make_visit(
        session,
        member=member,
        visited_at=at(1, 10),
        purchase_amount=decimal.Decimal("1280.00"),
        item_count=3,
        recorded_by_id=clerk.id,
        notes="客人想要大碼",
    )
    call = await make_callback(
        session, member=member, assignee=manager, purpose=CallbackPurpose.SATISFACTION, status=CallbackStatus.DONE
    )
    missed = await make_attempt(session, call, actor=manager, attempted_at=at(2, 3))
    reached = await make_attempt(
        session,
        call,
        actor=manager,
        attempted_at=at(3, 3),
        reached=True,
        outcome=CallOutcome.SATISFIED,
        satisfaction=4,
        notes="很滿意新款",
    )
    cancelled = await make_callback(
        session, member=member, purpose=CallbackPurpose.BIRTHDAY, status=CallbackStatus.CANCELLED, closed_at=at(4)
    )
    complaint = await make_feedback(
        session, member=member, store=store, kind=FeedbackKind.COMPLAINT, content="鞋子開膠", received_at=at(5, 1)
    )
    await make_feedback_event(session, complaint, to_status=FeedbackStatus.RECEIVED, created_at=at(5, 1), actor=clerk)
    assessed = await make_feedback_event(
        session,
        complaint,
        from_status=FeedbackStatus.RECEIVED,
        to_status=FeedbackStatus.ASSESSED,
        created_at=at(6),
        actor=manager,
        note="質量問題，轉品質部",
    )
    # Three at the same instant: by kind (CALL_ATTEMPT before VISIT), then the newer row first.
    older_tie = await make_visit(session, member=member, visited_at=at(7, 8))
    newer_tie = await make_visit(session, member=member, visited_at=at(7, 8))
    call_tie = await make_attempt(session, call, actor=manager, attempted_at=at(7, 8), channel=Channel.WECHAT)
    expected = [
        (EntryKind.CALL_ATTEMPT, call_tie.id),
        (EntryKind.VISIT, newer_tie.id),
        (EntryKind.VISIT, older_tie.id),
        (EntryKind.FEEDBACK_EVENT, assessed.id),
        (EntryKind.FEEDBACK_RECEIVED, complaint.id),
        (EntryKind.CALL_CLOSED, cancelled.id),
        (EntryKind.CALL_ATTEMPT, reached.id),
        (EntryKind.CALL_ATTEMPT, missed.id),
        (EntryKind.VISIT, first_visit.id),
        (EntryKind.ENROLMENT, member.id),
    ]
    return History(member, store, manager, clerk, expected)


# --- the service ------------------------------------------------------------------------------


async def test_every_source_comes_in_one_order_newest_first_with_ties_by_kind_then_newest(session, admin):
    # given
    history = await _history(session)
    # when
    page = await timeline(session, actor_of(admin), Subject.MEMBER, history.member.id, first=20, after=None)
    # then
    assert page is not None
    assert [(r.kind, r.id) for r in page.rows] == history.expected
    assert not page.has_next
    assert [r.at for r in page.rows] == sorted((r.at for r in page.rows), reverse=True)


async def test_summaries_are_written_from_structured_fields(session, admin):
    # given
    history = await _history(session)
    # when
    page = await timeline(session, actor_of(admin), Subject.MEMBER, history.member.id, first=20, after=None)
    # then
    lines = [summary(r.kind, r.detail) for r in page.rows]
    assert lines == [
        "滿意度回訪（微信）：未接通",
        "到店",
        "到店",
        "投訴：已受理 → 已判斷",
        "收到投訴（門店）",
        "生日祝福：已取消（未有聯繫記錄）",
        "滿意度回訪（電話）：已接通，滿意，滿意度 4/5",
        "滿意度回訪（電話）：未接通",
        "到店消費 ¥1,280.00，3件",
        "辦理VIP會員",
    ]


async def test_pages_by_cursor_cover_the_list_without_duplicates_or_gaps(session, admin):
    # given
    history = await _history(session)
    actor = actor_of(admin)
    # when
    seen: list[tuple[str, int]] = []
    after = None
    pages = 0
    while True:
        page = await timeline(session, actor, Subject.MEMBER, history.member.id, first=3, after=after)
        assert page is not None
        seen += [(r.kind, r.id) for r in page.rows]
        pages += 1
        if not page.has_next:
            break
        after = page.cursors[-1]
    # then
    assert seen == history.expected
    assert pages == 4


async def test_a_member_out_of_scope_has_no_timeline(session):
    # given
    history = await _history(session)
    south = await make_staff(session, Role.VIP_MANAGER, region=Region.SOUTH)
    # when
    page = await timeline(session, actor_of(south), Subject.MEMBER, history.member.id, first=20, after=None)
    # then
    assert page is None


async def test_sources_the_role_may_not_read_are_left_out(session):
    # given: store staff may read visits and feedback, not calls
    history = await _history(session)
    # when
    page = await timeline(session, actor_of(history.clerk), Subject.MEMBER, history.member.id, first=20, after=None)
    # then
    assert page is not None
    assert [(r.kind, r.id) for r in page.rows] == [
        e for e in history.expected if e[0] not in (EntryKind.CALL_ATTEMPT, EntryKind.CALL_CLOSED)
    ]


async def test_a_cursor_of_another_timeline_is_refused(session, admin):
    # given
    history = await _history(session)
    other = await make_member(session, store=history.store)
    actor = actor_of(admin)
    page = await timeline(session, actor, Subject.MEMBER, history.member.id, first=2, after=None)
    assert page is not None
    # when / then
    with pytest.raises(RequestError) as refused:
        await timeline(session, actor, Subject.MEMBER, other.id, first=2, after=page.cursors[-1])
    assert refused.value.code == "INVALID_CURSOR"


# --- the API ----------------------------------------------------------------------------------

MEMBER_TIMELINE = """
query($id: ID!, $first: Int, $after: String) {
  node(id: $id) {
    ... on Member {
      timeline(first: $first, after: $after) {
        totalCount
        edges { cursor node {
          at kind summary note
          staff { id }
          visit { id }
          callback { id status }
          feedback { id kind }
          store { id }
        } }
        pageInfo { hasNextPage hasPreviousPage endCursor }
      }
    }
  }
}
"""


async def test_the_api_pages_a_members_timeline_with_its_records(gql, session):
    # given
    history = await _history(session)
    member_id = gid("Member", history.member.id)
    # when
    first = await gql(MEMBER_TIMELINE, {"id": member_id, "first": 4})
    end = first["node"]["timeline"]["pageInfo"]["endCursor"]
    rest = await gql(MEMBER_TIMELINE, {"id": member_id, "first": 100, "after": end})
    # then
    head, tail = first["node"]["timeline"], rest["node"]["timeline"]
    assert head["totalCount"] == len(history.expected)
    assert head["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": False, "endCursor": head["edges"][-1]["cursor"]}
    assert tail["pageInfo"]["hasNextPage"] is False
    assert tail["pageInfo"]["hasPreviousPage"] is True
    nodes = [e["node"] for e in head["edges"] + tail["edges"]]
    assert [n["kind"] for n in nodes] == [kind for kind, _ in history.expected]
    call = nodes[0]
    assert call["callback"]["status"] == "DONE"
    assert call["staff"]["id"] == gid("Staff", history.manager.id)
    assert call["visit"] is None
    visit = nodes[-2]
    assert visit["visit"]["id"] == gid("Visit", history.expected[-2][1])
    assert visit["note"] == "客人想要大碼"
    assert visit["store"]["id"] == gid("Store", history.store.id)
    assert nodes[3]["feedback"]["kind"] == "COMPLAINT"
    assert nodes[3]["note"] == "質量問題，轉品質部"
    assert nodes[-1]["kind"] == "ENROLMENT"
    assert nodes[-1]["staff"]["id"] == gid("Staff", history.clerk.id)
    assert nodes[-1]["at"].startswith("2026-05-01T02:00:00")


async def test_marketing_sees_the_entries_but_no_free_text(gql, gql_as, session):
    # given
    history = await _history(session)
    marketing = await gql_as(Role.MARKETING)
    variables = {"id": gid("Member", history.member.id), "first": 50}
    # when
    theirs = await marketing(MEMBER_TIMELINE, variables)
    ours = await gql(MEMBER_TIMELINE, variables)
    # then
    their_nodes = [e["node"] for e in theirs["node"]["timeline"]["edges"]]
    our_nodes = [e["node"] for e in ours["node"]["timeline"]["edges"]]
    assert [n["kind"] for n in their_nodes] == [n["kind"] for n in our_nodes]
    assert [n["summary"] for n in their_nodes] == [n["summary"] for n in our_nodes]
    assert all(n["note"] is None for n in their_nodes)
    assert {n["note"] for n in our_nodes} >= {"客人想要大碼", "很滿意新款", "鞋子開膠", "質量問題，轉品質部"}
    text = str(theirs)
    for secret in ("大碼", "很滿意", "開膠", "品質部"):
        assert secret not in text


async def test_an_out_of_scope_member_and_its_timeline_are_absent(session, gql_as):
    # given
    history = await _history(session)
    south = await gql_as(Role.VIP_MANAGER, region=Region.SOUTH)
    # when
    data = await south(MEMBER_TIMELINE, {"id": gid("Member", history.member.id)})
    # then
    assert data["node"] is None


async def test_a_page_larger_than_100_is_refused(gql, session):
    # given
    history = await _history(session)
    # when
    result = await gql.raw(MEMBER_TIMELINE, {"id": gid("Member", history.member.id), "first": 101})
    # then
    assert result["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"


async def _busy_member(session, n: int):
    """A member with n visits, n call attempts and n feedback, each by its own staff member."""
    store = await make_store(session)
    member = await make_member(session, store=store)
    call = await make_callback(session, member=member, status=CallbackStatus.DONE)
    for i in range(n):
        staff = await make_staff(session, Role.VIP_MANAGER)
        await make_visit(session, member=member, recorded_by_id=staff.id, visited_at=at(1, 0, i))
        await make_attempt(session, call, actor=staff, attempted_at=at(2, 0, i))
        await make_feedback(session, member=member, store=store, received_by_id=staff.id, received_at=at(3, 0, i))
    return member


async def test_statements_do_not_grow_with_the_page(gql, session, statements):
    # given
    small = await _busy_member(session, 2)
    large = await _busy_member(session, 17)
    # when
    statements.active = True
    five = await gql(MEMBER_TIMELINE, {"id": gid("Member", small.id), "first": 5})
    count_five = statements.count
    statements.reset()
    fifty = await gql(MEMBER_TIMELINE, {"id": gid("Member", large.id), "first": 50})
    count_fifty = statements.count
    # then
    assert len(five["node"]["timeline"]["edges"]) == 5
    assert len(fifty["node"]["timeline"]["edges"]) == 50
    assert count_five == count_fifty, statements.statements


MEMBERS_WITH_TIMELINES = """
query($store: ID!, $first: Int!) {
  members(filter: {storeId: $store}, first: $first) {
    edges { node { id timeline(first: 3) { edges { node { kind summary visit { id } } } } } }
  }
}
"""


async def test_timelines_of_a_list_of_members_load_in_one_batch(gql, session, statements):
    # given
    store = await make_store(session)
    members = [await make_member(session, store=store) for _ in range(10)]
    for i, member in enumerate(members):
        for j in range(4):
            await make_visit(session, member=member, visited_at=at(1 + j, i))
    variables = {"store": gid("Store", store.id)}
    # when
    statements.active = True
    one = await gql(MEMBERS_WITH_TIMELINES, {**variables, "first": 1})
    count_one = statements.count
    statements.reset()
    ten = await gql(MEMBERS_WITH_TIMELINES, {**variables, "first": 10})
    count_ten = statements.count
    # then
    assert len(one["members"]["edges"]) == 1
    edges = ten["members"]["edges"]
    assert all(len(e["node"]["timeline"]["edges"]) == 3 for e in edges)
    assert all([n["node"]["kind"] for n in e["node"]["timeline"]["edges"]] == ["VISIT"] * 3 for e in edges)
    assert count_one == count_ten, statements.statements


DEALER_TIMELINE = """
query($id: ID!) {
  node(id: $id) {
    ... on Dealer {
      timeline(first: 20) { edges { node { at kind summary note store { id } visit { id } callback { id } } } }
    }
  }
}
"""


async def test_a_dealers_timeline_has_its_stores_showroom_visits_calls_and_feedback(gql, gql_as, session):
    # given
    dealer = await make_dealer(session, region=Region.EAST)
    store = await make_store(session, dealer=dealer, opened_on=dt.date(2026, 3, 1))
    await make_store(session, dealer=dealer)  # no opening day: no entry
    visit = await make_visit(
        session, dealer=dealer, purpose=DealerVisitPurpose.ORDER, quantity=120, visited_at=at(1), notes="訂秋冬款"
    )
    call = await make_callback(session, dealer=dealer, purpose=CallbackPurpose.PAYMENT_REMINDER)
    await make_attempt(session, call, attempted_at=at(2), reached=True)
    await make_feedback(session, dealer=dealer, kind=FeedbackKind.SUGGESTION, received_at=at(3))
    clerk = await gql_as(Role.SALES_CLERK, region=Region.EAST)
    # when
    data = await gql(DEALER_TIMELINE, {"id": gid("Dealer", dealer.id)})
    theirs = await clerk(DEALER_TIMELINE, {"id": gid("Dealer", dealer.id)})
    # then
    nodes = [e["node"] for e in data["node"]["timeline"]["edges"]]
    assert [(n["kind"], n["summary"]) for n in nodes] == [
        ("FEEDBACK_RECEIVED", "收到建議（門店）"),
        ("CALL_ATTEMPT", "匯款催促（電話）：已接通"),
        ("VISIT", "來訪訂貨，120件"),
        ("STORE_OPENED", f"店鋪開業：{store.name}（{store.code}）"),
    ]
    assert nodes[2]["visit"]["id"] == gid("Visit", visit.id)
    assert nodes[2]["note"] == "訂秋冬款"
    assert nodes[1]["callback"]["id"] == gid("Callback", call.id)
    # Opened on 1 March in Shanghai: the day starts at 16:00 UTC the day before.
    assert nodes[3]["at"].startswith("2026-02-28T16:00:00")
    assert nodes[3]["store"]["id"] == gid("Store", store.id)
    their_nodes = [e["node"] for e in theirs["node"]["timeline"]["edges"]]
    assert [n["kind"] for n in their_nodes] == [n["kind"] for n in nodes]
    assert all(n["note"] is None for n in their_nodes)

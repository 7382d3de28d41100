"""Feedback (建議和投訴) through the GraphQL API: intake, its first event, the lists."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from crm.enums import Department, FeedbackChannel, FeedbackKind, FeedbackStatus, Role
from crm.feedback.models import Feedback, FeedbackEvent
from tests.builders import gid, make_dealer, make_feedback, make_member, make_staff, make_store

SUBMIT = """
mutation Submit($input: FeedbackSubmitInput!) {
  feedbackSubmit(input: $input) {
    feedback { id partyKind kind channel content status receivedAt department
               member { id } dealer { id } store { id name } receivedBy { id }
               events { fromStatus toStatus note createdAt actor { id } } }
    userErrors { field code }
  }
}
"""

LIST = """
query List($filter: FeedbackFilter, $first: Int, $after: String) {
  feedback(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { id receivedAt status } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""

NODE = """
query Node($id: ID!) {
  node(id: $id) { id ... on Feedback { kind status content member { id } events { fromStatus toStatus } } }
}
"""


async def _counts(session) -> tuple[int, int]:
    feedback = await session.scalar(select(func.count()).select_from(Feedback))
    events = await session.scalar(select(func.count()).select_from(FeedbackEvent))
    return int(feedback), int(events)


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_submit_member_feedback_starts_received_with_one_event(gql, session):
    # given
    member = await make_member(session)
    store = await make_store(session, name="上海淮海中路店")
    receptionist = await make_staff(session, Role.RECEPTIONIST)
    before = await _counts(session)
    # when
    data = await gql(
        SUBMIT,
        {
            "input": {
                "memberId": gid("Member", member.id),
                "kind": "COMPLAINT",
                "channel": "STORE",
                "content": "  試衣間太少，週末要排隊二十分鐘。\n",
                "storeId": gid("Store", store.id),
                "receivedAt": "2026-06-01T17:00:00Z",
                "receivedById": gid("Staff", receptionist.id),
            }
        },
    )
    # then
    payload = data["feedbackSubmit"]
    assert payload["userErrors"] == []
    feedback = payload["feedback"]
    assert feedback["partyKind"] == "MEMBER"
    assert feedback["kind"] == "COMPLAINT"
    assert feedback["channel"] == "STORE"
    assert feedback["content"] == "試衣間太少，週末要排隊二十分鐘。"
    assert feedback["status"] == "RECEIVED"
    assert feedback["department"] is None
    assert _utc(feedback["receivedAt"]) == dt.datetime(2026, 6, 1, 17, tzinfo=dt.UTC)
    assert feedback["member"] == {"id": gid("Member", member.id)}
    assert feedback["dealer"] is None
    assert feedback["store"] == {"id": gid("Store", store.id), "name": "上海淮海中路店"}
    assert feedback["receivedBy"] == {"id": gid("Staff", receptionist.id)}
    [event] = feedback["events"]
    assert event["fromStatus"] is None
    assert event["toStatus"] == "RECEIVED"
    assert event["actor"] == {"id": gid("Staff", receptionist.id)}
    assert _utc(event["createdAt"]).tzinfo is not None
    assert await _counts(session) == (before[0] + 1, before[1] + 1)


async def test_submit_dealer_feedback_is_received_now(gql, session):
    # given
    dealer = await make_dealer(session)
    started = dt.datetime.now(dt.UTC)
    # when
    data = await gql(
        SUBMIT,
        {
            "input": {
                "dealerId": gid("Dealer", dealer.id),
                "kind": "QUALITY_REPORT",
                "channel": "PHONE",
                "content": "上批羽絨服有三件拉鍊脫落。",
            }
        },
    )
    finished = dt.datetime.now(dt.UTC)
    # then
    payload = data["feedbackSubmit"]
    assert payload["userErrors"] == []
    feedback = payload["feedback"]
    assert feedback["partyKind"] == "DEALER"
    assert feedback["dealer"] == {"id": gid("Dealer", dealer.id)}
    assert feedback["member"] is None
    assert feedback["store"] is None
    assert feedback["receivedBy"] is None
    assert feedback["status"] == "RECEIVED"
    assert started <= _utc(feedback["receivedAt"]) <= finished
    assert [(e["fromStatus"], e["toStatus"], e["actor"]) for e in feedback["events"]] == [(None, "RECEIVED", None)]


async def test_submit_takes_the_longest_content_after_trimming(gql, session):
    # given
    member = await make_member(session)
    longest = "好" * 4000
    # when
    data = await gql(
        SUBMIT,
        {
            "input": {
                "memberId": gid("Member", member.id),
                "kind": "PRAISE",
                "channel": "ONLINE",
                "content": f"  {longest}  ",
            }
        },
    )
    # then
    assert data["feedbackSubmit"]["userErrors"] == []
    assert data["feedbackSubmit"]["feedback"]["content"] == longest


async def test_submit_refusals_write_nothing(gql, session):
    # given
    member = await make_member(session)
    dealer = await make_dealer(session)
    before = await _counts(session)
    base = {"memberId": gid("Member", member.id), "kind": "SUGGESTION", "channel": "SUGGESTION_BOX", "content": "x"}

    async def errors(**changes):
        data = await gql(SUBMIT, {"input": {**base, **changes}})
        assert data["feedbackSubmit"]["feedback"] is None
        return data["feedbackSubmit"]["userErrors"]

    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    # when / then
    assert await errors(memberId=None) == [{"field": None, "code": "INVALID"}]
    assert await errors(dealerId=gid("Dealer", dealer.id)) == [{"field": None, "code": "INVALID"}]
    assert await errors(content="") == [{"field": "content", "code": "REQUIRED"}]
    assert await errors(content=" \n\t ") == [{"field": "content", "code": "REQUIRED"}]
    assert await errors(content="好" * 4001) == [{"field": "content", "code": "TOO_LONG"}]
    assert await errors(receivedAt=tomorrow) == [{"field": "receivedAt", "code": "INVALID_DATE"}]
    assert await errors(receivedAt="2026-06-01T17:00:00") == [{"field": "receivedAt", "code": "INVALID_DATE"}]
    assert await errors(receivedAt="0001-01-01T00:00:00+08:00") == [{"field": "receivedAt", "code": "INVALID_DATE"}]
    assert await errors(storeId=gid("Store", 987654321)) == [{"field": "storeId", "code": "NOT_FOUND"}]
    assert await errors(memberId=gid("Member", 987654321)) == [{"field": "memberId", "code": "NOT_FOUND"}]
    assert await errors(receivedById=gid("Staff", 987654321)) == [{"field": "receivedById", "code": "NOT_FOUND"}]
    assert await errors(memberId="nonsense") == [{"field": "memberId", "code": "INVALID_ID"}]
    assert await errors(storeId=gid("Member", member.id)) == [{"field": "storeId", "code": "INVALID_ID"}]
    every = await errors(content="   ", receivedAt=tomorrow, storeId=gid("Store", 987654321))
    assert {(e["field"], e["code"]) for e in every} == {
        ("content", "REQUIRED"),
        ("receivedAt", "INVALID_DATE"),
        ("storeId", "NOT_FOUND"),
    }
    assert await _counts(session) == before


async def test_filters(gql, session):
    # given
    first_member = await make_member(session)
    second_member = await make_member(session)
    dealer = await make_dealer(session)
    store = await make_store(session)
    other_store = await make_store(session)
    # 17:00 UTC on 1 June is 01:00 on 2 June in Shanghai; 15:00 UTC is still 1 June there.
    after_midnight = await make_feedback(
        session,
        member=first_member,
        store=store,
        kind=FeedbackKind.COMPLAINT,
        channel=FeedbackChannel.STORE,
        received_at=dt.datetime(2026, 6, 1, 17, tzinfo=dt.UTC),
    )
    closed = await make_feedback(
        session,
        member=second_member,
        store=other_store,
        kind=FeedbackKind.SUGGESTION,
        channel=FeedbackChannel.ONLINE,
        status=FeedbackStatus.CLOSED,
        department=Department.SERVICE,
        received_at=dt.datetime(2026, 6, 1, 15, tzinfo=dt.UTC),
    )
    investigating = await make_feedback(
        session,
        dealer=dealer,
        kind=FeedbackKind.QUALITY_REPORT,
        channel=FeedbackChannel.PHONE,
        status=FeedbackStatus.INVESTIGATING,
        department=Department.QUALITY,
        received_at=dt.datetime(2026, 5, 20, 2, tzinfo=dt.UTC),
    )
    not_upheld = await make_feedback(
        session,
        member=first_member,
        store=store,
        kind=FeedbackKind.PRAISE,
        channel=FeedbackChannel.SOCIAL_MEDIA,
        status=FeedbackStatus.NOT_UPHELD,
        department=Department.SERVICE,
        received_at=dt.datetime(2026, 6, 3, 1, tzinfo=dt.UTC),
    )
    visited = await make_feedback(
        session,
        dealer=dealer,
        kind=FeedbackKind.COMPLAINT,
        channel=FeedbackChannel.SUGGESTION_BOX,
        status=FeedbackStatus.RETURN_VISIT_DONE,
        department=Department.LOGISTICS,
        received_at=dt.datetime(2026, 6, 10, tzinfo=dt.UTC),
    )
    everything = {after_midnight, closed, investigating, not_upheld, visited}

    async def ids(flt):
        data = await gql(LIST, {"filter": flt, "first": 100})
        return {e["node"]["id"] for e in data["feedback"]["edges"]}

    def of(*rows):
        return {gid("Feedback", r.id) for r in rows}

    # when / then
    assert await ids(None) == of(*everything)
    assert await ids({"status": "CLOSED"}) == of(closed)
    assert await ids({"status": "RECEIVED"}) == of(after_midnight)
    assert await ids({"kind": "COMPLAINT"}) == of(after_midnight, visited)
    assert await ids({"channel": "ONLINE"}) == of(closed)
    assert await ids({"department": "SERVICE"}) == of(closed, not_upheld)
    assert await ids({"partyKind": "DEALER"}) == of(investigating, visited)
    assert await ids({"partyKind": "MEMBER"}) == of(after_midnight, closed, not_upheld)
    assert await ids({"memberId": gid("Member", first_member.id)}) == of(after_midnight, not_upheld)
    assert await ids({"dealerId": gid("Dealer", dealer.id)}) == of(investigating, visited)
    assert await ids({"storeId": gid("Store", store.id)}) == of(after_midnight, not_upheld)
    assert await ids({"open": True}) == of(after_midnight, investigating, visited)
    assert await ids({"open": False}) == of(closed, not_upheld)
    assert await ids({"receivedFrom": "2026-06-02"}) == of(after_midnight, not_upheld, visited)
    assert await ids({"receivedTo": "2026-06-01"}) == of(closed, investigating)
    assert await ids({"receivedFrom": "2026-06-02", "receivedTo": "2026-06-02"}) == of(after_midnight)
    assert await ids({"receivedFrom": "2026-06-01", "receivedTo": "2026-06-01"}) == of(closed)
    assert await ids({"memberId": gid("Member", first_member.id), "open": True}) == of(after_midnight)
    assert await ids({"receivedFrom": "0001-01-01", "receivedTo": "9999-12-31"}) == of(*everything)
    assert await ids({"receivedFrom": "0001-01-02", "receivedTo": "9999-12-30"}) == of(*everything)


async def test_filter_with_a_malformed_id_is_a_request_error(gql):
    # when
    bad = await gql.raw(LIST, {"filter": {"storeId": "nonsense"}})
    wrong_type = await gql.raw(LIST, {"filter": {"dealerId": gid("Member", 1)}})
    # then
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_ID"
    assert wrong_type["errors"][0]["extensions"]["code"] == "INVALID_ID"


async def test_newest_first_and_pagination_walks_every_row_once(gql, session):
    # given
    dealer = await make_dealer(session)
    same_moment = dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC)
    moments = [same_moment, same_moment, same_moment - dt.timedelta(days=3), same_moment + dt.timedelta(hours=1)]
    moments += [same_moment - dt.timedelta(minutes=m) for m in (1, 1, 30)]
    created = [await make_feedback(session, dealer=dealer, received_at=at) for at in moments]
    flt = {"dealerId": gid("Dealer", dealer.id)}
    expected = [gid("Feedback", f.id) for f in sorted(created, key=lambda f: (f.received_at, f.id), reverse=True)]
    seen: list[str] = []
    after = None
    # when
    while True:
        data = await gql(LIST, {"filter": flt, "first": 3, "after": after})
        conn = data["feedback"]
        assert conn["totalCount"] == 7
        assert conn["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += [e["node"]["id"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    full = await gql(LIST, {"filter": flt, "first": 100})
    # then
    assert seen == expected
    assert [e["node"]["id"] for e in full["feedback"]["edges"]] == expected
    received = [_utc(e["node"]["receivedAt"]) for e in full["feedback"]["edges"]]
    assert received == sorted(received, reverse=True)


async def test_total_count_and_cursor_errors(gql, session):
    # given
    member = await make_member(session)
    for _ in range(4):
        await make_feedback(session, member=member)
    await make_feedback(session, member=member, status=FeedbackStatus.CLOSED)
    flt = {"memberId": gid("Member", member.id), "open": True}
    # when
    page = await gql(LIST, {"filter": flt, "first": 1})
    garbage = await gql.raw(LIST, {"filter": flt, "after": "not-a-cursor"})
    callback_cursor = await gql.raw(LIST, {"after": "WyJjYWxsYmFjazpEVUVfT04iLFsiMjAyNi0wNi0wMSIsMV1d"})
    too_big = await gql.raw(LIST, {"first": 101})
    # then
    assert page["feedback"]["totalCount"] == 4
    assert len(page["feedback"]["edges"]) == 1
    assert page["feedback"]["pageInfo"]["hasNextPage"] is True
    assert garbage["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    assert callback_cursor["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    assert too_big["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"


async def test_open_feedback_leaves_out_closed_and_not_upheld(gql, session):
    # given
    member = await make_member(session)
    dealer = await make_dealer(session)
    day = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
    statuses = [
        FeedbackStatus.RECEIVED,
        FeedbackStatus.ASSESSED,
        FeedbackStatus.NOT_UPHELD,
        FeedbackStatus.INVESTIGATING,
        FeedbackStatus.SOLUTION_PROPOSED,
        FeedbackStatus.RESOLVED,
        FeedbackStatus.RETURN_VISIT_DONE,
        FeedbackStatus.CLOSED,
    ]
    for i, status in enumerate(statuses):
        await make_feedback(session, member=member, status=status, received_at=day + dt.timedelta(days=i))
    await make_feedback(session, member=await make_member(session))
    await make_feedback(session, dealer=dealer, status=FeedbackStatus.CLOSED)
    dealer_open = await make_feedback(session, dealer=dealer, status=FeedbackStatus.ASSESSED)
    query = """
    query($m: ID!, $d: ID!) {
      member: node(id: $m) { ... on Member { openFeedback { id status } } }
      dealer: node(id: $d) { ... on Dealer { openFeedback { id status } } }
    }
    """
    # when
    data = await gql(query, {"m": gid("Member", member.id), "d": gid("Dealer", dealer.id)})
    # then
    assert [f["status"] for f in data["member"]["openFeedback"]] == [
        "RETURN_VISIT_DONE",
        "RESOLVED",
        "SOLUTION_PROPOSED",
        "INVESTIGATING",
        "ASSESSED",
        "RECEIVED",
    ]
    assert data["dealer"]["openFeedback"] == [{"id": gid("Feedback", dealer_open.id), "status": "ASSESSED"}]


async def test_node_returns_feedback(gql, session):
    # given
    member = await make_member(session)
    submitted = await gql(
        SUBMIT,
        {
            "input": {
                "memberId": gid("Member", member.id),
                "kind": "SUGGESTION",
                "channel": "ONLINE",
                "content": "希望增加大碼。",
            }
        },
    )
    fid = submitted["feedbackSubmit"]["feedback"]["id"]
    # when
    found = await gql(NODE, {"id": fid})
    missing = await gql(NODE, {"id": gid("Feedback", 987654321)})
    # then
    assert found["node"] == {
        "id": fid,
        "kind": "SUGGESTION",
        "status": "RECEIVED",
        "content": "希望增加大碼。",
        "member": {"id": gid("Member", member.id)},
        "events": [{"fromStatus": None, "toStatus": "RECEIVED"}],
    }
    assert missing["node"] is None

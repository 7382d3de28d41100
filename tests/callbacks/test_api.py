"""Callbacks (回訪) through the GraphQL API: planning, changes, outcomes, the call lists."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from crm.callbacks.models import Callback
from crm.enums import CallbackPurpose, CallbackStatus, Channel, Role
from crm.validation import today
from tests.builders import gid, make_callback, make_dealer, make_feedback, make_member, make_staff

CREATE = """
mutation Create($input: CallbackCreateInput!) {
  callbackCreate(input: $input) {
    callback { id partyKind purpose channel dueOn status priority attempts lastAttemptAt reached satisfaction
               closedAt overdue notes member { id } dealer { id } assignee { id username } feedback { id } }
    userErrors { field code }
  }
}
"""

UPDATE = """
mutation Update($input: CallbackUpdateInput!) {
  callbackUpdate(input: $input) {
    callback { id purpose channel dueOn priority notes status assignee { id } }
    userErrors { field code }
  }
}
"""

CLOSE = """
mutation Close($input: CallbackCloseInput!) {
  callbackClose(input: $input) {
    callback { id status attempts lastAttemptAt reached satisfaction nonConversionReason outcomeNotes closedAt
               overdue }
    userErrors { field code }
  }
}
"""

LIST = """
query List($filter: CallbackFilter, $orderBy: CallbackOrder, $first: Int, $after: String) {
  callbacks(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    edges { cursor node { id dueOn priority overdue } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""

NODE = """
query Node($id: ID!) {
  node(id: $id) { id ... on Callback { status purpose dueOn member { id } dealer { id } } }
}
"""


def _day(offset: int) -> dt.date:
    """The business day `offset` days from today (Asia/Shanghai)."""
    return today() + dt.timedelta(days=offset)


def _iso(offset: int) -> str:
    return _day(offset).isoformat()


async def _count(session) -> int:
    return int(await session.scalar(select(func.count()).select_from(Callback)))


async def _stored(session, callback_id: int) -> Callback:
    """The callback as the database now holds it (not the test session's cached copy)."""
    row = await session.get(Callback, callback_id, populate_existing=True)
    assert row is not None
    return row


async def test_create_for_member_applies_defaults_and_resolves_assignee(gql, session):
    # given
    member = await make_member(session)
    manager = await make_staff(session, Role.VIP_MANAGER, username="vip.chen")
    # when
    data = await gql(
        CREATE,
        {
            "input": {
                "memberId": gid("Member", member.id),
                "purpose": "BIRTHDAY",
                "dueOn": _iso(3),
                "assigneeId": gid("Staff", manager.id),
                "notes": "  先問尺碼  ",
            }
        },
    )
    # then
    payload = data["callbackCreate"]
    assert payload["userErrors"] == []
    callback = payload["callback"]
    assert callback["partyKind"] == "MEMBER"
    assert callback["purpose"] == "BIRTHDAY"
    assert callback["dueOn"] == _iso(3)
    assert callback["channel"] == "PHONE"
    assert callback["status"] == "OPEN"
    assert callback["priority"] == 0
    assert callback["attempts"] == 0
    assert callback["lastAttemptAt"] is None
    assert callback["reached"] is None
    assert callback["satisfaction"] is None
    assert callback["closedAt"] is None
    assert callback["overdue"] is False
    assert callback["notes"] == "先問尺碼"
    assert callback["member"] == {"id": gid("Member", member.id)}
    assert callback["dealer"] is None
    assert callback["assignee"] == {"id": gid("Staff", manager.id), "username": "vip.chen"}
    assert callback["feedback"] is None


async def test_create_for_dealer_with_channel_priority_and_complaint(gql, session):
    # given
    dealer = await make_dealer(session)
    complaint = await make_feedback(session, dealer=dealer)
    # when
    data = await gql(
        CREATE,
        {
            "input": {
                "dealerId": gid("Dealer", dealer.id),
                "purpose": "COMPLAINT_FOLLOW_UP",
                "dueOn": _iso(10),
                "channel": "WECHAT",
                "priority": 3,
                "feedbackId": gid("Feedback", complaint.id),
            }
        },
    )
    # then
    payload = data["callbackCreate"]
    assert payload["userErrors"] == []
    callback = payload["callback"]
    assert callback["partyKind"] == "DEALER"
    assert callback["dealer"] == {"id": gid("Dealer", dealer.id)}
    assert callback["member"] is None
    assert callback["channel"] == "WECHAT"
    assert callback["priority"] == 3
    assert callback["status"] == "OPEN"
    assert callback["attempts"] == 0
    assert callback["assignee"] is None
    assert callback["feedback"] == {"id": gid("Feedback", complaint.id)}


async def test_create_accepts_today_but_not_yesterday(gql, session):
    # given
    member = await make_member(session)
    before = await _count(session)
    base = {"memberId": gid("Member", member.id), "purpose": "SATISFACTION"}
    # when
    due_today = await gql(CREATE, {"input": {**base, "dueOn": _iso(0)}})
    yesterday = await gql(CREATE, {"input": {**base, "dueOn": _iso(-1)}})
    # then
    assert due_today["callbackCreate"]["userErrors"] == []
    assert due_today["callbackCreate"]["callback"]["overdue"] is False
    assert yesterday["callbackCreate"] == {"callback": None, "userErrors": [{"field": "dueOn", "code": "INVALID_DATE"}]}
    assert await _count(session) == before + 1


async def test_create_needs_exactly_one_party(gql, session):
    # given
    member = await make_member(session)
    dealer = await make_dealer(session)
    before = await _count(session)
    # when
    neither = await gql(CREATE, {"input": {"purpose": "OTHER", "dueOn": _iso(1)}})
    both = await gql(
        CREATE,
        {
            "input": {
                "memberId": gid("Member", member.id),
                "dealerId": gid("Dealer", dealer.id),
                "purpose": "OTHER",
                "dueOn": _iso(1),
            }
        },
    )
    unknown_member = await gql(
        CREATE, {"input": {"memberId": gid("Member", 987654321), "purpose": "OTHER", "dueOn": _iso(1)}}
    )
    unknown_dealer = await gql(
        CREATE, {"input": {"dealerId": gid("Dealer", 987654321), "purpose": "OTHER", "dueOn": _iso(1)}}
    )
    # then
    assert neither["callbackCreate"] == {"callback": None, "userErrors": [{"field": None, "code": "INVALID"}]}
    assert both["callbackCreate"] == {"callback": None, "userErrors": [{"field": None, "code": "INVALID"}]}
    assert unknown_member["callbackCreate"]["userErrors"] == [{"field": "memberId", "code": "NOT_FOUND"}]
    assert unknown_dealer["callbackCreate"]["userErrors"] == [{"field": "dealerId", "code": "NOT_FOUND"}]
    assert await _count(session) == before


async def test_create_refuses_bad_fields_and_writes_nothing(gql, session):
    # given
    member = await make_member(session)
    retired = await make_staff(session, Role.VIP_MANAGER, active=False)
    before = await _count(session)
    base = {"memberId": gid("Member", member.id), "purpose": "PROMOTION", "dueOn": _iso(2)}

    async def errors(**changes):
        data = await gql(CREATE, {"input": {**base, **changes}})
        assert data["callbackCreate"]["callback"] is None
        return data["callbackCreate"]["userErrors"]

    # when / then
    assert await errors(priority=4) == [{"field": "priority", "code": "OUT_OF_RANGE"}]
    assert await errors(priority=-1) == [{"field": "priority", "code": "OUT_OF_RANGE"}]
    assert await errors(assigneeId=gid("Staff", 987654321)) == [{"field": "assigneeId", "code": "NOT_FOUND"}]
    assert await errors(assigneeId=gid("Staff", retired.id)) == [{"field": "assigneeId", "code": "INVALID"}]
    assert await errors(feedbackId=gid("Feedback", 987654321)) == [{"field": "feedbackId", "code": "NOT_FOUND"}]
    assert await errors(notes="字" * 2001) == [{"field": "notes", "code": "TOO_LONG"}]
    assert await errors(channel=None) == [{"field": "channel", "code": "REQUIRED"}]
    assert await errors(priority=None) == [{"field": "priority", "code": "REQUIRED"}]
    every = await errors(dueOn=_iso(-3), priority=4, assigneeId=gid("Staff", 987654321))
    assert {(e["field"], e["code"]) for e in every} == {
        ("dueOn", "INVALID_DATE"),
        ("priority", "OUT_OF_RANGE"),
        ("assigneeId", "NOT_FOUND"),
    }
    assert await _count(session) == before


async def test_create_refuses_a_channel_the_member_did_not_agree_to(gql, session):
    # given
    no_sms = await make_member(session, consent_sms=False)
    no_calls = await make_member(session, consent_phone=False)
    before = await _count(session)
    # when
    sms = await gql(
        CREATE,
        {"input": {"memberId": gid("Member", no_sms.id), "purpose": "PROMOTION", "dueOn": _iso(1), "channel": "SMS"}},
    )
    default_phone = await gql(
        CREATE, {"input": {"memberId": gid("Member", no_calls.id), "purpose": "PROMOTION", "dueOn": _iso(1)}}
    )
    wechat = await gql(
        CREATE,
        {
            "input": {
                "memberId": gid("Member", no_sms.id),
                "purpose": "PROMOTION",
                "dueOn": _iso(1),
                "channel": "WECHAT",
            }
        },
    )
    # then
    assert sms["callbackCreate"] == {"callback": None, "userErrors": [{"field": "channel", "code": "NO_CONSENT"}]}
    assert default_phone["callbackCreate"]["userErrors"] == [{"field": "channel", "code": "NO_CONSENT"}]
    assert wechat["callbackCreate"]["userErrors"] == []
    assert wechat["callbackCreate"]["callback"]["channel"] == "WECHAT"
    assert await _count(session) == before + 1


async def test_create_rejects_malformed_ids(gql, session):
    # given
    member = await make_member(session)
    before = await _count(session)
    # when
    nonsense = await gql(CREATE, {"input": {"memberId": "nonsense", "purpose": "OTHER", "dueOn": _iso(1)}})
    wrong_type = await gql(
        CREATE, {"input": {"memberId": gid("Store", member.home_store_id), "purpose": "OTHER", "dueOn": _iso(1)}}
    )
    bad_assignee = await gql(
        CREATE,
        {
            "input": {
                "memberId": gid("Member", member.id),
                "purpose": "OTHER",
                "dueOn": _iso(1),
                "assigneeId": gid("Member", member.id),
            }
        },
    )
    # then
    assert nonsense["callbackCreate"] == {"callback": None, "userErrors": [{"field": "memberId", "code": "INVALID_ID"}]}
    assert wrong_type["callbackCreate"]["userErrors"] == [{"field": "memberId", "code": "INVALID_ID"}]
    assert bad_assignee["callbackCreate"]["userErrors"] == [{"field": "assigneeId", "code": "INVALID_ID"}]
    assert await _count(session) == before


async def test_update_reschedules_reassigns_and_changes_channel(gql, session):
    # given
    first = await make_staff(session, Role.VIP_MANAGER)
    second = await make_staff(session, Role.VIP_MANAGER)
    callback = await make_callback(
        session, assignee=first, purpose=CallbackPurpose.REACTIVATION, due_on=_day(1), notes="舊備註"
    )
    cid = gid("Callback", callback.id)
    # when
    changed = await gql(
        UPDATE,
        {
            "input": {
                "id": cid,
                "dueOn": _iso(9),
                "assigneeId": gid("Staff", second.id),
                "channel": "SMS",
                "priority": 2,
            }
        },
    )
    cleared = await gql(UPDATE, {"input": {"id": cid, "assigneeId": None, "notes": None}})
    # then
    assert changed["callbackUpdate"]["userErrors"] == []
    assert changed["callbackUpdate"]["callback"] == {
        "id": cid,
        "purpose": "REACTIVATION",
        "channel": "SMS",
        "dueOn": _iso(9),
        "priority": 2,
        "notes": "舊備註",
        "status": "OPEN",
        "assignee": {"id": gid("Staff", second.id)},
    }
    assert cleared["callbackUpdate"]["userErrors"] == []
    assert cleared["callbackUpdate"]["callback"]["assignee"] is None
    assert cleared["callbackUpdate"]["callback"]["notes"] is None
    assert cleared["callbackUpdate"]["callback"]["dueOn"] == _iso(9)
    assert cleared["callbackUpdate"]["callback"]["channel"] == "SMS"


async def test_update_checks_consent_again(gql, session):
    # given
    member = await make_member(session, consent_wechat=False)
    callback = await make_callback(session, member=member, channel=Channel.PHONE)
    dealer_callback = await make_callback(session, dealer=await make_dealer(session))
    # when
    refused = await gql(UPDATE, {"input": {"id": gid("Callback", callback.id), "channel": "WECHAT", "priority": 1}})
    to_dealer = await gql(UPDATE, {"input": {"id": gid("Callback", dealer_callback.id), "channel": "WECHAT"}})
    # then
    assert refused["callbackUpdate"] == {"callback": None, "userErrors": [{"field": "channel", "code": "NO_CONSENT"}]}
    stored = await _stored(session, callback.id)
    assert (stored.channel, stored.priority) == ("PHONE", 0)
    assert to_dealer["callbackUpdate"]["callback"]["channel"] == "WECHAT"


async def test_update_refusals(gql, session):
    # given
    callback = await make_callback(session, due_on=_day(4))
    closed = await make_callback(session, status=CallbackStatus.DONE)
    retired = await make_staff(session, Role.VIP_MANAGER, active=False)
    cid = gid("Callback", callback.id)
    # when
    empty = await gql(UPDATE, {"input": {"id": cid}})
    past = await gql(UPDATE, {"input": {"id": cid, "dueOn": _iso(-1)}})
    too_urgent = await gql(UPDATE, {"input": {"id": cid, "priority": 4}})
    inactive = await gql(UPDATE, {"input": {"id": cid, "assigneeId": gid("Staff", retired.id)}})
    no_due_day = await gql(UPDATE, {"input": {"id": cid, "dueOn": None}})
    on_closed = await gql(UPDATE, {"input": {"id": gid("Callback", closed.id), "dueOn": _iso(5)}})
    unknown = await gql(UPDATE, {"input": {"id": gid("Callback", 987654321), "dueOn": _iso(5)}})
    wrong_type = await gql(UPDATE, {"input": {"id": gid("Member", callback.member_id), "dueOn": _iso(5)}})
    # then
    assert empty["callbackUpdate"]["userErrors"] == [{"field": None, "code": "NOTHING_TO_UPDATE"}]
    assert past["callbackUpdate"]["userErrors"] == [{"field": "dueOn", "code": "INVALID_DATE"}]
    assert too_urgent["callbackUpdate"]["userErrors"] == [{"field": "priority", "code": "OUT_OF_RANGE"}]
    assert inactive["callbackUpdate"]["userErrors"] == [{"field": "assigneeId", "code": "INVALID"}]
    assert no_due_day["callbackUpdate"]["userErrors"] == [{"field": "dueOn", "code": "REQUIRED"}]
    assert on_closed["callbackUpdate"] == {"callback": None, "userErrors": [{"field": "id", "code": "INVALID_STATE"}]}
    assert unknown["callbackUpdate"]["userErrors"] == [{"field": "id", "code": "NOT_FOUND"}]
    assert wrong_type["callbackUpdate"]["userErrors"] == [{"field": "id", "code": "INVALID_ID"}]
    stored = await _stored(session, callback.id)
    assert (stored.due_on, stored.priority, stored.assignee_id) == (_day(4), 0, None)
    assert (await _stored(session, closed.id)).status == "DONE"


@pytest.mark.parametrize("satisfaction", [1, 5])
async def test_close_done_records_the_outcome(gql, session, satisfaction):
    # given
    member = await make_member(session)
    callback = await make_callback(session, member=member)
    # when
    data = await gql(
        CLOSE,
        {
            "input": {
                "id": gid("Callback", callback.id),
                "status": "DONE",
                "satisfaction": satisfaction,
                "nonConversionReason": "PRICE",
                "outcomeNotes": "  覺得價格偏高  ",
            }
        },
    )
    agenda = await gql(
        "query($id: ID!) { node(id: $id) { ... on Member { openCallbacks { id } } } }", {"id": gid("Member", member.id)}
    )
    # then
    payload = data["callbackClose"]
    assert payload["userErrors"] == []
    closed = payload["callback"]
    assert closed["status"] == "DONE"
    assert closed["attempts"] == 1
    assert closed["reached"] is True
    assert closed["satisfaction"] == satisfaction
    assert closed["nonConversionReason"] == "PRICE"
    assert closed["outcomeNotes"] == "覺得價格偏高"
    assert closed["closedAt"] is not None
    assert closed["lastAttemptAt"] == closed["closedAt"]
    assert closed["overdue"] is False
    assert agenda["node"]["openCallbacks"] == []


async def test_close_unreachable_counts_an_attempt(gql, session):
    # given
    callback = await make_callback(session, attempts=2)
    # when
    data = await gql(
        CLOSE, {"input": {"id": gid("Callback", callback.id), "status": "UNREACHABLE", "outcomeNotes": "三次無人接聽"}}
    )
    # then
    closed = data["callbackClose"]["callback"]
    assert data["callbackClose"]["userErrors"] == []
    assert closed["status"] == "UNREACHABLE"
    assert closed["attempts"] == 3
    assert closed["reached"] is False
    assert closed["satisfaction"] is None
    assert closed["nonConversionReason"] is None
    assert closed["outcomeNotes"] == "三次無人接聽"
    assert closed["closedAt"] is not None
    assert closed["lastAttemptAt"] is not None


async def test_close_cancelled_leaves_attempts_alone(gql, session):
    # given
    callback = await make_callback(session, attempts=1)
    # when
    data = await gql(CLOSE, {"input": {"id": gid("Callback", callback.id), "status": "CANCELLED"}})
    # then
    closed = data["callbackClose"]["callback"]
    assert data["callbackClose"]["userErrors"] == []
    assert closed["status"] == "CANCELLED"
    assert closed["attempts"] == 1
    assert closed["lastAttemptAt"] is None
    assert closed["reached"] is None
    assert closed["closedAt"] is not None


async def test_close_refuses_inconsistent_outcomes_and_writes_nothing(gql, session):
    # given
    callback = await make_callback(session)
    cid = gid("Callback", callback.id)

    async def errors(**fields):
        data = await gql(CLOSE, {"input": {"id": cid, **fields}})
        assert data["callbackClose"]["callback"] is None
        return data["callbackClose"]["userErrors"]

    # when / then
    assert await errors(status="DONE", satisfaction=6) == [{"field": "satisfaction", "code": "OUT_OF_RANGE"}]
    assert await errors(status="DONE", satisfaction=0) == [{"field": "satisfaction", "code": "OUT_OF_RANGE"}]
    assert await errors(status="UNREACHABLE", satisfaction=3) == [{"field": "satisfaction", "code": "INVALID"}]
    assert await errors(status="CANCELLED", nonConversionReason="MOVED") == [
        {"field": "nonConversionReason", "code": "INVALID"}
    ]
    assert await errors(status="OPEN") == [{"field": "status", "code": "INVALID"}]
    assert await errors(status="DONE", outcomeNotes="字" * 2001) == [{"field": "outcomeNotes", "code": "TOO_LONG"}]
    stored = await _stored(session, callback.id)
    assert (stored.status, stored.attempts, stored.closed_at, stored.reached) == ("OPEN", 0, None, None)


async def test_close_twice_keeps_the_first_outcome(gql, session):
    # given
    callback = await make_callback(session)
    cid = gid("Callback", callback.id)
    # when
    first = await gql(CLOSE, {"input": {"id": cid, "status": "DONE", "satisfaction": 4}})
    again = await gql(CLOSE, {"input": {"id": cid, "status": "CANCELLED"}})
    unknown = await gql(CLOSE, {"input": {"id": gid("Callback", 987654321), "status": "CANCELLED"}})
    # then
    assert first["callbackClose"]["userErrors"] == []
    assert again["callbackClose"] == {"callback": None, "userErrors": [{"field": "id", "code": "INVALID_STATE"}]}
    assert unknown["callbackClose"]["userErrors"] == [{"field": "id", "code": "NOT_FOUND"}]
    stored = await _stored(session, callback.id)
    assert (stored.status, stored.attempts, stored.satisfaction) == ("DONE", 1, 4)


async def test_filters(gql, session):
    # given
    ann = await make_staff(session, Role.VIP_MANAGER)
    bob = await make_staff(session, Role.VIP_MANAGER)
    first_member = await make_member(session)
    second_member = await make_member(session)
    dealer = await make_dealer(session)
    tomorrow = await make_callback(
        session, member=first_member, assignee=ann, purpose=CallbackPurpose.SATISFACTION, due_on=_day(1)
    )
    birthday = await make_callback(
        session, member=second_member, assignee=bob, purpose=CallbackPurpose.BIRTHDAY, due_on=_day(5)
    )
    payment = await make_callback(
        session, dealer=dealer, assignee=ann, purpose=CallbackPurpose.PAYMENT_REMINDER, due_on=_day(10)
    )
    done_late = await make_callback(
        session,
        member=first_member,
        assignee=bob,
        purpose=CallbackPurpose.SATISFACTION,
        due_on=_day(-3),
        status=CallbackStatus.DONE,
    )
    overdue = await make_callback(session, member=second_member, purpose=CallbackPurpose.REACTIVATION, due_on=_day(-2))
    due_today = await make_callback(
        session, dealer=dealer, assignee=ann, purpose=CallbackPurpose.DEALER_SALES_TALK, due_on=_day(0)
    )
    everything = {tomorrow, birthday, payment, done_late, overdue, due_today}

    async def ids(flt):
        data = await gql(LIST, {"filter": flt, "first": 100})
        return {e["node"]["id"] for e in data["callbacks"]["edges"]}

    def of(*callbacks):
        return {gid("Callback", c.id) for c in callbacks}

    # when / then
    assert await ids(None) == of(*everything)
    assert await ids({"assigneeId": gid("Staff", ann.id)}) == of(tomorrow, payment, due_today)
    assert await ids({"status": "OPEN"}) == of(tomorrow, birthday, payment, overdue, due_today)
    assert await ids({"status": "DONE"}) == of(done_late)
    assert await ids({"status": "CANCELLED"}) == set()
    assert await ids({"purpose": "SATISFACTION"}) == of(tomorrow, done_late)
    assert await ids({"partyKind": "DEALER"}) == of(payment, due_today)
    assert await ids({"partyKind": "MEMBER"}) == of(tomorrow, birthday, done_late, overdue)
    assert await ids({"memberId": gid("Member", first_member.id)}) == of(tomorrow, done_late)
    assert await ids({"dealerId": gid("Dealer", dealer.id)}) == of(payment, due_today)
    assert await ids({"dueFrom": _iso(0), "dueTo": _iso(5)}) == of(due_today, tomorrow, birthday)
    assert await ids({"dueFrom": _iso(5), "dueTo": _iso(5)}) == of(birthday)
    assert await ids({"dueTo": _iso(-2)}) == of(done_late, overdue)
    assert await ids({"overdue": True}) == of(overdue)
    assert await ids({"overdue": False}) == of(*(everything - {overdue}))
    assert await ids({"assigneeId": gid("Staff", ann.id), "partyKind": "MEMBER"}) == of(tomorrow)
    assert await ids({"memberId": gid("Member", second_member.id), "overdue": True}) == of(overdue)
    assert await ids({"dueFrom": "0001-01-01", "dueTo": "9999-12-31"}) == of(*everything)


async def test_filter_with_a_malformed_id_is_a_request_error(gql):
    # when
    bad = await gql.raw(LIST, {"filter": {"assigneeId": "nonsense"}})
    wrong_type = await gql.raw(LIST, {"filter": {"memberId": gid("Dealer", 1)}})
    # then
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_ID"
    assert wrong_type["errors"][0]["extensions"]["code"] == "INVALID_ID"


async def test_overdue_field_is_open_and_past_due(gql, session):
    # given
    member = await make_member(session)
    late = await make_callback(session, member=member, due_on=_day(-1))
    today_ = await make_callback(session, member=member, due_on=_day(0))
    closed_late = await make_callback(session, member=member, due_on=_day(-5), status=CallbackStatus.UNREACHABLE)
    # when
    data = await gql(LIST, {"filter": {"memberId": gid("Member", member.id)}, "first": 10})
    # then
    overdue = {e["node"]["id"]: e["node"]["overdue"] for e in data["callbacks"]["edges"]}
    assert overdue == {
        gid("Callback", late.id): True,
        gid("Callback", today_.id): False,
        gid("Callback", closed_late.id): False,
    }


async def test_each_order(gql, session):
    # given
    member = await make_member(session)
    a = await make_callback(session, member=member, due_on=_day(3), priority=0)
    b = await make_callback(session, member=member, due_on=_day(1), priority=2)
    c = await make_callback(session, member=member, due_on=_day(3), priority=2)
    d = await make_callback(session, member=member, due_on=_day(-1), priority=0)
    e = await make_callback(session, member=member, due_on=_day(1), priority=3)
    flt = {"memberId": gid("Member", member.id)}

    async def order(name=None):
        variables = {"filter": flt, "first": 100} | ({"orderBy": name} if name else {})
        data = await gql(LIST, variables)
        return [edge["node"]["id"] for edge in data["callbacks"]["edges"]]

    def of(*callbacks):
        return [gid("Callback", x.id) for x in callbacks]

    # when / then
    assert await order() == of(d, b, e, a, c)
    assert await order("DUE_ON") == of(d, b, e, a, c)
    assert await order("DUE_ON_DESC") == of(c, a, e, b, d)
    assert await order("PRIORITY") == of(e, b, c, d, a)


async def test_every_order_pages_without_duplicates_or_gaps(gql, session):
    # given
    assignee = await make_staff(session, Role.VIP_MANAGER)
    for i in range(7):
        await make_callback(session, assignee=assignee, due_on=_day(i % 3 - 1), priority=i % 2)
    flt = {"assigneeId": gid("Staff", assignee.id)}
    for name in ("DUE_ON", "DUE_ON_DESC", "PRIORITY"):
        full = await gql(LIST, {"filter": flt, "orderBy": name, "first": 100})
        whole = [e["node"]["id"] for e in full["callbacks"]["edges"]]
        seen: list[str] = []
        after = None
        pages = 0
        # when
        while True:
            data = await gql(LIST, {"filter": flt, "orderBy": name, "first": 3, "after": after})
            conn = data["callbacks"]
            assert conn["totalCount"] == 7
            assert conn["pageInfo"]["hasPreviousPage"] is (after is not None)
            seen += [e["node"]["id"] for e in conn["edges"]]
            pages += 1
            if not conn["pageInfo"]["hasNextPage"]:
                break
            after = conn["pageInfo"]["endCursor"]
        # then
        assert len(whole) == 7, name
        assert seen == whole, name
        assert pages == 3, name


async def test_a_cursor_only_works_with_its_own_order(gql, session):
    # given
    member = await make_member(session)
    for offset in (1, 2, 3):
        await make_callback(session, member=member, due_on=_day(offset))
    await make_feedback(session, member=member)
    flt = {"memberId": gid("Member", member.id)}
    first = await gql(LIST, {"filter": flt, "orderBy": "DUE_ON", "first": 1})
    cursor = first["callbacks"]["pageInfo"]["endCursor"]
    feedback = await gql("query { feedback(first: 1) { pageInfo { endCursor } } }")
    # when
    same = await gql(LIST, {"filter": flt, "orderBy": "DUE_ON", "first": 5, "after": cursor})
    by_priority = await gql.raw(LIST, {"filter": flt, "orderBy": "PRIORITY", "after": cursor})
    descending = await gql.raw(LIST, {"filter": flt, "orderBy": "DUE_ON_DESC", "after": cursor})
    from_feedback = await gql.raw(LIST, {"filter": flt, "after": feedback["feedback"]["pageInfo"]["endCursor"]})
    garbage = await gql.raw(LIST, {"filter": flt, "after": "not-a-cursor"})
    too_big = await gql.raw(LIST, {"filter": flt, "first": 101})
    # then
    assert len(same["callbacks"]["edges"]) == 2
    assert by_priority["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    assert descending["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    assert from_feedback["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    assert garbage["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    assert too_big["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"


async def test_total_count_covers_every_page(gql, session):
    # given
    dealer = await make_dealer(session)
    for offset in range(5):
        await make_callback(session, dealer=dealer, due_on=_day(offset))
    await make_callback(session, dealer=dealer, status=CallbackStatus.CANCELLED)
    # when
    data = await gql(LIST, {"filter": {"dealerId": gid("Dealer", dealer.id), "status": "OPEN"}, "first": 2})
    empty_page = await gql(LIST, {"filter": {"dealerId": gid("Dealer", dealer.id)}, "first": 0})
    # then
    assert data["callbacks"]["totalCount"] == 5
    assert len(data["callbacks"]["edges"]) == 2
    assert data["callbacks"]["pageInfo"]["hasNextPage"] is True
    assert empty_page["callbacks"]["totalCount"] == 6
    assert empty_page["callbacks"]["edges"] == []


async def test_open_callbacks_of_member_and_dealer(gql, session):
    # given
    member = await make_member(session)
    other_member = await make_member(session)
    dealer = await make_dealer(session)
    later = await make_callback(session, member=member, due_on=_day(6))
    late = await make_callback(session, member=member, due_on=_day(-2))
    soon = await make_callback(session, member=member, due_on=_day(1))
    await make_callback(session, member=member, due_on=_day(0), status=CallbackStatus.DONE)
    await make_callback(session, member=member, due_on=_day(2), status=CallbackStatus.CANCELLED)
    await make_callback(session, member=other_member, due_on=_day(1))
    dealer_second = await make_callback(session, dealer=dealer, due_on=_day(4))
    dealer_first = await make_callback(session, dealer=dealer, due_on=_day(3))
    await make_callback(session, dealer=dealer, due_on=_day(1), status=CallbackStatus.UNREACHABLE)
    query = """
    query($m: ID!, $d: ID!) {
      member: node(id: $m) { ... on Member { openCallbacks { id status dueOn overdue } } }
      dealer: node(id: $d) { ... on Dealer { openCallbacks { id status dueOn } } }
    }
    """
    # when
    data = await gql(query, {"m": gid("Member", member.id), "d": gid("Dealer", dealer.id)})
    # then
    assert data["member"]["openCallbacks"] == [
        {"id": gid("Callback", late.id), "status": "OPEN", "dueOn": _iso(-2), "overdue": True},
        {"id": gid("Callback", soon.id), "status": "OPEN", "dueOn": _iso(1), "overdue": False},
        {"id": gid("Callback", later.id), "status": "OPEN", "dueOn": _iso(6), "overdue": False},
    ]
    assert data["dealer"]["openCallbacks"] == [
        {"id": gid("Callback", dealer_first.id), "status": "OPEN", "dueOn": _iso(3)},
        {"id": gid("Callback", dealer_second.id), "status": "OPEN", "dueOn": _iso(4)},
    ]


async def test_node_returns_a_callback(gql, session):
    # given
    dealer = await make_dealer(session)
    callback = await make_callback(session, dealer=dealer, purpose=CallbackPurpose.DEALER_SALES_TALK, due_on=_day(2))
    # when
    found = await gql(NODE, {"id": gid("Callback", callback.id)})
    missing = await gql(NODE, {"id": gid("Callback", 987654321)})
    # then
    assert found["node"] == {
        "id": gid("Callback", callback.id),
        "status": "OPEN",
        "purpose": "DEALER_SALES_TALK",
        "dueOn": _iso(2),
        "member": None,
        "dealer": {"id": gid("Dealer", dealer.id)},
    }
    assert missing["node"] is None


async def test_create_refuses_feedback_from_someone_else(gql, session):
    # given
    member = await make_member(session)
    other = await make_member(session)
    theirs = await make_feedback(session, member=other)
    before = await _count(session)
    # when
    data = await gql(
        CREATE,
        {
            "input": {
                "memberId": gid("Member", member.id),
                "purpose": "COMPLAINT_FOLLOW_UP",
                "dueOn": _iso(1),
                "feedbackId": gid("Feedback", theirs.id),
            }
        },
    )
    # then
    payload = data["callbackCreate"]
    assert payload["callback"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("feedbackId", "INVALID")]
    assert await _count(session) == before

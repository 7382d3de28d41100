"""Working the calls: logging attempts, the daily capacity, conversions by visits, policies, lunar birthdays.

The API uses the real clock, so days here are relative to today (Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm.auth.actor import Actor
from crm.callbacks.models import Callback, CallbackAttempt, CallbackPolicy
from crm.enums import CallbackPurpose, CallbackStatus, Channel, DealerVisitPurpose, Role
from crm.validation import today
from crm.visits import service as visits
from tests.builders import gid, make_callback, make_dealer, make_member, make_staff

LOG = """
mutation Log($input: CallbackLogAttemptInput!) {
  callbackLogAttempt(input: $input) {
    callback {
      id status attempts reached outcome satisfaction nonConversionReason outcomeNotes dueOn closedAt version
      attemptLog { attemptedAt channel reached outcome satisfaction nonConversionReason notes actor { id } }
    }
    userErrors { field code }
  }
}
"""

UPDATE = """
mutation Update($input: CallbackUpdateInput!) {
  callbackUpdate(input: $input) {
    callback { id dueOn assignee { id } }
    userErrors { field code message }
  }
}
"""

CREATE = """
mutation Create($input: CallbackCreateInput!) {
  callbackCreate(input: $input) {
    callback { id dueOn assignee { id } }
    userErrors { field code message }
  }
}
"""

CONVERSION = """
query Conversion($id: ID!) {
  node(id: $id) { ... on Callback { status convertedAt convertedVisit { id } } }
}
"""

RECORD_VISIT = """
mutation Record($input: VisitRecordInput!) {
  visitRecord(input: $input) {
    visit { id visitedAt member { id lifetimeSpend } }
    userErrors { field code }
  }
}
"""

POLICIES = """
query {
  callbackPolicies {
    purpose enabled offsetDays idleDays quietDays weekday priority channel tiers tags regions
    campaignCode campaignStartsOn campaignEndsOn maxAttempts retryDelayDays conversionDays version
  }
}
"""

POLICY_UPDATE = """
mutation PolicyUpdate($input: CallbackPolicyUpdateInput!) {
  callbackPolicyUpdate(input: $input) {
    policy { purpose enabled offsetDays priority channel tiers maxAttempts retryDelayDays conversionDays version }
    userErrors { field code }
  }
}
"""

MEMBER_UPDATE = """
mutation MemberUpdate($input: MemberUpdateInput!) {
  memberUpdate(input: $input) {
    member { id lunarBirthday { month day } nextBirthday }
    userErrors { field code }
  }
}
"""

MEMBER = """
query Member($id: ID!) {
  node(id: $id) { ... on Member { lunarBirthday { month day } nextBirthday lifetimeSpend } }
}
"""


def _day(offset: int) -> dt.date:
    """The business day `offset` days from today (Asia/Shanghai)."""
    return today() + dt.timedelta(days=offset)


def _iso(offset: int) -> str:
    return _day(offset).isoformat()


def _ago(days: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(days=days)


async def _stored(session, callback_id: int) -> Callback:
    row = await session.get(Callback, callback_id, populate_existing=True)
    assert row is not None
    return row


async def _attempt_rows(session, callback_id: int) -> int:
    stmt = select(func.count()).select_from(CallbackAttempt).where(CallbackAttempt.callback_id == callback_id)
    return int(await session.scalar(stmt))


async def _policy(session, purpose: CallbackPurpose) -> CallbackPolicy:
    policy = await session.scalar(
        select(CallbackPolicy).where(CallbackPolicy.purpose == purpose).execution_options(populate_existing=True)
    )
    assert policy is not None
    return policy


async def _admin_actor(session) -> Actor:
    admin = await make_staff(session, Role.ADMIN)
    return Actor(staff_id=admin.id, role=Role.ADMIN, store_id=None, region=None, token_id=0)


# --- callbackLogAttempt ---------------------------------------------------------------------------


async def test_reached_with_an_outcome_closes_the_call_done(gql_as, session):
    # given
    manager = await make_staff(session, Role.VIP_MANAGER)
    member = await make_member(session, manager_id=manager.id)
    callback = await make_callback(session, member=member, assignee=manager, due_on=_day(0))
    as_manager = await gql_as(Role.VIP_MANAGER, staff=manager)
    # when
    data = await as_manager(
        LOG,
        {
            "input": {
                "id": gid("Callback", callback.id),
                "reached": True,
                "outcome": "NOT_INTERESTED",
                "satisfaction": 3,
                "nonConversionReason": "PRICE",
                "notes": " 嫌貴 ",
            }
        },
    )
    # then
    payload = data["callbackLogAttempt"]
    assert payload["userErrors"] == []
    done = payload["callback"]
    assert (done["status"], done["attempts"], done["reached"], done["outcome"]) == ("DONE", 1, True, "NOT_INTERESTED")
    assert (done["satisfaction"], done["nonConversionReason"], done["outcomeNotes"]) == (3, "PRICE", "嫌貴")
    assert done["closedAt"] is not None
    assert done["version"] == 2
    [attempt] = done["attemptLog"]
    assert attempt["channel"] == "PHONE"
    assert (attempt["reached"], attempt["outcome"], attempt["satisfaction"]) == (True, "NOT_INTERESTED", 3)
    assert (attempt["nonConversionReason"], attempt["notes"]) == ("PRICE", "嫌貴")
    assert attempt["actor"] == {"id": gid("Staff", manager.id)}
    assert await _attempt_rows(session, callback.id) == 1


CLOSE = """
mutation($input: CallbackCloseInput!) {
  callbackClose(input: $input) {
    callback { status attempts attemptLog { reached satisfaction notes actor { id } } }
    userErrors { field code }
  }
}
"""


@pytest.mark.parametrize(
    ("status", "reached", "tries"), [("DONE", True, 1), ("UNREACHABLE", False, 1), ("CANCELLED", None, 0)]
)
async def test_closing_a_call_done_or_unreachable_is_a_try_in_its_attempt_log(gql_as, session, status, reached, tries):
    # given
    manager = await make_staff(session, Role.VIP_MANAGER)
    member = await make_member(session, manager_id=manager.id)
    callback = await make_callback(session, member=member, assignee=manager, due_on=_day(0))
    as_manager = await gql_as(Role.VIP_MANAGER, staff=manager)
    # when
    data = await as_manager(
        CLOSE, {"input": {"id": gid("Callback", callback.id), "status": status, "outcomeNotes": "已聯繫"}}
    )
    # then
    closed = data["callbackClose"]["callback"]
    assert (closed["status"], closed["attempts"]) == (status, tries)
    expected = [
        {"reached": reached, "satisfaction": None, "notes": "已聯繫", "actor": {"id": gid("Staff", manager.id)}}
    ]
    assert closed["attemptLog"] == (expected if tries else [])
    assert await _attempt_rows(session, callback.id) == tries


async def test_what_was_said_on_a_member_call_is_hidden_from_roles_that_see_personal_data_masked(gql, gql_as, session):
    # given: a member call done with notes, and a dealer call with notes
    member_call = await make_callback(session, member=await make_member(session), due_on=_day(1), notes="她愛紅色")
    dealer_call = await make_callback(session, dealer=await make_dealer(session), due_on=_day(1), notes="談秋冬訂貨")
    attempt = {"id": gid("Callback", member_call.id), "reached": True, "outcome": "SATISFIED", "notes": "丈夫剛住院"}
    logged = await gql(LOG, {"input": attempt})
    assert logged["callbackLogAttempt"]["userErrors"] == []
    marketing = await gql_as(Role.MARKETING)
    query = "query Q($id: ID!) { node(id: $id) { ... on Callback { notes outcomeNotes attemptLog { notes } } } }"
    # when
    member_seen = await marketing(query, {"id": gid("Callback", member_call.id)})
    dealer_seen = await marketing(query, {"id": gid("Callback", dealer_call.id)})
    ours = await gql(query, {"id": gid("Callback", member_call.id)})
    # then
    assert member_seen["node"] == {"notes": None, "outcomeNotes": None, "attemptLog": [{"notes": None}]}
    assert dealer_seen["node"]["notes"] == "談秋冬訂貨"
    assert ours["node"] == {"notes": "她愛紅色", "outcomeNotes": "丈夫剛住院", "attemptLog": [{"notes": "丈夫剛住院"}]}


async def test_not_reached_is_retried_after_the_policy_s_delay(gql, session):
    # given: reactivation calls are retried two days later, satisfaction calls the next day
    reactivation = await make_callback(session, purpose=CallbackPurpose.REACTIVATION, due_on=_day(0))
    satisfaction = await make_callback(session, purpose=CallbackPurpose.SATISFACTION, due_on=_day(0))
    # when
    first = await gql(LOG, {"input": {"id": gid("Callback", reactivation.id), "reached": False, "notes": "無人接"}})
    other = await gql(LOG, {"input": {"id": gid("Callback", satisfaction.id), "reached": False, "channel": "SMS"}})
    # then
    retried = first["callbackLogAttempt"]["callback"]
    assert first["callbackLogAttempt"]["userErrors"] == []
    assert (retried["status"], retried["attempts"], retried["reached"], retried["dueOn"]) == ("OPEN", 1, False, _iso(2))
    assert retried["closedAt"] is None
    assert [(a["reached"], a["outcome"], a["notes"]) for a in retried["attemptLog"]] == [(False, None, "無人接")]
    assert other["callbackLogAttempt"]["callback"]["dueOn"] == _iso(1)
    assert [a["channel"] for a in other["callbackLogAttempt"]["callback"]["attemptLog"]] == ["SMS"]
    assert (await _stored(session, satisfaction.id)).channel == "PHONE"


async def test_a_retry_goes_to_the_first_later_day_with_room(gql, session):
    # given: the assignee makes one call a day and tomorrow is taken
    manager = await make_staff(session, Role.VIP_MANAGER, daily_call_capacity=1)
    await make_callback(session, assignee=manager, due_on=_day(1))
    await make_callback(session, assignee=manager, due_on=_day(2), status=CallbackStatus.DONE)
    callback = await make_callback(session, assignee=manager, purpose=CallbackPurpose.SATISFACTION, due_on=_day(0))
    # when
    data = await gql(LOG, {"input": {"id": gid("Callback", callback.id), "reached": False}})
    # then
    assert data["callbackLogAttempt"]["callback"]["dueOn"] == _iso(2)


async def test_the_attempt_limit_closes_the_call_unreachable(gql, session):
    # given
    callback = await make_callback(session, max_attempts=2, attempts=1, due_on=_day(0))
    # when
    data = await gql(LOG, {"input": {"id": gid("Callback", callback.id), "reached": False}})
    # then
    closed = data["callbackLogAttempt"]["callback"]
    assert (closed["status"], closed["attempts"], closed["reached"]) == ("UNREACHABLE", 2, False)
    assert closed["closedAt"] is not None
    assert closed["dueOn"] == _iso(0)


async def test_call_later_keeps_the_call_open_for_the_day_asked(gql, session):
    # given
    asked = await make_callback(session, due_on=_day(0))
    default = await make_callback(session, due_on=_day(0))
    # when
    data = await gql(
        LOG,
        {"input": {"id": gid("Callback", asked.id), "reached": True, "outcome": "CALL_LATER", "callAgainOn": _iso(5)}},
    )
    tomorrow = await gql(LOG, {"input": {"id": gid("Callback", default.id), "reached": True, "outcome": "CALL_LATER"}})
    # then
    later = data["callbackLogAttempt"]["callback"]
    assert data["callbackLogAttempt"]["userErrors"] == []
    assert (later["status"], later["outcome"], later["reached"], later["attempts"]) == ("OPEN", "CALL_LATER", True, 1)
    assert later["dueOn"] == _iso(5)
    assert later["closedAt"] is None
    assert tomorrow["callbackLogAttempt"]["callback"]["dueOn"] == _iso(1)


async def test_a_created_call_takes_its_policy_s_attempt_limit(gql, session):
    # given: promotions are tried once
    member = await make_member(session)
    created = await gql(
        """
        mutation($input: CallbackCreateInput!) {
          callbackCreate(input: $input) { callback { id maxAttempts } userErrors { field code } }
        }
        """,
        {"input": {"memberId": gid("Member", member.id), "purpose": "PROMOTION", "dueOn": _iso(0), "channel": "SMS"}},
    )
    callback = created["callbackCreate"]["callback"]
    # when
    data = await gql(LOG, {"input": {"id": callback["id"], "reached": False}})
    # then
    assert callback["maxAttempts"] == 1
    assert (data["callbackLogAttempt"]["callback"]["status"], data["callbackLogAttempt"]["callback"]["attempts"]) == (
        "UNREACHABLE",
        1,
    )


async def test_refused_attempts_write_nothing(gql, session):
    # given
    member = await make_member(session, consent_sms=False)
    callback = await make_callback(session, member=member, due_on=_day(0))
    closed = await make_callback(session, status=CallbackStatus.DONE)
    cid = gid("Callback", callback.id)

    async def errors(**fields):
        data = await gql(LOG, {"input": {"id": cid, **fields}})
        assert data["callbackLogAttempt"]["callback"] is None
        return [(e["field"], e["code"]) for e in data["callbackLogAttempt"]["userErrors"]]

    # when / then
    assert await errors(reached=False, outcome="SATISFIED") == [("outcome", "INVALID")]
    assert await errors(reached=False, satisfaction=4) == [("satisfaction", "INVALID")]
    assert await errors(reached=False, nonConversionReason="PRICE") == [("nonConversionReason", "INVALID")]
    assert await errors(reached=True) == [("outcome", "REQUIRED")]
    assert await errors(reached=True, outcome="SATISFIED", satisfaction=6) == [("satisfaction", "OUT_OF_RANGE")]
    assert await errors(reached=True, outcome="SATISFIED", satisfaction=0) == [("satisfaction", "OUT_OF_RANGE")]
    assert await errors(reached=True, outcome="SATISFIED", callAgainOn=_iso(3)) == [("callAgainOn", "INVALID")]
    assert await errors(reached=True, outcome="CALL_LATER", callAgainOn=_iso(-1)) == [("callAgainOn", "INVALID_DATE")]
    assert await errors(reached=True, outcome="SATISFIED", channel="SMS") == [("channel", "NO_CONSENT")]
    assert await errors(reached=False, version=7) == [("version", "STALE_VERSION")]
    on_closed = await gql(LOG, {"input": {"id": gid("Callback", closed.id), "reached": False}})
    assert on_closed["callbackLogAttempt"] == {
        "callback": None,
        "userErrors": [{"field": "id", "code": "INVALID_STATE"}],
    }
    stored = await _stored(session, callback.id)
    assert (stored.status, stored.attempts, stored.version, stored.due_on, stored.reached) == (
        "OPEN",
        0,
        1,
        _day(0),
        None,
    )
    assert await _attempt_rows(session, callback.id) == 0
    assert await _attempt_rows(session, closed.id) == 0


async def test_a_withdrawn_consent_refuses_an_attempt_on_the_call_s_channel(gql, session):
    # given
    member = await make_member(session)
    callback = await make_callback(session, member=member, channel=Channel.PHONE, due_on=_day(0))
    member.consent_phone = False
    await session.flush()
    # when
    refused = await gql(LOG, {"input": {"id": gid("Callback", callback.id), "reached": False}})
    on_wechat = await gql(LOG, {"input": {"id": gid("Callback", callback.id), "reached": False, "channel": "WECHAT"}})
    # then
    assert refused["callbackLogAttempt"]["userErrors"] == [{"field": "channel", "code": "NO_CONSENT"}]
    assert on_wechat["callbackLogAttempt"]["userErrors"] == []
    assert await _attempt_rows(session, callback.id) == 1


async def test_a_stale_version_is_refused_after_someone_else_s_attempt(gql, session):
    # given
    callback = await make_callback(session, due_on=_day(0))
    cid = gid("Callback", callback.id)
    first = await gql(LOG, {"input": {"id": cid, "reached": False, "version": 1}})
    # when
    stale = await gql(LOG, {"input": {"id": cid, "reached": True, "outcome": "SATISFIED", "version": 1}})
    # then
    assert first["callbackLogAttempt"]["callback"]["version"] == 2
    assert stale["callbackLogAttempt"] == {
        "callback": None,
        "userErrors": [{"field": "version", "code": "STALE_VERSION"}],
    }
    stored = await _stored(session, callback.id)
    assert (stored.status, stored.attempts, stored.version) == ("OPEN", 1, 2)
    assert await _attempt_rows(session, callback.id) == 1


async def test_an_idempotency_key_replay_writes_once(gql, session):
    # given
    callback = await make_callback(session, due_on=_day(0))
    attempt = {"id": gid("Callback", callback.id), "reached": False, "idempotencyKey": "a1b2c3-retry"}
    # when
    first = await gql(LOG, {"input": attempt})
    replay = await gql(LOG, {"input": attempt})
    reused = await gql(LOG, {"input": {**attempt, "reached": True, "outcome": "SATISFIED"}})
    # then
    assert first["callbackLogAttempt"]["userErrors"] == []
    assert replay["callbackLogAttempt"]["userErrors"] == []
    assert replay["callbackLogAttempt"]["callback"]["id"] == first["callbackLogAttempt"]["callback"]["id"]
    assert replay["callbackLogAttempt"]["callback"]["attempts"] == 1
    assert [e["code"] for e in reused["callbackLogAttempt"]["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    stored = await _stored(session, callback.id)
    assert (stored.attempts, stored.version) == (1, 2)
    assert await _attempt_rows(session, callback.id) == 1


# --- the daily capacity ---------------------------------------------------------------------------


async def test_rescheduling_or_reassigning_onto_a_full_day_names_the_first_free_day(gql, session):
    # given: a manager making one call a day, with days 3 and 4 taken
    busy = await make_staff(session, Role.VIP_MANAGER, daily_call_capacity=1)
    other = await make_staff(session, Role.VIP_MANAGER)
    await make_callback(session, assignee=busy, due_on=_day(3))
    await make_callback(session, assignee=busy, due_on=_day(4))
    mine = await make_callback(session, assignee=busy, due_on=_day(6))
    theirs = await make_callback(session, assignee=other, due_on=_day(3))
    # when
    moved = await gql(UPDATE, {"input": {"id": gid("Callback", mine.id), "dueOn": _iso(3)}})
    handed_over = await gql(UPDATE, {"input": {"id": gid("Callback", theirs.id), "assigneeId": gid("Staff", busy.id)}})
    # then
    for data in (moved, handed_over):
        payload = data["callbackUpdate"]
        assert payload["callback"] is None
        [error] = payload["userErrors"]
        assert (error["field"], error["code"]) == ("dueOn", "OVER_CAPACITY")
        assert _iso(5) in error["message"]
    assert ((await _stored(session, mine.id)).due_on, (await _stored(session, mine.id)).version) == (_day(6), 1)
    assert (await _stored(session, theirs.id)).assignee_id == other.id
    # when: a day with room
    fits = await gql(UPDATE, {"input": {"id": gid("Callback", mine.id), "dueOn": _iso(5)}})
    stays = await gql(UPDATE, {"input": {"id": gid("Callback", mine.id), "dueOn": _iso(5), "priority": 2}})
    # then
    assert fits["callbackUpdate"]["userErrors"] == []
    assert fits["callbackUpdate"]["callback"]["dueOn"] == _iso(5)
    assert stays["callbackUpdate"]["userErrors"] == []


async def test_creating_a_call_on_a_full_day_is_refused(gql, session):
    # given
    busy = await make_staff(session, Role.VIP_MANAGER, daily_call_capacity=2)
    await make_callback(session, assignee=busy, due_on=_day(2))
    await make_callback(session, assignee=busy, due_on=_day(2))
    await make_callback(session, assignee=busy, due_on=_day(2), status=CallbackStatus.CANCELLED)
    member = await make_member(session)
    before = int(await session.scalar(select(func.count()).select_from(Callback)))
    base = {"memberId": gid("Member", member.id), "purpose": "OTHER", "assigneeId": gid("Staff", busy.id)}
    # when
    full = await gql(CREATE, {"input": {**base, "dueOn": _iso(2)}})
    after_full = int(await session.scalar(select(func.count()).select_from(Callback)))
    free = await gql(CREATE, {"input": {**base, "dueOn": _iso(3)}})
    unassigned = await gql(CREATE, {"input": {**base, "dueOn": _iso(2), "assigneeId": None}})
    # then
    [error] = full["callbackCreate"]["userErrors"]
    assert (error["field"], error["code"]) == ("dueOn", "OVER_CAPACITY")
    assert _iso(3) in error["message"]
    assert after_full == before
    assert free["callbackCreate"]["userErrors"] == []
    assert free["callbackCreate"]["callback"]["dueOn"] == _iso(3)
    assert unassigned["callbackCreate"]["userErrors"] == []


# --- conversions ----------------------------------------------------------------------------------


async def test_a_visit_converts_the_calls_done_within_the_policy_s_window(gql, session):
    # given: satisfaction calls convert within 14 days, reactivation calls within 30
    member = await make_member(session)
    satisfaction = await _policy(session, CallbackPurpose.SATISFACTION)
    reactivation = await _policy(session, CallbackPurpose.REACTIVATION)

    async def done(purpose, policy, closed_days_ago, **kw):
        when = _ago(closed_days_ago)
        return await make_callback(
            session,
            member=member,
            purpose=purpose,
            policy_id=policy.id,
            status=kw.pop("status", CallbackStatus.DONE),
            closed_at=when,
            last_attempt_at=when,
            due_on=when.date(),
            **kw,
        )

    recent = await done(CallbackPurpose.SATISFACTION, satisfaction, 6)
    too_old = await done(CallbackPurpose.SATISFACTION, satisfaction, 21)
    long_window = await done(CallbackPurpose.REACTIVATION, reactivation, 21)
    after_the_visit = await done(CallbackPurpose.SATISFACTION, satisfaction, 0.5)
    unreachable = await done(CallbackPurpose.SATISFACTION, satisfaction, 6, status=CallbackStatus.UNREACHABLE)
    someone_else = await make_callback(
        session, purpose=CallbackPurpose.SATISFACTION, status=CallbackStatus.DONE, closed_at=_ago(6)
    )
    visited_at = _ago(1).replace(microsecond=0)
    # when: the visit one day ago, five days after the recent call
    data = await gql(
        RECORD_VISIT,
        {"input": {"memberId": gid("Member", member.id), "visitedAt": visited_at.isoformat(), "purchaseAmount": "10"}},
    )
    # then
    assert data["visitRecord"]["userErrors"] == []
    visit_id = data["visitRecord"]["visit"]["id"]

    async def conversion(callback):
        node = (await gql(CONVERSION, {"id": gid("Callback", callback.id)}))["node"]
        at = dt.datetime.fromisoformat(node["convertedAt"]) if node["convertedAt"] else None
        return at, node["convertedVisit"]

    assert await conversion(recent) == (visited_at, {"id": visit_id})
    assert await conversion(long_window) == (visited_at, {"id": visit_id})
    assert await conversion(too_old) == (None, None)
    assert await conversion(after_the_visit) == (None, None)
    assert await conversion(unreachable) == (None, None)
    assert await conversion(someone_else) == (None, None)


async def test_a_later_visit_does_not_take_over_a_conversion(session):
    # given
    admin = await _admin_actor(session)
    member = await make_member(session)
    call = await make_callback(session, member=member, status=CallbackStatus.DONE, closed_at=_ago(5))
    # when
    first = await visits.record(session, admin, {"member_id": member.id, "visited_at": _ago(3)})
    await visits.record(session, admin, {"member_id": member.id, "visited_at": _ago(1)})
    # then
    stored = await _stored(session, call.id)
    assert stored.converted_visit_id == first.id
    assert stored.converted_at == first.visited_at


async def test_a_dealer_showroom_visit_converts_a_dealer_call(session):
    # given
    admin = await _admin_actor(session)
    dealer = await make_dealer(session)
    other_dealer = await make_dealer(session)
    talk = await _policy(session, CallbackPurpose.DEALER_SALES_TALK)
    call = await make_callback(
        session,
        dealer=dealer,
        purpose=CallbackPurpose.DEALER_SALES_TALK,
        policy_id=talk.id,
        status=CallbackStatus.DONE,
        closed_at=_ago(6),
    )
    stale = await make_callback(
        session,
        dealer=dealer,
        purpose=CallbackPurpose.DEALER_SALES_TALK,
        policy_id=talk.id,
        status=CallbackStatus.DONE,
        closed_at=_ago(9),
    )
    theirs = await make_callback(session, dealer=other_dealer, status=CallbackStatus.DONE, closed_at=_ago(6))
    # when: a visit a day ago: 5 days after the call, 8 after the stale one (the window is 7)
    visit = await visits.record(
        session, admin, {"dealer_id": dealer.id, "visited_at": _ago(1), "purpose": DealerVisitPurpose.ORDER}
    )
    # then
    assert (await _stored(session, call.id)).converted_visit_id == visit.id
    assert (await _stored(session, stale.id)).converted_visit_id is None
    assert (await _stored(session, theirs.id)).converted_visit_id is None


# --- lifetime spend -------------------------------------------------------------------------------


async def test_purchase_visits_add_up_in_lifetime_spend(gql, session):
    # given
    member = await make_member(session)
    mid = gid("Member", member.id)
    # when
    for amount in ("1299.50", None, "200.00", "0.25"):
        visit = {"memberId": mid, "visitedAt": _ago(2).isoformat()}
        data = await gql(RECORD_VISIT, {"input": visit | ({"purchaseAmount": amount} if amount else {})})
        assert data["visitRecord"]["userErrors"] == []
    refused = await gql(RECORD_VISIT, {"input": {"memberId": mid, "purchaseAmount": "-5"}})
    # then
    assert refused["visitRecord"]["visit"] is None
    member_data = await gql(MEMBER, {"id": mid})
    assert Decimal(member_data["node"]["lifetimeSpend"]) == Decimal("1499.75")


# --- policies -------------------------------------------------------------------------------------


async def test_callback_policies_lists_every_purpose(gql_as, session):
    # given
    marketing = await gql_as(Role.MARKETING)
    # when
    data = await marketing(POLICIES)
    # then
    policies = {p["purpose"]: p for p in data["callbackPolicies"]}
    assert set(policies) == {p.value for p in CallbackPurpose} - {"OTHER"}
    satisfaction = policies["SATISFACTION"]
    assert (satisfaction["enabled"], satisfaction["offsetDays"], satisfaction["priority"]) == (True, 3, 1)
    assert (satisfaction["maxAttempts"], satisfaction["retryDelayDays"], satisfaction["conversionDays"]) == (3, 1, 14)
    assert (satisfaction["tiers"], satisfaction["tags"], satisfaction["regions"]) == ([], [], [])
    assert policies["COMPLAINT_FOLLOW_UP"]["priority"] == 3
    assert policies["PROMOTION"]["enabled"] is False
    assert policies["PROMOTION"]["channel"] == "SMS"
    assert policies["PROMOTION"]["campaignCode"] is None
    assert policies["DEALER_SALES_TALK"]["weekday"] == 1
    assert all(p["version"] == 1 for p in policies.values())


async def test_an_admin_changes_a_policy_and_its_version(gql, session):
    # when
    data = await gql(
        POLICY_UPDATE,
        {
            "input": {
                "purpose": "SATISFACTION",
                "offsetDays": 5,
                "priority": 2,
                "channel": "WECHAT",
                "tiers": ["GOLD", "DIAMOND", "GOLD"],
                "maxAttempts": 4,
                "version": 1,
            }
        },
    )
    again = await gql(POLICY_UPDATE, {"input": {"purpose": "SATISFACTION", "enabled": False}})
    # then
    assert data["callbackPolicyUpdate"]["userErrors"] == []
    assert data["callbackPolicyUpdate"]["policy"] == {
        "purpose": "SATISFACTION",
        "enabled": True,
        "offsetDays": 5,
        "priority": 2,
        "channel": "WECHAT",
        "tiers": ["DIAMOND", "GOLD"],
        "maxAttempts": 4,
        "retryDelayDays": 1,
        "conversionDays": 14,
        "version": 2,
    }
    assert (again["callbackPolicyUpdate"]["policy"]["enabled"], again["callbackPolicyUpdate"]["policy"]["version"]) == (
        False,
        3,
    )
    stored = await _policy(session, CallbackPurpose.SATISFACTION)
    assert (stored.offset_days, stored.max_attempts, stored.enabled, stored.version) == (5, 4, False, 3)


async def test_an_admin_sets_up_a_promotion_campaign(gql, session):
    # when
    data = await gql(
        """
        mutation($input: CallbackPolicyUpdateInput!) {
          callbackPolicyUpdate(input: $input) {
            policy { enabled campaignCode campaignStartsOn campaignEndsOn tags version }
            userErrors { field code }
          }
        }
        """,
        {
            "input": {
                "purpose": "PROMOTION",
                "enabled": True,
                "campaignCode": " w11-vip ",
                "campaignStartsOn": _iso(1),
                "campaignEndsOn": _iso(10),
                "tags": ["高消費", " 新客 ", "高消費"],
            }
        },
    )
    # then
    assert data["callbackPolicyUpdate"] == {
        "policy": {
            "enabled": True,
            "campaignCode": "W11-VIP",
            "campaignStartsOn": _iso(1),
            "campaignEndsOn": _iso(10),
            "tags": sorted(["高消費", "新客"]),
            "version": 2,
        },
        "userErrors": [],
    }


async def test_policy_changes_are_validated_and_write_nothing(gql, session):
    async def errors(**fields):
        data = await gql(POLICY_UPDATE, {"input": fields})
        assert data["callbackPolicyUpdate"]["policy"] is None
        return [(e["field"], e["code"]) for e in data["callbackPolicyUpdate"]["userErrors"]]

    # when / then
    assert await errors(purpose="SATISFACTION", offsetDays=400) == [("offsetDays", "OUT_OF_RANGE")]
    assert await errors(purpose="DEALER_SALES_TALK", weekday=8) == [("weekday", "OUT_OF_RANGE")]
    assert await errors(purpose="DEALER_SALES_TALK", weekday=0) == [("weekday", "OUT_OF_RANGE")]
    assert set(await errors(purpose="SATISFACTION", maxAttempts=11, priority=4)) == {
        ("maxAttempts", "OUT_OF_RANGE"),
        ("priority", "OUT_OF_RANGE"),
    }
    assert await errors(purpose="PROMOTION", enabled=True) == [("campaignCode", "REQUIRED")]
    assert await errors(purpose="PROMOTION", enabled=True, campaignCode="X1", campaignStartsOn=_iso(1)) == [
        ("campaignCode", "REQUIRED")
    ]
    assert await errors(purpose="PROMOTION", campaignStartsOn=_iso(10), campaignEndsOn=_iso(1)) == [
        ("campaignEndsOn", "INVALID_DATE")
    ]
    assert await errors(purpose="PROMOTION", campaignCode="雙十一!") == [("campaignCode", "INVALID")]
    assert await errors(purpose="SATISFACTION", offsetDays=None) == [("offsetDays", "REQUIRED")]
    assert await errors(purpose="SATISFACTION", offsetDays=5, version=9) == [("version", "STALE_VERSION")]
    assert await errors(purpose="SATISFACTION") == [(None, "NOTHING_TO_UPDATE")]
    assert await errors(purpose="OTHER", offsetDays=1) == [("purpose", "NOT_FOUND")]
    for purpose in ("SATISFACTION", "PROMOTION", "DEALER_SALES_TALK"):
        stored = await _policy(session, CallbackPurpose(purpose))
        assert stored.version == 1, purpose
    promotion = await _policy(session, CallbackPurpose.PROMOTION)
    assert (promotion.enabled, promotion.campaign_code, promotion.campaign_starts_on) == (False, None, None)


async def test_only_admins_change_policies(gql_as, session):
    # given
    manager = await gql_as(Role.VIP_MANAGER)
    supervisor = await gql_as(Role.SUPERVISOR)
    # when
    by_manager = await manager.raw(POLICY_UPDATE, {"input": {"purpose": "SATISFACTION", "offsetDays": 5}})
    by_supervisor = await supervisor.raw(POLICY_UPDATE, {"input": {"purpose": "SATISFACTION", "offsetDays": 5}})
    # then
    assert by_manager["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert by_supervisor["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await _policy(session, CallbackPurpose.SATISFACTION)).offset_days == 3


# --- lunar birthdays through the API --------------------------------------------------------------

# Mid-Autumn (lunar 8/15) by year.
MID_AUTUMN = [dt.date(2025, 10, 6), dt.date(2026, 9, 25), dt.date(2027, 9, 15), dt.date(2028, 10, 3)]


async def test_a_lunar_birthday_is_shown_with_its_next_solar_date_to_those_who_see_personal_data(gql, gql_as, session):
    # given
    member = await make_member(session, birthday=dt.date(1990, 1, 1))
    mid = gid("Member", member.id)
    manager = await gql_as(Role.VIP_MANAGER)
    marketing = await gql_as(Role.MARKETING)
    # when
    updated = await gql(MEMBER_UPDATE, {"input": {"id": mid, "lunarBirthday": {"month": 8, "day": 15}}})
    seen = await manager(MEMBER, {"id": mid})
    hidden = await marketing(MEMBER, {"id": mid})
    # then
    expected = min(d for d in MID_AUTUMN if d >= today()).isoformat()
    assert updated["memberUpdate"]["userErrors"] == []
    assert updated["memberUpdate"]["member"]["lunarBirthday"] == {"month": 8, "day": 15}
    assert updated["memberUpdate"]["member"]["nextBirthday"] == expected
    assert seen["node"]["lunarBirthday"] == {"month": 8, "day": 15}
    assert seen["node"]["nextBirthday"] == expected
    assert hidden["node"]["lunarBirthday"] is None
    assert hidden["node"]["nextBirthday"] is None


async def test_a_lunar_birthday_is_validated_and_can_be_cleared(gql, session):
    # given
    member = await make_member(session, lunar_birthday_month=1, lunar_birthday_day=1)
    mid = gid("Member", member.id)
    # when
    bad_month = await gql(MEMBER_UPDATE, {"input": {"id": mid, "lunarBirthday": {"month": 13, "day": 1}}})
    bad_day = await gql(MEMBER_UPDATE, {"input": {"id": mid, "lunarBirthday": {"month": 12, "day": 31}}})
    unchanged = await gql(MEMBER, {"id": mid})
    cleared = await gql(MEMBER_UPDATE, {"input": {"id": mid, "lunarBirthday": None}})
    # then
    assert bad_month["memberUpdate"] == {
        "member": None,
        "userErrors": [{"field": "lunarBirthday.month", "code": "OUT_OF_RANGE"}],
    }
    assert bad_day["memberUpdate"] == {
        "member": None,
        "userErrors": [{"field": "lunarBirthday.day", "code": "OUT_OF_RANGE"}],
    }
    assert unchanged["node"]["lunarBirthday"] == {"month": 1, "day": 1}
    assert cleared["memberUpdate"]["member"] == {"id": mid, "lunarBirthday": None, "nextBirthday": None}

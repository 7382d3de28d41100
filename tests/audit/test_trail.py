"""The audit trail: every change through the API leaves one event; the trail is read-only, even to the app."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from crm.audit.models import AuditEvent
from crm.auth.passwords import hash_password
from crm.businesstime import today
from crm.enums import Region, Role
from tests.builders import gid, make_member, make_staff, make_store

ENROL = """
mutation Enrol($input: MemberEnrolInput!) { memberEnrol(input: $input) { member { id } userErrors { field code } } }
"""
UPDATE = """
mutation Update($input: MemberUpdateInput!) { memberUpdate(input: $input) { member { id } userErrors { field code } } }
"""
VISIT = """
mutation Visit($input: VisitRecordInput!) { visitRecord(input: $input) { visit { id } userErrors { field code } } }
"""
CALLBACK_CREATE = """
mutation Plan($input: CallbackCreateInput!) {
  callbackCreate(input: $input) { callback { id } userErrors { field code } }
}
"""
CALLBACK_UPDATE = """
mutation Move($input: CallbackUpdateInput!) {
  callbackUpdate(input: $input) { callback { id } userErrors { field code } }
}
"""
CALLBACK_CLOSE = """
mutation Close($input: CallbackCloseInput!) {
  callbackClose(input: $input) { callback { id } userErrors { field code } }
}
"""
FEEDBACK = """
mutation Submit($input: FeedbackSubmitInput!) {
  feedbackSubmit(input: $input) { feedback { id } userErrors { field code } }
}
"""
DEALER_CREATE = """
mutation D($input: DealerCreateInput!) { dealerCreate(input: $input) { dealer { id } userErrors { field code } } }
"""
DEALER_UPDATE = """
mutation D($input: DealerUpdateInput!) { dealerUpdate(input: $input) { dealer { id } userErrors { field code } } }
"""
STORE_CREATE = """
mutation S($input: StoreCreateInput!) { storeCreate(input: $input) { store { id } userErrors { field code } } }
"""
STORE_UPDATE = """
mutation S($input: StoreUpdateInput!) { storeUpdate(input: $input) { store { id } userErrors { field code } } }
"""
STAFF_CREATE = """
mutation S($input: StaffCreateInput!) { staffCreate(input: $input) { staff { id } userErrors { field code } } }
"""
STAFF_UPDATE = """
mutation S($input: StaffUpdateInput!) { staffUpdate(input: $input) { staff { id } userErrors { field code } } }
"""
TARGET = """
mutation T($input: TargetSetInput!) { targetSet(input: $input) { target { id } userErrors { field code } } }
"""
TOKEN_CREATE = """
mutation T($input: ApiTokenCreateInput!) {
  apiTokenCreate(input: $input) { token apiToken { id } userErrors { field code } }
}
"""
TOKEN_REVOKE = """
mutation T($input: ApiTokenRevokeInput!) { apiTokenRevoke(input: $input) { apiToken { id } userErrors { field code } } }
"""
EVENTS = """
query Events($filter: AuditFilter, $first: Int) {
  auditEvents(filter: $filter, first: $first) {
    totalCount
    edges { node { id at action entityType entityId before after requestId actor { id username } } }
  }
}
"""

PHONE = "+8613812345678"


async def _last_id(session) -> int:
    return int(await session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0))))


async def _events_since(session, last_id: int) -> list[AuditEvent]:
    result = await session.scalars(select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id))
    return list(result)


async def _only_event(session, last_id: int) -> AuditEvent:
    events = await _events_since(session, last_id)
    assert len(events) == 1, [(e.action, e.entity_type) for e in events]
    return events[0]


def _payload(data: dict[str, Any]) -> dict[str, Any]:
    (payload,) = data.values()
    assert payload["userErrors"] == [], payload
    result: dict[str, Any] = payload
    return result


def _no_full_phone(*values: Any, phones: tuple[str, ...] = (PHONE,)) -> None:
    dumped = json.dumps(values, ensure_ascii=False)
    for phone in phones:
        assert phone not in dumped
        assert phone.removeprefix("+86") not in dumped


# --- one event per change ---------------------------------------------------------------------------


async def test_member_enrol_is_recorded_with_personal_fields_masked(gql, session, admin):
    # given
    store = await make_store(session)
    last = await _last_id(session)
    # when
    data = await gql(
        ENROL,
        {
            "input": {
                "name": "趙小燕",
                "phone": PHONE,
                "homeStoreId": gid("Store", store.id),
                "birthday": "1991-03-04",
                "notes": "愛買大衣",
            }
        },
    )
    # then
    member_id = _payload(data)["member"]["id"]
    event = await _only_event(session, last)
    assert (event.action, event.entity_type, gid("Member", event.entity_id)) == ("memberEnrol", "member", member_id)
    assert (event.actor_id, event.token_id is not None, event.request_id is not None) == (admin.id, True, True)
    assert event.before is None
    assert event.after is not None
    assert event.after["name"] == "趙**"
    assert event.after["phone"] == "138****5678"
    assert event.after["birthday"] == "(hidden)"
    assert event.after["home_store_id"] == store.id
    assert event.after["notes"] == "(hidden)"
    assert "愛買大衣" not in json.dumps(event.after, ensure_ascii=False)
    _no_full_phone(event.before, event.after)


async def test_member_update_records_only_the_changed_fields(gql, session, admin):
    # given
    member = await make_member(session, name="王小紅", phone=PHONE, notes="舊備註")
    last = await _last_id(session)
    # when
    await gql(UPDATE, {"input": {"id": gid("Member", member.id), "notes": "新備註", "tier": "GOLD"}})
    # then
    event = await _only_event(session, last)
    assert (event.action, event.entity_type, event.entity_id, event.actor_id) == (
        "memberUpdate",
        "member",
        member.id,
        admin.id,
    )
    assert event.before == {"notes": "(hidden)", "tier": "SILVER", "version": 1}
    assert event.after == {"notes": "(hidden)", "tier": "GOLD", "version": 2}


async def test_a_change_hidden_by_masking_still_shows_in_the_trail(gql, session):
    # given: a new name with the same family name, a new number with the same first and last digits
    member = await make_member(session, name="王小紅", phone=PHONE, birthday=dt.date(1990, 1, 1))
    new_phone = "+8613899995678"
    last = await _last_id(session)
    # when
    await gql(
        UPDATE,
        {"input": {"id": gid("Member", member.id), "name": "王大明", "phone": new_phone, "birthday": "1990-01-02"}},
    )
    # then: the fields are named as changed, their values still masked
    event = await _only_event(session, last)
    assert event.before == {"name": "王**", "phone": "138****5678", "birthday": "(hidden)", "version": 1}
    assert event.after == {"name": "王**", "phone": "138****5678", "birthday": "(hidden)", "version": 2}
    _no_full_phone(event.before, event.after, phones=(PHONE, new_phone))


async def test_visit_record_is_recorded(gql, session, admin):
    # given
    member = await make_member(session, phone=PHONE)
    last = await _last_id(session)
    # when
    data = await gql(VISIT, {"input": {"memberId": gid("Member", member.id), "purchaseAmount": "1299.50"}})
    # then
    event = await _only_event(session, last)
    assert (event.action, event.entity_type, event.actor_id) == ("visitRecord", "visit", admin.id)
    assert gid("Visit", event.entity_id) == _payload(data)["visit"]["id"]
    assert event.before is None
    assert event.after is not None
    assert (event.after["member_id"], event.after["kind"], event.after["purchase_amount"]) == (
        member.id,
        "MEMBER_STORE",
        "1299.50",
    )
    _no_full_phone(event.after)


async def test_callback_create_update_and_close_are_each_recorded(gql, session, admin):
    # given
    member = await make_member(session, phone=PHONE)
    due = (today() + dt.timedelta(days=3)).isoformat()
    last = await _last_id(session)
    # when: planned
    created = await gql(
        CALLBACK_CREATE, {"input": {"memberId": gid("Member", member.id), "purpose": "SATISFACTION", "dueOn": due}}
    )
    callback_id = _payload(created)["callback"]["id"]
    planned = await _only_event(session, last)
    # when: moved
    last = await _last_id(session)
    await gql(CALLBACK_UPDATE, {"input": {"id": callback_id, "priority": 2}})
    moved = await _only_event(session, last)
    # when: closed
    last = await _last_id(session)
    await gql(CALLBACK_CLOSE, {"input": {"id": callback_id, "status": "DONE", "satisfaction": 5}})
    closed = await _only_event(session, last)
    # then
    assert [(e.action, e.entity_type, gid("Callback", e.entity_id), e.actor_id) for e in (planned, moved, closed)] == [
        ("callbackCreate", "callback", callback_id, admin.id),
        ("callbackUpdate", "callback", callback_id, admin.id),
        ("callbackClose", "callback", callback_id, admin.id),
    ]
    assert planned.before is None
    assert planned.after is not None and planned.after["due_on"] == due
    assert moved.before == {"priority": 0, "version": 1}
    assert moved.after == {"priority": 2, "version": 2}
    assert closed.before is not None and closed.after is not None
    assert (closed.before["status"], closed.after["status"]) == ("OPEN", "DONE")
    assert (closed.before["satisfaction"], closed.after["satisfaction"]) == (None, 5)


async def test_feedback_submit_is_recorded(gql, session, admin):
    # given
    member = await make_member(session, phone=PHONE)
    last = await _last_id(session)
    content = "拉鏈壞了，請回電 13812345678"
    # when
    data = await gql(
        FEEDBACK,
        {"input": {"memberId": gid("Member", member.id), "kind": "COMPLAINT", "channel": "PHONE", "content": content}},
    )
    # then: what the customer said stays with the feedback (erasable), not in the trail (append-only)
    event = await _only_event(session, last)
    assert (event.action, event.entity_type, event.actor_id) == ("feedbackSubmit", "feedback", admin.id)
    assert gid("Feedback", event.entity_id) == _payload(data)["feedback"]["id"]
    assert event.after is not None
    assert (event.after["content"], event.after["status"], event.after["member_id"]) == (
        "(hidden)",
        "RECEIVED",
        member.id,
    )
    _no_full_phone(event.after)


async def test_dealer_create_and_update_are_recorded_with_the_contact_phone_masked(gql, session, admin):
    # given
    last = await _last_id(session)
    # when
    created = await gql(
        DEALER_CREATE,
        {"input": {"code": "au01", "name": "寧波經銷", "region": "EAST", "city": "寧波", "contactPhone": PHONE}},
    )
    dealer_id = _payload(created)["dealer"]["id"]
    create_event = await _only_event(session, last)
    last = await _last_id(session)
    await gql(DEALER_UPDATE, {"input": {"id": dealer_id, "tier": "KEY", "contactPhone": "13800001111"}})
    update_event = await _only_event(session, last)
    # then
    assert (create_event.action, create_event.entity_type, gid("Dealer", create_event.entity_id)) == (
        "dealerCreate",
        "dealer",
        dealer_id,
    )
    assert create_event.after is not None
    assert (create_event.after["code"], create_event.after["contact_phone"]) == ("AU01", "138****5678")
    assert (update_event.action, update_event.actor_id) == ("dealerUpdate", admin.id)
    assert update_event.before == {"tier": "STANDARD", "contact_phone": "138****5678"}
    assert update_event.after == {"tier": "KEY", "contact_phone": "138****1111"}
    _no_full_phone(create_event.after, update_event.before, update_event.after, phones=(PHONE, "+8613800001111"))


async def test_store_create_and_update_are_recorded(gql, session, admin):
    # given
    last = await _last_id(session)
    # when
    created = await gql(
        STORE_CREATE,
        {"input": {"code": "st01", "name": "杭州店", "kind": "SELF_OPERATED", "region": "EAST", "city": "杭州"}},
    )
    store_id = _payload(created)["store"]["id"]
    create_event = await _only_event(session, last)
    last = await _last_id(session)
    await gql(STORE_UPDATE, {"input": {"id": store_id, "name": "杭州湖濱店"}})
    update_event = await _only_event(session, last)
    # then
    assert (create_event.action, create_event.entity_type, gid("Store", create_event.entity_id)) == (
        "storeCreate",
        "store",
        store_id,
    )
    assert create_event.before is None
    assert create_event.after is not None and create_event.after["name"] == "杭州店"
    assert (update_event.action, update_event.actor_id) == ("storeUpdate", admin.id)
    assert (update_event.before, update_event.after) == ({"name": "杭州店"}, {"name": "杭州湖濱店"})


async def test_staff_create_and_update_are_recorded_without_secrets(gql, session, admin):
    # given
    last = await _last_id(session)
    # when
    created = await gql(
        STAFF_CREATE,
        {
            "input": {
                "username": "audit.me",
                "displayName": "審計",
                "role": "MARKETING",
                "phone": PHONE,
                "password": "a long enough password",
            }
        },
    )
    staff_id = _payload(created)["staff"]["id"]
    create_event = await _only_event(session, last)
    last = await _last_id(session)
    await gql(STAFF_UPDATE, {"input": {"id": staff_id, "displayName": "審計員"}})
    update_event = await _only_event(session, last)
    # then
    assert (create_event.action, create_event.entity_type, gid("Staff", create_event.entity_id)) == (
        "staffCreate",
        "staff",
        staff_id,
    )
    assert create_event.after is not None
    assert (create_event.after["username"], create_event.after["phone"]) == ("audit.me", "138****5678")
    assert "$argon2" not in json.dumps(create_event.after)
    assert (update_event.action, update_event.actor_id) == ("staffUpdate", admin.id)
    assert (update_event.before, update_event.after) == ({"display_name": "審計"}, {"display_name": "審計員"})
    _no_full_phone(create_event.after)


async def test_a_password_reset_by_an_admin_shows_in_the_trail_without_the_hash(gql, session):
    # given
    staff = await make_staff(session, Role.MARKETING, password_hash=hash_password("the old password"))
    last = await _last_id(session)
    # when
    await gql(STAFF_UPDATE, {"input": {"id": gid("Staff", staff.id), "password": "a brand new password"}})
    # then
    event = await _only_event(session, last)
    assert (event.action, event.entity_id) == ("staffUpdate", staff.id)
    assert (event.before, event.after) == ({"password_hash": "(set)"}, {"password_hash": "(set)"})


async def test_target_set_is_recorded_with_the_count_before_and_after(gql, session, admin):
    # given
    store = await make_store(session)
    month = f"{today().year:04d}-{today().month:02d}"
    target = {"month": month, "scope": "STORE", "scopeId": gid("Store", store.id)}
    last = await _last_id(session)
    # when
    first = await gql(TARGET, {"input": {**target, "targetCount": 10}})
    set_event = await _only_event(session, last)
    last = await _last_id(session)
    await gql(TARGET, {"input": {**target, "targetCount": 25}})
    reset_event = await _only_event(session, last)
    # then
    target_id = _payload(first)["target"]["id"]
    assert (set_event.action, set_event.entity_type, gid("EnrolmentTarget", set_event.entity_id)) == (
        "targetSet",
        "enrolment_target",
        target_id,
    )
    assert set_event.before is None
    assert set_event.after is not None and set_event.after["target_count"] == 10
    assert (reset_event.before, reset_event.after) == ({"target_count": 10}, {"target_count": 25})
    assert reset_event.actor_id == admin.id


async def test_api_token_create_and_revoke_are_recorded_without_the_secret(gql, session, admin):
    # given
    owner = await make_staff(session, Role.STORE_STAFF)
    last = await _last_id(session)
    # when
    created = await gql(
        TOKEN_CREATE, {"input": {"staffId": gid("Staff", owner.id), "name": "mobile", "scopes": ["MEMBER_READ"]}}
    )
    payload = _payload(created)
    create_event = await _only_event(session, last)
    last = await _last_id(session)
    await gql(TOKEN_REVOKE, {"input": {"id": payload["apiToken"]["id"]}})
    revoke_event = await _only_event(session, last)
    # then
    token_id = int(payload["apiToken"]["id"])
    assert (create_event.action, create_event.entity_type, create_event.entity_id) == (
        "apiTokenCreate",
        "auth_token",
        token_id,
    )
    assert create_event.after is not None
    assert (create_event.after["staff_id"], create_event.after["scopes"]) == (owner.id, ["MEMBER_READ"])
    assert create_event.after["token_hash"] == "(set)"
    assert payload["token"] not in json.dumps(create_event.after)
    assert (revoke_event.action, revoke_event.entity_id, revoke_event.actor_id) == (
        "apiTokenRevoke",
        token_id,
        admin.id,
    )
    assert revoke_event.before == {"revoked_at": None}
    assert revoke_event.after is not None and revoke_event.after["revoked_at"] is not None


# --- refused changes leave nothing ------------------------------------------------------------------


async def test_a_refused_mutation_leaves_no_event(gql, gql_as, session):
    # given
    store = await make_store(session)
    existing = await make_member(session, store=store, phone=PHONE)
    marketing = await gql_as(Role.MARKETING)
    last = await _last_id(session)
    # when: refused for the role, then for the input
    forbidden = await marketing.raw(
        ENROL, {"input": {"name": "甲", "phone": "13800001234", "homeStoreId": gid("Store", store.id)}}
    )
    duplicate = await gql(ENROL, {"input": {"name": "乙", "phone": PHONE, "homeStoreId": gid("Store", store.id)}})
    not_found = await gql(UPDATE, {"input": {"id": gid("Member", existing.id + 10_000), "notes": "x"}})
    # then
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert duplicate["memberEnrol"]["userErrors"][0]["code"] == "DUPLICATE_PHONE"
    assert not_found["memberUpdate"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert await _events_since(session, last) == []


async def test_a_change_refused_for_scope_leaves_no_event(gql_as, session):
    # given
    store_a, store_b = await make_store(session), await make_store(session)
    theirs = await make_member(session, store=store_b)
    clerk = await gql_as(Role.STORE_STAFF, store=store_a)
    last = await _last_id(session)
    # when
    data = await clerk(UPDATE, {"input": {"id": gid("Member", theirs.id), "notes": "x"}})
    # then
    assert data["memberUpdate"]["userErrors"] == [{"field": "id", "code": "NOT_FOUND"}]
    assert await _events_since(session, last) == []


# --- reading the trail ------------------------------------------------------------------------------


async def test_a_records_history_is_listed_newest_first(gql, gql_as, session, admin):
    # given: enrolled by the admin, then changed by a VIP manager and by the admin; another member changed too
    store = await make_store(session, region=Region.EAST)
    enrolled = await gql(ENROL, {"input": {"name": "孫麗", "phone": PHONE, "homeStoreId": gid("Store", store.id)}})
    member_id = _payload(enrolled)["member"]["id"]
    manager_staff = await make_staff(session, Role.VIP_MANAGER, region=Region.EAST)
    manager = await gql_as(Role.VIP_MANAGER, staff=manager_staff)
    await manager(UPDATE, {"input": {"id": member_id, "tier": "GOLD"}})
    await gql(UPDATE, {"input": {"id": member_id, "notes": "VIP 晚宴"}})
    other = await make_member(session, store=store)
    await gql(UPDATE, {"input": {"id": gid("Member", other.id), "notes": "別人"}})
    # when
    data = await gql(EVENTS, {"filter": {"entity": member_id}, "first": 10})
    # then
    history = [e["node"] for e in data["auditEvents"]["edges"]]
    assert data["auditEvents"]["totalCount"] == 3
    assert [(e["action"], e["actor"]["id"]) for e in history] == [
        ("memberUpdate", gid("Staff", admin.id)),
        ("memberUpdate", gid("Staff", manager_staff.id)),
        ("memberEnrol", gid("Staff", admin.id)),
    ]
    assert [int(e["id"]) for e in history] == sorted((int(e["id"]) for e in history), reverse=True)
    assert {(e["entityType"], gid("Member", e["entityId"])) for e in history} == {("member", member_id)}
    assert history[0]["before"] == {"notes": None, "version": 2}
    assert history[0]["after"] == {"notes": "(hidden)", "version": 3}
    assert history[2]["before"] is None
    assert history[2]["after"]["phone"] == "138****5678"
    assert all(e["requestId"] for e in history)
    assert len({e["requestId"] for e in history}) == 3


async def test_the_trail_filters_by_actor_and_action(gql, gql_as, session):
    # given
    store = await make_store(session, region=Region.EAST)
    manager_staff = await make_staff(session, Role.VIP_MANAGER, region=Region.EAST)
    manager = await gql_as(Role.VIP_MANAGER, staff=manager_staff)
    mine = await make_member(session, store=store)
    await manager(UPDATE, {"input": {"id": gid("Member", mine.id), "tier": "GOLD"}})
    await gql(UPDATE, {"input": {"id": gid("Member", mine.id), "tier": "PLATINUM"}})
    # when
    by_actor = await gql(EVENTS, {"filter": {"actorId": gid("Staff", manager_staff.id)}})
    by_action = await gql(EVENTS, {"filter": {"action": "memberUpdate", "entity": gid("Member", mine.id)}})
    # then
    assert [e["node"]["after"]["tier"] for e in by_actor["auditEvents"]["edges"]] == ["GOLD"]
    assert [e["node"]["after"]["tier"] for e in by_action["auditEvents"]["edges"]] == ["PLATINUM", "GOLD"]


@pytest.mark.parametrize("role", list(Role))
async def test_only_admins_and_supervisors_read_the_trail(gql, gql_as, session, role):
    # given
    member = await make_member(session)
    await gql(UPDATE, {"input": {"id": gid("Member", member.id), "notes": "看得到嗎"}})
    reader = await gql_as(role)
    # when
    result = await reader.raw(EVENTS, {"filter": {"entity": gid("Member", member.id)}})
    # then
    if role in (Role.ADMIN, Role.SUPERVISOR):
        assert "errors" not in result
        assert result["data"]["auditEvents"]["totalCount"] == 1
    else:
        assert result["data"] is None
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# --- append-only in the database --------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET action = 'nothing happened'",
        "UPDATE audit_event SET after = '{}'::jsonb WHERE id = (SELECT max(id) FROM audit_event)",
        "DELETE FROM audit_event",
        "DELETE FROM audit_event WHERE id = (SELECT max(id) FROM audit_event)",
        "TRUNCATE audit_event",
    ],
)
async def test_the_database_refuses_to_change_or_remove_events(gql, session, statement):
    # given: an event in the trail
    member = await make_member(session)
    await gql(UPDATE, {"input": {"id": gid("Member", member.id), "notes": "留痕"}})
    before = await session.scalar(select(func.count()).select_from(AuditEvent))
    # when: the application's own connection tries to rewrite history
    with pytest.raises(DBAPIError) as refused:
        async with session.begin_nested():
            await session.execute(text(statement))
    # then
    assert "append-only" in str(refused.value)
    assert await session.scalar(select(func.count()).select_from(AuditEvent)) == before
    actions = await session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == member.id))
    assert list(actions) == ["memberUpdate"]


async def test_the_database_still_takes_new_events(session, admin):
    # given
    before = await session.scalar(select(func.count()).select_from(AuditEvent))
    # when
    async with session.begin_nested():
        await session.execute(
            text(
                "INSERT INTO audit_event (actor_id, action, entity_type, entity_id, after)"
                " VALUES (:actor, 'memberUpdate', 'member', 1, '{}'::jsonb)"
            ),
            {"actor": admin.id},
        )
    # then
    assert await session.scalar(select(func.count()).select_from(AuditEvent)) == before + 1


async def test_after_an_erasure_the_trail_holds_nothing_personal_about_the_member(gql, session):
    # given: a member enrolled, changed and complaining through the API, then erased
    store = await make_store(session)
    enrolled = await gql(
        ENROL,
        {
            "input": {
                "name": "趙小燕",
                "phone": PHONE,
                "homeStoreId": gid("Store", store.id),
                "birthday": "1991-03-04",
                "tags": ["住在西湖區"],
                "notes": "女兒在杭州讀書",
            }
        },
    )
    member_id = _payload(enrolled)["member"]["id"]
    await gql(UPDATE, {"input": {"id": member_id, "name": "趙燕", "notes": "搬去寧波了"}})
    await gql(
        FEEDBACK,
        {"input": {"memberId": member_id, "kind": "COMPLAINT", "channel": "PHONE", "content": "趙小燕說大衣掉色"}},
    )
    erased = await gql(
        "mutation($input: MemberPrivacyInput!) { memberErase(input: $input) { member { id } userErrors { code } } }",
        {"input": {"id": member_id}},
    )
    # when
    events = list(await session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    # then
    assert erased["memberErase"]["userErrors"] == []
    trail = json.dumps([[e.before, e.after] for e in events], ensure_ascii=False)
    for personal in ("小燕", "趙燕", "1991-03-04", "西湖區", "女兒", "寧波", "掉色"):
        assert personal not in trail
    _no_full_phone(trail)

"""Row scoping and personal-data masking: what lies outside one's store or region behaves as if absent."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.enums import Region, Role
from crm.members.models import Member
from crm.validation import today
from crm.visits.models import Visit
from tests.builders import (
    gid,
    make_callback,
    make_dealer,
    make_feedback,
    make_member,
    make_staff,
    make_store,
    make_visit,
    unique_phone,
)

MEMBERS = """
query Members($filter: MemberFilter) {
  members(filter: $filter, first: 100) { totalCount edges { node { id name phone birthday } } }
}
"""

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    id
    ... on Member { name phone birthday homeStore: store { id } }
    ... on Dealer { name contactPhone }
    ... on Visit { member { id name phone birthday } visitStore: store { id } dealer { id } }
    ... on Callback { member { id name phone birthday } dealer { id } }
    ... on Feedback { member { id name phone birthday } aboutStore: store { id } }
  }
}
"""

DEALERS = "query { dealers(first: 100) { totalCount edges { node { id } } } }"

VISITS = """
query { visits(first: 100) { edges { node { id member { id name phone birthday } } } } }
"""

CALLBACKS = """
query { callbacks(first: 100) { edges { node { id member { id name phone birthday } } } } }
"""

FEEDBACK = """
query { feedback(first: 100) { edges { node { id member { id name phone birthday } store { id } } } } }
"""

UPDATE = """
mutation Update($input: MemberUpdateInput!) {
  memberUpdate(input: $input) { member { id } userErrors { field code } }
}
"""

ENROL = """
mutation Enrol($input: MemberEnrolInput!) {
  memberEnrol(input: $input) { member { id } userErrors { field code } }
}
"""

RECORD = """
mutation Record($input: VisitRecordInput!) {
  visitRecord(input: $input) { visit { id } userErrors { field code } }
}
"""


def _ids(data: dict, field: str) -> set[str]:
    return {edge["node"]["id"] for edge in data[field]["edges"]}


async def _count(session, model) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)))


async def _node(as_role, global_id: str) -> dict | None:
    data = await as_role(NODE, {"id": global_id})
    node: dict | None = data["node"]
    return node


# --- store staff ------------------------------------------------------------------------------------


async def test_store_staff_see_only_their_stores_members(gql_as, session):
    # given
    store_a, store_b = await make_store(session), await make_store(session)
    mine = [await make_member(session, store=store_a) for _ in range(2)]
    await make_member(session, store=store_b)
    clerk = await gql_as(Role.STORE_STAFF, store=store_a)
    # when
    data = await clerk(MEMBERS)
    by_store = await clerk(MEMBERS, {"filter": {"storeId": gid("Store", store_b.id)}})
    # then
    assert _ids(data, "members") == {gid("Member", m.id) for m in mine}
    assert data["members"]["totalCount"] == 2
    assert by_store["members"]["totalCount"] == 0


async def test_store_staff_get_null_for_another_stores_member_and_store(gql_as, session):
    # given
    store_a, store_b = await make_store(session), await make_store(session)
    theirs = await make_member(session, store=store_b)
    clerk = await gql_as(Role.STORE_STAFF, store=store_a)
    # when
    member = await _node(clerk, gid("Member", theirs.id))
    store = await _node(clerk, gid("Store", store_b.id))
    # then
    assert member is None
    assert store is None


async def test_store_staff_cannot_update_another_stores_member(gql_as, session):
    # given
    store_a, store_b = await make_store(session), await make_store(session)
    theirs = await make_member(session, store=store_b, notes="原備註")
    clerk = await gql_as(Role.STORE_STAFF, store=store_a)
    events = await _count(session, AuditEvent)
    # when
    data = await clerk(UPDATE, {"input": {"id": gid("Member", theirs.id), "notes": "改了", "tier": "DIAMOND"}})
    # then: the same answer as for a member that does not exist, and nothing written
    assert data["memberUpdate"] == {"member": None, "userErrors": [{"field": "id", "code": "NOT_FOUND"}]}
    row = (await session.execute(select(Member.notes, Member.tier).where(Member.id == theirs.id))).one()
    assert tuple(row) == ("原備註", "SILVER")
    assert await _count(session, AuditEvent) == events


async def test_store_staff_cannot_move_their_member_to_another_store(gql_as, session):
    # given
    store_a, store_b = await make_store(session), await make_store(session)
    mine = await make_member(session, store=store_a)
    clerk = await gql_as(Role.STORE_STAFF, store=store_a)
    # when
    data = await clerk(UPDATE, {"input": {"id": gid("Member", mine.id), "homeStoreId": gid("Store", store_b.id)}})
    # then
    assert data["memberUpdate"]["userErrors"] == [{"field": "homeStoreId", "code": "NOT_FOUND"}]
    assert await session.scalar(select(Member.home_store_id).where(Member.id == mine.id)) == store_a.id


async def test_store_staff_cannot_enrol_at_another_store(gql_as, session):
    # given
    store_a, store_b = await make_store(session), await make_store(session)
    clerk = await gql_as(Role.STORE_STAFF, store=store_a)
    before = await _count(session, Member)
    # when
    data = await clerk(
        ENROL, {"input": {"name": "周八", "phone": unique_phone(), "homeStoreId": gid("Store", store_b.id)}}
    )
    # then
    assert data["memberEnrol"] == {"member": None, "userErrors": [{"field": "homeStoreId", "code": "NOT_FOUND"}]}
    assert await _count(session, Member) == before


# --- VIP managers -----------------------------------------------------------------------------------


async def test_vip_manager_sees_the_members_of_their_regions_stores(gql_as, session):
    # given
    east_1 = await make_store(session, region=Region.EAST)
    east_2 = await make_store(session, region=Region.EAST)
    south = await make_store(session, region=Region.SOUTH)
    ours = [await make_member(session, store=east_1), await make_member(session, store=east_2)]
    theirs = await make_member(session, store=south)
    manager = await gql_as(Role.VIP_MANAGER, region=Region.EAST)
    # when
    data = await manager(MEMBERS)
    south_member = await _node(manager, gid("Member", theirs.id))
    update = await manager(UPDATE, {"input": {"id": gid("Member", theirs.id), "notes": "x"}})
    # then
    assert _ids(data, "members") == {gid("Member", m.id) for m in ours}
    assert south_member is None
    assert update["memberUpdate"]["userErrors"] == [{"field": "id", "code": "NOT_FOUND"}]


async def test_vip_manager_lists_leave_out_other_regions_visits_and_callbacks(gql_as, session):
    # given
    east = await make_store(session, region=Region.EAST)
    south = await make_store(session, region=Region.SOUTH)
    ours, theirs = await make_member(session, store=east), await make_member(session, store=south)
    our_visit, their_visit = await make_visit(session, member=ours), await make_visit(session, member=theirs)
    our_call, their_call = await make_callback(session, member=ours), await make_callback(session, member=theirs)
    manager = await gql_as(Role.VIP_MANAGER, region=Region.EAST)
    # when
    visits = await manager(VISITS)
    callbacks = await manager(CALLBACKS)
    their_visit_node = await _node(manager, gid("Visit", their_visit.id))
    their_call_node = await _node(manager, gid("Callback", their_call.id))
    # then
    assert _ids(visits, "visits") == {gid("Visit", our_visit.id)}
    assert _ids(callbacks, "callbacks") == {gid("Callback", our_call.id)}
    assert their_visit_node is None
    assert their_call_node is None


# --- receptionists ----------------------------------------------------------------------------------


async def test_receptionist_sees_their_regions_dealers_only(gql_as, session):
    # given
    east = [await make_dealer(session, region=Region.EAST) for _ in range(2)]
    south = await make_dealer(session, region=Region.SOUTH)
    receptionist = await gql_as(Role.RECEPTIONIST, region=Region.EAST)
    # when
    data = await receptionist(DEALERS)
    own = await _node(receptionist, gid("Dealer", east[0].id))
    other = await _node(receptionist, gid("Dealer", south.id))
    # then
    assert _ids(data, "dealers") == {gid("Dealer", d.id) for d in east}
    assert own is not None
    assert other is None


async def test_receptionist_cannot_record_a_visit_of_another_regions_dealer(gql_as, session):
    # given
    south = await make_dealer(session, region=Region.SOUTH)
    receptionist = await gql_as(Role.RECEPTIONIST, region=Region.EAST)
    visits, events = await _count(session, Visit), await _count(session, AuditEvent)
    # when
    data = await receptionist(RECORD, {"input": {"dealerId": gid("Dealer", south.id), "purpose": "ORDER"}})
    # then
    assert data["visitRecord"] == {"visit": None, "userErrors": [{"field": "dealerId", "code": "NOT_FOUND"}]}
    assert await _count(session, Visit) == visits
    assert await _count(session, AuditEvent) == events


async def test_receptionist_sees_members_of_their_regions_dealer_stores_only(gql_as, session):
    # given
    east_dealer = await make_dealer(session, region=Region.EAST)
    dealer_store = await make_store(session, dealer=east_dealer, region=Region.EAST)
    own_store = await make_store(session, region=Region.EAST)  # self-operated: not a dealer's
    at_dealer = await make_member(session, store=dealer_store)
    await make_member(session, store=own_store)
    receptionist = await gql_as(Role.RECEPTIONIST, region=Region.EAST)
    # when
    data = await receptionist(MEMBERS)
    # then
    assert _ids(data, "members") == {gid("Member", at_dealer.id)}


# --- relations --------------------------------------------------------------------------------------


async def test_feedback_about_ones_store_does_not_reveal_a_member_from_elsewhere(gql_as, session):
    # given: a member of store B complains about store A
    store_a, store_b = await make_store(session), await make_store(session)
    stranger = await make_member(session, store=store_b)
    complaint = await make_feedback(session, member=stranger, store=store_a)
    clerk = await gql_as(Role.STORE_STAFF, store=store_a)
    # when
    listed = await clerk(FEEDBACK)
    node = await _node(clerk, gid("Feedback", complaint.id))
    # then: store A's staff see the complaint about their store, not who made it
    assert [e["node"] for e in listed["feedback"]["edges"]] == [
        {"id": gid("Feedback", complaint.id), "member": None, "store": {"id": gid("Store", store_a.id)}}
    ]
    assert node is not None
    assert node["member"] is None


async def test_a_visit_elsewhere_does_not_reveal_the_other_store(gql_as, session):
    # given: a member of store A who shopped at store B
    store_a, store_b = await make_store(session), await make_store(session)
    mine = await make_member(session, store=store_a)
    visit = await make_visit(session, member=mine, store=store_b)
    clerk = await gql_as(Role.STORE_STAFF, store=store_a)
    # when
    node = await _node(clerk, gid("Visit", visit.id))
    # then
    assert node is not None
    assert node["member"]["id"] == gid("Member", mine.id)
    assert node["visitStore"] is None


async def test_a_callback_or_visit_out_of_scope_is_absent_with_its_member(gql_as, session):
    # given
    east_dealer = await make_dealer(session, region=Region.EAST)
    south_dealer = await make_dealer(session, region=Region.SOUTH)
    east_store = await make_store(session, dealer=east_dealer, region=Region.EAST)
    south_store = await make_store(session, dealer=south_dealer, region=Region.SOUTH)
    ours, theirs = await make_member(session, store=east_store), await make_member(session, store=south_store)
    await make_callback(session, member=ours)
    await make_callback(session, member=theirs)
    await make_visit(session, member=theirs)
    await make_visit(session, dealer=south_dealer)
    clerk = await gql_as(Role.SALES_CLERK, region=Region.EAST)
    # when
    callbacks = await clerk(CALLBACKS)
    visits = await clerk(VISITS)
    # then: nothing of the southern member comes through any relation
    members = [e["node"]["member"] for e in callbacks["callbacks"]["edges"] + visits["visits"]["edges"]]
    assert [m["id"] for m in members if m is not None] == [gid("Member", ours.id)]
    assert visits["visits"]["edges"] == []


async def test_relations_to_colleagues_elsewhere_are_null(gql_as, session):
    # given: a member of store A looked after by a VIP manager of another region
    store_a = await make_store(session, region=Region.EAST)
    south_manager = await make_staff(session, Role.VIP_MANAGER, region=Region.SOUTH)
    mine = await make_member(session, store=store_a, manager_id=south_manager.id)
    clerk = await gql_as(Role.STORE_STAFF, store=store_a)
    # when
    data = await clerk(
        "query($id: ID!) { node(id: $id) { ... on Member { manager { id } } } }", {"id": gid("Member", mine.id)}
    )
    staff = await _node(clerk, gid("Staff", south_manager.id))
    # then
    assert data["node"] == {"manager": None}
    assert staff is None


# --- personal data ----------------------------------------------------------------------------------


@pytest.fixture
async def wang(session):
    """A member at an EAST dealer's store, seen by every role in these tests, with a visit, a call and feedback."""
    dealer = await make_dealer(session, region=Region.EAST, contact_phone="+8613900001234")
    store = await make_store(session, dealer=dealer, region=Region.EAST)
    member = await make_member(
        session, store=store, name="王小紅", phone="+8613812345678", birthday=dt.date(1990, 2, 28)
    )
    visit = await make_visit(session, member=member)
    callback = await make_callback(session, member=member)
    feedback = await make_feedback(session, member=member)
    return {"dealer": dealer, "member": member, "visit": visit, "callback": callback, "feedback": feedback}


MASKED = {"name": "王**", "phone": "138****5678", "birthday": None}
FULL = {"name": "王小紅", "phone": "+8613812345678", "birthday": "1990-02-28"}


@pytest.mark.parametrize("role", [Role.MARKETING, Role.RECEPTIONIST, Role.SALES_CLERK])
async def test_personal_data_is_masked_in_lists_node_and_relations(gql_as, session, wang, role):
    # given
    as_role = await gql_as(role)
    member_id = gid("Member", wang["member"].id)
    masked = {"id": member_id, **MASKED}
    # when
    members = await as_role(MEMBERS)
    node = await _node(as_role, member_id)
    visit = await _node(as_role, gid("Visit", wang["visit"].id))
    callback = await _node(as_role, gid("Callback", wang["callback"].id))
    feedback = await _node(as_role, gid("Feedback", wang["feedback"].id))
    visits = await as_role(VISITS)
    dealer = await _node(as_role, gid("Dealer", wang["dealer"].id))
    # then
    assert [e["node"] for e in members["members"]["edges"]] == [masked]
    assert node is not None
    assert {k: node[k] for k in ("name", "phone", "birthday")} == MASKED
    assert visit is not None and visit["member"] == masked
    assert callback is not None and callback["member"] == masked
    assert feedback is not None and feedback["member"] == masked
    assert [e["node"]["member"] for e in visits["visits"]["edges"]] == [masked]
    assert dealer is not None and dealer["contactPhone"] == "139****1234"


async def test_roles_with_access_to_personal_data_see_it_whole(gql_as, session, wang):
    # given
    manager = await gql_as(Role.VIP_MANAGER, region=Region.EAST)
    # when
    members = await manager(MEMBERS)
    visit = await _node(manager, gid("Visit", wang["visit"].id))
    # then
    assert [e["node"] for e in members["members"]["edges"]] == [{"id": gid("Member", wang["member"].id), **FULL}]
    assert visit is not None and visit["member"] == {"id": gid("Member", wang["member"].id), **FULL}


@pytest.mark.parametrize("search", ["+86 138 1234 5678", "13812345678", "5678", "王小紅", "小"])
async def test_marketing_cannot_search_members_by_phone_or_name(gql_as, wang, search):
    # given
    marketing = await gql_as(Role.MARKETING)
    # when
    result = await marketing.raw(MEMBERS, {"filter": {"search": search}})
    # then
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_marketing_finds_members_by_membership_number(gql_as, session, wang):
    # given
    marketing = await gql_as(Role.MARKETING)
    member_no = await session.scalar(select(Member.member_no).where(Member.id == wang["member"].id))
    # when
    data = await marketing(MEMBERS, {"filter": {"search": member_no.lower()}})
    # then
    assert [e["node"] for e in data["members"]["edges"]] == [{"id": gid("Member", wang["member"].id), **MASKED}]


async def test_masked_roles_may_not_sort_members_by_name(gql_as, session):
    # given: cursors carry the sort values, so a name order would hand out the hidden names
    marketing = await gql_as(Role.MARKETING)
    await make_member(session, name="王小紅")
    # when
    by_name = await marketing.raw("{ members(orderBy: NAME, first: 5) { edges { cursor } } }")
    by_number = await marketing.raw("{ members(orderBy: MEMBER_NO, first: 5) { edges { cursor } } }")
    # then
    assert by_name["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "errors" not in by_number


async def test_references_in_writes_must_be_in_scope_too(gql_as, session):
    # given: a store clerk of store A, a member of A, and store B with its clerk elsewhere
    store_a, store_b = await make_store(session), await make_store(session)
    clerk = await gql_as(Role.STORE_STAFF, store=store_a)
    member = await make_member(session, store=store_a)
    other_clerk = await make_staff(session, Role.STORE_STAFF, store=store_b)
    manager_south = await make_staff(session, Role.VIP_MANAGER, region=Region.SOUTH)
    east = await gql_as(Role.VIP_MANAGER, region=Region.EAST)
    before = await session.scalar(select(func.count()).select_from(Visit))
    # when
    visit = await clerk.raw(
        "mutation($i: VisitRecordInput!) { visitRecord(input: $i) { visit { id } userErrors { field code } } }",
        {
            "i": {
                "memberId": gid("Member", member.id),
                "storeId": gid("Store", store_b.id),
                "recordedById": gid("Staff", other_clerk.id),
            }
        },
    )
    create = (
        "mutation($i: CallbackCreateInput!) { callbackCreate(input: $i) { callback { id } userErrors { field code } } }"
    )
    callback = await east.raw(
        create,
        {
            "i": {
                "memberId": gid("Member", member.id),
                "purpose": "SATISFACTION",
                "dueOn": today().isoformat(),
                "assigneeId": gid("Staff", manager_south.id),
            }
        },
    )
    # then
    assert sorted((e["field"], e["code"]) for e in visit["data"]["visitRecord"]["userErrors"]) == [
        ("recordedById", "NOT_FOUND"),
        ("storeId", "NOT_FOUND"),
    ]
    assert ("assigneeId", "NOT_FOUND") in [
        (e["field"], e["code"]) for e in callback["data"]["callbackCreate"]["userErrors"]
    ]
    assert await session.scalar(select(func.count()).select_from(Visit)) == before


async def test_a_staff_member_moved_to_another_store_sees_the_new_scope_at_once(gql_as, session):
    # given: a store clerk who has read a member of their store (its statements are now kept)
    store_a, store_b = await make_store(session), await make_store(session)
    at_a, at_b = await make_member(session, store=store_a), await make_member(session, store=store_b)
    clerk_staff = await make_staff(session, Role.STORE_STAFF, store=store_a)
    clerk = await gql_as(Role.STORE_STAFF, staff=clerk_staff)
    assert await _node(clerk, gid("Member", at_a.id)) is not None
    assert await _node(clerk, gid("Member", at_b.id)) is None
    # when: the clerk is moved to the other store
    clerk_staff.store_id = store_b.id
    await session.flush()
    # then: the very next request reads with the new store's scope, not the kept statements
    assert await _node(clerk, gid("Member", at_a.id)) is None
    assert await _node(clerk, gid("Member", at_b.id)) is not None

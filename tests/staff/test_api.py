"""Staff accounts through the API."""

from __future__ import annotations

from crm.enums import Role
from tests.builders import gid, make_staff, make_store

CREATE = """
mutation C($input: StaffCreateInput!) {
  staffCreate(input: $input) {
    staff { id username role region store { id } dailyCallCapacity }
    userErrors { field code }
  }
}
"""
UPDATE = """
mutation U($input: StaffUpdateInput!) {
  staffUpdate(input: $input) { staff { id displayName active dailyCallCapacity } userErrors { field code } }
}
"""


async def test_create_store_staff_and_manager(gql, session):
    # given
    store = await make_store(session)
    # when
    clerk = await gql(
        CREATE,
        {
            "input": {
                "username": "Staff.New",
                "displayName": "新店員",
                "role": "STORE_STAFF",
                "storeId": gid("Store", store.id),
            }
        },
    )
    manager = await gql(
        CREATE,
        {"input": {"username": "vip.south", "displayName": "南區經理", "role": "VIP_MANAGER", "region": "SOUTH"}},
    )
    # then
    assert clerk["staffCreate"]["staff"]["username"] == "staff.new"
    assert clerk["staffCreate"]["staff"]["store"] == {"id": gid("Store", store.id)}
    assert clerk["staffCreate"]["staff"]["dailyCallCapacity"] == 40
    assert manager["staffCreate"]["staff"]["region"] == "SOUTH"


async def test_create_refuses_bad_accounts(gql, session):
    # given
    await make_staff(session, Role.ADMIN, username="taken")
    # when
    taken = await gql(CREATE, {"input": {"username": "TAKEN", "displayName": "x", "role": "ADMIN"}})
    no_store = await gql(CREATE, {"input": {"username": "nostore", "displayName": "x", "role": "STORE_STAFF"}})
    no_region = await gql(CREATE, {"input": {"username": "noregion", "displayName": "x", "role": "RECEPTIONIST"}})
    bad = await gql(
        CREATE, {"input": {"username": "a b", "displayName": " ", "role": "ADMIN", "dailyCallCapacity": 501}}
    )
    # then
    assert taken["staffCreate"]["userErrors"] == [{"field": "username", "code": "DUPLICATE"}]
    assert no_store["staffCreate"]["userErrors"] == [{"field": "storeId", "code": "REQUIRED"}]
    assert no_region["staffCreate"]["userErrors"] == [{"field": "region", "code": "REQUIRED"}]
    assert {(e["field"], e["code"]) for e in bad["staffCreate"]["userErrors"]} == {
        ("username", "INVALID"),
        ("displayName", "REQUIRED"),
        ("dailyCallCapacity", "OUT_OF_RANGE"),
    }


async def test_update_and_list(gql, session):
    # given
    person = await make_staff(session, Role.VIP_MANAGER, username="vip.update")
    # when
    data = await gql(UPDATE, {"input": {"id": gid("Staff", person.id), "dailyCallCapacity": 25, "active": False}})
    listed = await gql('{ staff(filter: {search: "vip.update", active: false}) { totalCount edges { node { id } } } }')
    # then
    assert data["staffUpdate"]["staff"]["dailyCallCapacity"] == 25
    assert data["staffUpdate"]["staff"]["active"] is False
    assert listed["staff"]["totalCount"] == 1

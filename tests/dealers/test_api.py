"""Dealers and stores through the API."""

from __future__ import annotations

from crm.enums import Region, Role
from tests.builders import gid, make_dealer, make_staff, make_store

DEALER_CREATE = """
mutation C($input: DealerCreateInput!) {
  dealerCreate(input: $input) {
    dealer { id code name region tier paymentStanding contactPhone receptionist { username } stores { id } }
    userErrors { field code }
  }
}
"""
DEALER_UPDATE = """
mutation U($input: DealerUpdateInput!) {
  dealerUpdate(input: $input) { dealer { id name tier personality active } userErrors { field code } }
}
"""
STORE_CREATE = """
mutation C($input: StoreCreateInput!) {
  storeCreate(input: $input) { store { id code kind dealer { id name } } userErrors { field code } }
}
"""
STORE_UPDATE = """
mutation U($input: StoreUpdateInput!) {
  storeUpdate(input: $input) { store { id name active kind dealer { id } } userErrors { field code } }
}
"""


async def test_create_dealer_with_receptionist(gql, session):
    # given
    receptionist = await make_staff(session, Role.RECEPTIONIST, username="rec.test")
    # when
    data = await gql(
        DEALER_CREATE,
        {
            "input": {
                "code": "d9001",
                "name": "杭州悅動服飾有限公司",
                "region": "EAST",
                "city": "杭州",
                "contactPhone": "13900001111",
                "receptionistId": gid("Staff", receptionist.id),
            }
        },
    )
    # then
    dealer = data["dealerCreate"]["dealer"]
    assert data["dealerCreate"]["userErrors"] == []
    assert dealer["code"] == "D9001"
    assert dealer["tier"] == "STANDARD"
    assert dealer["paymentStanding"] == "GOOD"
    assert dealer["contactPhone"] == "+8613900001111"
    assert dealer["receptionist"] == {"username": "rec.test"}
    assert dealer["stores"] == []


async def test_dealer_errors(gql, session):
    # given
    existing = await make_dealer(session)
    clerk = await make_staff(session, Role.SALES_CLERK)
    # when
    duplicate = await gql(DEALER_CREATE, {"input": {"code": existing.code, "name": "X", "region": "EAST", "city": "X"}})
    wrong_role = await gql(
        DEALER_CREATE,
        {
            "input": {
                "code": "D9002",
                "name": "X",
                "region": "EAST",
                "city": "X",
                "receptionistId": gid("Staff", clerk.id),
                "contactPhone": "555",
            }
        },
    )
    # then
    assert duplicate["dealerCreate"]["userErrors"] == [{"field": "code", "code": "DUPLICATE"}]
    assert {(e["field"], e["code"]) for e in wrong_role["dealerCreate"]["userErrors"]} == {
        ("receptionistId", "INVALID"),
        ("contactPhone", "INVALID_PHONE"),
    }


async def test_update_dealer_profile(gql, session):
    # given
    dealer = await make_dealer(session, name="舊名")
    # when
    data = await gql(
        DEALER_UPDATE, {"input": {"id": gid("Dealer", dealer.id), "tier": "KEY", "personality": "直爽，重視交期"}}
    )
    # then
    assert data["dealerUpdate"]["dealer"] == {
        "id": gid("Dealer", dealer.id),
        "name": "舊名",
        "tier": "KEY",
        "personality": "直爽，重視交期",
        "active": True,
    }


async def test_store_kind_must_match_dealer(gql, session):
    # given
    dealer = await make_dealer(session, name="成都川行")
    # when
    ok = await gql(
        STORE_CREATE,
        {
            "input": {
                "code": "S9001",
                "name": "成都春熙路店",
                "kind": "DEALER",
                "region": "SOUTHWEST",
                "city": "成都",
                "dealerId": gid("Dealer", dealer.id),
            }
        },
    )
    missing_dealer = await gql(
        STORE_CREATE, {"input": {"code": "S9002", "name": "x", "kind": "DEALER", "region": "EAST", "city": "上海"}}
    )
    self_with_dealer = await gql(
        STORE_CREATE,
        {
            "input": {
                "code": "S9003",
                "name": "x",
                "kind": "SELF_OPERATED",
                "region": "EAST",
                "city": "上海",
                "dealerId": gid("Dealer", dealer.id),
            }
        },
    )
    # then
    assert ok["storeCreate"]["store"]["dealer"]["name"] == "成都川行"
    assert missing_dealer["storeCreate"]["userErrors"] == [{"field": "dealerId", "code": "REQUIRED"}]
    assert self_with_dealer["storeCreate"]["userErrors"] == [{"field": "dealerId", "code": "INVALID"}]


async def test_update_store_checks_the_resulting_kind(gql, session):
    # given
    store = await make_store(session)
    dealer = await make_dealer(session)
    # when
    to_dealer_without_id = await gql(STORE_UPDATE, {"input": {"id": gid("Store", store.id), "kind": "DEALER"}})
    to_dealer = await gql(
        STORE_UPDATE,
        {
            "input": {
                "id": gid("Store", store.id),
                "kind": "DEALER",
                "dealerId": gid("Dealer", dealer.id),
                "active": False,
            }
        },
    )
    # then
    assert to_dealer_without_id["storeUpdate"]["userErrors"] == [{"field": "dealerId", "code": "REQUIRED"}]
    assert to_dealer["storeUpdate"]["store"]["kind"] == "DEALER"
    assert to_dealer["storeUpdate"]["store"]["active"] is False


async def test_dealer_and_store_filters(gql, session):
    # given
    south = await make_dealer(session, region=Region.SOUTH, name="廣州天河貿易")
    await make_dealer(session, region=Region.NORTH, name="北京朝陽商貿")
    store = await make_store(session, dealer=south, city="廣州")
    # when
    dealers = await gql(
        'query { dealers(filter: {region: SOUTH, search: "天河"}) { totalCount edges { node { id stores { id } } } } }'
    )
    stores = await gql(
        "query($d: ID) { stores(filter: {dealerId: $d}) { edges { node { id city } } } }",
        {"d": gid("Dealer", south.id)},
    )
    # then
    assert dealers["dealers"]["totalCount"] == 1
    assert dealers["dealers"]["edges"][0]["node"] == {
        "id": gid("Dealer", south.id),
        "stores": [{"id": gid("Store", store.id)}],
    }
    assert stores["stores"]["edges"] == [{"node": {"id": gid("Store", store.id), "city": "廣州"}}]

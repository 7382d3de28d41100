"""Property: whatever marketing asks, no full mobile number and no birthday comes back."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes, queries

from crm.cli import export_schema_text
from crm.enums import Role
from tests.builders import make_dealer, make_member, make_staff, make_store

# A mainland mobile anywhere in a response: 1[3-9] and nine more digits, with or without +86.
FULL_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
READ_FIELDS = ["members", "node", "visits", "callbacks", "feedback", "dealers", "stores", "staff", "me"]
SCALARS = {
    "Date": st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31)).map(
        lambda d: nodes.String(d.isoformat())
    ),
    "DateTime": st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2030, 1, 1)).map(
        lambda d: nodes.String(d.replace(tzinfo=dt.UTC).isoformat())
    ),
    "Decimal": st.decimals(min_value=0, max_value=10000, places=2).map(lambda d: nodes.String(str(d))),
    "JSON": st.just(nodes.String("{}")),
}


def _birthdays(value: Any) -> list[Any]:
    if isinstance(value, dict):
        found = [v for k, v in value.items() if k == "birthday"]
        return found + [b for v in value.values() for b in _birthdays(v)]
    if isinstance(value, list):
        return [b for v in value for b in _birthdays(v)]
    return []


@pytest.fixture
async def marketing(session, gql_as):
    """A marketing analyst, and people with phones and birthdays everywhere they could leak from."""
    dealer = await make_dealer(session, contact_phone="+8613912345678", contact_name="陳經理")
    store = await make_store(session, dealer=dealer)
    manager = await make_staff(session, Role.VIP_MANAGER, phone="+8613712345678")
    for i in range(3):
        await make_member(
            session, store=store, manager_id=manager.id, phone=f"+861380013800{i}", birthday=dt.date(1990, 1, 1 + i)
        )
    return await gql_as(Role.MARKETING)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries(export_schema_text(), fields=READ_FIELDS, custom_scalars=SCALARS, allow_x00=False))
async def test_marketing_never_sees_a_full_mobile_number_or_a_birthday(marketing, query):
    # when
    result = await marketing.raw(str(query))
    # then
    text = str(result)
    assert "INTERNAL_SERVER_ERROR" not in text, (str(query), text)
    event("answered with data" if result.get("data") else "refused")
    event("phone shown" if "****" in text else "no phone in the answer")
    assert not FULL_MOBILE.search(text.replace("+86", " ")), text
    assert all(b is None for b in _birthdays(result.get("data"))), text


async def test_the_property_has_something_to_find(marketing, gql):
    # given: the same query as the admin and as marketing
    query = (
        "{ members(first: 5) { edges { node { name phone birthday } } } dealers { edges { node { contactPhone } } } }"
    )
    # when
    admin = str(await gql(query))
    masked = await marketing(query)
    # then: the admin sees full numbers (so the property above is not vacuous), marketing never
    assert FULL_MOBILE.search(admin.replace("+86", " "))
    assert not FULL_MOBILE.search(str(masked).replace("+86", " "))
    phones = [e["node"]["phone"] for e in masked["members"]["edges"]]
    assert phones and all(re.fullmatch(r"1\d\d\*{4}\d{4}", p) for p in phones)
    assert all(e["node"]["name"].endswith("**") for e in masked["members"]["edges"])

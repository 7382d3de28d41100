"""Random queries from the live schema (hypothesis-graphql) answer the same with the engine as without.

CI runs a few hundred against the seeded data set; to run thousands:

    CRM_ENGINE_FUZZ=5000 uv run pytest -q -p no:cacheprovider tests/graphql/engine/test_random.py
"""

from __future__ import annotations

import datetime as dt
import os

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes, queries

from crm.graphql.limits import LimitExceeded, Limits, check
from crm.graphql.schema import schema
from tests.graphql.engine.differ import Differ

EXAMPLES = int(os.environ.get("CRM_ENGINE_FUZZ", "300"))
ROLES = ("admin", "vip.east", "staff.s0001", "marketing")

SCALARS = {
    "Date": st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)).map(lambda d: nodes.String(d.isoformat())),
    "DateTime": st.datetimes(dt.datetime(2025, 1, 1), dt.datetime(2027, 12, 31), timezones=st.just(dt.UTC)).map(
        lambda d: nodes.String(d.isoformat())
    ),
    "Decimal": st.decimals("-1000", "100000", places=2, allow_nan=False).map(lambda d: nodes.String(str(d))),
    "JSON": st.just(nodes.String("{}")),
}
LIMITS = Limits(introspection=False)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(query=queries(schema._schema, custom_scalars=SCALARS), role=st.sampled_from(ROLES))
async def test_random_queries_answer_the_same(differ: Differ, query: str, role: str) -> None:
    # given a query the API would accept (within its limits)
    try:
        check(schema._schema, query, None, None, LIMITS)
    except LimitExceeded:
        assume(False)
    # when it runs through both executors, then the answers are byte-identical
    compared = await differ.compare(query, None, role=role)
    assert compared.engine == compared.reference, (query, compared.engine[:3000], compared.reference[:3000])

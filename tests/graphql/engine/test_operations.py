"""Every client document (schema/operations/) gives the same JSON with the engine as with graphql-core."""

from __future__ import annotations

from typing import Any

import pytest

from bench.operations import OPERATIONS, OPERATIONS_DIR, Operation
from tests.graphql.engine.differ import Differ

READ_ROLES = ("admin", "supervisor", "vip.east", "staff.s0001", "reception.east", "clerk.east", "marketing")


def test_every_document_is_covered() -> None:
    documents = {p.relative_to(OPERATIONS_DIR) for p in OPERATIONS_DIR.rglob("*.graphql")}
    assert documents == {op.document.relative_to(OPERATIONS_DIR) for op in OPERATIONS}


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
async def test_document_answers_the_same(differ: Differ, bench_context: dict[str, Any], operation: Operation) -> None:
    # given the benchmark's variables for the document
    variables = operation.variables(operation.params(bench_context, 0))
    roles = READ_ROLES if operation.kind == "read" else ("admin", "vip.east")
    for role in roles:
        # when it runs through both executors
        compared = await differ.compare(operation.query, variables, role=role, writes=operation.kind == "write")
        # then the answers are byte-identical, and the engine ran it from a plan
        assert compared.engine == compared.reference, (role, compared.engine[:2000], compared.reference[:2000])
        assert compared.compiled
        if role == "admin":  # the admin's answer is a real one, not a refusal
            assert not compared.decoded["errors"], compared.decoded["errors"]
            assert compared.decoded["data"]

"""The committed GraphQL contract: no drift, every description present, every operation valid."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType, parse, validate

from crm.auth.permissions import render_markdown
from crm.cli import SCHEMA_PATH, export_schema_text
from crm.config import PROJECT_ROOT
from crm.graphql.limits import LimitExceeded, Limits
from crm.graphql.limits import check as check_limits
from crm.graphql.schema import schema

OPERATIONS = PROJECT_ROOT / "schema" / "operations"


def test_committed_schema_matches_the_code():
    # given
    committed = SCHEMA_PATH.read_text(encoding="utf-8")
    # when
    generated = export_schema_text()
    # then
    assert committed == generated, "schema/schema.graphql is stale: run `make schema`"


def test_every_type_field_and_argument_has_a_description():
    # given
    missing: list[str] = []
    gql_schema = schema._schema
    # when
    for name, type_ in gql_schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not type_.description:
            missing.append(name)
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(type_, GraphQLEnumType):
            continue
    # then
    assert missing == []


def _operation_files() -> list[Path]:
    return sorted(OPERATIONS.rglob("*.graphql"))


def test_client_operations_validate_against_the_schema():
    # given
    files = _operation_files()
    assert files, "schema/operations/ holds the documents clients send"
    # when
    problems = {
        str(path.relative_to(OPERATIONS)): [e.message for e in validate(schema._schema, parse(path.read_text()))]
        for path in files
    }
    # then
    assert {k: v for k, v in problems.items() if v} == {}


def test_readme_permission_matrix_is_the_one_in_the_code():
    # given
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    # when
    start = readme.index("<!-- permissions:start -->\n") + len("<!-- permissions:start -->\n")
    end = readme.index("<!-- permissions:end -->")
    # then
    assert readme[start:end] == render_markdown(), "README matrix is stale: paste `crm permissions`"


def test_client_operations_stay_within_the_query_limits():
    # given
    files = _operation_files()
    # when
    refused = {}
    for path in files:
        try:
            check_limits(schema._schema, path.read_text(), {}, None, Limits(introspection=False))
        except LimitExceeded as exc:
            refused[path.name] = exc.code
    # then
    assert refused == {}


def test_every_client_operation_is_in_the_benchmark():
    # given
    from bench.operations import OPERATIONS as BENCHMARKED

    documents = {path.relative_to(OPERATIONS) for path in _operation_files()}
    # when
    measured = {op.document.relative_to(OPERATIONS) for op in BENCHMARKED}
    # then
    assert documents - measured == set(), "add the new operation to bench/operations.py"

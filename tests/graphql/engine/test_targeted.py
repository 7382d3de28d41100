"""The engine against graphql-core on a small Strawberry schema made to reach every case."""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
from enum import Enum
from typing import Annotated, Any

import pytest
import strawberry
from strawberry.dataloader import DataLoader
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.permission import BasePermission
from strawberry.scalars import JSON

from crm.graphql.engine import compiled_executor_class
from tests.graphql.engine.differ import answer


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.input
class Filter:
    colour: Colour = Colour.BLUE
    names: list[str] | None = None


@strawberry.interface
class Animal:
    name: str

    @strawberry.field
    async def shout(self, info: strawberry.Info) -> str:
        return self.name.upper() + "!"


@strawberry.type
class Dog(Animal):
    barks: bool

    @strawberry.field
    async def friend(self) -> Animal | None:
        await asyncio.sleep(0)
        return Cat(name="Tom", lives=9, colour=Colour.BLUE) if self.barks else None


@strawberry.type
class Cat(Animal):
    lives: int
    colour: Colour


Pet = Annotated[Dog | Cat, strawberry.union("Pet")]


@strawberry.type
class Leaf:
    value: str | None

    @strawberry.field
    def fails(self) -> str:
        raise ValueError("leaf failed")

    @strawberry.field
    async def fails_later(self) -> int:
        raise RuntimeError("async leaf failed")

    @strawberry.field
    def maybe(self) -> str | None:
        return None


@strawberry.type
class Branch:
    @strawberry.field
    def leaf(self) -> Leaf:
        return Leaf(value="v")

    @strawberry.field
    def leaves(self) -> list[Leaf | None]:
        return [Leaf(value="a"), None, Leaf(value=None)]

    @strawberry.field
    def strict_leaves(self) -> list[Leaf]:
        return [Leaf(value="a"), None, Leaf(value="c")]  # type: ignore[list-item]


@strawberry.type
class Item:
    id: int
    label: str


class Allowed(BasePermission):
    message = "Not allowed."

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return bool(info.context["allowed"])


class Upper(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        return str(next_(source, info, **kwargs)).upper()


@strawberry.type
class Query:
    @strawberry.field
    def animals(self) -> list[Animal]:
        return [Dog(name="Rex", barks=True), Cat(name="Tom", lives=9, colour=Colour.RED), Dog(name="Ace", barks=False)]

    @strawberry.field
    def pets(self) -> list[Pet]:
        return [Cat(name="Kit", lives=3, colour=Colour.BLUE), Dog(name="Bo", barks=True)]

    @strawberry.field
    async def pet(self, kind: str) -> Pet | None:
        if kind == "dog":
            return Dog(name="Rex", barks=True)
        if kind == "cat":
            return Cat(name="Tom", lives=9, colour=Colour.RED)
        return None

    @strawberry.field
    def branch(self) -> Branch | None:
        return Branch()

    @strawberry.field
    def strict_branch(self) -> Branch:
        return Branch()

    @strawberry.field
    def words(self) -> list[str]:
        return ["a", None, "c"]  # type: ignore[list-item]

    @strawberry.field
    def loose_words(self) -> list[str | None] | None:
        return ["a", None, "c"]

    @strawberry.field
    def tuple_words(self) -> list[str]:
        return ("x", "y")  # type: ignore[return-value]

    @strawberry.field
    def generated(self) -> list[int]:
        return (i * i for i in range(4))  # type: ignore[return-value]

    @strawberry.field
    def not_a_list(self) -> list[int] | None:
        return 5  # type: ignore[return-value]

    @strawberry.field
    def too_big(self) -> int | None:
        return 2**40

    @strawberry.field
    def wrong_object(self) -> Dog | None:
        return Cat(name="Tom", lives=9, colour=Colour.RED)  # type: ignore[return-value]

    @strawberry.field(permission_classes=[Allowed])
    def secret(self) -> str | None:
        return "the secret"

    @strawberry.field(extensions=[Upper()])
    def loud(self, text: str = "hello") -> str:
        return text

    @strawberry.field
    def greet(
        self,
        name: str = "world",
        colour: Colour = Colour.RED,
        filter: Filter | None = None,  # noqa: A002  (the GraphQL argument's name)
        times: int = 1,
    ) -> str:
        extra = f" {filter.colour.value} {filter.names}" if filter else ""
        return f"{name} {colour.value}{extra}" * times

    @strawberry.field
    async def items(self, info: strawberry.Info, ids: list[int]) -> list[Item | None]:
        loader = info.context["items"]
        return await asyncio.gather(*(loader.load(i) for i in ids))

    @strawberry.field
    def when(self) -> dt.datetime:
        return dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)

    @strawberry.field
    def day(self) -> dt.date:
        return dt.date(2026, 1, 2)

    @strawberry.field
    def amount(self) -> decimal.Decimal:
        return decimal.Decimal("12.50")

    @strawberry.field
    def blob(self) -> JSON:
        return {"a": [1, 2, {"b": None}]}

    @strawberry.field
    def root_fails(self) -> str:
        raise ValueError("root failed")

    @strawberry.field
    def colours(self) -> list[Colour]:
        return [Colour.RED, Colour.BLUE]


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def add(self, info: strawberry.Info, n: int) -> int:
        await asyncio.sleep(0.001 * (5 - n))  # later fields would finish first if they ran together
        info.context["log"].append(n)
        return sum(info.context["log"])

    @strawberry.mutation
    def fail(self) -> int:
        raise ValueError("mutation failed")


class Recorder(SchemaExtension):
    """A schema extension without `resolve`: it must see the same operation either way."""

    def on_execute(self) -> Any:
        self.execution_context.context["hooks"].append("execute")
        yield


class Middleware(SchemaExtension):
    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        return _next(root, info, *args, **kwargs)


def _schema(**kw: Any) -> strawberry.Schema:
    return strawberry.Schema(query=Query, mutation=Mutation, types=[Dog, Cat], extensions=[Recorder], **kw)


REFERENCE = _schema()
ENGINE_CLASS = compiled_executor_class(16)
ENGINE = _schema(execution_context_class=ENGINE_CLASS)


def _context(allowed: bool = True) -> dict[str, Any]:
    batches: list[list[int]] = []

    async def load(keys: list[int]) -> list[Item | None]:
        batches.append(list(keys))
        return [Item(id=k, label=f"item {k}") if k > 0 else None for k in keys]

    return {"allowed": allowed, "items": DataLoader(load_fn=load), "batches": batches, "log": [], "hooks": []}


async def _both(
    query: str, variables: dict[str, Any] | None = None, *, allowed: bool = True, compiled: bool = True
) -> dict[str, Any]:
    reference_context, engine_context = _context(allowed), _context(allowed)
    reference = await REFERENCE.execute(query, variable_values=variables, context_value=reference_context)
    before = ENGINE_CLASS.stats.compiled
    engine = await ENGINE.execute(query, variable_values=variables, context_value=engine_context)
    assert answer(engine) == answer(reference)
    assert ENGINE_CLASS.stats.compiled == before + compiled, ENGINE_CLASS.stats
    for key in ("batches", "log", "hooks"):
        assert engine_context[key] == reference_context[key], key
    return {"data": engine.data, "errors": [e.formatted for e in engine.errors or []], "context": engine_context}


CASES = {
    "plain and resolved fields, aliases": '{ a: greet b: greet(name: "x", times: 2) when day amount blob colours }',
    "enum and input literals": '{ greet(colour: BLUE, filter: {colour: RED, names: ["p", "q"]}) }',
    "fragments and inline fragments": """
        query { animals { ...Named ... on Dog { barks friend { ...Named } } ... on Cat { lives colour } } }
        fragment Named on Animal { __typename name shout }
    """,
    "a fragment on an interface inside a union": """
        { pets { __typename ... on Animal { name } ... on Cat { lives } ... on Dog { barks } } }
    """,
    "abstract type resolved to each concrete type": """
        { dog: pet(kind: "dog") { __typename ... on Dog { barks } }
          cat: pet(kind: "cat") { __typename ... on Cat { colour } }
          none: pet(kind: "fish") { __typename } }
    """,
    "fields merged from several selections": """
        { branch { leaf { value } } branch { leaf { maybe } ... on Branch { leaf { value } } } }
    """,
    "resolver raising at depth, nullable parent": "{ branch { leaf { value fails } } words: looseWords }",
    "resolver raising at depth, propagation to the root": "{ strictBranch { leaf { fails } } colours }",
    "async resolver raising": "{ branch { leaves { value failsLater } } }",
    "null in a non-null list item": "{ words }",
    "null object in a non-null list item": "{ branch { strictLeaves { value } } }",
    "nullable list items": "{ looseWords branch { leaves { value maybe } } }",
    "tuples, generators and a non-list": "{ tupleWords generated notAList }",
    "a scalar that cannot be serialised": "{ tooBig }",
    "an object of the wrong type": "{ wrongObject { name } }",
    "a non-null root field failing": "{ rootFails greet }",
    "__typename everywhere": "{ __typename branch { __typename leaf { __typename } } }",
    "field extension": '{ loud loud2: loud(text: "quiet") }',
    "dataloader batching": "{ a: items(ids: [1, 2, -1]) { id label } b: items(ids: [2, 3]) { id } }",
}


@pytest.mark.parametrize("query", CASES.values(), ids=CASES.keys())
async def test_case_answers_the_same(query: str) -> None:
    await _both(query)


async def test_permission_classes_allow_and_refuse() -> None:
    allowed = await _both("{ secret }", allowed=True)
    refused = await _both("{ secret }", allowed=False)
    assert allowed["data"] == {"secret": "the secret"}
    assert refused["errors"][0]["message"] == "Not allowed."


SKIP_INCLUDE = """
query ($yes: Boolean!, $no: Boolean = false) {
  greet @include(if: $yes)
  hidden: greet @skip(if: $yes)
  branch @include(if: $no) { leaf { value } }
  ... on Query @skip(if: $no) { colours }
  ...F
}
fragment F on Query { when @include(if: $yes) day @skip(if: true) }
"""


@pytest.mark.parametrize(
    "values", [{"yes": True}, {"yes": False}, {"yes": True, "no": True}, {"yes": False, "no": False}]
)
async def test_skip_and_include(values: dict[str, Any]) -> None:
    await _both(SKIP_INCLUDE, values)


async def test_a_null_condition_is_left_to_graphql_core() -> None:
    # given $no explicitly null: graphql-core reports `if` must not be null; the engine does not guess
    result = await _both(SKIP_INCLUDE, {"yes": True, "no": None}, compiled=False)
    assert result["errors"]


VARIABLES = """
query ($name: String = "default", $colour: Colour, $filter: Filter, $ids: [Int!]! = [4, 5], $times: Int) {
  greet(name: $name, colour: $colour, filter: $filter)
  again: greet(times: $times)
  items(ids: $ids) { id }
}
"""


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"name": "given", "colour": "BLUE", "filter": {"names": ["n"]}, "ids": [1], "times": 2},
        {"name": None, "filter": {"colour": "RED"}},
        {"times": None},
    ],
)
async def test_variables_with_defaults(values: dict[str, Any]) -> None:
    await _both(VARIABLES, values)


async def test_a_plan_never_keeps_a_request_s_values() -> None:
    first = await _both(VARIABLES, {"name": "first"})
    second = await _both(VARIABLES, {"name": "second"})
    assert first["data"]["greet"] != second["data"]["greet"]


async def test_mutation_fields_run_one_after_another() -> None:
    result = await _both("mutation { a: add(n: 1) b: add(n: 2) fail c: add(n: 3) }")
    assert result["context"]["log"] == [1, 2]  # `c` never starts: `fail` ended the operation
    assert result["data"] is None  # `fail` is non-null: the whole data is null


async def test_schema_extension_with_resolve_falls_back() -> None:
    engine = strawberry.Schema(
        query=Query, types=[Dog, Cat], extensions=[Middleware], execution_context_class=compiled_executor_class()
    )
    reference = strawberry.Schema(query=Query, types=[Dog, Cat], extensions=[Middleware])
    stats = engine.execution_context_class.stats  # type: ignore[attr-defined]
    query = "{ animals { name } }"
    assert answer(await engine.execute(query, context_value=_context())) == answer(
        await reference.execute(query, context_value=_context())
    )
    assert stats.compiled == 0
    assert stats.fallbacks["middleware"] == 1


async def test_introspection_falls_back() -> None:
    before = ENGINE_CLASS.stats.fallbacks["introspection"]
    query = '{ __schema { queryType { name } } __type(name: "Dog") { name } }'
    engine = await ENGINE.execute(query, context_value=_context())
    reference = await REFERENCE.execute(query, context_value=_context())
    assert answer(engine) == answer(reference)
    assert ENGINE_CLASS.stats.fallbacks["introspection"] == before + 1


async def test_plans_are_cached_and_bounded() -> None:
    cache = ENGINE_CLASS.plan_cache
    for n in range(40):
        await ENGINE.execute(f"{{ greet(times: {n % 3}) n{n}: colours }}", context_value=_context())
    assert len(cache) <= cache.maxsize
    compilations = ENGINE_CLASS.stats.compilations
    await ENGINE.execute("{ greet(times: 0) n39: colours }", context_value=_context())
    assert ENGINE_CLASS.stats.compilations == compilations

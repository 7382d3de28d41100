"""The generated selection-set functions (codegen.py) against graphql-core, branch by branch.

Fields without resolver that hold a leaf are written in line by the generated code: the attribute
read, the exact-type checks (str, bool, an enum member), the completer for never-awaitable values,
the slow path for anything else (awaitables, other objects), and the error handler. The object
completer around it (null check, non-null, `is_type_of`) is generated too. Each case here gives a
plain Python object (or a list of them) to a small Strawberry schema and compares the answers of
the engine and of graphql-core byte for byte; no case may leave a coroutine never awaited.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import gc
import operator
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass
from enum import Enum, StrEnum
from types import FunctionType
from typing import Any, cast

import pytest
import strawberry
from strawberry.schema.config import StrawberryConfig

from crm.graphql.engine import CompiledExecutor, compiled_executor_class
from tests.graphql.engine.differ import answer

# --- values a source attribute can hold ----------------------------------------------------------


@strawberry.enum
class Size(Enum):
    SMALL = "small"
    LARGE = "large"


class Other(Enum):
    """Another enum class with the same values: its members are not Size's."""

    SMALL = "small"


class Label(StrEnum):
    """A str subclass: never the exact type `str` the fast path checks."""

    COAT = "coat"


async def _soon(value: Any) -> Any:
    """A coroutine giving `value` (raising it, for an exception) after one turn of the loop."""
    await asyncio.sleep(0)
    if isinstance(value, Exception):
        raise value
    return value


class Later:
    """An awaitable that is not a coroutine (it has `__await__`)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, Any]:
        yield from asyncio.sleep(0).__await__()
        return self.value


def _future(value: Any) -> asyncio.Future[Any]:
    future = asyncio.get_running_loop().create_future()
    future.set_result(value)
    return future


class Opaque:
    """An object of no scalar's type (String gives its str(), other scalars refuse it)."""

    def __repr__(self) -> str:
        return "<opaque>"  # the same in both runs (the default repr shows an address)


# --- the schema ----------------------------------------------------------------------------------


@strawberry.interface
class Node:
    id: strawberry.ID


@strawberry.type
class Garment(Node):
    """Implements an interface: Strawberry gives it an `is_type_of` (isinstance)."""

    name: str
    size: Size


@strawberry.type
class Tagged:
    """Its own `is_type_of` (wants info): the object completer is not generated, its fields are."""

    tag: str
    size: Size | None

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return getattr(obj, "tag", None) != "not tagged"


@strawberry.type
class Thing:
    """Every field without resolver reads the attribute of the same Python name."""

    text: str | None
    strict_text: str
    ident: strawberry.ID | None
    strict_ident: strawberry.ID
    flag: bool | None
    strict_flag: bool
    size: Size | None
    strict_size: Size
    count: int | None
    strict_count: int
    ratio: float | None
    when: dt.datetime | None
    day: dt.date | None
    cost: decimal.Decimal | None
    broken: str | None
    strict_broken: str
    from_: str | None = strawberry.field(name="from")  # a Python keyword as GraphQL name
    __weird__: str | None = strawberry.field(name="weird")  # read by a getter, not `source.__weird__`
    child: Thing | None
    strict_child: Thing
    children: list[Thing | None] | None
    strict_children: list[Thing] | None
    garment: Garment | None
    strict_garment: Garment
    garments: list[Garment | None] | None
    node: Node | None
    tagged: Tagged | None

    @strawberry.field
    def now(self) -> str:
        return "now"

    @strawberry.field
    async def later(self, info: strawberry.Info) -> str:
        await asyncio.sleep(0)
        info.context["log"].append("later")
        return "later"

    @strawberry.field
    async def later_fails(self, info: strawberry.Info) -> str:
        await asyncio.sleep(0)
        info.context["log"].append("later fails")
        raise RuntimeError("later failed")


DEFAULTS: dict[str, Any] = {
    "text": "text",
    "strict_text": "strict text",
    "ident": "id-1",
    "strict_ident": "id-2",
    "flag": True,
    "strict_flag": False,
    "size": Size.SMALL,
    "strict_size": Size.LARGE,
    "count": 1,
    "strict_count": 2,
    "ratio": 0.5,
    "when": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    "day": dt.date(2026, 1, 2),
    "cost": decimal.Decimal("12.50"),
    "from_": "from",
    "__weird__": "weird",
    "child": None,
    "strict_child": None,
    "children": None,
    "strict_children": None,
    "garment": None,
    "strict_garment": None,
    "garments": None,
    "node": None,
    "tagged": None,
}


class Source:
    """What the resolvers hand back for a Thing: a plain object whose attributes each case sets."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(DEFAULTS)
        self.__dict__.update(values)

    @property
    def broken(self) -> str:
        raise ValueError("broken attribute")

    @property
    def strict_broken(self) -> str:
        raise LookupError("strict broken attribute")


def _garment(name: str = "coat") -> Garment:
    return Garment(id=strawberry.ID(f"g-{name}"), name=name, size=Size.LARGE)


def _made(info: strawberry.Info) -> Any:
    """The value the case gives the root field (made afresh for each run: coroutines are single use)."""
    return info.context["make"]()


@strawberry.type
class Query:
    @strawberry.field
    def thing(self, info: strawberry.Info) -> Thing | None:
        return cast("Thing | None", _made(info))

    @strawberry.field
    def strict_thing(self, info: strawberry.Info) -> Thing:
        return cast("Thing", _made(info))

    @strawberry.field
    def things(self, info: strawberry.Info) -> list[Thing | None] | None:
        return cast("list[Thing | None] | None", _made(info))

    @strawberry.field
    def strict_things(self, info: strawberry.Info) -> list[Thing] | None:
        return cast("list[Thing] | None", _made(info))


REFERENCE = strawberry.Schema(query=Query, types=[Garment])
ENGINE_CLASS = compiled_executor_class(64)
ENGINE = strawberry.Schema(query=Query, types=[Garment], execution_context_class=ENGINE_CLASS)


# A schema whose default resolver is not getattr: the generated code calls the field's reader.
@strawberry.type
class Entry:
    text: str | None
    strict_text: str
    flag: bool | None
    size: Size | None


@strawberry.type
class EntryQuery:
    @strawberry.field
    def entry(self, info: strawberry.Info) -> Entry | None:
        return cast("Entry | None", _made(info))


_BY_KEY = StrawberryConfig(default_resolver=operator.getitem)
DICT_REFERENCE = strawberry.Schema(query=EntryQuery, config=_BY_KEY)
DICT_ENGINE_CLASS = compiled_executor_class(16)
DICT_ENGINE = strawberry.Schema(query=EntryQuery, config=_BY_KEY, execution_context_class=DICT_ENGINE_CLASS)


# --- running a case through both -----------------------------------------------------------------


async def _settle() -> None:
    """Let coroutines settled in the background (by either executor) run to their end."""
    for _ in range(20):
        await asyncio.sleep(0)


async def _both(
    query: str,
    make: Callable[[], Any],
    *,
    reference: strawberry.Schema = REFERENCE,
    engine: strawberry.Schema = ENGINE,
    same_log: bool = True,
) -> dict[str, Any]:
    """Run `query` through graphql-core and the engine; assert the same answer, and no coroutine left.

    `same_log`: the same resolvers ran to their end; without it, the engine's ran no further than
    graphql-core's (a cancelled sibling may stop sooner, see the SIBLINGS cases).
    """
    stats = cast("type[CompiledExecutor]", engine.execution_context_class).stats
    reference_context: dict[str, Any] = {"make": make, "log": []}
    engine_context: dict[str, Any] = {"make": make, "log": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        expected = await reference.execute(query, context_value=reference_context)
        await _settle()
        before = stats.compiled
        result = await engine.execute(query, context_value=engine_context)
        await _settle()
        gc.collect()
    assert answer(result) == answer(expected)
    assert stats.compiled == before + 1, stats
    if same_log:
        assert engine_context["log"] == reference_context["log"]  # the same resolvers ran to their end
    else:
        assert not Counter(engine_context["log"]) - Counter(reference_context["log"])
    never_awaited = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert never_awaited == []
    return {"data": result.data, "errors": [e.formatted for e in result.errors or []], "log": engine_context["log"]}


@dataclass(frozen=True)
class Case:
    query: str
    make: Callable[[], Any]


CASES: dict[str, Case] = {
    # String and ID
    "strings holding str (fast path)": Case("{ thing { text strictText ident strictIdent } }", Source),
    "strings holding an int and a float": Case(
        "{ thing { text strictText ident } }", lambda: Source(text=5, strict_text=1.5, ident=7)
    ),
    "a string holding a bool": Case("{ thing { text strictText } }", lambda: Source(text=True, strict_text=False)),
    "an ID holding a bool or a UUID": Case(
        "{ a: thing { ident } b: thing { strictIdent } }", lambda: Source(ident=uuid.UUID(int=1), strict_ident=True)
    ),
    "strings holding a str subclass and an enum member": Case(
        "{ thing { text strictText } }", lambda: Source(text=Label.COAT, strict_text=Size.SMALL)
    ),
    "a string holding an object": Case("{ thing { text strictText } }", lambda: Source(text=Opaque())),
    "a string holding a list": Case("{ thing { text } }", lambda: Source(text=["a"])),
    "None in a nullable string": Case("{ thing { text ident } }", lambda: Source(text=None, ident=None)),
    "None in a non-null string: the object is null": Case(
        "{ thing { text strictText flag } }", lambda: Source(strict_text=None)
    ),
    "None in a non-null string: up to the root": Case(
        "{ strictThing { text strictIdent } }", lambda: Source(strict_ident=None)
    ),
    "strings holding a coroutine": Case(
        "{ thing { text strictText ident } }", lambda: Source(text=_soon("soon"), strict_text=_soon(5))
    ),
    "a coroutine giving None to a non-null string": Case(
        "{ thing { text strictText } }", lambda: Source(strict_text=_soon(None))
    ),
    "a coroutine raising in a string": Case(
        "{ thing { text strictText } }", lambda: Source(text=_soon(ValueError("no text")))
    ),
    "a coroutine raising in a non-null string": Case(
        "{ thing { text strictText } }", lambda: Source(strict_text=_soon(KeyError("no text")))
    ),
    "strings holding an awaitable object and a future": Case(
        "{ thing { text strictText ident } }",
        lambda: Source(text=Later("later"), strict_text=_future("future"), ident=Later(None)),
    ),
    # Boolean
    "booleans holding bool (fast path)": Case("{ thing { flag strictFlag } }", Source),
    "booleans holding an int": Case("{ thing { flag strictFlag } }", lambda: Source(flag=0, strict_flag=2)),
    "a boolean holding a str": Case("{ thing { flag } }", lambda: Source(flag="yes")),
    "a boolean holding a float": Case("{ thing { flag strictFlag } }", lambda: Source(flag=0.0, strict_flag=1.5)),
    "None in a non-null boolean": Case("{ thing { flag strictFlag } }", lambda: Source(strict_flag=None)),
    "a boolean holding a coroutine": Case("{ thing { flag strictFlag } }", lambda: Source(strict_flag=_soon(True))),
    # Enums
    "enums holding a member (fast path)": Case("{ thing { size strictSize } }", Source),
    "enums holding the value string": Case(
        "{ thing { size strictSize } }", lambda: Source(size="small", strict_size="large")
    ),
    "an enum holding an invalid string": Case("{ thing { size text } }", lambda: Source(size="purple")),
    "an enum holding an int": Case("{ thing { size } }", lambda: Source(size=3)),
    "an enum holding another enum's member": Case("{ thing { size } }", lambda: Source(size=Other.SMALL)),
    "a non-null enum holding an invalid value": Case(
        "{ thing { size strictSize } }", lambda: Source(strict_size="purple")
    ),
    "None in enums": Case("{ thing { size strictSize } }", lambda: Source(size=None, strict_size=None)),
    "an enum holding a coroutine of a member": Case(
        "{ thing { size strictSize } }", lambda: Source(size=_soon(Size.LARGE), strict_size=_soon("small"))
    ),
    # Int, Float and custom scalars: the completer
    "numbers and custom scalars": Case("{ thing { count strictCount ratio when day cost } }", Source),
    "an Int out of range": Case("{ thing { count text } }", lambda: Source(count=2**40)),
    "a non-null Int out of range": Case("{ thing { count strictCount } }", lambda: Source(strict_count=-(2**31) - 1)),
    "an Int holding a float, a str": Case(
        "{ thing { count strictCount } }", lambda: Source(count=3.0, strict_count="4")
    ),
    "an Int holding a bool": Case("{ thing { count strictCount } }", lambda: Source(count=True, strict_count=False)),
    "an Int holding a fraction": Case("{ thing { count } }", lambda: Source(count=2.5)),
    "an Int holding a non-numeric str": Case("{ thing { count } }", lambda: Source(count="four")),
    "a Float holding an int": Case("{ thing { ratio } }", lambda: Source(ratio=2)),
    "a Float holding a str": Case("{ thing { ratio } }", lambda: Source(ratio="half")),
    "a Float holding infinity": Case("{ thing { ratio } }", lambda: Source(ratio=float("inf"))),
    "None in a non-null Int": Case("{ thing { count strictCount } }", lambda: Source(count=None, strict_count=None)),
    "custom scalars holding other types": Case(
        "{ thing { when day cost } }",
        lambda: Source(when=dt.datetime(2026, 1, 2, 3, 4, 5), day=dt.datetime(2026, 1, 2, 3, 4), cost=3),
    ),
    "a date holding a str": Case("{ thing { day } }", lambda: Source(day="2026-01-02")),
    "a Decimal holding a str": Case("{ thing { cost } }", lambda: Source(cost="1.5")),
    "a datetime holding an object": Case("{ thing { when text } }", lambda: Source(when=Opaque())),
    "custom scalars holding coroutines": Case(
        "{ thing { when day cost count } }",
        lambda: Source(when=_soon(dt.datetime(2026, 1, 2, tzinfo=dt.UTC)), day=Later(None), cost=_future(None)),
    ),
    # Exceptions in the attribute read (a property raising)
    "a nullable attribute raising": Case("{ thing { text broken flag } }", Source),
    "a non-null attribute raising": Case("{ thing { text strictBroken flag } }", Source),
    "a non-null attribute raising, up to the root": Case("{ strictThing { strictBroken } }", Source),
    "an attribute raising in list items": Case(
        "{ things { text broken } }", lambda: [Source(), None, Source(text="third")]
    ),
    "a non-null attribute raising in nullable list items": Case(
        "{ things { text strictBroken } }", lambda: [Source(), Source(text="second")]
    ),
    "a non-null attribute raising in non-null list items": Case(
        "{ strictThings { text strictBroken } }", lambda: [Source(), Source()]
    ),
    "a non-null attribute raising at depth": Case(
        "{ thing { text child { flag strictBroken } } }", lambda: Source(child=Source())
    ),
    "aliases of a raising attribute": Case("{ thing { x: broken y: broken z: strictBroken } }", Source),
    # __typename and aliases
    "__typename in objects and list items": Case(
        "{ thing { __typename text child { __typename } children { __typename size } } }",
        lambda: Source(child=Source(), children=[Source(), None, Source(size="large")]),
    ),
    "__typename in list items at the root": Case("{ things { __typename t: __typename } }", lambda: [Source(), None]),
    "aliases of one leaf": Case("{ thing { a: text b: text c: size d: size } }", lambda: Source(text=5, size="small")),
    "aliases of one object with different selections": Case(
        """{ thing { first: child { text flag } second: child { size __typename strictText }
                     third: child { child { text } } } }""",
        lambda: Source(child=Source(text="child", size=Size.LARGE, child=Source(text="grandchild"))),
    ),
    "an empty selection (all skipped)": Case("{ thing { text @skip(if: true) } }", Source),
    # Coroutines started before the object fails
    "an async resolver, then a non-null leaf failing": Case(
        "{ thing { later strictText } }", lambda: Source(strict_text=None)
    ),
    "an async resolver, then a non-null attribute raising": Case(
        "{ thing { later laterFails text strictBroken } }", Source
    ),
    "a coroutine attribute, then a non-null leaf failing": Case(
        "{ thing { text strictText } }", lambda: Source(text=_soon("started"), strict_text=None)
    ),
    "coroutines of all kinds, then a failing non-null enum": Case(
        "{ thing { later text size strictSize } }",
        lambda: Source(text=_soon("started"), size=Later(Size.SMALL), strict_size="purple"),
    ),
    "coroutines started, then a failure up to the root": Case(
        "{ strictThing { later text strictFlag } }", lambda: Source(text=_soon("started"), strict_flag=None)
    ),
    "async fields gathered together": Case(
        "{ thing { later text now laterFails size } }", lambda: Source(text=_soon("soon"), size=_soon(Size.LARGE))
    ),
    "async fields in list items, one item failing": Case(
        "{ things { later text strictText } }",
        lambda: [Source(text=_soon("one")), Source(text=_soon("two"), strict_text=None), Source()],
    ),
    "an async non-null field failing in non-null list items": Case(
        "{ strictThings { text laterFails } }", lambda: [Source(text=_soon("one")), Source(text=_soon("two"))]
    ),
    "async fields in non-null list items at depth": Case(
        "{ thing { strictChildren { later text } } }",
        lambda: Source(strict_children=[Source(text=_soon("a")), Source(text=_soon(None))]),
    ),
    # Objects: null, exceptions, non-null
    "None in a non-null object field": Case("{ thing { text strictChild { text } } }", Source),
    "None in a non-null object field, up to the root": Case("{ strictThing { strictChild { text } } }", Source),
    "an exception instance in a nullable object field": Case(
        "{ thing { text child { text } } }", lambda: Source(child=ValueError("no child"))
    ),
    "an exception instance in a non-null object field": Case(
        "{ thing { text strictChild { text } } }", lambda: Source(strict_child=ValueError("no child"))
    ),
    "None and an exception in nullable list items": Case(
        "{ thing { children { text } } }", lambda: Source(children=[Source(), None, KeyError("gone"), Source()])
    ),
    "None in non-null list items": Case(
        "{ thing { text strictChildren { text } } }", lambda: Source(strict_children=[Source(), None])
    ),
    "an exception instance in non-null list items": Case(
        "{ thing { text strictChildren { text } } }", lambda: Source(strict_children=[Source(), ValueError("x")])
    ),
    "None in non-null list items at the root": Case("{ strictThings { text } }", lambda: [Source(), None]),
    "an exception instance as a root list item": Case(
        "{ things { text } strict: strictThings { text } }", lambda: [Source(), RuntimeError("item")]
    ),
    "a coroutine of an object in a non-null field": Case(
        "{ thing { text strictChild { text } } }", lambda: Source(strict_child=_soon(None))
    ),
    # is_type_of
    "an object implementing an interface, of the right type": Case(
        "{ thing { garment { id name size __typename } garments { name } } }",
        lambda: Source(garment=_garment(), garments=[_garment("hat"), None]),
    ),
    "an object implementing an interface, of the wrong type": Case(
        "{ thing { text garment { id name } } }", lambda: Source(garment=Source())
    ),
    "a non-null object of the wrong type": Case(
        "{ thing { text strictGarment { id } } }", lambda: Source(strict_garment=Opaque())
    ),
    "list items of the wrong type": Case(
        "{ thing { garments { id name } } }", lambda: Source(garments=[_garment(), Source(), None, _garment("hat")])
    ),
    "an interface field resolved to an object": Case(
        "{ thing { node { __typename id ... on Garment { name size } } } }", lambda: Source(node=_garment())
    ),
    "an interface field holding the wrong type": Case("{ thing { text node { id } } }", lambda: Source(node=Source())),
    "a type with its own is_type_of, matching": Case(
        "{ thing { tagged { tag size } } }", lambda: Source(tagged=Source(tag="tag", size="large"))
    ),
    "a type with its own is_type_of, not matching": Case(
        "{ thing { text tagged { tag } } }", lambda: Source(tagged=Source(tag="not tagged"))
    ),
    "a type with its own is_type_of, failing inside": Case(
        "{ thing { tagged { tag size } } }", lambda: Source(tagged=Source(tag=None, size="purple"))
    ),
    # Python names unlike the GraphQL names
    "a keyword and a dunder Python name": Case("{ thing { from weird text } }", Source),
    "a keyword and a dunder Python name holding other values": Case(
        "{ thing { from weird } }", lambda: Source(from_=5, __weird__=_soon("soon"))
    ),
    "a keyword and a dunder Python name holding None and an object": Case(
        "{ thing { from weird } }", lambda: Source(from_=None, __weird__=Opaque())
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_case_answers_the_same(case: Case) -> None:
    await _both(case.query, case.make)


async def test_a_started_coroutine_runs_to_its_end_when_the_object_fails() -> None:
    # given an async resolver started before a later non-null leaf fails
    query = "{ thing { later laterFails strictText } }"

    # when both executors run it (and the loop runs what they settle in the background)
    result = await _both(query, lambda: Source(strict_text=None))

    # then the object is null, only the leaf's error is reported, and both coroutines ran to their end
    assert result["data"] == {"thing": None}
    assert [e["path"] for e in result["errors"]] == [["thing", "strictText"]]
    assert sorted(result["log"]) == ["later", "later fails"]


# Siblings of a coroutine that fails, where one sibling awaits several coroutines of its own: graphql-core
# runs each in a task of its own, and the failure reaches the others a few turns of the loop later, so
# they may still finish; `together` cancels them at once. The answer is the same (their results are
# thrown away with the failed object); the engine's resolvers run no further than graphql-core's.
SIBLINGS: dict[str, Case] = {
    "root fields": Case("{ a: thing { later again: later } b: strictThing { laterFails } }", Source),
    "list items": Case("{ strictThings { text laterFails } }", lambda: [Source(text=_soon("one")), Source()]),
    "list items at depth": Case(
        "{ thing { strictChildren { text laterFails } } }",
        lambda: Source(strict_children=[Source(), Source(text=_soon("two"))]),
    ),
}


@pytest.mark.parametrize("case", SIBLINGS.values(), ids=SIBLINGS.keys())
async def test_siblings_of_a_failing_coroutine_run_no_further_than_under_graphql_core(case: Case) -> None:
    # given sibling coroutines, one of them failing a non-null field, another awaiting two fields
    # when both executors run it (and the loop runs what they settle in the background)
    # then the answers are the same, no coroutine is left unawaited, and the engine's siblings
    # ran no further than graphql-core's
    result = await _both(case.query, case.make, same_log=False)
    assert "later fails" in result["log"]


async def test_a_string_holding_an_int_is_coerced_and_a_missing_one_nulls_its_object() -> None:
    # given a String attribute holding an int, and a non-null String attribute holding None
    query = "{ a: thing { text } b: thing { text strictText } }"

    # when both executors run it
    result = await _both(query, lambda: Source(text=5, strict_text=None))

    # then the int is written as graphql-core coerces it, and `b` is null with the error at its leaf
    assert result["data"] == {"a": {"text": "5"}, "b": None}
    assert [(e["message"], e["path"]) for e in result["errors"]] == [
        ("Cannot return null for non-nullable field Thing.strictText.", ["b", "strictText"])
    ]


async def test_a_property_raising_is_located_at_its_field() -> None:
    # given an attribute read raising, in each item of a list
    query = "{ things { text broken } }"

    # when both executors run it
    result = await _both(query, lambda: [Source(), Source()])

    # then each item reports its own error at its own path, with the field's location
    assert result["data"] == {"things": [{"text": "text", "broken": None}, {"text": "text", "broken": None}]}
    errors = [(e["message"], e["path"], e["locations"]) for e in result["errors"]]
    assert errors == [
        ("broken attribute", ["things", 0, "broken"], [{"line": 1, "column": 17}]),
        ("broken attribute", ["things", 1, "broken"], [{"line": 1, "column": 17}]),
    ]


_ENTRY: dict[str, Any] = {"text": "text", "strict_text": "strict", "flag": False, "size": Size.SMALL}
DICT_CASES: dict[str, Case] = {
    "values by key": Case("{ entry { text strictText flag size } }", lambda: {**_ENTRY}),
    "values by key, coerced": Case(
        "{ entry { text strictText flag size } }",
        lambda: {**_ENTRY, "text": 5, "flag": 1, "size": "large", "strict_text": _soon("soon")},
    ),
    "a missing key": Case("{ entry { text flag } }", lambda: {"text": "only text"}),
    "a missing non-null key": Case("{ entry { text strictText } }", lambda: {"text": "only text"}),
    "None by key": Case("{ entry { text strictText } }", lambda: {**_ENTRY, "strict_text": None}),
}


@pytest.mark.parametrize("case", DICT_CASES.values(), ids=DICT_CASES.keys())
async def test_a_default_resolver_other_than_getattr(case: Case) -> None:
    await _both(case.query, case.make, reference=DICT_REFERENCE, engine=DICT_ENGINE)


def _generated_sources(marker: str) -> list[str]:
    """The source of every generated function alive whose source mentions `marker`.

    Found among all live functions by their `__engine_source__`, not by walking the plan cache's
    closures: nothing here depends on how a plan holds its functions.
    """
    gc.collect()
    found: list[str] = []
    for obj in gc.get_objects():
        if isinstance(obj, FunctionType):
            source = getattr(obj, "__engine_source__", None)
            if isinstance(source, str) and marker in source:
                found.append(source)
    return found


async def test_the_generated_function_reads_attributes_in_line() -> None:
    # given a plan compiled for a selection of leaf attributes under a unique alias
    await _both("{ thing { codegenProbe: text size from weird later } }", Source)

    # when looking up the generated function of that selection set
    sources = _generated_sources("'codegenProbe'")

    # then it reads the plain attributes in line, and the dunder one through the field's reader
    assert len(sources) == 1, sources
    source = sources[0]
    assert "source.text" in source
    assert "source.size" in source
    assert "source.from_" in source
    assert "source.__weird__" not in source
    assert "(source)" in source  # the reader of `__weird__`
    assert "(ex, source, path)" in source  # `later`: its compiled runner

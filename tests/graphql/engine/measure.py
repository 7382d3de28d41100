"""Per-request CPU of every benchmark read, with the engine and with graphql-core, in one process.

    uv run python -m tests.graphql.engine.measure [--members 300] [--rounds 15] [--only MemberPage,...]
    DATABASE_URL=postgresql://... uv run python -m tests.graphql.engine.measure   # reuse a seeded database

Without DATABASE_URL it makes a database on the test server (as the test suite does), migrates and
seeds it (crm.seed, `--members`), and drops it at the end. Parameters come from bench/context.py and
the variables from bench/operations.py, as the benchmark sends them; every request is the admin's,
in a fresh session and Context, like the HTTP layer.

Two numbers per request and executor (see crm/graphql/engine/README.md, "Measuring"):

- total: process CPU (`time.process_time`) spent inside `await schema.execute(...)`.
- execution: total minus the CPU of what is not the executor's: the bodies of the Strawberry
  resolvers (each synchronous slice of their coroutines: their loader calls, `from_row`, the SQL
  they await inline), the DataLoaders' batch functions (each slice), the statements themselves
  (`SerialSession` runs each in a task of its own: building, binding, rows; "sql") and the
  event loop's socket callbacks (asyncpg's protocol parsing). Those are timed with
  `time.thread_time` in separate, instrumented rounds (the per-slice cost of the clock itself is
  calibrated out); the totals come from uninstrumented rounds. What remains is Strawberry's
  per-request work (caches, extensions, variable coercion), the executor (graphql-core's or the
  engine's), Strawberry's resolver wrappers, DataLoader scheduling, and the event loop's own
  work for the tasks the executor creates.

Engine and graphql-core alternate request by request (order swapped every round); the figures are
medians over the rounds, so a loaded machine affects both alike. Compare the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import gc
import json
import os
import statistics
import sys
import time
from asyncio import selector_events
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import CoroutineType
from typing import Any

from graphql import GraphQLObjectType
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from strawberry.dataloader import DataLoader
from strawberry.schema.schema_converter import GraphQLCoreConverter

from crm.app import GC_THRESHOLDS
from crm.auth.actor import Actor
from crm.config import BUSINESS_TZ, async_url
from crm.db import SerialSession, make_sessionmaker
from crm.enums import Region, Role
from crm.graphql.context import Context
from crm.graphql.schema import schema, schema_for

clock = time.thread_time

# CPU seconds outside the executor, by kind, while instrumentation is on.
SPENT: dict[str, float] = {"resolvers": 0.0, "loaders": 0.0, "sql": 0.0, "io": 0.0}
SLICES = [0]
_ON = [False]
# Event-loop work while instrumentation is on: callbacks scheduled (asyncio Handles) and tasks created.
COUNTS: dict[str, int] = {"handles": 0, "tasks": 0}


class _TimedSteps:
    """Await a coroutine, adding the CPU of each of its synchronous slices to SPENT[kind]."""

    __slots__ = ("coro", "kind")

    def __init__(self, coro: Any, kind: str) -> None:
        self.coro = coro
        self.kind = kind

    def __await__(self) -> Iterator[Any]:
        coro, kind = self.coro, self.kind
        value: Any = None
        error: BaseException | None = None
        while True:
            start = clock()
            try:
                yielded = coro.send(value) if error is None else coro.throw(error)
            except StopIteration as stop:
                SPENT[kind] += clock() - start
                SLICES[0] += 1
                return stop.value
            except BaseException:
                SPENT[kind] += clock() - start
                SLICES[0] += 1
                raise
            SPENT[kind] += clock() - start
            SLICES[0] += 1
            try:
                value, error = (yield yielded), None
            except BaseException as exc:
                value, error = None, exc


async def _timed(coro: Any, kind: str) -> Any:
    return await _TimedSteps(coro, kind)


def _timing(func: Callable[..., Any], kind: str) -> Callable[..., Any]:
    @functools.wraps(func)
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = clock()
        try:
            result = func(*args, **kwargs)
        finally:
            SPENT[kind] += clock() - start
            SLICES[0] += 1
        if type(result) is CoroutineType:
            return _timed(result, kind)
        return result

    return timed


def _resolvers() -> list[Any]:
    """Every Strawberry resolver of both schemas (once each)."""
    found: dict[int, Any] = {}
    for which in (schema, schema_for(compiled_execution=False)):
        for named in which._schema.type_map.values():
            if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
                continue
            for field_def in named.fields.values():
                strawberry_field = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
                base = getattr(strawberry_field, "base_resolver", None)
                if base is not None and callable(base.wrapped_func):
                    found[id(base)] = base
    return list(found.values())


_original_init = DataLoader.__init__
_original_serially = SerialSession._serially


async def _timed_serially(self: SerialSession, work: Any) -> Any:
    # The session runs each statement in a task of its own: time that task's slices as "sql".
    return await _original_serially(self, _timed(work, "sql") if _ON[0] else work)


_originals: dict[int, tuple[Any, Callable[..., Any]]] = {}


def _loader_init(self: DataLoader[Any, Any], *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    self.load_fn = _timing(self.load_fn, "loaders")


def instrument(on: bool) -> None:
    """Time resolver bodies, batch functions and socket callbacks (on) or stop (off)."""
    if on:
        for base in _resolvers():
            _originals[id(base)] = (base, base.wrapped_func)
            base.wrapped_func = _timing(base.wrapped_func, "resolvers")
        DataLoader.__init__ = _loader_init  # type: ignore[method-assign]
        SerialSession._serially = _timed_serially  # type: ignore[method-assign]
    else:
        for base, func in _originals.values():
            base.wrapped_func = func
        _originals.clear()
        DataLoader.__init__ = _original_init  # type: ignore[method-assign]
        SerialSession._serially = _original_serially  # type: ignore[method-assign]
    _ON[0] = on
    # Plans hold the resolver functions they were compiled with.
    schema.execution_context_class.plan_cache.clear()  # type: ignore[attr-defined]


def _io_timing(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def timed(self: Any) -> Any:
        if not _ON[0]:
            return method(self)
        start = clock()
        try:
            return method(self)
        finally:
            SPENT["io"] += clock() - start
            SLICES[0] += 1

    return timed


def _counting(method: Callable[..., Any], what: str) -> Callable[..., Any]:
    @functools.wraps(method)
    def counted(*args: Any, **kwargs: Any) -> Any:
        if _ON[0]:
            COUNTS[what] += 1
        return method(*args, **kwargs)

    return counted


_loop_class: Any = asyncio.BaseEventLoop
_loop_class.call_soon = _counting(_loop_class.call_soon, "handles")
_loop_class.create_task = _counting(_loop_class.create_task, "tasks")

for _name in ("_read_ready__get_buffer", "_read_ready__data_received", "_read_ready__on_eof", "_write_ready"):
    _cls: Any = selector_events._SelectorSocketTransport
    setattr(_cls, _name, _io_timing(getattr(_cls, _name)))


def _clock_cost() -> float:
    """What one empty slice measures (the clock's own share), seconds."""
    samples = []
    for _ in range(20):
        total = 0.0
        for _ in range(2000):
            s = clock()
            total += clock() - s
        samples.append(total / 2000)
    return statistics.median(samples)


@dataclass
class Figures:
    total: list[float] = field(default_factory=list)
    outside: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in SPENT})
    counts: dict[str, int] = field(default_factory=dict)

    def median_total(self) -> float:
        return statistics.median(self.total)

    def median_outside(self) -> float:
        return statistics.median(self.outside)


async def _admin(engine: AsyncEngine) -> Actor:
    async with engine.connect() as conn:
        row = (await conn.execute(text("SELECT id, role, store_id, region FROM staff WHERE username = 'admin'"))).one()
    pk, role, store_id, region = row
    return Actor(staff_id=pk, role=Role(role), store_id=store_id, region=Region(region) if region else None, token_id=0)


async def _request(sessionmaker: Any, actor: Actor, which: Any, query: str, variables: dict[str, Any]) -> float:
    """One request; returns its process CPU (and leaves SPENT with its outside slices)."""
    async with sessionmaker() as session:
        context = Context(session=session)
        context.act_as(actor)
        for kind in SPENT:
            SPENT[kind] = 0.0
        SLICES[0] = 0
        for what in COUNTS:
            COUNTS[what] = 0
        start = time.process_time()
        result = await which.execute(query, variable_values=variables, context_value=context)
        spent = time.process_time() - start
    if result.errors:
        raise RuntimeError(f"{result.errors[0].message} at {result.errors[0].path}")
    return spent


async def measure(url: str, names: list[str] | None, rounds: int, warmup: int) -> dict[str, Any]:
    from bench.context import pick
    from bench.operations import OPERATIONS

    ctx = await pick(url, for_writes=False)
    engine = create_async_engine(async_url(url), pool_size=2, connect_args={"server_settings": {"timezone": "UTC"}})
    sessionmaker = make_sessionmaker(engine)
    actor = await _admin(engine)
    reference = schema_for(compiled_execution=False)
    systems = {"engine": schema, "core": reference}
    cost = _clock_cost()
    # The garbage collector as the app sets it (crm/app.py): what is kept for life frozen, young
    # collections every GC_THRESHOLDS[0] allocations.
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    report: dict[str, Any] = {"clock_cost_us": cost * 1e6, "operations": {}}
    floor_query = "query Floor { __typename }"
    operations = [op for op in OPERATIONS if op.kind == "read" and (not names or op.name in names)]
    try:
        for op in [None, *operations]:
            name = "floor ({ __typename })" if op is None else op.name
            query = floor_query if op is None else op.query
            variables = {} if op is None else op.variables(op.params(ctx, 0))
            figures = {s: Figures() for s in systems}
            for instrumented in (False, True):
                instrument(instrumented)
                for _ in range(warmup):
                    for which in systems.values():
                        await _request(sessionmaker, actor, which, query, variables)
                for r in range(rounds):
                    order = list(systems.items()) if r % 2 == 0 else list(systems.items())[::-1]
                    for system, which in order:
                        gc.collect()
                        spent = await _request(sessionmaker, actor, which, query, variables)
                        fig = figures[system]
                        if not instrumented:
                            fig.total.append(spent)
                            continue
                        outside = sum(SPENT.values()) - SLICES[0] * cost
                        fig.outside.append(outside)
                        for kind, value in SPENT.items():
                            fig.by_kind[kind].append(value)
                        fig.counts = dict(COUNTS)
                instrument(False)
            row = {}
            for system, fig in figures.items():
                total = fig.median_total()
                outside = fig.median_outside()
                row[system] = {
                    "total_ms": total * 1e3,
                    "execution_ms": (total - outside) * 1e3,
                    "outside_ms": {k: statistics.median(v) * 1e3 for k, v in fig.by_kind.items()},
                    "loop": fig.counts,
                }
            row["total_ratio"] = row["core"]["total_ms"] / row["engine"]["total_ms"]
            row["execution_ratio"] = row["core"]["execution_ms"] / max(row["engine"]["execution_ms"], 1e-9)
            report["operations"][name] = row
            _print_row(name, row)
    finally:
        await engine.dispose()
    return report


async def profile(url: str, name: str, core: bool) -> None:
    """Print a pyinstrument profile of 50 requests of one operation."""
    from pyinstrument import Profiler

    from bench.context import pick
    from bench.operations import BY_NAME

    op = BY_NAME[name]
    ctx = await pick(url, for_writes=False)
    engine = create_async_engine(async_url(url), pool_size=2, connect_args={"server_settings": {"timezone": "UTC"}})
    sessionmaker = make_sessionmaker(engine)
    actor = await _admin(engine)
    which = schema_for(compiled_execution=not core)
    variables = op.variables(op.params(ctx, 0))
    try:
        for _ in range(5):
            await _request(sessionmaker, actor, which, op.query, variables)
        profiler = Profiler(interval=0.0002, async_mode="disabled")
        profiler.start()
        for _ in range(50):
            await _request(sessionmaker, actor, which, op.query, variables)
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    finally:
        await engine.dispose()


def _print_header() -> None:
    print(
        f"{'operation':<24} {'total eng':>9} {'total core':>10} {'ratio':>6}   "
        f"{'exec eng':>8} {'exec core':>9} {'ratio':>6}   outside eng: resolvers/loaders/sql/io   "
        "tasks/callbacks eng, core",
        flush=True,
    )


def _print_row(name: str, row: dict[str, Any]) -> None:
    e, c = row["engine"], row["core"]
    o = e["outside_ms"]
    print(
        f"{name:<24} {e['total_ms']:>9.2f} {c['total_ms']:>10.2f} {row['total_ratio']:>5.2f}x   "
        f"{e['execution_ms']:>8.2f} {c['execution_ms']:>9.2f} {row['execution_ratio']:>5.2f}x   "
        f"{o['resolvers']:>6.2f}/{o['loaders']:.2f}/{o['sql']:.2f}/{o['io']:.2f}   "
        f"{e['loop']['tasks']}/{e['loop']['handles']}, {c['loop']['tasks']}/{c['loop']['handles']}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=300, help="members to seed (without DATABASE_URL)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated operation names")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    parser.add_argument("--profile", default="", help="instead: pyinstrument this operation (engine), 50 requests")
    parser.add_argument("--core", action="store_true", help="with --profile: profile graphql-core instead")
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n]

    url = os.environ.get("DATABASE_URL")
    cleanup: Callable[[], None] | None = None
    if not url:
        from crm.migrate import upgrade
        from crm.seed import seed
        from tests.conftest import _drop_db, _fresh, _server_url

        servers = _server_url()
        server = next(servers)
        db_name, url = _fresh(server)

        def cleanup() -> None:
            asyncio.run(_drop_db(server, db_name))
            for _ in servers:
                pass

        print(f"seeding {args.members} members ...", file=sys.stderr, flush=True)
        upgrade(url)
        asyncio.run(seed(url, members=args.members, today=dt.datetime.now(BUSINESS_TZ).date()))
    try:
        if args.profile:
            asyncio.run(profile(url, args.profile, args.core))
            return
        _print_header()
        report = asyncio.run(measure(url, names, args.rounds, args.warmup))
    finally:
        if cleanup is not None:
            cleanup()
    print("times: ms of CPU per request, medians; ratio = graphql-core / engine", flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(report, out, indent=2)


if __name__ == "__main__":
    main()

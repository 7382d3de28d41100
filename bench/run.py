"""The benchmark: our API beside PostGraphile and a hand-written asyncpg floor, on the same database.

    uv run python -m bench.run --scale S            # 20k members (about 5 min)
    uv run python -m bench.run --scale M            # 200k members, 2M visits (seeding ~40 s, then ~10 min)

Results go to bench/results/<scale>.json and bench/RESULTS.md. Not part of the test command.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

from bench import operations
from bench.context import pick
from crm.config import PROJECT_ROOT
from crm.seed import DEMO_PASSWORD

SCALES = {"S": 20_000, "M": 200_000, "L": 1_000_000}
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _with_database(url: str, name: str) -> str:
    head, sep, query = url.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}{sep}{query}"


async def _prepare_database(server: str, scale: str, fresh: bool) -> tuple[str, Any]:
    """Create (or reuse) the scale's database, migrate and seed it; return its URL and the seed report."""
    name = f"crm_bench_{scale.lower()}"
    url = _with_database(server, name)
    conn = await asyncpg.connect(server)
    try:
        if fresh:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    from crm.migrate import upgrade
    from crm.seed import SeedError, seed

    await asyncio.to_thread(upgrade, url)  # Alembic's env runs its own event loop
    try:
        report = await seed(url, members=SCALES[scale])
    except SeedError:
        return url, None  # already seeded: reuse it
    return url, report


async def _time_planning(url: str, days: int = 7, runs: int = 3) -> dict[str, Any]:
    """Time call planning for every member and dealer over the coming days (a preview: nothing is kept)."""
    from crm.businesstime import today
    from crm.callbacks import planning
    from crm.config import Settings
    from crm.db import make_engine, make_sessionmaker

    engine = make_engine(Settings(database_url=url), url)
    timings, result = [], None
    try:
        for _ in range(runs):
            async with make_sessionmaker(engine)() as session:
                began = time.perf_counter()
                start = today()
                result = await planning.plan(session, None, start, start + dt.timedelta(days=days - 1), commit=False)
                timings.append(time.perf_counter() - began)
                await session.rollback()
    finally:
        await engine.dispose()
    assert result is not None
    return {
        "days": days,
        "seconds": sorted(timings)[len(timings) // 2],
        "created": result.created,
        "deferred": sum(c.deferred for c in result.by_purpose.values()),
        "already_planned": sum(c.already_planned for c in result.by_purpose.values()),
    }


@dataclass
class Server:
    """A server process under measurement: CPU and peak memory of it and its children."""

    name: str
    command: list[str]
    url: str
    health: str
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path = PROJECT_ROOT
    process: subprocess.Popen[bytes] | None = None
    peak_rss: int = 0
    _stop_sampling: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603  (our own commands)
            self.command,
            cwd=self.cwd,
            env={**os.environ, **self.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"{self.name} exited: {err[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.health, timeout=1).status_code < 500:
                    break
            time.sleep(0.3)
        else:
            raise RuntimeError(f"{self.name} did not start")
        threading.Thread(target=self._sample, daemon=True).start()

    def _processes(self) -> list[psutil.Process]:
        assert self.process is not None
        root = psutil.Process(self.process.pid)
        return [root, *root.children(recursive=True)]

    def _sample(self) -> None:
        while not self._stop_sampling.wait(0.2):
            with contextlib.suppress(psutil.Error):
                self.peak_rss = max(self.peak_rss, sum(p.memory_info().rss for p in self._processes()))

    def cpu_seconds(self) -> float:
        total = 0.0
        for p in self._processes():
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                total += t.user + t.system
        return total

    def stop(self) -> None:
        self._stop_sampling.set()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _ours(url: str, workers: int) -> Server:
    port = _free_port()
    env = {"DATABASE_URL": url, "CRM_DEBUG": "false", "CRM_POOL_SIZE": "20"}
    command = [
        sys.executable, "-m", "uvicorn", "crm.app:app_from_env", "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    return Server(
        f"ours/{workers}w", command, f"http://127.0.0.1:{port}/graphql", f"http://127.0.0.1:{port}/healthz", env
    )


def _postgraphile(url: str) -> Server:
    from bench import postgraphile

    postgraphile.install()
    port = _free_port()
    return Server(
        "postgraphile", postgraphile.command(url, port), f"http://127.0.0.1:{port}/graphql",
        f"http://127.0.0.1:{port}/graphql", cwd=PROJECT_ROOT / "bench" / "postgraphile",
    )  # fmt: skip


def _floor(url: str) -> Server:
    port = _free_port()
    command = [sys.executable, "-m", "bench.floor", "--dsn", url, "--port", str(port)]
    return Server("floor", command, f"http://127.0.0.1:{port}/op/", f"http://127.0.0.1:{port}/healthz")


LOGIN = "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token } }"


def _login(server: Server) -> dict[str, str]:
    response = httpx.post(server.url, json={"query": LOGIN, "variables": {"u": "admin", "p": DEMO_PASSWORD}})
    return {"authorization": f"Bearer {response.json()['data']['login']['token']}"}


_issued: dict[str, int] = {}


def _serves(peer: Server, op: operations.Operation) -> bool:
    """Whether a peer has an equivalent of the operation (peers serve reads only)."""
    if op.kind != "read":
        return False
    if peer.name == "postgraphile":
        from bench import postgraphile_ops

        return op.name in postgraphile_ops.DOCUMENTS
    from bench import floor

    return op.name in floor.OPERATIONS


def _bodies(server: Server, op: operations.Operation, ctx: dict[str, Any], n: int) -> tuple[str, list[Any]]:
    """The URL to post to and the bodies to post, for one system and operation.

    Writes get fresh parameters in every cell (a new phone, the next open callback),
    so that a later cell does not replay an earlier one's requests.
    """
    start = _issued.get(op.name, 0)
    params = [op.params(ctx, start + i) for i in range(n)]
    if server.name == "floor":
        return server.url + op.name, params
    if server.name == "postgraphile":
        from bench import postgraphile_ops

        document = postgraphile_ops.DOCUMENTS[op.name]
        return server.url, [{"query": document, "variables": postgraphile_ops.variables(op.name, p)} for p in params]
    return server.url, [{"query": op.query, "variables": op.variables(p)} for p in params]


def _drive(
    server: Server, url: str, bodies: list[Any], headers: dict[str, str], concurrency: int, seconds: float
) -> dict[str, Any]:
    spec = {
        "url": url,
        "bodies": bodies,
        "headers": headers,
        "concurrency": concurrency,
        "seconds": seconds,
        "warmup": 1.0,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(spec, f)
    try:
        cpu_before = server.cpu_seconds()
        out = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "bench.driver", f.name], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT
        )
        cpu_after = server.cpu_seconds()
    finally:
        Path(f.name).unlink(missing_ok=True)
    result: dict[str, Any] = json.loads(out.stdout)
    # Warm-up requests are served too: spread the CPU over every request the server answered.
    served = result["served"]
    result["server_cpu_ms_per_request"] = (cpu_after - cpu_before) * 1000 / served if served else 0.0
    return result


async def _statements_per_request(url: str, ctx: dict[str, Any]) -> dict[str, int]:
    """SQL statements each operation issues, counted in-process (sign-in lookup included)."""
    from sqlalchemy import event

    from crm.app import create_app
    from crm.config import Settings
    from crm.db import make_engine, make_sessionmaker

    settings = Settings(database_url=url, debug=False)
    engine = make_engine(settings, url)
    counted: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: counted.append(a[2]))
    app = create_app(settings, sessionmaker=make_sessionmaker(engine))
    counts: dict[str, int] = {}
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            login = await client.post(
                "/graphql",
                json={
                    "query": LOGIN,
                    "variables": {"u": "admin", "p": DEMO_PASSWORD},
                },
            )
            client.headers["authorization"] = f"Bearer {login.json()['data']['login']['token']}"
            for op in operations.OPERATIONS:
                if op.kind != "read":
                    continue
                counted.clear()
                response = await client.post(
                    "/graphql", json={"query": op.query, "variables": op.variables(op.params(ctx, 0))}
                )
                assert "errors" not in response.json(), response.text[:500]
                counts[op.name] = len(counted)
    finally:
        await engine.dispose()
    return counts


def _show(op: operations.Operation, concurrency: int, server: Server, result: dict[str, Any]) -> None:
    errors = f"  ERRORS {result['errors']}" if result["errors"] else ""
    print(
        f"{op.name:18} c={concurrency:<3} {server.name:13} {result['throughput']:8.1f}/s"
        f" p99 {result['p99_ms']:7.1f} ms cpu {result['server_cpu_ms_per_request']:6.2f} ms{errors}",
        flush=True,
    )


@contextlib.contextmanager
def _running(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _machine() -> dict[str, Any]:
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
    }


def _save(
    args: argparse.Namespace,
    ctx: dict[str, Any],
    seed_seconds: float | None,
    planning: dict[str, Any] | None,
    statements: dict[str, int],
    levels: list[int],
    cells: list[dict[str, Any]],
    peak: dict[str, int],
) -> Path:
    """Write the results so far (after every operation, so that an interrupted run keeps them)."""
    report = {
        "scale": args.scale,
        "label": args.label,
        "members": ctx["counts"]["member"],
        "counts": ctx["counts"],
        "seed_seconds": seed_seconds,
        "planning": planning,
        "statements_per_request": statements,
        "peak_rss_mb": {k: round(v / 2**20, 1) for k, v in peak.items()},
        "machine": _machine(),
        "settings": {"seconds": args.seconds, "rounds": args.rounds, "concurrency": levels},
        "cells": cells,
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    target = RESULTS_DIR / f"{args.scale}{'-' + args.label if args.label else ''}.json"
    if target.exists():
        # A run of some operations replaces their cells and keeps the others' from earlier runs.
        measured = {(c["operation"], c["system"], c["concurrency"]) for c in cells}
        earlier = json.loads(target.read_text())
        kept = [c for c in earlier["cells"] if (c["operation"], c["system"], c["concurrency"]) not in measured]
        report["cells"] = kept + cells
        report["statements_per_request"] = {**earlier.get("statements_per_request", {}), **statements}
        report["peak_rss_mb"] = {**earlier.get("peak_rss_mb", {}), **report["peak_rss_mb"]}
        report["seed_seconds"] = seed_seconds or earlier.get("seed_seconds")
        report["planning"] = planning or earlier.get("planning")
    target.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    from bench.report import write_markdown

    write_markdown()
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default="S")
    parser.add_argument("--server", default=os.environ.get("BENCH_DATABASE_SERVER", LOCAL_SERVER))
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per cell (after 1 s warm-up)")
    parser.add_argument("--rounds", type=int, default=2, help="A B A B rounds per cell; medians are reported")
    parser.add_argument("--concurrency", default="1,16,64")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--systems", default="ours,postgraphile,floor")
    parser.add_argument("--operations", default=",".join(op.name for op in operations.OPERATIONS))
    parser.add_argument("--fresh", action="store_true", help="drop and re-seed the scale's database")
    parser.add_argument(
        "--no-planning", dest="planning", action="store_false", help="skip timing call planning for all members"
    )
    parser.add_argument("--label", default="", help="results file bench/results/<scale>[-<label>].json")
    args = parser.parse_args()

    url, seeded = asyncio.run(_prepare_database(args.server, args.scale, args.fresh))
    seed_seconds = seeded.seconds if seeded else None
    ctx = asyncio.run(pick(url))
    statements = asyncio.run(_statements_per_request(url, ctx))
    planning = asyncio.run(_time_planning(url)) if args.planning else None
    if planning is not None and seeded is not None:
        # The seed plans the first week into empty calendars: the figure with capacity still free.
        planning |= {"first_run_seconds": seeded.plan_seconds, "first_run_created": seeded.planned}
    levels = [int(c) for c in args.concurrency.split(",")]
    systems = args.systems.split(",")
    chosen = [operations.BY_NAME[name] for name in args.operations.split(",")]
    cells: list[dict[str, Any]] = []
    peak: dict[str, int] = {}
    peers: list[Server] = []
    if "postgraphile" in systems:
        peers.append(_postgraphile(url))
    if "floor" in systems:
        peers.append(_floor(url))
    for peer in peers:
        peer.start()
    try:
        for workers in [int(w) for w in args.workers.split(",")]:
            with _running(_ours(url, workers)) as ours:
                headers = {"ours": _login(ours)}
                contenders = [ours, *peers]
                for op in chosen:
                    for concurrency in levels:
                        runs: dict[str, list[dict[str, Any]]] = {}
                        for _ in range(args.rounds):
                            for server in contenders:  # A B A B: the noisy machine hits every system alike
                                if server is not ours and not _serves(server, op):
                                    continue
                                if server in peers and workers != 1:
                                    continue  # peers measured once, beside one worker
                                target, bodies = _bodies(server, op, ctx, 20_000 if op.kind == "write" else 1)
                                result = _drive(
                                    server,
                                    target,
                                    bodies,
                                    headers.get(server.name.split("/")[0], {}),
                                    concurrency,
                                    args.seconds,
                                )
                                runs.setdefault(server.name, []).append(result)
                                if op.kind == "write":
                                    _issued[op.name] = _issued.get(op.name, 0) + result["served"]
                                _show(op, concurrency, server, result)
                        for name, results in runs.items():
                            cells.append(
                                {
                                    "operation": op.name,
                                    "kind": op.kind,
                                    "system": name,
                                    "concurrency": concurrency,
                                    "throughput": statistics.median(r["throughput"] for r in results),
                                    "p50_ms": statistics.median(r["p50_ms"] for r in results),
                                    "p99_ms": statistics.median(r["p99_ms"] for r in results),
                                    "server_cpu_ms": statistics.median(r["server_cpu_ms_per_request"] for r in results),
                                    "errors": sum(r["errors"] for r in results),
                                    "sample_error": next((r["sample_error"] for r in results if r["sample_error"]), ""),
                                }
                            )
                    peak[ours.name] = ours.peak_rss
                    _save(args, ctx, seed_seconds, planning, statements, levels, cells, peak)
            peak[ours.name] = ours.peak_rss
    finally:
        for peer in peers:
            peer.stop()
            peak[peer.name] = peer.peak_rss
    target = _save(args, ctx, seed_seconds, planning, statements, levels, cells, peak)
    print(f"wrote {target} and bench/RESULTS.md")


if __name__ == "__main__":
    main()

"""Self-check of the benchmark's peers: both answer every read, and answer it with our API's rows.

Starts the floor and PostGraphile on free loopback ports, runs each of the six reads that have
peers once with parameters picked from the database, prints the response sizes and the first
keys, and stops them. Then it checks that the answers carry the same data as our API's:

- the floor against our API run in-process (as an admin, the harness's sign-in): the whole
  `data`, cursors included, once our global IDs are decoded to the plain integers the floor sends;
- PostGraphile against the floor: the ids, order, counts and nesting of each answer (its field
  names and shapes differ by design, see bench/postgraphile/NOTES.md); for EnrolmentProgress also
  each target's history and the statuses a client derives from PostGraphile's inputs.

    python -m bench.check_peers --dsn postgresql://postgres@127.0.0.1:5432/crm_bench_dev
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import orjson

from bench import postgraphile, postgraphile_ops
from bench.context import pick
from bench.operations import OPERATIONS

ROOT = Path(__file__).resolve().parent.parent
BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
OURS = ROOT / "schema" / "operations"
DOCUMENT_PATHS = {
    "CallbackAgenda": "web/CallbackAgenda.graphql",
    "MemberPage": "web/MemberPage.graphql",
    "MemberProfile": "web/MemberProfile.graphql",
    "EnrolmentProgress": "web/EnrolmentProgress.graphql",
    "Segment": "marketing/Segment.graphql",
    "StoreExport": "marketing/StoreExport.graphql",
}
Json = dict[str, Any]


# --- parameters -------------------------------------------------------------------------------


async def pick_params(dsn: str) -> dict[str, Json]:
    """Parameters for each read with peers, as the benchmark draws them: the busiest rows of the seed.

    The other reads of bench/operations.py (TargetLeaderboard, MemberLookup, FeedbackList...) run
    against our API only: there is nothing to compare them with.
    """
    ctx = await pick(dsn, for_writes=False)
    return {op.name: op.params(ctx, 0) for op in OPERATIONS if op.kind == "read" and op.name in DOCUMENT_PATHS}


# --- servers --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(process: subprocess.Popen[bytes], ready: Callable[[], bool], name: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if ready():
                return
        time.sleep(0.3)
    raise RuntimeError(f"{name} did not start within {seconds} s")


@contextlib.contextmanager
def serving(name: str, command: list[str], ready: Callable[[], bool]) -> Iterator[None]:
    """Run a server for the duration of the block; stop it (this process only) afterwards."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)  # noqa: S603
    try:
        _wait(process, ready, name)
        yield
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- our API, in-process ----------------------------------------------------------------------


def _our_variables(name: str, p: Json) -> Json:
    """Our API's variables for the same parameters (global IDs), as bench/operations.py sends them."""
    from crm.ids import to_global_id

    if name == "CallbackAgenda":
        return {"assigneeId": to_global_id("Staff", p["assignee_id"]), "dueTo": p["due_to"], "first": p["first"]}
    if name == "MemberPage":
        return {"filter": {"storeId": to_global_id("Store", p["store_id"])}, "first": p["first"]}
    if name == "MemberProfile":
        return {"id": to_global_id("Member", p["member_id"])}
    if name == "EnrolmentProgress":
        return {"month": p["month"], "scope": "STORE", "first": p["first"]}
    if name == "Segment":
        return {"tier": p["tier"], "lastVisitBefore": p["last_visit_before"], "first": p["first"]}
    return {"first": p["first"], "members": p["members"]}


async def ours(dsn: str, params: dict[str, Json]) -> dict[str, Json]:
    """Our API's `data` for each read, executed in-process as an admin (no token, nothing written)."""
    from sqlalchemy import text

    from crm.auth.actor import Actor
    from crm.config import Settings
    from crm.db import make_engine, make_sessionmaker
    from crm.enums import Role
    from crm.graphql.context import Context
    from crm.graphql.schema import schema

    engine = make_engine(Settings(database_url=dsn, debug=False), dsn)
    answers: dict[str, Json] = {}
    try:
        async with make_sessionmaker(engine)() as session:
            admin = await session.scalar(text("SELECT id FROM staff WHERE role = 'ADMIN' ORDER BY id LIMIT 1"))
            actor = Actor(staff_id=admin, role=Role.ADMIN, store_id=None, region=None, token_id=0)
            for name, p in params.items():
                query = (OURS / DOCUMENT_PATHS[name]).read_text(encoding="utf-8")
                context = Context(session=session, actor=actor)
                result = await schema.execute(query, variable_values=_our_variables(name, p), context_value=context)
                if result.errors:
                    raise RuntimeError(f"our API failed {name}: {result.errors}")
                answers[name] = orjson.loads(orjson.dumps(result.data))
    finally:
        await engine.dispose()
    return answers


def _plain_ids(value: Any) -> Any:
    """Our answer with every global ID ("TWVtYmVyOjE") turned into its integer key, as the floor sends them."""
    from crm.ids import from_global_id

    if isinstance(value, dict):
        return {
            k: from_global_id(v)[1] if k == "id" and isinstance(v, str) else _plain_ids(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_plain_ids(v) for v in value]
    return value


def _first_difference(a: Any, b: Any, path: str = "data") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(a)} != {list(b)}"
        for k in a:
            found = _first_difference(a[k], b[k], f"{path}.{k}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


# --- the same rows, whatever the shape ---------------------------------------------------------


def _ints(nodes: list[Json], key: str = "id") -> list[int]:
    return [int(n[key]) for n in nodes]


def floor_digest(name: str, data: Json) -> Any:
    """The ids, order and counts an answer carries (the floor's field names)."""
    if name == "CallbackAgenda":
        c = data["callbacks"]
        out = []
        for e in c["edges"]:
            m = e["node"]["member"]
            out.append((e["node"]["id"], m["id"] if m else None, len(m["openFeedback"]) if m else 0))
        return c["totalCount"], out
    if name in ("MemberPage", "Segment"):
        m = data["members"]
        return (
            m["totalCount"],
            [e["node"]["id"] for e in m["edges"]],
            [_ints(e["node"].get("recentVisits", [])) for e in m["edges"]],
        )
    if name == "MemberProfile":
        n = data["node"]
        return (
            n["id"],
            _ints(n["recentVisits"]),
            _ints(n["openCallbacks"]),
            [(f["id"], len(f["events"])) for f in n["openFeedback"]],
        )
    if name == "EnrolmentProgress":
        t = data["enrolmentTargets"]
        return t["totalCount"], [
            (
                e["node"]["id"],
                e["node"]["enrolledCount"],
                e["node"]["status"],
                [(h["month"], h["targetCount"], h["enrolledCount"], h["status"]) for h in e["node"]["history"]],
            )
            for e in t["edges"]
        ]
    s = data["stores"]
    return s["totalCount"], [
        (
            e["node"]["id"],
            [(m["id"], _ints(m["recentVisits"]), _ints(m["openCallbacks"])) for m in e["node"]["members"]],
        )
        for e in s["edges"]
    ]


def _target_digest(node: Json) -> Any:
    """A PostGraphile target as the floor's digest has it: the statuses derived on the client from the inputs."""
    from crm.targets import pacing

    today = dt.datetime.now(BUSINESS_TZ).date()
    month = dt.date.fromisoformat(node["month"])
    store = node["storeByStoreId"]
    enrolled = store["enrolled"]["totalCount"]
    targets = {dt.date.fromisoformat(h["month"]): h["targetCount"] for h in store["history"]["nodes"]}
    history = []
    for k in range(postgraphile_ops.HISTORY_MONTHS, 0, -1):
        past = postgraphile_ops.add_months(month, -k)
        target, count = targets.get(past), store[f"enrolledMinus{k}"]["totalCount"]
        status = None if target is None else pacing.status(today, past, target, count).value
        history.append((f"{past.year:04d}-{past.month:02d}", target, count, status))
    status = pacing.status(today, month, node["targetCount"], enrolled).value
    return int(node["id"]), enrolled, status, history


def postgraphile_digest(name: str, data: Json) -> Any:
    """The same digest from PostGraphile's answer (its names, BigInt ids as strings)."""
    if name == "CallbackAgenda":
        c = data["allCallbacks"]
        out = []
        for e in c["edges"]:
            m = e["node"]["memberByMemberId"]
            out.append(
                (int(e["node"]["id"]), int(m["id"]) if m else None, len(m["feedbacksByMemberId"]["nodes"]) if m else 0)
            )
        return c["totalCount"], out
    if name in ("MemberPage", "Segment"):
        m = data["allMembers"]
        return (
            m["totalCount"],
            _ints([e["node"] for e in m["edges"]]),
            [
                _ints(e["node"]["visitsByMemberId"]["nodes"]) if "visitsByMemberId" in e["node"] else []
                for e in m["edges"]
            ],
        )
    if name == "MemberProfile":
        n = data["memberById"]
        return (
            int(n["id"]),
            _ints(n["visitsByMemberId"]["nodes"]),
            _ints(n["callbacksByMemberId"]["nodes"]),
            [(int(f["id"]), len(f["feedbackEventsByFeedbackId"]["nodes"])) for f in n["feedbacksByMemberId"]["nodes"]],
        )
    if name == "EnrolmentProgress":
        t = data["allEnrolmentTargets"]
        return t["totalCount"], [_target_digest(e["node"]) for e in t["edges"]]
    s = data["allStores"]
    return s["totalCount"], [
        (
            int(e["node"]["id"]),
            [
                (int(m["id"]), _ints(m["visitsByMemberId"]["nodes"]), _ints(m["callbacksByMemberId"]["nodes"]))
                for m in e["node"]["membersByHomeStoreId"]["nodes"]
            ],
        )
        for e in s["edges"]
    ]


# --- the check --------------------------------------------------------------------------------


def _keys(data: Json) -> str:
    """The root field, its keys and the first keys of its first item: enough to eyeball the shape."""
    root, value = next(iter(data.items()))
    if value is None:
        return f"{root}: null"
    shown = f"{root}{{{', '.join(value)}}}"
    first = value.get("edges", value.get("nodes")) if isinstance(value, dict) else None
    if first:
        item = first[0].get("node", first[0])
        shown += f" node{{{', '.join(list(item)[:6])}, ...}}"
    return shown


def main(argv: list[str] | None = None) -> int:
    """Run the check; exit 1 on any error or mismatch."""
    parser = argparse.ArgumentParser(prog="python -m bench.check_peers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn", required=True, help="postgresql:// URL of a seeded database")
    parser.add_argument("--no-ours", action="store_true", help="skip the in-process comparison with our API")
    args = parser.parse_args(argv)

    params = asyncio.run(pick_params(args.dsn))
    print("parameters:", orjson.dumps(params).decode())
    postgraphile.install()
    floor_port, pg_port = _free_port(), _free_port()
    floor_url, pg_url = f"http://127.0.0.1:{floor_port}", f"http://127.0.0.1:{pg_port}/graphql"
    floor_cmd = [sys.executable, "-m", "bench.floor", "--dsn", args.dsn, "--port", str(floor_port)]
    answers: dict[str, dict[str, Json]] = {"floor": {}, "postgraphile": {}}
    failures: list[str] = []
    with (
        httpx.Client(timeout=60) as client,
        serving("floor", floor_cmd, lambda: client.get(f"{floor_url}/healthz").status_code == 200),
        serving(
            "postgraphile",
            postgraphile.command(args.dsn, pg_port),
            lambda: client.post(pg_url, json={"query": "{ __typename }"}).status_code == 200,
        ),
    ):
        print(f"{'operation':<18} {'system':<13} {'bytes':>8}  keys")
        for name, p in params.items():
            bodies = {
                "floor": (f"{floor_url}/op/{name}", p),
                "postgraphile": (
                    pg_url,
                    {"query": postgraphile_ops.DOCUMENTS[name], "variables": postgraphile_ops.variables(name, p)},
                ),
            }
            for system, (url, body) in bodies.items():
                response = client.post(url, json=body)
                payload = response.json()
                if response.status_code != 200 or payload.get("errors") or not payload.get("data"):
                    failures.append(f"{name} on {system}: HTTP {response.status_code} {response.text[:300]}")
                    continue
                answers[system][name] = payload["data"]
                print(f"{name:<18} {system:<13} {len(response.content):>8}  {_keys(payload['data'])}")

    for name in params:
        if name in answers["floor"] and name in answers["postgraphile"]:
            mine = floor_digest(name, answers["floor"][name])
            theirs = postgraphile_digest(name, answers["postgraphile"][name])
            if mine != theirs:
                failures.append(f"{name}: PostGraphile's rows differ from the floor's")
            else:
                print(f"{name}: PostGraphile returns the floor's rows, in the same order")
    if not args.no_ours:
        mine_all = asyncio.run(ours(args.dsn, params))
        for name, data in mine_all.items():
            if name not in answers["floor"]:
                continue
            difference = _first_difference(_plain_ids(data), answers["floor"][name])
            if difference:
                failures.append(f"{name}: the floor differs from our API at {difference}")
            else:
                print(f"{name}: the floor's data equals our API's (IDs as integers)")
        page = mine_all.get("MemberPage")
        if page is not None:
            ids = [e["node"]["id"] for e in _plain_ids(page)["members"]["edges"]]
            print(f"MemberPage member ids (ours = floor): {ids[:8]} ... ({len(ids)})")
    for failure in failures:
        print("FAIL", failure)
    print("ok" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

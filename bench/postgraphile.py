"""PostGraphile v4 as a benchmark peer: installed from the committed lock file, started through its own CLI.

The versions are pinned in bench/postgraphile/package.json and package-lock.json (postgraphile
and graphile-utils by Graphile, postgraphile-plugin-connection-filter by graphile-contrib); see
bench/postgraphile/NOTES.md for why each flag is there and where its schema differs from ours.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent / "postgraphile"
CLI = ROOT / "node_modules" / "postgraphile" / "cli.js"
# Range filters (dueOn <=, lastVisitAt <, enrolledAt in a month, status not in) come from the
# connection-filter plugin; the nulls-last order for Segment from our five-line plugin file.
PLUGINS = ("postgraphile-plugin-connection-filter", str(ROOT / "nulls-last-order.js"))
POOL_SIZE = 20  # as bench/run.py gives our API (CRM_POOL_SIZE) and bench/floor.py the floor


def install() -> None:
    """Install the locked packages with `npm ci` unless they are there already."""
    if CLI.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("PostGraphile needs Node.js and npm on PATH")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True)  # noqa: S603


def _utc(dsn: str) -> str:
    """The DSN with the session time zone pinned to UTC, as our API and the floor set it."""
    if "options=" in dsn:
        return dsn
    return f"{dsn}{'&' if '?' in dsn else '?'}options={quote('-c TimeZone=UTC')}"


def command(dsn: str, port: int) -> list[str]:
    """The command line that serves `dsn` on 127.0.0.1:`port` at /graphql (one Node process)."""
    node = shutil.which("node") or "node"
    return [
        node,
        str(CLI),
        "--connection",
        _utc(dsn),
        "--schema",
        "public",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--max-pool-size",
        str(POOL_SIZE),
        "--dynamic-json",  # jsonb as JSON values (preferences, items), not strings
        "--disable-query-log",
        "--disable-graphiql",
        "--disable-default-mutations",  # reads only: no CRUD mutations over auth tables on the bench port
        "--append-plugins",
        ",".join(PLUGINS),
    ]

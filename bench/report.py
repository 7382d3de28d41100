"""Render bench/results/*.json as bench/RESULTS.md."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from crm.config import PROJECT_ROOT

RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
MARKDOWN = PROJECT_ROOT / "bench" / "RESULTS.md"


def _load() -> list[dict[str, Any]]:
    order = {"S": 0, "M": 1, "L": 2}
    reports = [json.loads(p.read_text()) for p in RESULTS_DIR.glob("*.json")]
    return sorted(reports, key=lambda r: (order.get(r["scale"], 9), r.get("label", "")))


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a and b else "–"


def _scale_section(report: dict[str, Any]) -> list[str]:
    m = report["machine"]
    lines = [
        f"## Scale {report['scale']}: {report['members']:,} members"
        + (f" ({report['label']})" if report.get("label") else ""),
        "",
        f"Rows: {', '.join(f'{k} {v:,}' for k, v in report['counts'].items())}. "
        + (f"Seeded in {report['seed_seconds']:.1f} s. " if report.get("seed_seconds") else "")
        + (
            f"Planning the coming {report['planning']['days']} days of calls for every member and dealer (every"
            f" policy, a preview): {report['planning']['seconds']:.2f} s; {report['planning']['created']:,} calls fit"
            f" people's capacity, {report['planning']['deferred']:,} deferred,"
            f" {report['planning']['already_planned']:,} already planned"
            + (
                f" (the seed's first run, into free calendars: {report['planning']['first_run_seconds']:.2f} s for"
                f" {report['planning']['first_run_created']:,} calls)"
                if report["planning"].get("first_run_seconds") is not None
                else ""
            )
            + ". "
            if report.get("planning")
            else ""
        )
        + f"Measured {m['date']} on {m['cores']} cores / {m['memory_gb']} GB, Python {m['python']}; "
        f"{report['settings']['seconds']:g} s per cell after 1 s warm-up, {report['settings']['rounds']} rounds"
        " alternating the systems, medians.",
        "",
        "Throughput in requests/s, latency in ms, server CPU in ms per request. `ours/1w` is our API on one"
        " uvicorn worker, `ours/2w` on two; ratios are ours/1w throughput over the peer's (>= 1.0: we serve more).",
        "",
        "| operation | clients | system | req/s | p50 | p99 | CPU/req | errors |",
        "| --- | --: | --- | --: | --: | --: | --: | --: |",
    ]
    by_cell: dict[tuple[str, int], dict[str, dict[str, Any]]] = defaultdict(dict)
    for cell in report["cells"]:
        by_cell[(cell["operation"], cell["concurrency"])][cell["system"]] = cell
    ratios = []
    for (operation, concurrency), systems in by_cell.items():
        for name in ("ours/1w", "ours/2w", "postgraphile", "floor"):
            c = systems.get(name)
            if c is None:
                continue
            figures = f"{c['throughput']:.0f} | {c['p50_ms']:.1f} | {c['p99_ms']:.1f} | {c['server_cpu_ms']:.2f}"
            lines.append(f"| {operation} | {concurrency} | {name} | {figures} | {c['errors']} |")
        ours, pg, floor = (systems.get(n, {}) for n in ("ours/1w", "postgraphile", "floor"))
        versus = (
            f"{_ratio(ours.get('throughput'), pg.get('throughput'))}"
            f" | {_ratio(ours.get('throughput'), floor.get('throughput'))}"
            f" | {_ratio(ours.get('server_cpu_ms'), pg.get('server_cpu_ms'))}"
        )
        if pg or floor:
            ratios.append(f"| {operation} | {concurrency} | {versus} |")
    lines += [
        "",
        "Ratios (throughput ours/1w ÷ peer; CPU ours/1w ÷ PostGraphile, lower is better):",
        "",
        "| operation | clients | vs PostGraphile | vs floor | CPU vs PostGraphile |",
        "| --- | --: | --: | --: | --: |",
        *ratios,
        "",
        "SQL statements per request (our API, sign-in lookup included): "
        + ", ".join(f"{k} {v}" for k, v in report["statements_per_request"].items())
        + ".",
        "",
        "Peak server memory (RSS, all processes): "
        + ", ".join(f"{k} {v} MB" for k, v in report["peak_rss_mb"].items())
        + ".",
        "",
    ]
    return lines


def _growth(reports: list[dict[str, Any]]) -> list[str]:
    by_scale = {r["scale"]: r for r in reports if not r.get("label")}
    if not {"S", "M"} <= by_scale.keys():
        return []
    lines = [
        "## From S to M",
        "",
        "Our API on one worker at 16 clients: does an operation's cost follow the page size or the table size?",
        "",
        "| operation | p50 S | p50 M | req/s S | req/s M |",
        "| --- | --: | --: | --: | --: |",
    ]

    def cell(r: dict[str, Any], op: str) -> dict[str, Any]:
        return next(
            (c for c in r["cells"] if c["operation"] == op and c["system"] == "ours/1w" and c["concurrency"] == 16), {}
        )

    for op in dict.fromkeys(c["operation"] for c in by_scale["S"]["cells"]):
        s, m = cell(by_scale["S"], op), cell(by_scale["M"], op)
        if s and m:
            lines.append(
                f"| {op} | {s['p50_ms']:.1f} | {m['p50_ms']:.1f} | {s['throughput']:.0f} | {m['throughput']:.0f} |"
            )
    return [*lines, ""]


def write_markdown() -> None:
    """Write bench/RESULTS.md from every results file."""
    reports = _load()
    lines = [
        "# Benchmark results",
        "",
        "Produced by `uv run python -m bench.run --scale S` (and `--scale M`); see bench/README.md for what is",
        "measured and how. The machine is shared and noisy: read the ratios measured in the same run.",
        "",
    ]
    for report in reports:
        lines += _scale_section(report)
    lines += _growth(reports)
    MARKDOWN.write_text("\n".join(lines))


if __name__ == "__main__":
    write_markdown()

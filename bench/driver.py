"""Load driver: a separate process posting bodies to one URL at a fixed concurrency for a bounded time.

Run by bench/run.py as `python -m bench.driver SPEC.json`; prints one JSON line of results.
Loopback only: the URL must be on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import time
from typing import Any

import httpx
import orjson


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _failed(response: httpx.Response) -> bool:
    """A refused request: an HTTP error, GraphQL errors, or a mutation's non-empty userErrors."""
    body = response.content
    if response.status_code != 200 or b'"errors":' in body:
        return True
    return b'"userErrors":[' in body and b'"userErrors":[]' not in body


async def drive(spec: dict[str, Any]) -> dict[str, Any]:
    """Post the spec's bodies round-robin from `concurrency` clients for `seconds` after a warm-up."""
    url: str = spec["url"]
    if not url.startswith("http://127.0.0.1:"):
        raise SystemExit("the driver only talks to 127.0.0.1")
    bodies: list[bytes] = [orjson.dumps(b) for b in spec["bodies"]]
    concurrency: int = spec["concurrency"]
    headers = {"content-type": "application/json", **spec.get("headers", {})}
    latencies: list[float] = []
    errors = 0
    served = 0
    sample_error = ""
    counter = 0
    in_window = 0
    last_done = 0.0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # A request not answered in 30 s counts as failed: an overloaded server cannot stall the run.
    async with httpx.AsyncClient(limits=limits, timeout=30, headers=headers) as client:
        window_start = time.perf_counter() + spec.get("warmup", 1.0)
        deadline = window_start + spec["seconds"]

        enough = 2 * concurrency  # a slow operation still gets this many measured requests

        async def worker() -> None:
            # Requests started inside the window count, and the window lasts until the last of
            # them is answered: a slow operation is measured, not cut off.
            nonlocal counter, in_window, errors, served, sample_error, last_done
            while (started := time.perf_counter()) < deadline or (started >= window_start and in_window < enough):
                body = bodies[counter % len(bodies)]
                counter += 1
                in_window += started >= window_start
                try:
                    response = await client.post(url, content=body)
                    failed = _failed(response)
                    message = response.text[:300] if failed else ""
                except httpx.HTTPError as exc:
                    failed, message = True, f"{type(exc).__name__}: {exc}"
                done = time.perf_counter()
                served += 1
                if started < window_start:
                    continue
                latencies.append(done - started)
                last_done = max(last_done, done)
                if failed:
                    errors += 1
                    sample_error = sample_error or message

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = last_done - window_start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "requests": len(latencies),
        "served": served,
        "errors": errors,
        "sample_error": sample_error,
        "throughput": len(latencies) / wall if wall > 0 else 0.0,
        "p50_ms": _percentile(latencies, 0.50) * 1000,
        "p99_ms": _percentile(latencies, 0.99) * 1000,
        "driver_cpu_s": usage.ru_utime + usage.ru_stime,
        "wall_s": wall,
    }


def main() -> None:
    spec = orjson.loads(open(sys.argv[1], "rb").read())  # noqa: SIM115
    print(orjson.dumps(asyncio.run(drive(spec))).decode())


if __name__ == "__main__":
    main()

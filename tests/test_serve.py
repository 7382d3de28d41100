"""The first README command's path: `crm serve --demo` on the embedded PostgreSQL, stopped by a signal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from crm.config import PROJECT_ROOT
from crm.seed import DEMO_PASSWORD


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("server did not become healthy")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_demo_on_embedded_postgres_and_stop(tmp_path: Path, stop_signal: signal.Signals) -> None:
    # given: no DATABASE_URL, a data folder of its own, a free port
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(CRM_DATA_DIR=str(tmp_path / "data"), CRM_PORT=str(port))
    proc = subprocess.Popen(
        [sys.executable, "-m", "crm.cli", "serve", "--demo", "--members", "200"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # when
        _wait_healthy(f"http://127.0.0.1:{port}/healthz", proc, seconds=120)
        url = f"http://127.0.0.1:{port}/graphql"
        query = {
            "query": "{ members(first: 5) { totalCount edges { node { name phone store { name dealer { name } } } } } }"
        }
        anonymous = httpx.post(url, json=query, timeout=10)
        login = httpx.post(
            url,
            json={
                "query": "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token } }",
                "variables": {"u": "vip.east", "p": DEMO_PASSWORD},
            },
            timeout=10,
        )
        token = login.json()["data"]["login"]["token"]
        response = httpx.post(url, json=query, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        # then: a demo user signs in and the demo data of their region answers; nothing without signing in
        assert anonymous.status_code == 401
        data = response.json()["data"]["members"]
        assert 0 < data["totalCount"] < 200  # vip.east sees the members of the EAST region's stores
        assert len(data["edges"]) == 5
        assert all(e["node"]["store"]["name"] for e in data["edges"])
    finally:
        proc.send_signal(stop_signal)
        output = proc.communicate(timeout=60)[0].decode(errors="replace")
    # then: the embedded database was stopped with the server
    assert not (tmp_path / "data" / "pg" / "postmaster.pid").exists(), output
    assert "embedded PostgreSQL stopped" in output

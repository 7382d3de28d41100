"""The `crm` command's account and permission helpers."""

from __future__ import annotations

import os
import subprocess
import sys

import asyncpg

from crm.auth.passwords import verify
from crm.auth.permissions import render_markdown
from crm.config import PROJECT_ROOT


def _crm(args: list[str], url: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "crm.cli", *args],
        input=stdin,
        text=True,
        capture_output=True,
        env=env,
        cwd=PROJECT_ROOT,
        check=False,
    )


async def test_create_user_makes_an_account_that_can_sign_in(fresh_db_url: str) -> None:
    # when
    created = _crm(["create-user", "boss", "--role", "ADMIN", "--password-stdin"], fresh_db_url, "a-long-password-1\n")
    duplicate = _crm(["create-user", "boss", "--password-stdin"], fresh_db_url, "a-long-password-1\n")
    weak = _crm(["create-user", "weakling", "--password-stdin"], fresh_db_url, "short\n")
    # then
    assert created.returncode == 0, created.stderr
    assert duplicate.returncode == 1 and "taken" in duplicate.stderr
    assert weak.returncode == 1 and "at least 10 characters" in weak.stderr
    conn = await asyncpg.connect(fresh_db_url)
    try:
        rows = await conn.fetch("SELECT username, role, password_hash FROM staff")
        audited = await conn.fetchval("SELECT count(*) FROM audit_event WHERE action = 'staffCreate'")
    finally:
        await conn.close()
    assert [(r["username"], r["role"]) for r in rows] == [("boss", "ADMIN")]
    assert verify(rows[0]["password_hash"], "a-long-password-1")
    assert audited == 1


def test_permissions_prints_the_matrix(fresh_db_url: str) -> None:
    # when
    printed = _crm(["permissions"], fresh_db_url)
    # then
    assert printed.returncode == 0
    assert printed.stdout == render_markdown()

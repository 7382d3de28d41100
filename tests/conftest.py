"""Test fixtures: a real PostgreSQL, a fresh database per run, a rolled-back transaction per test."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from crm.app import create_app
from crm.auth.models import AuthToken
from crm.auth.service import new_token
from crm.config import PROJECT_ROOT, Settings, async_url
from crm.db import SerialSession, make_sessionmaker
from crm.enums import Role, TokenKind
from crm.migrate import upgrade
from crm.staff.models import Staff
from tests.builders import make_staff


def _server_url() -> Iterator[str]:
    """Yield a URL of a server to create test databases on (its maintenance database)."""
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        yield explicit
        return
    local = "postgresql://postgres@127.0.0.1:5432/postgres"

    async def answers() -> bool:
        try:
            conn = await asyncpg.connect(local, timeout=3)
        except (OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    # CRM_TEST_SERVER=embedded skips the local server (to try what a newcomer's machine does).
    if os.environ.get("CRM_TEST_SERVER") != "embedded" and asyncio.run(answers()):
        yield local
        return
    from crm.embedded import EmbeddedPostgres

    embedded = EmbeddedPostgres(PROJECT_ROOT / ".crm-data" / "test")
    url = embedded.start()
    try:
        yield url.replace("/crm?", "/postgres?")
    finally:
        embedded.stop()


def _with_database(url: str, name: str) -> str:
    """Return `url` pointing at database `name` (keeps ?host= for unix sockets)."""
    head, sep, query = url.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}{sep}{query}"


async def _create_db(server: str, name: str) -> None:
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_db(server: str, name: str) -> None:
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    gen = _server_url()
    url = next(gen)
    yield url
    for _ in gen:
        pass


def _fresh(server: str) -> tuple[str, str]:
    name = f"crm_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_create_db(server, name))
    return name, _with_database(server, name)


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """A database made for this run and migrated to head; dropped at the end."""
    name, url = _fresh(server_url)
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(_drop_db(server_url, name))


@pytest.fixture
def fresh_db_url(server_url: str) -> Iterator[str]:
    """A fresh, migrated, empty database for one test (seed, migrations)."""
    name, url = _fresh(server_url)
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(_drop_db(server_url, name))


@pytest.fixture
def empty_db_url(server_url: str) -> Iterator[str]:
    """A fresh database with no schema at all."""
    name, url = _fresh(server_url)
    try:
        yield url
    finally:
        asyncio.run(_drop_db(server_url, name))


@dataclass
class StatementCounter:
    """Counts SQL statements sent by the engine while `active`."""

    active: bool = False
    statements: list[str] = field(default_factory=list)

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.active and not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_async_engine(
        async_url(database_url), pool_size=5, connect_args={"server_settings": {"timezone": "UTC"}}
    )
    yield eng
    await eng.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside a transaction that is rolled back after the test."""
    async with engine.connect() as conn:
        trans = await conn.begin()
        try:
            yield conn
        finally:
            await trans.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> Any:
    # Sessions join the test's transaction; their commits release savepoints only.
    return make_sessionmaker(connection, join_transaction_mode="create_savepoint")


@pytest.fixture
async def session(sessionmaker: Any) -> AsyncIterator[SerialSession]:
    async with sessionmaker() as s:
        yield s


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(engine.sync_engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine.sync_engine, "before_cursor_execute", counter)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--engine",
        choices=("on", "off"),
        default=os.environ.get("CRM_TEST_ENGINE", "on"),
        help="run the API with compiled execution on (default) or off (graphql-core executes every field)",
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"compiled execution: {config.getoption('--engine')}"


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    from crm.graphql.schema import schema

    stats = schema.execution_context_class.stats  # type: ignore[attr-defined]
    terminalreporter.write_line(
        f"compiled execution: {stats.compiled} operations from plans, {stats.compilations} plans built,"
        f" fallbacks to graphql-core {dict(stats.fallbacks)}"
    )


@pytest.fixture
def settings(request: pytest.FixtureRequest) -> Settings:
    return Settings(database_url=None, debug=True, compiled_execution=request.config.getoption("--engine") == "on")


async def bearer_for(session: SerialSession, staff: Staff) -> dict[str, str]:
    """Sign a staff member in (a session token in the test's transaction); return the header."""
    raw, digest = new_token()
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    session.add(AuthToken(token_hash=digest, staff_id=staff.id, kind=TokenKind.SESSION, expires_at=expires))
    await session.flush()
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
async def admin(session: SerialSession) -> Staff:
    """The admin most API tests act as."""
    return await make_staff(session, Role.ADMIN, username="test.admin")


@pytest.fixture
async def client(
    settings: Settings, sessionmaker: Any, session: SerialSession, admin: Staff
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client signed in as the admin."""
    app = create_app(settings, sessionmaker=sessionmaker)
    transport = httpx.ASGITransport(app=app)
    headers = await bearer_for(session, admin)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as c:
        yield c


class GraphQLClient:
    """Posts GraphQL documents and returns the decoded response."""

    def __init__(self, http: httpx.AsyncClient, headers: dict[str, str] | None = None) -> None:
        self.http = http
        self.headers = headers

    async def raw(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables}, headers=self.headers)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run a document that must succeed; return its data."""
        result = await self.raw(query, variables)
        assert "errors" not in result, result["errors"]
        data: dict[str, Any] = result["data"]
        return data


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQLClient:
    """GraphQL as the admin."""
    return GraphQLClient(client)


@pytest.fixture
def gql_as(client: httpx.AsyncClient, session: SerialSession) -> Callable[..., Awaitable[GraphQLClient]]:
    """Make a GraphQL client acting as a new staff member: `await gql_as(Role.MARKETING, store=...)`."""

    async def make(role: Role, **kw: Any) -> GraphQLClient:
        staff = kw.pop("staff", None) or await make_staff(session, role, **kw)
        return GraphQLClient(client, await bearer_for(session, staff))

    return make

"""The `crm` command: serve, migrate, seed, export-schema, create-user, permissions."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
import time
from pathlib import Path

from crm.config import PROJECT_ROOT, Settings
from crm.embedded import EmbeddedPostgres

SCHEMA_PATH = PROJECT_ROOT / "schema" / "schema.graphql"


class Database:
    """The database to use: DATABASE_URL, or the embedded server in the data folder."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.embedded: EmbeddedPostgres | None = None
        self.url = settings.database_url

    def __enter__(self) -> Database:
        if self.url is None:
            self.embedded = EmbeddedPostgres(self.settings.data_dir)
            self.url = self.embedded.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the embedded server, if one was started."""
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None


def _seed(url: str, members: int, reset: bool, only_if_empty: bool) -> None:
    from crm.seed import SeedError, seed

    try:
        report = asyncio.run(seed(url, members=members, reset=reset))
    except SeedError as exc:
        if only_if_empty:
            print("demo data already present; not seeding again", file=sys.stderr)
            return
        raise SystemExit(f"seed: {exc}") from exc
    total = ", ".join(f"{name} {count}" for name, count in report.counts.items())
    print(f"seeded in {report.seconds:.1f}s: {total}", file=sys.stderr)
    print(f"planned {report.planned} calls for the coming week in {report.plan_seconds:.1f}s", file=sys.stderr)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    from crm.app import create_app
    from crm.migrate import upgrade

    db = Database(settings).__enter__()
    try:
        assert db.url is not None
        upgrade(db.url)
        if args.demo:
            _seed(db.url, args.members, reset=False, only_if_empty=True)
        app = create_app(settings, database_url=db.url, on_shutdown=db.stop)
    except BaseException:
        db.stop()
        raise
    print(f"CRM listening on http://{settings.host}:{settings.port}/ (GraphQL at /graphql)", file=sys.stderr)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", workers=None)


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> None:
    from crm.migrate import downgrade, upgrade

    with Database(settings) as db:
        assert db.url is not None
        if args.revision.startswith("-") or args.revision == "base":
            downgrade(db.url, args.revision)
        else:
            upgrade(db.url, args.revision)


def cmd_seed(args: argparse.Namespace, settings: Settings) -> None:
    from crm.migrate import upgrade

    with Database(settings) as db:
        assert db.url is not None
        upgrade(db.url)
        _seed(db.url, args.members, reset=args.reset, only_if_empty=False)


def export_schema_text() -> str:
    """Return the schema in SDL, as committed in schema/schema.graphql."""
    from crm.graphql.schema import schema

    return schema.as_str() + "\n"


def cmd_export_schema(args: argparse.Namespace, settings: Settings) -> None:
    text = export_schema_text()
    target = Path(args.output)
    if args.check:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            raise SystemExit(f"{target} is out of date: run `crm export-schema`")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)


async def _create_user(url: str, username: str, display_name: str, role: str, password: str) -> str:
    from crm.auth.actor import Actor
    from crm.db import make_engine, make_sessionmaker
    from crm.enums import Role
    from crm.errors import DomainError
    from crm.staff import service

    engine = make_engine(Settings(database_url=url), url)
    # The command line is trusted like an admin; the change is audited as made by nobody (actor 0).
    system = Actor(staff_id=0, role=Role.ADMIN, store_id=None, region=None, token_id=0)
    try:
        async with make_sessionmaker(engine)() as session:
            data = {"username": username, "display_name": display_name, "role": Role(role), "password": password}
            try:
                staff = await service.create(session, system, data)
            except DomainError as exc:
                return "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
            await session.commit()
            return f"created {staff.username} ({staff.role})"
    finally:
        await engine.dispose()


def cmd_create_user(args: argparse.Namespace, settings: Settings) -> None:
    import getpass

    from crm.migrate import upgrade

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    with Database(settings) as db:
        assert db.url is not None
        upgrade(db.url)
        message = asyncio.run(
            _create_user(db.url, args.username, args.display_name or args.username, args.role, password)
        )
    print(message, file=sys.stderr)
    if not message.startswith("created"):
        raise SystemExit(1)


async def _plan(url: str, start: dt.date, end: dt.date, commit: bool) -> str:
    from crm.callbacks import planning
    from crm.db import make_engine, make_sessionmaker
    from crm.errors import DomainError

    engine = make_engine(Settings(database_url=url), url)
    try:
        async with make_sessionmaker(engine)() as session:
            began = time.perf_counter()
            try:
                result = await planning.plan(session, None, start, end, commit=commit)
            except DomainError as exc:
                raise SystemExit("; ".join(f"{e.field}: {e.message}" for e in exc.errors)) from exc
            await session.commit()
            took = time.perf_counter() - began
    finally:
        await engine.dispose()
    lines = [f"{'planned' if commit else 'preview'} {start}..{end}: {result.created} calls in {took:.1f}s"]
    lines += [
        f"  {c.purpose:<20} created {c.created:>6}  deferred {c.deferred:>6}  no consent {c.no_consent:>4}"
        f"  already planned {c.already_planned:>6}"
        for c in result.by_purpose.values()
    ]
    lines.append(f"  other channel: {result.channel_changed}; unassigned: {result.by_assignee.get(None, 0)}")
    lines += [f"  {day}: {n}" for day, n in sorted(result.by_day.items())]
    return "\n".join(lines)


def cmd_plan(args: argparse.Namespace, settings: Settings) -> None:
    from crm.businesstime import today

    start = dt.date.fromisoformat(args.start) if args.start else today()
    end = dt.date.fromisoformat(args.end) if args.end else start + dt.timedelta(days=args.days - 1)
    with Database(settings) as db:
        assert db.url is not None
        print(asyncio.run(_plan(db.url, start, end, commit=not args.preview)))


async def _escalate(url: str) -> int:
    from crm.db import make_engine, make_sessionmaker, utcnow
    from crm.feedback.workflow import escalate_overdue

    engine = make_engine(Settings(database_url=url), url)
    try:
        async with make_sessionmaker(engine)() as session:
            count = await escalate_overdue(session, utcnow())
            await session.commit()
            return count
    finally:
        await engine.dispose()


def cmd_escalate(args: argparse.Namespace, settings: Settings) -> None:
    with Database(settings) as db:
        assert db.url is not None
        print(f"escalated {asyncio.run(_escalate(db.url))} overdue feedback cases", file=sys.stderr)


def cmd_permissions(args: argparse.Namespace, settings: Settings) -> None:
    from crm.auth.permissions import render_markdown

    sys.stdout.write(render_markdown())


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run one command."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="crm", description="VIP and dealer CRM")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API and web app (embedded PostgreSQL without DATABASE_URL)")
    serve.add_argument("--demo", action="store_true", help="load demo data first if the database is empty")
    serve.add_argument("--members", type=int, default=2000, help="demo size in members (default 2000)")
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="apply migrations (or revert: 'base', '-1')")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.set_defaults(func=cmd_migrate)

    seed = sub.add_parser("seed", help="load deterministic demo data")
    seed.add_argument("--members", type=int, default=2000, help="how many members (default 2000)")
    seed.add_argument("--reset", action="store_true", help="empty every table first")
    seed.set_defaults(func=cmd_seed)

    export = sub.add_parser("export-schema", help="write schema/schema.graphql from the code")
    export.add_argument("--output", default=str(SCHEMA_PATH))
    export.add_argument("--check", action="store_true", help="fail if the committed file differs")
    export.set_defaults(func=cmd_export_schema)

    user = sub.add_parser("create-user", help="create a staff account with a password (e.g. the first admin)")
    user.add_argument("username")
    user.add_argument("--role", default="ADMIN", help="ADMIN (default), SUPERVISOR, VIP_MANAGER, ...")
    user.add_argument("--display-name", default=None)
    user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    user.set_defaults(func=cmd_create_user)

    plan = sub.add_parser("plan", help="plan follow-up calls from the policies (the nightly job)")
    plan.add_argument("--from", dest="start", default=None, help="first day, YYYY-MM-DD (default today)")
    plan.add_argument("--to", dest="end", default=None, help="last day (default: --days from the first)")
    plan.add_argument("--days", type=int, default=7, help="days to plan when --to is not given (default 7)")
    plan.add_argument("--preview", action="store_true", help="show what would be created, create nothing")
    plan.set_defaults(func=cmd_plan)

    escalate = sub.add_parser("escalate", help="escalate overdue feedback to supervisors (run it hourly)")
    escalate.set_defaults(func=cmd_escalate)

    permissions = sub.add_parser("permissions", help="print the permission matrix as Markdown")
    permissions.set_defaults(func=cmd_permissions)

    args = parser.parse_args(argv)
    args.func(args, Settings.from_env())


if __name__ == "__main__":
    main()

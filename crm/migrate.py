"""Run Alembic programmatically against a database URL."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from crm.config import PROJECT_ROOT


def alembic_config(url: str) -> Config:
    """Return an Alembic config pointing at the project's migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to a revision."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Revert migrations down to a revision."""
    command.downgrade(alembic_config(url), revision)

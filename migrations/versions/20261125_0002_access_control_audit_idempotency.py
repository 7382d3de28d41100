"""access control, audit, idempotency

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 08:22:53.342976
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


APPEND_ONLY_FUNCTION = """
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("token_id", sa.BigInteger(), nullable=True),
        sa.Column("request_id", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity_type", sa.String(length=30), nullable=False),
        sa.Column("entity_id", sa.BigInteger(), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index("ix_audit_event_actor_id", "audit_event", ["actor_id", "id"], unique=False)
    op.create_index("ix_audit_event_entity", "audit_event", ["entity_type", "entity_id", "id"], unique=False)
    # The trail is append-only for everyone, the application included.
    op.execute(APPEND_ONLY_FUNCTION)
    op.execute(
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event"
        " FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
    )
    op.create_table(
        "auth_token",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=True),
        sa.Column("scopes", postgresql.ARRAY(sa.String(length=40)), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind = 'SESSION' OR name IS NOT NULL", name=op.f("ck_auth_token_api_token_named")),
        sa.CheckConstraint("kind IN ('SESSION', 'API')", name=op.f("ck_auth_token_kind")),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_auth_token_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_token_token_hash")),
    )
    op.create_index("ix_auth_token_staff_id", "auth_token", ["staff_id", "kind"], unique=False)
    op.create_table(
        "idempotency_key",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("operation", sa.String(length=40), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_idempotency_key_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_key")),
        sa.UniqueConstraint("staff_id", "key", name=op.f("uq_idempotency_key_staff_id_key")),
    )
    op.add_column("callback", sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False))
    op.add_column("feedback", sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False))
    op.add_column("member", sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False))
    op.add_column("member", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("staff", sa.Column("password_hash", sa.String(length=200), nullable=True))
    op.add_column("staff", sa.Column("failed_logins", sa.Integer(), server_default=sa.text("0"), nullable=False))
    op.add_column("staff", sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("staff", "locked_until")
    op.drop_column("staff", "failed_logins")
    op.drop_column("staff", "password_hash")
    op.drop_column("member", "erased_at")
    op.drop_column("member", "version")
    op.drop_column("feedback", "version")
    op.drop_column("callback", "version")
    op.drop_table("idempotency_key")
    op.drop_index("ix_auth_token_staff_id", table_name="auth_token")
    op.drop_table("auth_token")
    op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
    op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
    op.execute("DROP FUNCTION audit_event_append_only()")
    op.drop_index("ix_audit_event_entity", table_name="audit_event")
    op.drop_index("ix_audit_event_actor_id", table_name="audit_event")
    op.drop_table("audit_event")

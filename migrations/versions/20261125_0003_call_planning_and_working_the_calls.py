"""call planning and working the calls

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One policy per purpose, as the VIP department works today; admins tune them through the API.
DEFAULT_POLICIES = """
INSERT INTO callback_policy
    (purpose, enabled, offset_days, idle_days, quiet_days, weekday, priority, channel, max_attempts,
     retry_delay_days, conversion_days)
VALUES
    ('COMPLAINT_FOLLOW_UP', true, 1, 90, 30, 1, 3, 'PHONE', 5, 1, 30),
    ('SATISFACTION', true, 3, 90, 30, 1, 1, 'PHONE', 3, 1, 14),
    ('BIRTHDAY', true, 3, 90, 30, 1, 1, 'PHONE', 2, 1, 30),
    ('REACTIVATION', true, 0, 90, 30, 1, 0, 'PHONE', 3, 2, 30),
    ('PROMOTION', false, 0, 90, 30, 1, 0, 'SMS', 1, 1, 30),
    ('DEALER_SALES_TALK', true, 0, 90, 7, 1, 1, 'PHONE', 3, 1, 7),
    ('PAYMENT_REMINDER', true, 0, 90, 7, 1, 2, 'PHONE', 3, 1, 14)
"""
BACKFILL_SPEND = """
UPDATE member m SET lifetime_spend = s.total
FROM (SELECT member_id, sum(purchase_amount) AS total FROM visit
      WHERE member_id IS NOT NULL AND purchase_amount IS NOT NULL GROUP BY member_id) s
WHERE s.member_id = m.id
"""
# A callback closed before attempts were kept gets its last attempt as a row (timelines, scorecards).
BACKFILL_ATTEMPTS = """
INSERT INTO callback_attempt
    (callback_id, attempted_at, actor_id, channel, reached, satisfaction, non_conversion_reason, notes)
SELECT id, last_attempt_at, assignee_id, channel, coalesce(reached, false),
       CASE WHEN reached THEN satisfaction END, CASE WHEN reached THEN non_conversion_reason END, outcome_notes
FROM callback WHERE last_attempt_at IS NOT NULL
"""
BACKFILL_POLICY = """
UPDATE callback c SET policy_id = p.id, max_attempts = p.max_attempts
FROM callback_policy p WHERE p.purpose = c.purpose
"""


def upgrade() -> None:
    op.create_table(
        "callback_policy",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("offset_days", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("idle_days", sa.Integer(), server_default=sa.text("90"), nullable=False),
        sa.Column("quiet_days", sa.Integer(), server_default=sa.text("30"), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), server_default=sa.text("1"), nullable=False),
        sa.Column("priority", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("channel", sa.String(length=10), server_default=sa.text("'PHONE'"), nullable=False),
        sa.Column("tiers", postgresql.ARRAY(sa.String(length=12)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.String(length=30)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("regions", postgresql.ARRAY(sa.String(length=20)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("campaign_code", sa.String(length=30), nullable=True),
        sa.Column("campaign_starts_on", sa.Date(), nullable=True),
        sa.Column("campaign_ends_on", sa.Date(), nullable=True),
        sa.Column("max_attempts", sa.SmallInteger(), server_default=sa.text("3"), nullable=False),
        sa.Column("retry_delay_days", sa.SmallInteger(), server_default=sa.text("1"), nullable=False),
        sa.Column("conversion_days", sa.SmallInteger(), server_default=sa.text("14"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("channel IN ('PHONE', 'SMS', 'WECHAT')", name=op.f("ck_callback_policy_channel")),
        sa.CheckConstraint(
            "purpose IN ('SATISFACTION', 'COMPLAINT_FOLLOW_UP', 'BIRTHDAY', 'REACTIVATION', 'PROMOTION', 'DEALER_SALES_TALK', 'PAYMENT_REMINDER', 'OTHER')",
            name=op.f("ck_callback_policy_purpose"),
        ),
        sa.CheckConstraint("campaign_ends_on >= campaign_starts_on", name=op.f("ck_callback_policy_campaign_period")),
        sa.CheckConstraint("conversion_days BETWEEN 1 AND 90", name=op.f("ck_callback_policy_conversion_days")),
        sa.CheckConstraint("idle_days BETWEEN 1 AND 3650", name=op.f("ck_callback_policy_idle_days")),
        sa.CheckConstraint("max_attempts BETWEEN 1 AND 10", name=op.f("ck_callback_policy_max_attempts")),
        sa.CheckConstraint("offset_days BETWEEN 0 AND 365", name=op.f("ck_callback_policy_offset_days")),
        sa.CheckConstraint("priority BETWEEN 0 AND 3", name=op.f("ck_callback_policy_priority")),
        sa.CheckConstraint("quiet_days BETWEEN 0 AND 365", name=op.f("ck_callback_policy_quiet_days")),
        sa.CheckConstraint("retry_delay_days BETWEEN 0 AND 30", name=op.f("ck_callback_policy_retry_delay_days")),
        sa.CheckConstraint("weekday BETWEEN 1 AND 7", name=op.f("ck_callback_policy_weekday")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_policy")),
        sa.UniqueConstraint("purpose", name=op.f("uq_callback_policy_purpose")),
    )
    op.create_table(
        "callback_attempt",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("callback_id", sa.BigInteger(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("reached", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("satisfaction", sa.SmallInteger(), nullable=True),
        sa.Column("non_conversion_reason", sa.String(length=20), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint("channel IN ('PHONE', 'SMS', 'WECHAT')", name=op.f("ck_callback_attempt_channel")),
        sa.CheckConstraint(
            "non_conversion_reason IN ('PRICE', 'QUALITY', 'STYLE', 'SIZE', 'SERVICE', 'COMPETITOR', 'MOVED', 'OTHER')",
            name=op.f("ck_callback_attempt_non_conversion_reason"),
        ),
        sa.CheckConstraint(
            "outcome IN ('WILL_VISIT', 'PURCHASED', 'SATISFIED', 'NOT_INTERESTED', 'CALL_LATER', 'COMPLAINT', 'OTHER')",
            name=op.f("ck_callback_attempt_outcome"),
        ),
        sa.CheckConstraint(
            "reached OR (outcome IS NULL AND satisfaction IS NULL)",
            name=op.f("ck_callback_attempt_outcome_needs_reach"),
        ),
        sa.CheckConstraint("satisfaction BETWEEN 1 AND 5", name=op.f("ck_callback_attempt_satisfaction")),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff.id"], name=op.f("fk_callback_attempt_actor_id_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["callback_id"], ["callback.id"], name=op.f("fk_callback_attempt_callback_id_callback"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_attempt")),
    )
    op.create_index("ix_callback_attempt_actor_id", "callback_attempt", ["actor_id", "attempted_at"], unique=False)
    op.create_index(
        "ix_callback_attempt_callback_id", "callback_attempt", ["callback_id", "attempted_at"], unique=False
    )
    op.add_column("callback", sa.Column("outcome", sa.String(length=20), nullable=True))
    op.add_column("callback", sa.Column("max_attempts", sa.SmallInteger(), server_default=sa.text("3"), nullable=False))
    op.add_column("callback", sa.Column("policy_id", sa.BigInteger(), nullable=True))
    op.add_column("callback", sa.Column("plan_key", sa.String(length=80), nullable=True))
    op.add_column("callback", sa.Column("source_visit_id", sa.BigInteger(), nullable=True))
    op.add_column("callback", sa.Column("converted_visit_id", sa.BigInteger(), nullable=True))
    op.add_column("callback", sa.Column("converted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_callback_converted_visit_id", "callback", ["converted_visit_id"], unique=False)
    op.create_index("ix_callback_source_visit_id", "callback", ["source_visit_id"], unique=False)
    # Scorecards: what each person closed in a period.
    op.create_index("ix_callback_assignee_closed", "callback", ["assignee_id", "closed_at"], unique=False)
    op.create_unique_constraint(op.f("uq_callback_plan_key"), "callback", ["plan_key"])
    op.create_foreign_key(
        op.f("fk_callback_converted_visit_id_visit"),
        "callback",
        "visit",
        ["converted_visit_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_foreign_key(
        op.f("fk_callback_source_visit_id_visit"), "callback", "visit", ["source_visit_id"], ["id"], ondelete="SET NULL"
    )
    op.create_foreign_key(
        op.f("fk_callback_policy_id_callback_policy"),
        "callback",
        "callback_policy",
        ["policy_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.add_column("member", sa.Column("lunar_birthday_month", sa.SmallInteger(), nullable=True))
    op.add_column("member", sa.Column("lunar_birthday_day", sa.SmallInteger(), nullable=True))
    op.add_column(
        "member",
        sa.Column("lifetime_spend", sa.Numeric(precision=14, scale=2), server_default=sa.text("0"), nullable=False),
    )
    op.create_check_constraint(op.f("ck_callback_max_attempts"), "callback", "max_attempts BETWEEN 1 AND 10")
    op.create_check_constraint(
        op.f("ck_callback_outcome"),
        "callback",
        "outcome IN ('WILL_VISIT', 'PURCHASED', 'SATISFIED', 'NOT_INTERESTED', 'CALL_LATER', 'COMPLAINT', 'OTHER')",
    )
    op.create_check_constraint(
        op.f("ck_member_lunar_birthday"),
        "member",
        "(lunar_birthday_month IS NULL) = (lunar_birthday_day IS NULL)"
        " AND lunar_birthday_month BETWEEN 1 AND 12 AND lunar_birthday_day BETWEEN 1 AND 30",
    )
    op.create_check_constraint(op.f("ck_member_lifetime_spend"), "member", "lifetime_spend >= 0")
    op.execute(DEFAULT_POLICIES)
    op.execute(BACKFILL_SPEND)
    op.execute(BACKFILL_ATTEMPTS)
    op.execute(BACKFILL_POLICY)


def downgrade() -> None:
    op.drop_constraint(op.f("ck_member_lifetime_spend"), "member", type_="check")
    op.drop_constraint(op.f("ck_member_lunar_birthday"), "member", type_="check")
    op.drop_constraint(op.f("ck_callback_outcome"), "callback", type_="check")
    op.drop_constraint(op.f("ck_callback_max_attempts"), "callback", type_="check")
    op.drop_column("member", "lifetime_spend")
    op.drop_column("member", "lunar_birthday_day")
    op.drop_column("member", "lunar_birthday_month")
    op.drop_constraint(op.f("fk_callback_policy_id_callback_policy"), "callback", type_="foreignkey")
    op.drop_constraint(op.f("fk_callback_source_visit_id_visit"), "callback", type_="foreignkey")
    op.drop_constraint(op.f("fk_callback_converted_visit_id_visit"), "callback", type_="foreignkey")
    op.drop_constraint(op.f("uq_callback_plan_key"), "callback", type_="unique")
    op.drop_index("ix_callback_assignee_closed", table_name="callback")
    op.drop_index("ix_callback_source_visit_id", table_name="callback")
    op.drop_index("ix_callback_converted_visit_id", table_name="callback")
    op.drop_column("callback", "converted_at")
    op.drop_column("callback", "converted_visit_id")
    op.drop_column("callback", "source_visit_id")
    op.drop_column("callback", "plan_key")
    op.drop_column("callback", "policy_id")
    op.drop_column("callback", "max_attempts")
    op.drop_column("callback", "outcome")
    op.drop_index("ix_callback_attempt_callback_id", table_name="callback_attempt")
    op.drop_index("ix_callback_attempt_actor_id", table_name="callback_attempt")
    op.drop_table("callback_attempt")
    op.drop_table("callback_policy")

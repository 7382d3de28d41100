"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 03:34:29.263351
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dealer",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("city", sa.String(length=40), nullable=False),
        sa.Column("tier", sa.String(length=20), server_default=sa.text("'STANDARD'"), nullable=False),
        sa.Column("contact_name", sa.String(length=60), nullable=True),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("receptionist_id", sa.BigInteger(), nullable=True),
        sa.Column("sales_clerk_id", sa.BigInteger(), nullable=True),
        sa.Column("payment_standing", sa.String(length=20), server_default=sa.text("'GOOD'"), nullable=False),
        sa.Column("personality", sa.Text(), nullable=True),
        sa.Column("sales_profile", sa.Text(), nullable=True),
        sa.Column("concerns", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "payment_standing IN ('GOOD', 'LATE', 'OVERDUE', 'SUSPENDED')", name=op.f("ck_dealer_payment_standing")
        ),
        sa.CheckConstraint(
            "region IN ('EAST', 'SOUTH', 'NORTH', 'CENTRAL', 'SOUTHWEST', 'NORTHWEST', 'NORTHEAST')",
            name=op.f("ck_dealer_region"),
        ),
        sa.CheckConstraint("tier IN ('STRATEGIC', 'KEY', 'STANDARD')", name=op.f("ck_dealer_tier")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dealer")),
        sa.UniqueConstraint("code", name=op.f("uq_dealer_code")),
    )
    op.create_index("ix_dealer_receptionist_id", "dealer", ["receptionist_id"], unique=False)
    op.create_index("ix_dealer_region_name", "dealer", ["region", "name"], unique=False)
    op.create_index("ix_dealer_sales_clerk_id", "dealer", ["sales_clerk_id"], unique=False)
    op.create_table(
        "store",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("dealer_id", sa.BigInteger(), nullable=True),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("city", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("(kind = 'DEALER') = (dealer_id IS NOT NULL)", name=op.f("ck_store_dealer_matches_kind")),
        sa.CheckConstraint("kind IN ('SELF_OPERATED', 'DEALER')", name=op.f("ck_store_kind")),
        sa.CheckConstraint(
            "region IN ('EAST', 'SOUTH', 'NORTH', 'CENTRAL', 'SOUTHWEST', 'NORTHWEST', 'NORTHEAST')",
            name=op.f("ck_store_region"),
        ),
        sa.ForeignKeyConstraint(
            ["dealer_id"], ["dealer.id"], name=op.f("fk_store_dealer_id_dealer"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store")),
        sa.UniqueConstraint("code", name=op.f("uq_store_code")),
    )
    op.create_index("ix_store_dealer_id", "store", ["dealer_id"], unique=False)
    op.create_index("ix_store_region_city", "store", ["region", "city"], unique=False)
    op.create_table(
        "staff",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("display_name", sa.String(length=60), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("store_id", sa.BigInteger(), nullable=True),
        sa.Column("region", sa.String(length=20), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("daily_call_capacity", sa.Integer(), server_default=sa.text("40"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "region IN ('EAST', 'SOUTH', 'NORTH', 'CENTRAL', 'SOUTHWEST', 'NORTHWEST', 'NORTHEAST')",
            name=op.f("ck_staff_region"),
        ),
        sa.CheckConstraint(
            "role IN ('ADMIN', 'SUPERVISOR', 'VIP_MANAGER', 'STORE_STAFF', 'RECEPTIONIST', 'SALES_CLERK', 'MARKETING')",
            name=op.f("ck_staff_role"),
        ),
        sa.CheckConstraint("username ~ '^[a-z0-9_.-]{3,40}$'", name=op.f("ck_staff_username")),
        sa.CheckConstraint("daily_call_capacity BETWEEN 0 AND 500", name=op.f("ck_staff_daily_call_capacity")),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], name=op.f("fk_staff_store_id_store"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_username")),
    )
    op.create_index("ix_staff_role_region", "staff", ["role", "region"], unique=False)
    op.create_index("ix_staff_store_id", "staff", ["store_id"], unique=False)
    op.create_table(
        "enrolment_target",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("store_id", sa.BigInteger(), nullable=True),
        sa.Column("staff_id", sa.BigInteger(), nullable=True),
        sa.Column("dealer_id", sa.BigInteger(), nullable=True),
        sa.Column("region", sa.String(length=20), nullable=True),
        sa.Column(
            "scope_key",
            sa.String(length=40),
            sa.Computed("coalesce(store_id::text, staff_id::text, dealer_id::text, region)", persisted=True),
            nullable=False,
        ),
        sa.Column("target_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(scope = 'STORE') = (store_id IS NOT NULL) AND (scope = 'STAFF') = (staff_id IS NOT NULL) AND (scope = 'DEALER') = (dealer_id IS NOT NULL) AND (scope = 'REGION') = (region IS NOT NULL)",
            name=op.f("ck_enrolment_target_scope_matches_key"),
        ),
        sa.CheckConstraint(
            "region IN ('EAST', 'SOUTH', 'NORTH', 'CENTRAL', 'SOUTHWEST', 'NORTHWEST', 'NORTHEAST')",
            name=op.f("ck_enrolment_target_region"),
        ),
        sa.CheckConstraint("scope IN ('STORE', 'STAFF', 'DEALER', 'REGION')", name=op.f("ck_enrolment_target_scope")),
        sa.CheckConstraint("extract(day from month) = 1", name=op.f("ck_enrolment_target_month_first_day")),
        sa.CheckConstraint("target_count BETWEEN 0 AND 1000000", name=op.f("ck_enrolment_target_target_count")),
        sa.ForeignKeyConstraint(
            ["dealer_id"], ["dealer.id"], name=op.f("fk_enrolment_target_dealer_id_dealer"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_enrolment_target_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_enrolment_target_store_id_store"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_target")),
        sa.UniqueConstraint("month", "scope", "scope_key", name=op.f("uq_enrolment_target_month_scope_scope_key")),
    )
    op.create_foreign_key(
        op.f("fk_dealer_receptionist_id_staff"), "dealer", "staff", ["receptionist_id"], ["id"], ondelete="SET NULL"
    )
    op.create_foreign_key(
        op.f("fk_dealer_sales_clerk_id_staff"), "dealer", "staff", ["sales_clerk_id"], ["id"], ondelete="SET NULL"
    )
    op.execute("CREATE SEQUENCE member_no_seq")
    op.create_table(
        "member",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "member_no",
            sa.String(length=20),
            server_default=sa.text("'M' || lpad(nextval('member_no_seq')::text, 8, '0')"),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("gender", sa.String(length=12), server_default=sa.text("'UNDISCLOSED'"), nullable=False),
        sa.Column("birthday", sa.Date(), nullable=True),
        sa.Column("tier", sa.String(length=12), server_default=sa.text("'SILVER'"), nullable=False),
        sa.Column("status", sa.String(length=12), server_default=sa.text("'ACTIVE'"), nullable=False),
        sa.Column("home_store_id", sa.BigInteger(), nullable=False),
        sa.Column("enrolled_by_id", sa.BigInteger(), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("manager_id", sa.BigInteger(), nullable=True),
        sa.Column("consent_phone", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("consent_sms", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("consent_wechat", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "preferences",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("tags", postgresql.ARRAY(sa.String(length=30)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("last_visit_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("gender IN ('FEMALE', 'MALE', 'UNDISCLOSED')", name=op.f("ck_member_gender")),
        sa.CheckConstraint("phone ~ '^\\+861[0-9]{10}$'", name=op.f("ck_member_phone_normalised")),
        sa.CheckConstraint("status IN ('ACTIVE', 'DORMANT', 'CLOSED')", name=op.f("ck_member_status")),
        sa.CheckConstraint("tier IN ('SILVER', 'GOLD', 'PLATINUM', 'DIAMOND')", name=op.f("ck_member_tier")),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 60", name=op.f("ck_member_name_length")),
        sa.ForeignKeyConstraint(
            ["enrolled_by_id"], ["staff.id"], name=op.f("fk_member_enrolled_by_id_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["home_store_id"], ["store.id"], name=op.f("fk_member_home_store_id_store"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["staff.id"], name=op.f("fk_member_manager_id_staff"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member")),
        sa.UniqueConstraint("member_no", name=op.f("uq_member_member_no")),
        sa.UniqueConstraint("phone", name=op.f("uq_member_phone")),
    )
    op.create_index("ix_member_enrolled_at", "member", ["enrolled_at", "id"], unique=False)
    op.create_index("ix_member_enrolled_by_id", "member", ["enrolled_by_id", "enrolled_at"], unique=False)
    op.create_index("ix_member_home_store_enrolled", "member", ["home_store_id", "enrolled_at"], unique=False)
    op.create_index("ix_member_last_visit_at", "member", ["last_visit_at"], unique=False)
    op.create_index("ix_member_manager_id", "member", ["manager_id"], unique=False)
    op.create_index("ix_member_name", "member", ["name", "id"], unique=False)
    op.create_table(
        "feedback",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("party_kind", sa.String(length=10), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("dealer_id", sa.BigInteger(), nullable=True),
        sa.Column("store_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default=sa.text("'RECEIVED'"), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by_id", sa.BigInteger(), nullable=True),
        sa.Column("handler_id", sa.BigInteger(), nullable=True),
        sa.Column("department", sa.String(length=20), nullable=True),
        sa.Column("cause", sa.String(length=20), nullable=True),
        sa.Column("responsible_person", sa.String(length=60), nullable=True),
        sa.Column("assessment_note", sa.Text(), nullable=True),
        sa.Column("solution", sa.Text(), nullable=True),
        sa.Column("customer_accepted", sa.Boolean(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(party_kind = 'MEMBER' AND member_id IS NOT NULL AND dealer_id IS NULL) OR (party_kind = 'DEALER' AND dealer_id IS NOT NULL AND member_id IS NULL)",
            name=op.f("ck_feedback_party_matches_kind"),
        ),
        sa.CheckConstraint(
            "cause IN ('PRODUCTION', 'QUALITY', 'SERVICE', 'LOGISTICS', 'OTHER')", name=op.f("ck_feedback_cause")
        ),
        sa.CheckConstraint(
            "channel IN ('STORE', 'PHONE', 'ONLINE', 'SOCIAL_MEDIA', 'SUGGESTION_BOX')",
            name=op.f("ck_feedback_channel"),
        ),
        sa.CheckConstraint(
            "department IN ('PRODUCTION', 'QUALITY', 'SERVICE', 'LOGISTICS', 'SALES', 'OTHER')",
            name=op.f("ck_feedback_department"),
        ),
        sa.CheckConstraint(
            "kind IN ('SUGGESTION', 'COMPLAINT', 'PRAISE', 'QUALITY_REPORT')", name=op.f("ck_feedback_kind")
        ),
        sa.CheckConstraint("party_kind IN ('MEMBER', 'DEALER')", name=op.f("ck_feedback_party_kind")),
        sa.CheckConstraint(
            "status IN ('RECEIVED', 'ASSESSED', 'NOT_UPHELD', 'INVESTIGATING', 'SOLUTION_PROPOSED', 'RESOLVED', 'RETURN_VISIT_DONE', 'CLOSED')",
            name=op.f("ck_feedback_status"),
        ),
        sa.CheckConstraint("char_length(content) BETWEEN 1 AND 4000", name=op.f("ck_feedback_content_length")),
        sa.ForeignKeyConstraint(
            ["dealer_id"], ["dealer.id"], name=op.f("fk_feedback_dealer_id_dealer"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["handler_id"], ["staff.id"], name=op.f("fk_feedback_handler_id_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_feedback_member_id_member"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["received_by_id"], ["staff.id"], name=op.f("fk_feedback_received_by_id_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_feedback_store_id_store"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    op.create_index("ix_feedback_dealer_id", "feedback", ["dealer_id", "status"], unique=False)
    op.create_index("ix_feedback_member_id", "feedback", ["member_id", "status"], unique=False)
    op.create_index("ix_feedback_received_at", "feedback", ["received_at", "id"], unique=False)
    op.create_index("ix_feedback_status_received", "feedback", ["status", "received_at"], unique=False)
    op.create_index("ix_feedback_store_id", "feedback", ["store_id", "received_at"], unique=False)
    op.create_table(
        "visit",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("dealer_id", sa.BigInteger(), nullable=True),
        sa.Column("store_id", sa.BigInteger(), nullable=True),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purchase_amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("item_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "items", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column("purpose", sa.String(length=20), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.BigInteger(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(kind = 'MEMBER_STORE' AND member_id IS NOT NULL AND store_id IS NOT NULL AND dealer_id IS NULL AND purpose IS NULL) OR (kind = 'DEALER_SHOWROOM' AND dealer_id IS NOT NULL AND member_id IS NULL AND purpose IS NOT NULL AND purchase_amount IS NULL)",
            name=op.f("ck_visit_party_matches_kind"),
        ),
        sa.CheckConstraint("kind IN ('MEMBER_STORE', 'DEALER_SHOWROOM')", name=op.f("ck_visit_kind")),
        sa.CheckConstraint("purpose IN ('SEE_GOODS', 'ORDER', 'RETURN_DEFECTIVE')", name=op.f("ck_visit_purpose")),
        sa.CheckConstraint("item_count >= 0", name=op.f("ck_visit_item_count")),
        sa.CheckConstraint("purchase_amount >= 0", name=op.f("ck_visit_purchase_amount")),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_visit_quantity")),
        sa.ForeignKeyConstraint(
            ["dealer_id"], ["dealer.id"], name=op.f("fk_visit_dealer_id_dealer"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_visit_member_id_member"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["staff.id"], name=op.f("fk_visit_recorded_by_id_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], name=op.f("fk_visit_store_id_store"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit")),
    )
    op.create_index("ix_visit_dealer_visited", "visit", ["dealer_id", "visited_at"], unique=False)
    op.create_index("ix_visit_member_visited", "visit", ["member_id", "visited_at"], unique=False)
    op.create_index("ix_visit_store_visited", "visit", ["store_id", "visited_at"], unique=False)
    op.create_index("ix_visit_visited_at", "visit", ["visited_at", "id"], unique=False)
    op.create_table(
        "callback",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("party_kind", sa.String(length=10), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("dealer_id", sa.BigInteger(), nullable=True),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("channel", sa.String(length=10), server_default=sa.text("'PHONE'"), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("assignee_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=12), server_default=sa.text("'OPEN'"), nullable=False),
        sa.Column("priority", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reached", sa.Boolean(), nullable=True),
        sa.Column("satisfaction", sa.SmallInteger(), nullable=True),
        sa.Column("non_conversion_reason", sa.String(length=20), nullable=True),
        sa.Column("outcome_notes", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("feedback_id", sa.BigInteger(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(party_kind = 'MEMBER' AND member_id IS NOT NULL AND dealer_id IS NULL) OR (party_kind = 'DEALER' AND dealer_id IS NOT NULL AND member_id IS NULL)",
            name=op.f("ck_callback_party_matches_kind"),
        ),
        sa.CheckConstraint(
            "(status = 'OPEN') = (closed_at IS NULL)", name=op.f("ck_callback_closed_at_matches_status")
        ),
        sa.CheckConstraint("channel IN ('PHONE', 'SMS', 'WECHAT')", name=op.f("ck_callback_channel")),
        sa.CheckConstraint(
            "non_conversion_reason IN ('PRICE', 'QUALITY', 'STYLE', 'SIZE', 'SERVICE', 'COMPETITOR', 'MOVED', 'OTHER')",
            name=op.f("ck_callback_non_conversion_reason"),
        ),
        sa.CheckConstraint("party_kind IN ('MEMBER', 'DEALER')", name=op.f("ck_callback_party_kind")),
        sa.CheckConstraint(
            "purpose IN ('SATISFACTION', 'COMPLAINT_FOLLOW_UP', 'BIRTHDAY', 'REACTIVATION', 'PROMOTION', 'DEALER_SALES_TALK', 'PAYMENT_REMINDER', 'OTHER')",
            name=op.f("ck_callback_purpose"),
        ),
        sa.CheckConstraint("status IN ('OPEN', 'DONE', 'UNREACHABLE', 'CANCELLED')", name=op.f("ck_callback_status")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_callback_attempts")),
        sa.CheckConstraint("satisfaction BETWEEN 1 AND 5", name=op.f("ck_callback_satisfaction")),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["staff.id"], name=op.f("fk_callback_assignee_id_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["dealer_id"], ["dealer.id"], name=op.f("fk_callback_dealer_id_dealer"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedback.id"], name=op.f("fk_callback_feedback_id_feedback"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_callback_member_id_member"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback")),
    )
    op.create_index("ix_callback_assignee_status_due", "callback", ["assignee_id", "status", "due_on"], unique=False)
    op.create_index("ix_callback_dealer_id", "callback", ["dealer_id", "status"], unique=False)
    op.create_index("ix_callback_feedback_id", "callback", ["feedback_id"], unique=False)
    op.create_index("ix_callback_member_id", "callback", ["member_id", "status"], unique=False)
    op.create_index("ix_callback_status_due", "callback", ["status", "due_on", "id"], unique=False)
    op.create_table(
        "feedback_event",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("feedback_id", sa.BigInteger(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "from_status IN ('RECEIVED', 'ASSESSED', 'NOT_UPHELD', 'INVESTIGATING', 'SOLUTION_PROPOSED', 'RESOLVED', 'RETURN_VISIT_DONE', 'CLOSED')",
            name=op.f("ck_feedback_event_from_status"),
        ),
        sa.CheckConstraint(
            "to_status IN ('RECEIVED', 'ASSESSED', 'NOT_UPHELD', 'INVESTIGATING', 'SOLUTION_PROPOSED', 'RESOLVED', 'RETURN_VISIT_DONE', 'CLOSED')",
            name=op.f("ck_feedback_event_to_status"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff.id"], name=op.f("fk_feedback_event_actor_id_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedback.id"], name=op.f("fk_feedback_event_feedback_id_feedback"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_event")),
    )
    op.create_index("ix_feedback_event_feedback_id", "feedback_event", ["feedback_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_feedback_event_feedback_id", table_name="feedback_event")
    op.drop_table("feedback_event")
    op.drop_index("ix_callback_status_due", table_name="callback")
    op.drop_index("ix_callback_member_id", table_name="callback")
    op.drop_index("ix_callback_feedback_id", table_name="callback")
    op.drop_index("ix_callback_dealer_id", table_name="callback")
    op.drop_index("ix_callback_assignee_status_due", table_name="callback")
    op.drop_table("callback")
    op.drop_index("ix_visit_visited_at", table_name="visit")
    op.drop_index("ix_visit_store_visited", table_name="visit")
    op.drop_index("ix_visit_member_visited", table_name="visit")
    op.drop_index("ix_visit_dealer_visited", table_name="visit")
    op.drop_table("visit")
    op.drop_index("ix_feedback_store_id", table_name="feedback")
    op.drop_index("ix_feedback_status_received", table_name="feedback")
    op.drop_index("ix_feedback_received_at", table_name="feedback")
    op.drop_index("ix_feedback_member_id", table_name="feedback")
    op.drop_index("ix_feedback_dealer_id", table_name="feedback")
    op.drop_table("feedback")
    op.drop_index("ix_member_name", table_name="member")
    op.drop_index("ix_member_manager_id", table_name="member")
    op.drop_index("ix_member_last_visit_at", table_name="member")
    op.drop_index("ix_member_home_store_enrolled", table_name="member")
    op.drop_index("ix_member_enrolled_by_id", table_name="member")
    op.drop_index("ix_member_enrolled_at", table_name="member")
    op.drop_table("member")
    op.execute("DROP SEQUENCE member_no_seq")
    op.drop_table("enrolment_target")
    op.drop_constraint(op.f("fk_dealer_receptionist_id_staff"), "dealer", type_="foreignkey")
    op.drop_constraint(op.f("fk_dealer_sales_clerk_id_staff"), "dealer", type_="foreignkey")
    op.drop_index("ix_staff_store_id", table_name="staff")
    op.drop_index("ix_staff_role_region", table_name="staff")
    op.drop_table("staff")
    op.drop_index("ix_store_region_city", table_name="store")
    op.drop_index("ix_store_dealer_id", table_name="store")
    op.drop_table("store")
    op.drop_index("ix_dealer_sales_clerk_id", table_name="dealer")
    op.drop_index("ix_dealer_region_name", table_name="dealer")
    op.drop_index("ix_dealer_receptionist_id", table_name="dealer")
    op.drop_table("dealer")

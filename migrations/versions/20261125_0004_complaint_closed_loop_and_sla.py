"""complaint closed loop and SLA

The closed loop's clocks: table feedback_sla (hours per kind and step, seeded with the defaults),
the clock and milestone columns on feedback, the event kind (a step or an escalation). Existing
rows are backfilled from their events and the default clocks; nothing is escalated here (the
first `crm escalate` does that).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STEPS = ("RECEIVED", "ASSESSED", "INVESTIGATING", "SOLUTION_PROPOSED", "RESOLVED", "RETURN_VISIT_DONE", "RESOLVE")
# kind -> hours per step, in _STEPS order ('short, flat, fast': acknowledge within a day, complaints
# resolved within 72 hours of receipt). A copy of crm.feedback.workflow.DEFAULT_SLA_HOURS as of this revision.
_DEFAULTS = {
    "COMPLAINT": (24, 12, 24, 24, 72, 72, 72),
    "QUALITY_REPORT": (24, 24, 72, 48, 72, 120, 168),
    "SUGGESTION": (72, 72, 168, 168, 168, 168, 336),
    "PRAISE": (72, 72, 72, 72, 120, 168, 168),
}

_BACKFILL = """
WITH history AS (
    SELECT e.feedback_id,
           max(e.created_at) AS last_change,
           min(e.created_at) FILTER (WHERE e.from_status = 'RECEIVED') AS acknowledged,
           min(e.created_at) FILTER (WHERE e.to_status = 'RESOLVED') AS resolved
    FROM feedback_event e
    GROUP BY e.feedback_id
), clock AS (
    SELECT f.id,
           coalesce(h.last_change, f.received_at) AS changed,
           h.acknowledged,
           h.resolved,
           f.received_at + make_interval(hours => r.hours) AS resolve_due,
           s.hours AS step_hours
    FROM feedback f
    LEFT JOIN history h ON h.feedback_id = f.id
    LEFT JOIN feedback_sla r ON r.kind = f.kind AND r.step = 'RESOLVE'
    LEFT JOIN feedback_sla s ON s.kind = f.kind AND s.step = f.status
)
UPDATE feedback f
SET status_changed_at = c.changed,
    acknowledged_at = CASE WHEN f.status <> 'RECEIVED' THEN coalesce(c.acknowledged, c.changed) END,
    resolved_at = CASE WHEN f.status IN ('RESOLVED', 'RETURN_VISIT_DONE', 'CLOSED')
                       THEN coalesce(c.resolved, c.changed) END,
    upheld = CASE f.status WHEN 'RECEIVED' THEN NULL WHEN 'NOT_UPHELD' THEN false ELSE true END,
    resolve_due_at = c.resolve_due,
    due_at = CASE
        WHEN f.status IN ('NOT_UPHELD', 'CLOSED') THEN NULL
        WHEN f.status IN ('RECEIVED', 'ASSESSED', 'INVESTIGATING', 'SOLUTION_PROPOSED') AND c.resolve_due IS NOT NULL
            THEN least(c.changed + make_interval(hours => c.step_hours), c.resolve_due)
        ELSE c.changed + make_interval(hours => c.step_hours)
    END
FROM clock c
WHERE c.id = f.id
"""


def upgrade() -> None:
    sla = op.create_table(
        "feedback_sla",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("hours BETWEEN 1 AND 8760", name=op.f("ck_feedback_sla_hours")),
        sa.CheckConstraint(
            "kind IN ('SUGGESTION', 'COMPLAINT', 'PRAISE', 'QUALITY_REPORT')", name=op.f("ck_feedback_sla_kind")
        ),
        sa.CheckConstraint(
            "step IN ('RECEIVED', 'ASSESSED', 'INVESTIGATING', 'SOLUTION_PROPOSED', 'RESOLVED', "
            "'RETURN_VISIT_DONE', 'RESOLVE')",
            name=op.f("ck_feedback_sla_step"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_sla")),
        sa.UniqueConstraint("kind", "step", name=op.f("uq_feedback_sla_kind_step")),
    )
    op.bulk_insert(
        sla,
        [
            {"kind": kind, "step": step, "hours": hours}
            for kind, row in _DEFAULTS.items()
            for step, hours in zip(_STEPS, row, strict=True)
        ],
    )

    for column in ("status_changed_at", "due_at", "resolve_due_at", "acknowledged_at", "resolved_at"):
        op.add_column("feedback", sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    op.add_column("feedback", sa.Column("upheld", sa.Boolean(), nullable=True))
    op.add_column("feedback", sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("feedback", sa.Column("escalated_to_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_feedback_escalated_to_id_staff"), "feedback", "staff", ["escalated_to_id"], ["id"], ondelete="SET NULL"
    )
    op.create_index("ix_feedback_status_due", "feedback", ["status", "due_at"], unique=False)
    op.create_index("ix_feedback_escalated_to_id", "feedback", ["escalated_to_id"], unique=False)
    # Scorecards: the complaints each person resolved in a period.
    op.create_index("ix_feedback_handler_resolved", "feedback", ["handler_id", "resolved_at"], unique=False)

    op.add_column(
        "feedback_event",
        sa.Column("kind", sa.String(length=20), server_default=sa.text("'TRANSITION'"), nullable=False),
    )
    op.create_check_constraint(op.f("ck_feedback_event_kind"), "feedback_event", "kind IN ('TRANSITION', 'ESCALATION')")

    op.execute(_BACKFILL)


def downgrade() -> None:
    # Without the kind column an escalation would read as a step from a status to itself.
    op.execute("DELETE FROM feedback_event WHERE kind = 'ESCALATION'")
    op.drop_constraint(op.f("ck_feedback_event_kind"), "feedback_event", type_="check")
    op.drop_column("feedback_event", "kind")
    op.drop_index("ix_feedback_handler_resolved", table_name="feedback")
    op.drop_index("ix_feedback_escalated_to_id", table_name="feedback")
    op.drop_index("ix_feedback_status_due", table_name="feedback")
    op.drop_constraint(op.f("fk_feedback_escalated_to_id_staff"), "feedback", type_="foreignkey")
    for column in (
        "escalated_to_id",
        "escalated_at",
        "upheld",
        "resolved_at",
        "acknowledged_at",
        "resolve_due_at",
        "due_at",
        "status_changed_at",
    ):
        op.drop_column("feedback", column)
    op.drop_table("feedback_sla")

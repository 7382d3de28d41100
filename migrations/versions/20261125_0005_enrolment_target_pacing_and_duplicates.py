"""enrolment target pacing and duplicates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A member enrolled twice points at the first enrolment; duplicates do not count towards targets.
    op.add_column("member", sa.Column("duplicate_of_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_member_duplicate_of_id_member"), "member", "member", ["duplicate_of_id"], ["id"], ondelete="SET NULL"
    )
    op.create_check_constraint(op.f("ck_member_not_duplicate_of_itself"), "member", "duplicate_of_id <> id")
    op.create_index("ix_member_duplicate_of_id", "member", ["duplicate_of_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_member_duplicate_of_id", table_name="member")
    op.drop_constraint(op.f("ck_member_not_duplicate_of_itself"), "member", type_="check")
    op.drop_constraint(op.f("fk_member_duplicate_of_id_member"), "member", type_="foreignkey")
    op.drop_column("member", "duplicate_of_id")

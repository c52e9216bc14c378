"""pairs of clinics an editor judged different, no longer offered as duplicates

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "not_duplicates",
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_not_duplicates_decided_by_id_users")),
        sa.ForeignKeyConstraint(["first_id"], ["clinics.id"], ondelete="CASCADE",
                                name=op.f("fk_not_duplicates_first_id_clinics")),
        sa.ForeignKeyConstraint(["second_id"], ["clinics.id"], ondelete="CASCADE",
                                name=op.f("fk_not_duplicates_second_id_clinics")),
        sa.PrimaryKeyConstraint("first_id", "second_id", name=op.f("pk_not_duplicates")),
    )


def downgrade() -> None:
    op.drop_table("not_duplicates")

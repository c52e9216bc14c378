"""logins the server can end: a row per login, its token in the session cookie

Revision ID: 0007
Revises: 0006

Until now a session cookie named the account (and a piece of its password hash), so a copy of
the cookie kept working after logging out. Sessions from before this migration end: everyone
logs in again once.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "logins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_logins_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_logins")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_logins_token_hash")),
    )
    op.create_index(op.f("ix_logins_user_id"), "logins", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_logins_user_id"), table_name="logins")
    op.drop_table("logins")

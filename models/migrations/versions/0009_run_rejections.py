"""what a crawl run rejected and why, and the pages it could not fetch

Revision ID: 0009
Revises: 0008

Older runs recorded neither: empty lists.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = ("rejections", "failures")


# Plain ADD COLUMN on every engine: SQLite's batch mode would copy the table.
def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("crawl_runs", sa.Column(name, sa.JSON(), nullable=False,
                                              server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        for name in COLUMNS:
            batch.drop_column(name)

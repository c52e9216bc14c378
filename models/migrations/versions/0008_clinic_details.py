"""clinic details patients decide on: prices, payment, telehealth, new patients, referral,
languages on the clinic; opening hours on each location

Revision ID: 0008
Revises: 0007

Existing rows state none of them: empty lists and nulls until their next crawl.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

LISTS = ("prices", "payment", "languages")
FLAGS = ("telehealth", "accepting_new_patients", "referral_required")


# Plain ADD COLUMN on every engine: SQLite's batch mode would copy the tables and break the
# search index triggers on them.
def upgrade() -> None:
    for name in LISTS:
        op.add_column("clinics", sa.Column(name, sa.JSON(), nullable=False,
                                           server_default=sa.text("'[]'")))
    for name in FLAGS:
        op.add_column("clinics", sa.Column(name, sa.Boolean(), nullable=True))
    op.add_column("locations", sa.Column("hours", sa.JSON(), nullable=False,
                                         server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("locations") as batch:
        batch.drop_column("hours")
    with op.batch_alter_table("clinics") as batch:
        for name in (*FLAGS, *LISTS):
            batch.drop_column(name)

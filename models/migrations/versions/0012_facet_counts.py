"""counts of the listed clinics kept per place (models/counts.py)

Revision ID: 0012
Revises: 0011

The home page, a country, a region and a term's guide read their totals and facet counts from
this table instead of counting the whole directory again after every change.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from models.counts import rebuild_counts

    op.create_table(
        "facet_counts",
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("facet", sa.String(20), nullable=False),
        sa.Column("value", sa.String(250), nullable=False),
        sa.Column("clinics", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "facet", "value", name="pk_facet_counts"),
    )
    with Session(bind=op.get_bind()) as session:
        rebuild_counts(session)
        session.flush()


def downgrade() -> None:
    op.drop_table("facet_counts")

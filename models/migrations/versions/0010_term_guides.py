"""guides to conditions and treatments: an editor's description with its revisions

Revision ID: 0010
Revises: 0009

A guide's description shows on public pages, so writing one moves the directory version.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

EVENTS = ("INSERT", "UPDATE", "DELETE")
SQLITE_BUMP = ("INSERT INTO search_version (id, version) VALUES (1, random()) "
               "ON CONFLICT (id) DO UPDATE SET version = excluded.version")


def upgrade() -> None:
    op.create_table(
        "term_guides",
        sa.Column("term_slug", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["term_slug"], ["terms.slug"], ondelete="CASCADE",
                                name=op.f("fk_term_guides_term_slug_terms")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"],
                                name=op.f("fk_term_guides_updated_by_id_users")),
        sa.PrimaryKeyConstraint("term_slug", name=op.f("pk_term_guides")),
    )
    op.create_table(
        "term_guide_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_slug", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("editor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["editor_id"], ["users.id"],
                                name=op.f("fk_term_guide_revisions_editor_id_users")),
        sa.ForeignKeyConstraint(["term_slug"], ["term_guides.term_slug"], ondelete="CASCADE",
                                name=op.f("fk_term_guide_revisions_term_slug_term_guides")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_term_guide_revisions")),
    )
    op.create_index(op.f("ix_term_guide_revisions_term_slug"), "term_guide_revisions",
                    ["term_slug"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER search_version_term_guides AFTER INSERT OR UPDATE OR DELETE "
                   "ON term_guides FOR EACH STATEMENT EXECUTE FUNCTION search_version_bump()")
    else:
        for event in EVENTS:
            op.execute(f"CREATE TRIGGER search_version_term_guides_{event.lower()} AFTER {event} "
                       f"ON term_guides BEGIN {SQLITE_BUMP}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS search_version_term_guides ON term_guides")
    else:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS search_version_term_guides_{event.lower()}")
    op.drop_index(op.f("ix_term_guide_revisions_term_slug"), table_name="term_guide_revisions")
    op.drop_table("term_guide_revisions")
    op.drop_table("term_guides")

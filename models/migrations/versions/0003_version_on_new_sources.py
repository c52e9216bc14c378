"""a new or removed source record changes the directory version: clinic pages list their sources

Revision ID: 0003
Revises: 0002

Updates (last_seen on every recrawl) leave the version alone, so crawls don't empty caches;
re-pointed records (a merge) always come with a write to clinics, which bumps it anyway.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BUMP_SQLITE = ("INSERT INTO search_version (id, version) VALUES (1, random()) "
               "ON CONFLICT (id) DO UPDATE SET version = excluded.version")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER search_version_source_records AFTER INSERT OR DELETE "
                   "ON source_records FOR EACH STATEMENT EXECUTE FUNCTION search_version_bump()")
        return
    for event in ("INSERT", "DELETE"):
        op.execute(f"CREATE TRIGGER search_version_source_records_{event.lower()} AFTER {event} "
                   f"ON source_records BEGIN {BUMP_SQLITE}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS search_version_source_records ON source_records")
        return
    for event in ("insert", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS search_version_source_records_{event}")

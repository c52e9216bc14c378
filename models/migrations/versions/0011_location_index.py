"""a spatial index of locations: an R*Tree on SQLite, a GiST index on PostgreSQL

Revision ID: 0011
Revises: 0010

Near searches read the locations in their box from this index (models/spatial.py) instead of a
band of latitude around the world from the (latitude, longitude) B-tree.
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SQLITE_ADD = ("INSERT INTO location_points (id, south, north, west, east) "
              "SELECT {row}.id, {row}.latitude, {row}.latitude, {row}.longitude, {row}.longitude")
LOCATED = "{row}.latitude IS NOT NULL AND {row}.longitude IS NOT NULL"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_locations_point ON locations "
                   "USING gist (point(longitude, latitude))")
        return
    op.execute("CREATE VIRTUAL TABLE location_points USING rtree(id, south, north, west, east)")
    op.execute(SQLITE_ADD.format(row="locations") + " FROM locations WHERE "
               + LOCATED.format(row="locations"))
    op.execute("CREATE TRIGGER location_points_insert AFTER INSERT ON locations "
               f"WHEN {LOCATED.format(row='new')} BEGIN {SQLITE_ADD.format(row='new')}; END")
    op.execute("CREATE TRIGGER location_points_update AFTER UPDATE OF latitude, longitude "
               "ON locations BEGIN DELETE FROM location_points WHERE id = old.id; "
               f"{SQLITE_ADD.format(row='new')} WHERE {LOCATED.format(row='new')}; END")
    op.execute("CREATE TRIGGER location_points_delete AFTER DELETE ON locations "
               "BEGIN DELETE FROM location_points WHERE id = old.id; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_locations_point")
        return
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS location_points_{event}")
    op.execute("DROP TABLE IF EXISTS location_points")

"""locations in order of distance on PostgreSQL: a GiST index on the unit-sphere point

Revision ID: 0013
Revises: 0012

The nearest matches of a search (and a clinic page's nearby clinics) are read in order of
distance from this index (models/spatial.py, `nearest_order`), stopping once enough are found,
instead of reading whole circles that widen until one holds enough. The index is on the
location's point on the unit sphere, a three-dimensional `cube` (extension `cube`, trusted since
PostgreSQL 13): the straight-line distance between two such points grows with the great-circle
distance, so the index's order is the order of true distance. SQLite keeps widening circles.
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# The same expression as models.spatial.sphere_point, so that the planner uses the index.
SPHERE_POINT = ("cube(ARRAY[cos(radians(latitude)) * cos(radians(longitude)), "
                "cos(radians(latitude)) * sin(radians(longitude)), sin(radians(latitude))])")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS cube")
    op.execute(f"CREATE INDEX ix_locations_sphere ON locations USING gist ({SPHERE_POINT}) "
               "WHERE latitude IS NOT NULL AND longitude IS NOT NULL")


def downgrade() -> None:
    # The extension stays: other objects of the database may use it.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_locations_sphere")

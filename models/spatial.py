"""The spatial index of clinic locations (migration 0011): which locations lie in a box.

SQLite keeps the points in an R*Tree virtual table, `location_points`, that triggers on
`locations` keep in step; PostgreSQL keeps a GiST index on `point(longitude, latitude)`. Either
way a near search reads the few locations in its box instead of a band of latitude around the
world. The R*Tree stores 32-bit floats rounded outwards, so a box finds a superset of its points:
callers measure the true distance of what it finds.
"""

from functools import lru_cache

from sqlalchemy import Column, Float, Integer, MetaData, Select, Table, bindparam, func, select
from sqlalchemy.sql.elements import ColumnElement

from models.directory import Location

# Not in Base.metadata: a virtual table of SQLite's, made and kept by migration 0011.
location_points = Table(
    "location_points", MetaData(),
    Column("id", Integer, primary_key=True),  # locations.id
    Column("south", Float), Column("north", Float), Column("west", Float), Column("east", Float),
)


BOX = ("south", "north", "west", "east")


def box_condition(dialect: str) -> ColumnElement:
    """Locations within the box given as the statement's parameters `south`, `north`, `west`
    and `east` (degrees, west <= east, within -180..180; see `box_parts`): one statement, built
    once, serves every box."""
    if dialect == "postgresql":
        south, north, west, east = _box_parameters()
        return func.point(Location.longitude, Location.latitude).op("<@")(
            func.box(func.point(west, south), func.point(east, north)))
    return Location.id.in_(_points_in_box())


@lru_cache
def box_count_statement(dialect: str) -> Select:
    """How many locations lie in the box (the parameters of `box_condition`), counting no
    further than the parameter `most`: the count costs at most that many index entries."""
    found = (select(Location.id).where(box_condition(dialect)) if dialect == "postgresql"
             else _points_in_box())
    return select(func.count()).select_from(
        found.limit(bindparam("most", type_=Integer)).subquery())


def _box_parameters():
    return tuple(bindparam(name, type_=Float) for name in BOX)


def _points_in_box() -> Select:
    """The ids of the R*Tree's points within the box (SQLite)."""
    south, north, west, east = _box_parameters()
    return select(location_points.c.id).where(
        location_points.c.north >= south, location_points.c.south <= north,
        location_points.c.east >= west, location_points.c.west <= east)


def box_parts(south: float, north: float, west: float,
              east: float) -> list[dict[str, float]]:
    """A box as the parameters of `box_condition`: two boxes when it crosses the antimeridian
    (west < -180 or east > 180)."""
    if west < -180:
        return [*box_parts(south, north, west + 360, 180.0),
                *box_parts(south, north, -180.0, east)]
    if east > 180:
        return [*box_parts(south, north, west, 180.0),
                *box_parts(south, north, -180.0, east - 360)]
    return [dict(zip(BOX, (south, north, west, east), strict=True))]

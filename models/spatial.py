"""The spatial index of clinic locations (migration 0011): which locations lie in a box.

SQLite keeps the points in an R*Tree virtual table, `location_points`, that triggers on
`locations` keep in step; PostgreSQL keeps a GiST index on `point(longitude, latitude)`. Either
way a near search reads the few locations in its box instead of a band of latitude around the
world. The R*Tree stores 32-bit floats rounded outwards, so a box finds a superset of its points:
callers measure the true distance of what it finds.

On PostgreSQL a second GiST index (migration 0013) holds each location's point on the unit
sphere, so that `nearest_order` reads locations in order of great-circle distance: a search for
the few nearest stops once it has them, however far they are.
"""

import math
from functools import lru_cache

from sqlalchemy import Column, Float, Integer, MetaData, Select, Table, bindparam, func, select
from sqlalchemy.dialects.postgresql import array
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
    further than the parameter `most`: the count costs at most that many index entries. On
    PostgreSQL the function of migration 0014: an index-only scan that the planner may not
    replace with a bitmap scan, which would gather the whole box first."""
    if dialect == "postgresql":
        return select(func.reliefmap_box_count(*_box_parameters(),
                                               bindparam("most", type_=Integer)))
    return select(func.count()).select_from(
        _points_in_box().limit(bindparam("most", type_=Integer)).subquery())


def sphere_point(latitude, longitude) -> ColumnElement:
    """The point on the unit sphere (a PostgreSQL `cube`) of SQL latitude and longitude
    expressions; migration 0013 indexes it for the columns of `locations`."""
    lat, lon = func.radians(latitude), func.radians(longitude)
    return func.cube(array([func.cos(lat) * func.cos(lon), func.cos(lat) * func.sin(lon),
                            func.sin(lat)]))


def with_coordinates() -> list[ColumnElement]:
    """Locations with both coordinates (the rows migration 0013 indexes)."""
    return [Location.latitude.is_not(None), Location.longitude.is_not(None)]


def nearest_order() -> ColumnElement:
    """PostgreSQL: an ORDER BY of locations nearest first to the point given as the statement's
    parameters `x`, `y` and `z` (see `sphere_parameters`), read from the index of migration
    0013 (with `with_coordinates()` among the statement's conditions)."""
    target = func.cube(array([bindparam(name, type_=Float) for name in "xyz"]))
    return sphere_point(Location.latitude, Location.longitude).op("<->")(target)


def sphere_parameters(lat: float, lon: float) -> dict[str, float]:
    """The parameters of `nearest_order` for a point."""
    phi, lam = math.radians(lat), math.radians(lon)
    return {"x": math.cos(phi) * math.cos(lam), "y": math.cos(phi) * math.sin(lam),
            "z": math.sin(phi)}


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

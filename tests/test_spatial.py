"""The spatial index of locations (migration 0011): boxes find the located addresses in them,
across the antimeridian too, the index follows inserts, moves and deletes, and near searches
read it instead of a band of latitude. On PostgreSQL the nearest are read in order of distance
(migration 0013), and give what a search of the whole earth gives."""

import random
import re

import pytest
from sqlalchemy import select, text

from models import PUBLISHED, Clinic, Location
from models.spatial import box_condition, box_count_statement, box_parts
from reliefmap.geocode import Place
from web import queries
from web.queries import bounding_box, haversine_km

PLACES = {"new-york": (40.75, -73.99), "suva": (-18.14, 178.44), "apia": (-13.83, -171.76),
          "nowhere": (None, None)}


@pytest.fixture
def located(database) -> dict[str, int]:
    """One clinic with a location at each place: place -> location id."""
    with database.write_session.begin() as session:
        clinic = Clinic(slug="everywhere", name="Everywhere Clinic", locations=[
            Location(locality=name, latitude=lat, longitude=lon)
            for name, (lat, lon) in PLACES.items()])
        session.add(clinic)
        session.flush()
        return {location.locality: location.id for location in clinic.locations}


def found(database, lat: float, lon: float, km: float) -> set[str]:
    with database.read_session() as session:
        box = select(Location.locality).where(box_condition(session.get_bind().dialect.name))
        return {locality for part in box_parts(*bounding_box(lat, lon, km))
                for locality in session.scalars(box, part)}


def test_a_box_finds_the_locations_in_it_and_none_without_coordinates(database, located):
    assert found(database, 40.7, -74.0, 20) == {"new-york"}
    assert found(database, 0.0, 0.0, 100) == set()
    assert found(database, 0.0, 0.0, 20_038) == {"new-york", "suva", "apia"}


def test_a_box_across_the_antimeridian_finds_both_sides(database, located):
    assert found(database, -16.0, 179.9, 1200) == {"suva", "apia"}  # east beyond 180
    assert found(database, -16.0, -179.9, 1200) == {"suva", "apia"}  # west beyond -180
    assert found(database, -18.0, 178.0, 100) == {"suva"}


def test_a_near_search_across_the_antimeridian_finds_the_clinics_on_both_sides(database):
    with database.write_session.begin() as session:
        for slug, (lat, lon) in {"suva": PLACES["suva"], "apia": PLACES["apia"],
                                 "on-the-line": (-16.0, 180.0)}.items():
            session.add(Clinic(slug=slug, name=slug.title(), state=PUBLISHED,
                               locations=[Location(latitude=lat, longitude=lon)]))
    with database.read_session() as session:
        found = queries.find_clinics(session, near=Place(-16.0, 179.9, "Sea", "FJ", None),
                                     radius_km=500, sort="distance", cards=True)
        assert [hit.clinic.slug for hit in found.items] == ["on-the-line", "suva"]
        west = queries.find_clinics(session, near=Place(-16.0, -179.9, "Sea", "FJ", None),
                                    radius_km=500, sort="distance")
        assert [hit.clinic.slug for hit in west.items] == ["on-the-line", "suva"]
        assert [round(hit.distance_km) for hit in west.items] == [11, 296]


def test_the_index_follows_moves_and_deletes(database, located):
    with database.write_session.begin() as session:
        session.get(Location, located["new-york"]).latitude = 51.5
        session.get(Location, located["new-york"]).longitude = -0.13
        session.get(Location, located["nowhere"]).latitude = 40.75
        session.get(Location, located["nowhere"]).longitude = -73.99
    assert found(database, 51.5, -0.1, 20) == {"new-york"}
    assert found(database, 40.7, -74.0, 20) == {"nowhere"}
    with database.write_session.begin() as session:
        session.delete(session.get(Location, located["nowhere"]))
    assert found(database, 40.7, -74.0, 20) == set()


def test_a_near_search_reads_the_index(database, located):
    with database.read_session() as session:
        dialect = session.get_bind().dialect.name
        (part,) = box_parts(*bounding_box(40.7, -74.0, 50))
        query = select(Location.id).where(box_condition(dialect)).params(**part)
        compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        if dialect == "postgresql":
            session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table otherwise
            plan = " ".join(session.scalars(text(f"EXPLAIN {compiled}")))
            assert "ix_locations_point" in plan
        else:
            plan = " ".join(row[3] for row in session.execute(
                text(f"EXPLAIN QUERY PLAN {compiled}")))
            assert "location_points" in plan and "VIRTUAL TABLE" in plan


def test_nearest_reads_the_index_of_distance_on_postgresql(database, located):
    with database.read_session() as session:
        dialect = session.get_bind().dialect.name
        nearest = queries._circle_statement(session, [], wide=False, nearest=True)
        if dialect == "postgresql":
            session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table otherwise
            query = nearest.params(x=1.0, y=0.0, z=0.0, limit=3)
            compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
            plan = " ".join(session.scalars(text(f"EXPLAIN {compiled}")))
            assert "ix_locations_sphere" in plan and "Limit" in plan
        else:  # SQLite widens circles read from the R*Tree
            assert "location_points" in str(nearest) and "ORDER BY" not in str(nearest)


@pytest.fixture
def scattered(database) -> list[tuple[str, float, float]]:
    """60 published clinics scattered over the north-east of the US, a few with a second
    location and a few sharing a point (ties): (slug, lat, lon) of each location."""
    rng = random.Random(5)
    points = []
    with database.write_session.begin() as session:
        for number in range(60):
            lat, lon = 40 + rng.uniform(-3, 3), -74 + rng.uniform(-4, 4)
            if number % 10 == 9:  # the same point as the clinic before
                lat, lon = points[-1][1:]
            places = [(lat, lon)] + ([(lat + 0.5, lon - 0.5)] if number % 7 == 0 else [])
            slug = f"scattered-{number:02}"  # in the order of the names
            session.add(Clinic(slug=slug, name=f"Scattered {number:02}", state=PUBLISHED,
                               locations=[Location(latitude=a, longitude=b) for a, b in places]))
            points += [(slug, a, b) for a, b in places]
    return points


@pytest.mark.parametrize("batch", [1, 2, queries.NEAREST_BATCH])
@pytest.mark.parametrize("count", [1, 3, 7, 25])
def test_the_nearest_clinics_are_those_nearest_of_all(database, scattered, count, batch,
                                                      monkeypatch):
    """With small batches, ties and clinics with two locations need more than the first."""
    monkeypatch.setattr(queries, "NEAREST_BATCH", batch)
    rng = random.Random(count)
    with database.read_session() as session:
        for _ in range(5):
            lat, lon = 40 + rng.uniform(-3, 3), -74 + rng.uniform(-4, 4)
            best: dict[str, float] = {}
            for slug, a, b in scattered:
                best[slug] = min(best.get(slug, 1e9), haversine_km(lat, lon, a, b))
            wanted = sorted(best, key=lambda slug: (best[slug], slug))[:count]
            nearest = queries.nearest_clinics(session, Place(lat, lon, "Here", "US", None),
                                              count, radius_km=20_000)
            assert [hit.clinic.slug for hit in nearest] == wanted


def test_the_nearest_are_looked_for_among_a_bounded_number_of_locations(database, scattered,
                                                                      monkeypatch):
    """A filter few clinics match must not read every location of the directory: PostgreSQL
    looks among the MAX_NEAREST_LOCATIONS locations nearest to the place, SQLite widens its
    circles no further once one's box holds more than that many."""
    monkeypatch.setattr(queries, "MAX_NEAREST_LOCATIONS", 5)
    lat, lon = 40.2, -73.6
    nearest_km: dict[str, float] = {}
    for slug, a, b in scattered:
        nearest_km[slug] = min(nearest_km.get(slug, 1e9), haversine_km(lat, lon, a, b))
    by_distance = sorted(nearest_km, key=lambda slug: (nearest_km[slug], slug))
    with database.read_session() as session:
        nearest = [hit.clinic.slug for hit in queries.nearest_clinics(
            session, Place(lat, lon, "Here", "US", None), 25, radius_km=20_000)]
        if session.get_bind().dialect.name == "postgresql":
            closest_points = sorted(scattered, key=lambda point: haversine_km(lat, lon,
                                                                              *point[1:]))
            assert set(nearest) == {slug for slug, *_ in closest_points[:5]}
            return
    def box_holds(km: float) -> int:
        south, north, west, east = bounding_box(lat, lon, km)
        return sum(south <= a <= north and west <= b <= east for _slug, a, b in scattered)

    last = next(km for km in queries.NEARBY_STEPS_KM if box_holds(km) > 5)
    assert last < 20_000 and 0 < len(nearest) < 25
    assert nearest == [slug for slug in by_distance if nearest_km[slug] <= last][:25]


@pytest.fixture
def crowded(database) -> int:
    """30 located addresses within a few hundred metres of one another, and one far away."""
    with database.write_session.begin() as session:
        session.add(Clinic(slug="crowded", name="Crowded Clinic", locations=[
            Location(latitude=40.75 + i / 10_000, longitude=-73.99 - i / 10_000)
            for i in range(30)] + [Location(latitude=51.5, longitude=-0.13)]))
    return 30


@pytest.mark.parametrize("most", [1, 5, 29, 30, 31, 100])
def test_a_box_count_stops_at_its_bound(database, crowded, most):
    with database.read_session() as session:
        statement = box_count_statement(session.get_bind().dialect.name)
        (part,) = box_parts(*bounding_box(40.75, -73.99, 10))
        assert session.execute(statement, {**part, "most": most}).scalar() == min(most, crowded)


def test_postgresql_counts_a_box_entry_by_entry_not_gathering_it_first(database, crowded):
    """A bitmap scan gathers the whole box before the bound applies (at a million clinics the
    planner chose one: 84,400 entries read for a count bounded at 2,001). The count runs in a
    function that rules bitmap scans out, and its plan, logged by auto_explain, reads the index
    in order; the index holds the coordinates, so that the count need not read the table."""
    (part,) = box_parts(*bounding_box(40.75, -73.99, 10))
    with database.read_session() as session:
        if database.dialect != "postgresql":  # the R*Tree's count stops at its bound as it is
            compiled = str(box_count_statement("sqlite"))
            assert "location_points" in compiled and "LIMIT" in compiled
            return
        settings = session.scalar(text(
            "SELECT proconfig FROM pg_proc WHERE proname = 'reliefmap_box_count'"))
        assert settings == ["enable_bitmapscan=off"]
        plans: list[str] = []
        raw = session.connection().connection.dbapi_connection
        raw.add_notice_handler(lambda notice: plans.append(notice.message_primary))
        for setting in ("LOAD 'auto_explain'", "SET LOCAL enable_seqscan = off",
                        "SET LOCAL auto_explain.log_min_duration = 0",
                        "SET LOCAL auto_explain.log_nested_statements = on",
                        "SET LOCAL auto_explain.log_level = notice"):
            session.execute(text(setting))
        statement = box_count_statement("postgresql")
        assert session.execute(statement, {**part, "most": 100}).scalar() == crowded
        counted = next(plan for plan in plans if "FROM locations" in plan)
        assert re.search(r"Index (Only )?Scan using ix_locations_point", counted)
        assert "Bitmap" not in counted
        definition = session.scalar(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_locations_point'"))
        assert definition.endswith("INCLUDE (longitude, latitude)")

"""The spatial index of locations (migration 0011): boxes find the located addresses in them,
across the antimeridian too, the index follows inserts, moves and deletes, and near searches
read it instead of a band of latitude."""

import pytest
from sqlalchemy import select, text

from models import PUBLISHED, Clinic, Location
from models.spatial import box_condition, box_parts
from reliefmap.geocode import Place
from web import queries
from web.queries import bounding_box

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

"""The web benchmark's data generator still builds a directory the app can serve (tiny size)."""

from sqlalchemy import func, select

from bench.web.generate import generate
from models import PUBLISHED, Clinic, Database, Location, clinic_terms
from models.counts import counted_anew, counts_kept
from web import queries


def test_the_generator_builds_a_published_searchable_directory(tmp_path, config, database_url):
    """On the suite's engine: SQLite from an empty file, PostgreSQL (COPY, triggers off, the
    search index built at the end) in an empty database at the head revision."""
    if not database_url.startswith("postgresql"):
        database_url = f"sqlite:///{tmp_path / 'bench.sqlite'}"
    url = database_url
    assert generate(url, config, 60, seed=3) == 60
    database = Database(url)
    try:
        with database.read_session() as session:
            assert session.scalar(select(func.count()).select_from(Clinic)
                                  .where(Clinic.state == PUBLISHED)) == 60
            countries = set(session.scalars(select(Location.country).distinct()))
            assert countries == {"US", "CA", "GB"}
            assert session.scalar(select(func.count()).select_from(Location)
                                  .where(Location.latitude.is_(None))) == 0
            assert session.scalar(select(func.count()).select_from(clinic_terms)) >= 120
            # The search index was built once over the bulk-inserted rows.
            assert queries.find_clinics(session, q="pain").total > 0
            region = session.scalar(select(Location.region).limit(1))
            assert queries.find_clinics(session, region=region).total > 0
            # The rows went in without the ORM: the kept counts were counted afterwards.
            assert counts_kept(session) == dict(counted_anew(session))
            assert counts_kept(session)[("", "total", "")] == 60
    finally:
        database.dispose()

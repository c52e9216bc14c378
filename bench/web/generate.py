"""A synthetic published directory for the web benchmark: clinics across US states, Canadian
provinces and UK nations, placed in real cities (packaged geonames data, US ZIPs from the
zipcodes package), tagged with the configured treatments and conditions.

On SQLite, rows go in with Core executemany inserts into the schema of migration 0001; the later
migrations (the full-text index and its triggers) then run once over all rows, instead of
triggers firing for every row. On PostgreSQL, rows go in with COPY into the whole schema with
its triggers off, and the search index is then built once. The same seed gives the same
directory.
"""

import json
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import column, func, insert, select, table

from models import (
    PUBLISHED,
    Clinic,
    Database,
    Location,
    Term,
    clinic_terms,
    migrate,
    rebuild_counts,
)
from models.setup import sync_config
from reliefmap.config import Config
from reliefmap.geocode import cities

COUNTRY_SHARE = {"US": 0.7, "CA": 0.15, "GB": 0.15}
BATCH = 5_000
BASE_REVISION = "0001"  # the tables, before the search index and its triggers
NAME_FIRST = ("Blue Ridge", "Harbor", "Cedar", "Summit", "Riverside", "Northstar", "Lakeside",
              "Maple", "Evergreen", "Granite", "Willow", "Bayview", "Oakwood", "Pinecrest",
              "Silverline", "Meadow", "Horizon", "Beacon", "Keystone", "Aurora")
NAME_KIND = ("Pain Clinic", "Ketamine Center", "Infusion Clinic", "Pain Management",
             "Neuropathic Pain Centre", "Wellness Institute", "Pain Relief Clinic")
STREETS = ("Main St", "Oak Ave", "High Street", "King St W", "Elm Road", "Park Lane",
           "Medical Plaza Dr", "Queen St E", "Church Road", "Station Road")


def _places(rng: random.Random, count: int) -> list:
    """`count` cities drawn by population, each country by its share."""
    by_country = {country: [] for country in COUNTRY_SHARE}
    for found in cities().values():
        for city in found:
            if city.country in by_country and city.region:
                by_country[city.country].append(city)
    places = []
    for country, share in COUNTRY_SHARE.items():
        pool = sorted(by_country[country], key=lambda city: (city.name, city.region))
        places += rng.choices(pool, weights=[city.population for city in pool],
                              k=round(count * share))
    rng.shuffle(places)
    return places[:count]


def _us_zips() -> dict[tuple[str, str], list[str]]:
    import zipcodes

    found: dict[tuple[str, str], list[str]] = {}
    for entry in zipcodes.list_all():
        if entry["zip_code_type"] == "STANDARD":
            found.setdefault((f"US-{entry['state']}", entry["city"].lower()), []).append(
                entry["zip_code"])
    return found


def _terms(database: Database) -> tuple[list[str], list[str]]:
    with database.read_session() as session:
        rows = session.execute(select(Term.slug, Term.kind).order_by(Term.slug)).all()
    return ([slug for slug, kind in rows if kind == "treatment"],
            [slug for slug, kind in rows if kind == "condition"])


def _columns_of(model, rows: list[dict]):
    """The model's table with only the rows' columns: its newer columns (and their Python-side
    defaults) do not exist yet at BASE_REVISION; the later migrations add them."""
    full = model.__table__
    return table(full.name, *(column(key, full.c[key].type) for key in rows[0]))


def _insert(session, into, rows: list[dict]) -> None:
    """Insert the rows: on PostgreSQL with COPY and the triggers off (the search index is
    built once at the end), else with executemany."""
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(into), rows)
        return
    columns = list(rows[0])
    cursor = session.connection().connection.driver_connection.cursor()
    cursor.execute("SET LOCAL session_replication_role = replica")
    with cursor.copy(f"COPY {into.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[name]) if isinstance(row[name], (dict, list))
                            else row[name] for name in columns])


def generate(database_url: str, config: Config, count: int, seed: int = 1) -> int:
    """Fill an empty database with `count` published clinics; returns how many it holds."""
    from alembic import command

    postgresql = database_url.startswith("postgresql")
    # PostgreSQL: the whole schema first; the rows then go in without triggers, and the search
    # index is built once (0002 and 0006 each build it row by row: 17 minutes a million).
    command.upgrade(migrate.alembic_config(database_url), "head" if postgresql else BASE_REVISION)
    database = Database(database_url)
    try:
        with database.write_session.begin() as session:
            sync_config(session, config)
        with database.read_session() as session:
            if session.scalar(select(func.count()).select_from(Clinic)):
                raise SystemExit(f"{database_url} already holds clinics; give an empty one")
        treatments, conditions = _terms(database)
        rng = random.Random(seed)
        zips = _us_zips()
        now = datetime.now(UTC).replace(tzinfo=None)
        places = _places(rng, count)
        for start in range(0, count, BATCH):
            clinics, locations, tags = [], [], []
            for number in range(start, min(start + BATCH, count)):
                city = places[number]
                clinic_id = number + 1
                name = f"{rng.choice(NAME_FIRST)} {rng.choice(NAME_KIND)} of {city.name}"
                clinics.append({
                    "id": clinic_id, "slug": f"clinic-{clinic_id}", "name": name,
                    "description": f"{name} treats chronic and neuropathic pain.",
                    "website": f"https://clinic-{clinic_id}.example.org/",
                    "email": f"info@clinic-{clinic_id}.example.org",
                    "phone": f"+1555{clinic_id:07d}", "status": "active", "state": PUBLISHED,
                    "locked_fields": [], "provenance": {},
                    "last_verified": now - timedelta(days=rng.randrange(400)),
                    "published_at": now, "created_at": now, "updated_at": now})
                postal = rng.choice(zips.get((city.region, city.name.lower()), [None]))
                for _ in range(1 if rng.random() < 0.9 else 2):
                    locations.append({
                        "clinic_id": clinic_id,
                        "street": f"{rng.randrange(1, 2000)} {rng.choice(STREETS)}",
                        "locality": city.name, "region": city.region, "postal_code": postal,
                        "country": city.country,
                        "latitude": city.lat + rng.uniform(-0.05, 0.05),
                        "longitude": city.lon + rng.uniform(-0.05, 0.05)})
                chosen = {"ketamine-iv-infusion"} if rng.random() < 0.6 else set()
                chosen |= set(rng.sample(treatments, rng.randint(1, 2)))
                chosen |= set(rng.sample(conditions, rng.randint(1, 4)))
                tags += [{"clinic_id": clinic_id, "term_slug": slug} for slug in sorted(chosen)]
            with database.write_session.begin() as session:
                _insert(session, _columns_of(Clinic, clinics), clinics)
                _insert(session, _columns_of(Location, locations), locations)
                _insert(session, clinic_terms, tags)
        migrate.upgrade(database_url)
        with database.engine.begin() as connection:
            if postgresql:
                connection.exec_driver_sql(
                    "SELECT setval(pg_get_serial_sequence('clinics', 'id'), max(id)) FROM clinics")
                connection.exec_driver_sql(
                    "SELECT count(reliefmap_refresh_clinic_search(id)) FROM clinics")
                connection.exec_driver_sql("UPDATE search_version SET version = version + 1")
            else:
                connection.exec_driver_sql("ANALYZE")
        if postgresql:  # on SQLite, migration 0012 counted the rows it found
            with database.write_session.begin() as session:
                rebuild_counts(session)
            # VACUUM too, as autovacuum would by the time a live database had this many rows:
            # without the visibility map an index-only scan reads the table (a dense near
            # question took 33 ms instead of 19 ms at 100,000 clinics).
            with database.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        with database.read_session() as session:
            return session.scalar(select(func.count()).select_from(Clinic))
    finally:
        database.dispose()

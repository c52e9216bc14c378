"""The kept counts (models/counts.py): after every kind of change an editor, a crawl or the
taxonomy makes, they equal a count from scratch and the counts the search itself makes."""

import threading
import time

import pytest
from sqlalchemy import delete, select, text

from models import PUBLISHED, Clinic, FacetCount, Location, Term, rebuild_counts
from models.counts import contributions, counts_kept
from tests.public_fixtures import WEEKDAYS_9_TO_5, add_clinic
from web import queries


def counted_anew(session) -> dict:
    """Clinic by clinic (the flushes' way), not in batches (the rebuild's)."""
    return dict(contributions(session, session.scalars(select(Clinic.id))))


def searched(session, scope: str) -> tuple[int, queries.Facets]:
    """Total and facets of a search over the scope, counted by the search's own SQL."""
    term = scope.removeprefix("term:") if scope.startswith("term:") else None
    place = ({} if not scope or term else {"region": scope} if "-" in scope
             else {"country": scope})
    location_filters = queries._location_filters(place.get("country"), place.get("region"),
                                                 None)
    filters = queries._clinic_filters(session, None, term, None, location_filters,
                                      queries.NO_DETAILS)
    total = session.scalar(select(queries.func.count()).select_from(Clinic).where(*filters))
    return total, queries._facets(session, filters, location_filters)


def assert_counts_hold(database):
    with database.read_session() as session:
        assert counts_kept(session) == counted_anew(session)
        for scope in ("", "US", "CA", "US-NY", "US-CA", "CA-ON", "term:crps",
                      "term:neuropathic-pain", "term:ketamine-iv-infusion"):
            assert (queries._scope_total(session, scope),
                    queries._scope_facets(session, scope)) == searched(session, scope), scope


def change(database, edit):
    with database.write_session.begin() as session:
        edit(session)
    assert_counts_hold(database)


def clinic_named(session, name: str) -> Clinic:
    return session.scalar(select(Clinic).where(Clinic.name == name))


def test_the_counts_follow_every_change_to_the_directory(database, details_directory):
    assert_counts_hold(database)
    with database.read_session() as session:
        assert counts_kept(session)[("US-NY", "total", "")] == 3
        # counted up the taxonomy
        assert counts_kept(session)[("", "term", "neuropathic-pain")] >= 3

    def publish(session):
        for clinic in session.scalars(select(Clinic).where(Clinic.state != PUBLISHED)):
            clinic.state = PUBLISHED
    change(database, publish)
    change(database, lambda s: setattr(clinic_named(s, "Manhattan Ketamine Center"),
                                       "status", "closed"))

    def retag(session):
        clinic = clinic_named(session, "Los Angeles Ketamine Clinic")
        clinic.terms = [term for term in clinic.terms if term.slug != "ketamine-iv-infusion"]
        clinic.terms.append(session.get(Term, "diabetic-neuropathy"))
    change(database, retag)

    def second_address(session):
        clinic = clinic_named(session, "Toronto Pain Centre")
        clinic.locations.append(Location(street="1 Main St", locality="Buffalo",
                                         region="US-NY", country="US", latitude=42.9,
                                         longitude=-78.9, hours=WEEKDAYS_9_TO_5))
    change(database, second_address)

    def move(session):
        location = session.scalar(select(Location).where(Location.locality == "Buffalo"))
        location.region, location.locality = "US-PA", "Erie"
    change(database, move)

    def details(session):
        clinic = clinic_named(session, "Brooklyn Nerve Pain Relief")
        clinic.payment, clinic.languages, clinic.telehealth = ["self-pay"], ["ru"], False
        clinic.locations[0].hours = WEEKDAYS_9_TO_5
    change(database, details)
    change(database, lambda s: s.delete(clinic_named(s, "Toronto Pain Centre").locations[0]))
    change(database, lambda s: s.delete(clinic_named(s, "Brooklyn Nerve Pain Relief")))
    with database.read_session() as session:
        new_york = counts_kept(session)[("US-NY", "total", "")]
    change(database, lambda s: add_clinic(
        s, "Albany Pain Care", PUBLISHED, "2 State St", "Albany", "US-NY", "12207", "US",
        42.65, -73.75, ["crps", "ketamine-iv-infusion"], {"payment": ["medicaid"]}))
    with database.read_session() as session:
        assert counts_kept(session)[("US-NY", "total", "")] == new_york + 1
        crps_above = counts_kept(session)[("", "term", "neuropathic-pain")]
    change(database, lambda s: setattr(s.get(Term, "crps"), "parent_slug", None))
    with database.read_session() as session:
        assert counts_kept(session)[("", "term", "neuropathic-pain")] < crps_above


def test_a_change_rolled_back_leaves_the_counts_as_they_were(database, directory):
    with database.read_session() as session:
        before = counts_kept(session)
    with pytest.raises(RuntimeError), database.write_session.begin() as session:
        clinic_named(session, "Manhattan Ketamine Center").status = "closed"
        session.flush()
        raise RuntimeError("the editor's request failed")
    with database.read_session() as session:
        assert counts_kept(session) == before


def lock_waits(database) -> int:
    """Other PostgreSQL sessions of this database waiting for a lock now."""
    with database.engine.connect() as connection:
        return connection.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND pid <> pg_backend_pid()"))


def wait_until_blocked(database, writer: threading.Thread) -> None:
    """Until the writer waits for a lock (PostgreSQL) or has had time to (SQLite, which
    cannot tell)."""
    deadline = time.monotonic() + 10
    while writer.is_alive() and time.monotonic() < deadline:
        if database.dialect != "postgresql":
            time.sleep(0.3)
            return
        if lock_waits(database):
            return
        time.sleep(0.02)


def add_payment(session, name: str, kinds: list[str]) -> None:
    clinic = clinic_named(session, name)
    clinic.payment = sorted({*(clinic.payment or []), *kinds})
    session.flush()


def test_writers_that_flush_more_than_once_do_not_deadlock(database, directory):
    """An editor's bulk review flushes once per entry. Were another writer to lock, between
    those flushes, a count row the review needs next while the review holds one it needs, the
    two would deadlock on PostgreSQL and one would fail. They do not: the first write to a
    public entry locks the directory version's row, so writers of counts take turns."""
    failures = []

    def other_writer():
        try:
            with database.write_session.begin() as session:
                # ("", "payment", "hsa-fsa") first, then ("", "payment", "medicaid")
                add_payment(session, "Brooklyn Nerve Pain Relief", ["hsa-fsa", "medicaid"])
        except Exception as exc:  # the assertion below shows what failed
            failures.append(exc)

    with database.write_session.begin() as session:
        add_payment(session, "Manhattan Ketamine Center", ["medicaid"])
        writer = threading.Thread(target=other_writer)
        writer.start()
        wait_until_blocked(database, writer)
        add_payment(session, "Los Angeles Ketamine Clinic", ["hsa-fsa"])
    writer.join()
    assert failures == []
    assert_counts_hold(database)
    with database.read_session() as session:
        assert counts_kept(session)[("", "payment", "hsa-fsa")] == 2
        assert {"hsa-fsa", "medicaid"} <= set(
            clinic_named(session, "Brooklyn Nerve Pain Relief").payment)


def test_a_rebuild_counts_what_bypassed_the_orm(database, directory):
    with database.write_session.begin() as session:
        session.execute(delete(FacetCount))
    with database.write_session.begin() as session:
        rebuild_counts(session)
    assert_counts_hold(database)


def test_pages_read_the_kept_counts(database, directory, client):
    """The home page shows what the kept counts say: a count changed behind the ORM's back
    shows (which is why writes that bypass it must rebuild), and a rebuild shows at once
    although no clinic changed (it moves the directory version)."""
    with database.write_session.begin() as session:
        row = session.get(FacetCount, ("", "total", ""))
        row.clinics = 4242
    assert "4242 clinics for CRPS" in client.get("/").get_data(as_text=True)
    with database.write_session.begin() as session:
        rebuild_counts(session)
    assert "9 clinics for CRPS" in client.get("/").get_data(as_text=True)


def test_a_trusted_crawl_counts_what_it_publishes(run_cli, database, add_source, sample_server,
                                                  site):
    """The store pipeline inserts new entries without the ORM; a trusted source's are counted
    as they go in, and a recrawl that changes one keeps the counts right."""
    base = sample_server.url
    add_source("trusted", trust="auto", start_urls=[f"{base}/index.html"],
               sitemap_urls=[f"{base}/sitemap.xml"], follow=[r"/page/\d+\.html$"],
               extract=["/clinics/"])
    assert run_cli("crawl", "trusted").returncode == 0
    assert_counts_hold(database)
    with database.read_session() as session:
        listed = session.scalar(select(queries.func.count()).select_from(Clinic)
                                .where(*queries.LISTED))
        assert listed >= 10 and counts_kept(session)[("", "total", "")] == listed
    golden = site / "clinics" / "golden-gate-ketamine.html"
    golden.write_text(golden.read_text().replace("San Francisco", "Oakland"))
    assert run_cli("crawl", "trusted").returncode == 0
    assert_counts_hold(database)


def test_recount_checks_and_mends_the_kept_counts(run_cli, database, directory):
    assert run_cli("recount", "--check").returncode == 0
    with database.write_session.begin() as session:
        session.get(FacetCount, ("US-NY", "total", "")).clinics += 5
    checked = run_cli("recount", "--check")
    assert checked.returncode == 1
    assert checked.stderr.strip().splitlines() == [
        "Error: 1 kept count(s) differ from the directory, first US-NY total '': kept 8, "
        "counted 3; run `reliefmap recount`"]
    assert run_cli("recount").returncode == 0
    assert run_cli("recount", "--check").returncode == 0
    assert_counts_hold(database)

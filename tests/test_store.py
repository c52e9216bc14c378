"""The store pipeline through real crawls: proposals for published entries, pending updates,
locked fields, superseded proposals, missed runs, and whole entries however a crawl ends."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text

from models import Clinic, CrawlRun, ReviewItem, SourceLease, SourceRecord
from models.directory import PUBLISHED
from models.runs import record_missed_runs
from tests.crawl_fixtures import add_clinic_pages

PAGE = "clinics/golden-gate-ketamine.html"


@pytest.fixture
def golden_gate(add_source, sample_server):
    add_source("golden-gate", start_urls=[f"{sample_server.url}/{PAGE}"], extract=["/clinics/"])
    return "golden-gate"


def edit(site, old: str, new: str) -> None:
    path = site / PAGE
    path.write_text(path.read_text().replace(old, new))
    os.utime(path, (time.time() + 5, time.time() + 5))  # a newer Last-Modified


def change_phone(site, last_digit: str) -> None:
    text = (site / PAGE).read_text()
    for old in ("555-0100", "555-0108", "555-0109"):
        text = text.replace(old, f"555-010{last_digit}")
    (site / PAGE).write_text(text)


def test_change_to_published_clinic_is_proposed_never_applied(run_cli, database, golden_gate,
                                                              site):
    assert run_cli("crawl", golden_gate).returncode == 0
    with database.write_session.begin() as session:
        session.scalar(select(Clinic)).state = PUBLISHED

    change_phone(site, "9")
    result = run_cli("crawl", golden_gate)
    assert result.returncode == 0, result.stderr
    assert "1 changed" in result.stdout
    with database.read_session() as session:
        clinic = session.scalar(select(Clinic))
        assert clinic.phone == "+14155550100"  # the published phone stays
        change = session.scalar(select(ReviewItem).where(ReviewItem.kind == "change"))
        assert change.diff == {"phone": {"old": "+14155550100", "new": "+14155550109"}}
        assert change.clinic_id == clinic.id and change.state == "open"
        assert change.payload["provenance"]["source"] == "golden-gate"

    change_phone(site, "8")
    assert run_cli("crawl", golden_gate).returncode == 0
    with database.read_session() as session:
        changes = list(session.scalars(select(ReviewItem).where(ReviewItem.kind == "change")
                                       .order_by(ReviewItem.id)))
        assert [c.state for c in changes] == ["superseded", "open"]
        assert changes[1].diff["phone"]["new"] == "+14155550108"
        assert session.scalar(select(Clinic)).phone == "+14155550100"


def test_pending_clinic_is_updated_except_locked_fields(run_cli, database, golden_gate, site):
    assert run_cli("crawl", golden_gate).returncode == 0
    with database.write_session.begin() as session:
        session.scalar(select(Clinic)).locked_fields = ["name"]

    edit(site, "Golden Gate Ketamine Clinic", "Golden Gate Ketamine Center")
    change_phone(site, "9")
    assert run_cli("crawl", golden_gate).returncode == 0
    with database.read_session() as session:
        clinic = session.scalar(select(Clinic))
        assert clinic.name == "Golden Gate Ketamine Clinic"  # locked by an editor
        assert clinic.phone == "+14155550109"
        record = session.scalar(select(SourceRecord))
        assert clinic.provenance["phone"]["run_id"] == record.crawl_run_id == 2
        assert record.payload["name"] == "Golden Gate Ketamine Center"
        assert session.scalar(select(ReviewItem).where(ReviewItem.kind == "change")) is None


def test_records_a_healthy_run_missed_count_up_and_reset_on_sight(run_cli, database,
                                                                  golden_gate):
    assert run_cli("crawl", golden_gate).returncode == 0
    with database.write_session.begin() as session:
        run = session.scalar(select(CrawlRun))
        run.started_at = session.scalar(select(SourceRecord)).last_seen.replace(year=2100)
        record_missed_runs(session, run)
    with database.read_session() as session:
        assert session.scalar(select(SourceRecord)).missed_runs == 1
    assert run_cli("crawl", golden_gate).returncode == 0
    with database.read_session() as session:
        assert session.scalar(select(SourceRecord)).missed_runs == 0


def entries_are_whole(session) -> None:
    """Every clinic has its location, its source record and its review item, and every record
    its clinic: nothing half-written."""
    clinics = list(session.scalars(select(Clinic)))
    records = {record.clinic_id: record for record in session.scalars(select(SourceRecord))}
    reviews = {review.clinic_id: review for review in session.scalars(select(ReviewItem))}
    assert len(records) == len(clinics) == len(reviews)
    for clinic in clinics:
        assert len(clinic.locations) == 1 and clinic.treatments
        assert records[clinic.id].location_id == clinic.locations[0].id
        assert reviews[clinic.id].source_record_id == records[clinic.id].id


def test_a_killed_crawl_leaves_whole_entries_and_the_next_crawl_the_rest(
        run_cli, cli_env, database, add_source, sample_server, site):
    urls = add_clinic_pages(site, sample_server.url, 300)
    add_source("lake", sitemap_urls=[f"{sample_server.url}/many/sitemap.xml"],
               extract=["/many/"], max_pages=400)
    crawl = subprocess.Popen([str(Path(sys.executable).parent / "reliefmap"), "crawl", "lake"],
                             env=cli_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        stored = 0
        deadline = time.monotonic() + 60
        while stored < 100 and crawl.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            with database.read_session() as session:
                stored = session.scalar(select(func.count()).select_from(SourceRecord))
        crawl.send_signal(signal.SIGKILL)
    finally:
        crawl.wait()
    with database.read_session() as session:
        entries_are_whole(session)
        kept = session.scalar(select(func.count()).select_from(SourceRecord))
    assert 100 <= kept < 300  # killed in the middle
    with database.write_session.begin() as session:
        session.execute(delete(SourceLease))  # as if the killed crawl's lease had expired

    result = run_cli("crawl", "lake")
    assert result.returncode == 0, result.stderr
    with database.read_session() as session:
        entries_are_whole(session)
        assert sorted(session.scalars(select(SourceRecord.url))) == sorted(urls)
        run = session.scalar(select(CrawlRun).order_by(CrawlRun.id.desc()))
        assert (run.items_new, run.items_changed) == (300 - kept, 0)


@pytest.fixture
def refusing_database(database):
    """A database that refuses to store a clinic named "Refused ...", as a full disk or a
    constraint would; the trigger is dropped afterwards (the PostgreSQL database is shared)."""
    if database.dialect == "sqlite":
        create = ["CREATE TRIGGER refuse BEFORE INSERT ON clinics WHEN NEW.name LIKE 'Refused%' "
                  "BEGIN SELECT RAISE(ABORT, 'refused'); END"]
        drop = "DROP TRIGGER refuse"
    else:
        create = ["CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                  "IF NEW.name LIKE 'Refused%' THEN RAISE EXCEPTION 'refused'; END IF; "
                  "RETURN NEW; END $$",
                  "CREATE TRIGGER refuse BEFORE INSERT ON clinics FOR EACH ROW "
                  "EXECUTE FUNCTION refuse()"]
        drop = "DROP TRIGGER refuse ON clinics; DROP FUNCTION refuse()"
    with database.engine.begin() as connection:
        for statement in create:
            connection.execute(text(statement))
    yield database
    with database.engine.begin() as connection:
        for statement in drop.split("; "):
            connection.execute(text(statement))


def test_a_record_the_database_refuses_is_dropped_alone(run_cli, refusing_database,
                                                        add_source, sample_server, site):
    add_clinic_pages(site, sample_server.url, 40)
    page = site / "many" / "7.html"
    page.write_text(page.read_text().replace("Lake Clinic 7", "Refused Clinic 7"))
    add_source("lake", sitemap_urls=[f"{sample_server.url}/many/sitemap.xml"],
               extract=["/many/"])
    result = run_cli("crawl", "lake")
    assert result.returncode == 0, result.stderr
    assert "39 new, 0 changed, 0 unchanged, 1 rejected, 1 errors" in result.stdout
    with refusing_database.read_session() as session:
        entries_are_whole(session)
        names = set(session.scalars(select(Clinic.name)))
        run = session.scalar(select(CrawlRun))
    assert len(names) == 39 and "Refused Clinic 7" not in names
    assert run.stats["store/error"] == 1


DETAILS = """<h2>Hours</h2>
<p>Monday–Thursday 8am–5pm, Friday 8am–noon</p>
<h2>Cost</h2>
<p>Ketamine infusion: $450 per infusion.</p>
<p>We accept Medicare and offer CareCredit financing. Telehealth consultations available.</p>
</main>"""


def test_clinic_details_are_stored_and_their_changes_proposed(run_cli, database, golden_gate,
                                                              site):
    edit(site, "</main>", DETAILS)
    assert run_cli("crawl", golden_gate).returncode == 0
    with database.write_session.begin() as session:
        clinic = session.scalar(select(Clinic))
        assert clinic.payment == ["financing", "medicare"] and clinic.telehealth is True
        assert clinic.prices == [{"amount": 450, "currency": "USD", "per": "infusion",
                                  "treatment": "ketamine-iv-infusion"}]
        assert {(h["day"], h["opens"], h["closes"]) for h in clinic.locations[0].hours} == {
            *((day, "08:00", "17:00") for day in ("Mo", "Tu", "We", "Th")),
            ("Fr", "08:00", "12:00")}
        assert clinic.accepting_new_patients is None and clinic.languages == []
        assert {"hours", "prices", "payment"} <= set(clinic.provenance)
        clinic.state = PUBLISHED

    edit(site, "Friday 8am–noon", "Friday 8am–1pm")
    assert run_cli("crawl", golden_gate).returncode == 0
    with database.read_session() as session:
        change = session.scalar(select(ReviewItem).where(ReviewItem.kind == "change"))
        assert set(change.diff) == {"hours"}
        assert {"day": "Fr", "opens": "08:00", "closes": "13:00"} in change.diff["hours"]["new"]
        assert session.scalar(select(Clinic)).locations[0].hours[-1]["closes"] == "12:00"

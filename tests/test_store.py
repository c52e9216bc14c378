"""The store pipeline through real crawls: proposals for published entries, pending updates,
locked fields, superseded proposals and missed runs."""

import os
import time

import pytest
from sqlalchemy import select

from models import Clinic, CrawlRun, ReviewItem, SourceRecord
from models.directory import PUBLISHED
from models.runs import record_missed_runs

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

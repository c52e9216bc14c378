"""End-to-end crawls of the sample directory by the real `reliefmap crawl` into a database."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from models import Clinic, CrawlRun, ReviewItem, SourceRecord
from models.directory import PENDING, PUBLISHED

CLINICS_IN_DIRECTORY = 16  # 17 clinic pages; Sunshine Ketamine Centers has two locations


def count(database, model) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_directory_yields_each_clinic_once_with_provenance(
        run_cli, database, directory_source, sample_server):
    result = run_cli("crawl", directory_source)
    assert result.returncode == 0, result.stderr
    assert "sample-directory: succeeded" in result.stdout
    with database.read_session() as session:
        clinics = list(session.scalars(select(Clinic)))
        assert len(clinics) == CLINICS_IN_DIRECTORY
        assert len({clinic.name for clinic in clinics}) == CLINICS_IN_DIRECTORY
        assert all(clinic.state == PENDING for clinic in clinics)
        sunshine = next(c for c in clinics if c.name.startswith("Sunshine Ketamine"))
        assert sorted(loc.locality for loc in sunshine.locations) == ["Miami", "Tampa"]
        records = list(session.scalars(select(SourceRecord)))
        assert len(records) == 17
        assert len({record.location_id for record in records}) == 17
        run = session.scalar(select(CrawlRun))
        # The second Sunshine location is part of the new clinic: a first crawl is all new.
        assert (run.status, run.trigger, run.items_new, run.items_changed) == (
            "succeeded", "manual", 17, 0)
        golden = next(c for c in clinics if c.name == "Golden Gate Ketamine Clinic")
        provenance = golden.provenance["phone"]
        assert provenance["source"] == "sample-directory"
        assert provenance["url"] == f"{sample_server.url}/clinics/golden-gate-ketamine.html"
        assert provenance["run_id"] == run.id and provenance["fetched_at"]
        record = next(r for r in records if r.clinic_id == golden.id)
        assert len(record.fingerprint) == 64 and record.payload["phone"] == "+14155550100"
        assert session.scalar(select(func.count()).select_from(ReviewItem).where(
            ReviewItem.kind == "new")) == CLINICS_IN_DIRECTORY
    assert sample_server.requested("/robots.txt")
    assert not sample_server.requested("/private/hidden-clinic.html")  # robots.txt disallows it


def test_unchanged_recrawl_writes_only_last_seen(run_cli, database, directory_source,
                                                  sample_server, site):
    # Without sitemap dates every page is asked for again, and answered with a 304.
    sitemap = site / "sitemap.xml"
    sitemap.write_text(re.sub(r"<lastmod>.*?</lastmod>", "", sitemap.read_text()))
    assert run_cli("crawl", directory_source).returncode == 0
    with database.read_session() as session:
        before = {r.id: (r.fingerprint, r.last_changed, r.last_seen, r.fetched_at)
                  for r in session.scalars(select(SourceRecord))}
    reviews = count(database, ReviewItem)
    sample_server.requests.clear()

    result = run_cli("crawl", directory_source, "--trigger", "schedule")
    assert result.returncode == 0, result.stderr
    page = sample_server.requested("/clinics/golden-gate-ketamine.html")
    assert [entry["status"] for entry in page] == [304]
    assert "If-None-Match" in page[0]["headers"]
    assert count(database, ReviewItem) == reviews
    with database.read_session() as session:
        after = {r.id: (r.fingerprint, r.last_changed, r.last_seen, r.fetched_at)
                 for r in session.scalars(select(SourceRecord))}
        runs = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
    assert set(after) == set(before)
    for key, (fingerprint, changed, seen, fetched) in after.items():
        assert (fingerprint, changed, fetched) == before[key][:2] + (before[key][3],)
        assert seen > before[key][2]
    assert (runs[1].trigger, runs[1].items_new, runs[1].items_changed,
            runs[1].items_unchanged) == ("schedule", 0, 0, 17)


def test_trusted_source_publishes_at_once(run_cli, database, add_source, sample_server):
    base = sample_server.url
    add_source("trusted", trust="auto", start_urls=[f"{base}/clinics/golden-gate-ketamine.html"],
               extract=["/clinics/golden-gate"])
    assert run_cli("crawl", "trusted").returncode == 0
    with database.read_session() as session:
        clinic = session.scalar(select(Clinic))
        assert clinic.state == PUBLISHED and clinic.published_at and clinic.last_verified
    assert count(database, ReviewItem) == 0


def test_a_crawl_cut_short_by_its_page_cap_counts_no_clinic_as_unlisted(
        run_cli, database, directory_source):
    assert run_cli("crawl", directory_source).returncode == 0
    capped = run_cli("crawl", directory_source, "--max-pages", "3")
    assert capped.returncode == 0, capped.stderr
    with database.read_session() as session:
        assert session.scalar(select(func.max(SourceRecord.missed_runs))) == 0
    assert run_cli("crawl", directory_source).returncode == 0  # a whole crawl sees them all
    with database.read_session() as session:
        assert session.scalar(select(func.max(SourceRecord.missed_runs))) == 0


def test_recrawl_skips_pages_whose_sitemap_lastmod_predates_their_fetch(
        run_cli, database, add_source, sample_server, site):
    add_source("by-sitemap", sitemap_urls=[f"{sample_server.url}/sitemap.xml"],
               extract=["/clinics/"])
    assert run_cli("crawl", "by-sitemap").returncode == 0
    pages = {r["path"] for r in sample_server.requests if "/clinics/" in r["path"]}
    assert len(pages) == 17
    with database.read_session() as session:
        # By id: Sunshine's two records share their page's URL.
        before = {r.id: (r.url, r.last_seen, r.fetched_at)
                  for r in session.scalars(select(SourceRecord))}
    recorded = {url.removeprefix(sample_server.url) for url, _, _ in before.values()}
    assert len(recorded) == 16  # Sunshine's page has two records; mont-royal.html none
    # One page changes after the crawl, and the sitemap says so.
    golden = site / "clinics" / "golden-gate-ketamine.html"
    golden.write_text(golden.read_text().replace("555-0100", "555-0142"))
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat(timespec="seconds")
    sitemap = site / "sitemap.xml"
    sitemap.write_text(re.sub(r"(golden-gate-ketamine.html</loc><lastmod>)[^<]*",
                              rf"\g<1>{tomorrow}", sitemap.read_text()))
    sample_server.requests.clear()

    result = run_cli("crawl", "by-sitemap")
    assert result.returncode == 0, result.stderr
    # Pages without records are fetched again: only a page's records tell when it was fetched.
    assert sorted(r["path"] for r in sample_server.requests if "/clinics/" in r["path"]) == sorted(
        pages - recorded | {"/clinics/golden-gate-ketamine.html"})
    with database.read_session() as session:
        after = {r.id: (r.url, r.last_seen, r.fetched_at, r.payload["phone"])
                 for r in session.scalars(select(SourceRecord))}
        run = session.scalar(select(CrawlRun).order_by(CrawlRun.id.desc()))
    assert set(after) == set(before)
    for record_id, (url, seen, fetched, phone) in after.items():
        _, seen_before, fetched_before = before[record_id]
        assert seen > seen_before
        if url.endswith("golden-gate-ketamine.html"):
            assert fetched > fetched_before and phone == "+14155550142"
        else:
            assert fetched == fetched_before, url
    assert (run.status, run.items_new, run.items_changed, run.items_unchanged) == (
        "succeeded", 0, 1, 16)
    assert run.stats["reliefmap/skipped_unmodified"] == 15


def test_a_trusted_page_of_branches_publishes_one_clinic_with_every_branch(
        run_cli, database, add_source, sample_server):
    """The second branch on the page belongs to the clinic this crawl just created: it is
    part of the new entry, not a change waiting for an editor."""
    add_source("trusted", trust="auto",
               start_urls=[f"{sample_server.url}/clinics/sunshine-ketamine.html"],
               extract=["/clinics/sunshine"])
    assert run_cli("crawl", "trusted").returncode == 0
    with database.read_session() as session:
        (clinic,) = session.scalars(select(Clinic)).all()
        assert clinic.state == PUBLISHED
        assert sorted(loc.locality for loc in clinic.locations) == ["Miami", "Tampa"]
    assert count(database, ReviewItem) == 0
    again = run_cli("crawl", "trusted")  # recrawled unchanged: still nothing to review
    assert again.returncode == 0
    assert count(database, ReviewItem) == 0

"""Source health after a run, and flags for entries a healthy source stopped listing."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from jobs import health
from models import Clinic, CrawlRun, ReviewItem, Source, SourceRecord, utcnow
from models.runs import FAILED, INTERRUPTED, SUCCEEDED

STALE_AFTER = 3


@pytest.fixture
def source(database):
    with database.write_session.begin() as session:
        row = Source(name="directory", kind="clinics")
        session.add(row)
        session.flush()
        return row.id


def add_run(database, source_id, items, status=SUCCEEDED, reason="finished", started=None):
    with database.write_session.begin() as session:
        run = CrawlRun(source_id=source_id, trigger="schedule", status=status,
                       items_new=items, finish_reason=reason, started_at=started or utcnow(),
                       finished_at=utcnow())
        session.add(run)
        session.flush()
        return run.id


def add_record(database, source_id, name, missed=0, last_seen=None):
    with database.write_session.begin() as session:
        clinic = Clinic(slug=name, name=name.title(), state="published")
        record = SourceRecord(source_id=source_id, record_key=f"http://x/{name}",
                              url=f"http://x/{name}", entry_type="clinic", clinic=clinic,
                              fingerprint="f", missed_runs=missed,
                              last_seen=last_seen or datetime(2026, 11, 1, 12))
        session.add(record)
        session.flush()
        return record.id


def assess(database, run_id):
    with database.write_session.begin() as session:
        return health.assess(session, run_id, STALE_AFTER)


def source_row(database, source_id):
    with database.read_session() as session:
        return session.get(Source, source_id)


def flags(database):
    with database.read_session() as session:
        return session.scalars(select(ReviewItem).where(ReviewItem.kind == "flag")
                               .order_by(ReviewItem.id)).all()


def test_a_first_successful_run_is_healthy(database, source):
    verdict = assess(database, add_run(database, source, 20))
    assert verdict.health == "ok" and verdict.baseline is None and not verdict.alert
    assert source_row(database, source).health == "ok"


def test_far_fewer_items_than_the_median_of_the_last_five_successful_runs_is_degraded(
        database, source):
    for items in (1000, 1000, 20, 18, 22, 19, 21):  # only the last five count: median 20
        add_run(database, source, items)
    add_run(database, source, 0, status=FAILED)  # failures are not part of the baseline
    verdict = assess(database, add_run(database, source, 9))
    assert verdict.health == "degraded" and verdict.baseline == 20 and verdict.alert
    row = source_row(database, source)
    assert row.health == "degraded" and "under half the median (20)" in row.health_note
    summary = verdict.summary()
    assert summary["source"] == "directory" and summary["items"] == 9
    assert summary["health"] == "degraded" and summary["baseline_median"] == 20


def test_half_the_median_or_more_is_healthy(database, source):
    for items in (20, 20, 20):
        add_run(database, source, items)
    assert assess(database, add_run(database, source, 10)).health == "ok"


def test_a_failed_run_marks_the_source_failing_and_a_good_run_heals_it(database, source):
    add_run(database, source, 20)
    verdict = assess(database, add_run(database, source, 0, status=FAILED,
                                       reason="no page could be fetched: HTTP 503"))
    assert verdict.health == "failing" and verdict.alert
    assert "HTTP 503" in source_row(database, source).health_note
    assert assess(database, add_run(database, source, 20)).health == "ok"
    assert source_row(database, source).health_note is None


def test_an_interrupted_run_leaves_the_health_alone(database, source):
    add_run(database, source, 20)
    assess(database, add_run(database, source, 0, status=FAILED))
    verdict = assess(database, add_run(database, source, 3, status=INTERRUPTED))
    assert verdict.health == "failing" and not verdict.alert


def test_entries_a_healthy_source_stopped_listing_are_flagged_once(database, source):
    add_run(database, source, 20)
    gone = add_record(database, source, "gone", missed=STALE_AFTER)
    add_record(database, source, "recent", missed=STALE_AFTER - 1)
    verdict = assess(database, add_run(database, source, 20))
    assert verdict.flagged == 1
    [flag] = flags(database)
    assert flag.source_record_id == gone and flag.origin == "system" and flag.state == "open"
    assert flag.note == "no longer listed by directory since 2026-11-01"
    assert flag.clinic_id is not None and flag.entry_type == "clinic"
    assert assess(database, add_run(database, source, 20)).flagged == 0  # open flag: no copy
    with database.write_session.begin() as session:
        session.get(ReviewItem, flag.id).state = "rejected"  # an editor keeps the entry
    assert assess(database, add_run(database, source, 20)).flagged == 1
    with database.read_session() as session:
        assert session.get(Clinic, flag.clinic_id).state == "published"  # never deleted


def test_a_degraded_or_failing_source_flags_nothing_and_forgives_the_misses(database, source):
    for _ in range(3):
        add_run(database, source, 20)
    started = utcnow()
    unseen = add_record(database, source, "unseen", missed=STALE_AFTER,
                        last_seen=started - timedelta(days=1))
    seen = add_record(database, source, "seen", missed=0, last_seen=started + timedelta(seconds=1))
    # The crawl counted a miss for every record it did not see (models.runs.record_missed_runs).
    degraded = assess(database, add_run(database, source, 2, started=started))
    assert degraded.health == "degraded" and degraded.flagged == 0 and flags(database) == []
    with database.read_session() as session:
        assert session.get(SourceRecord, unseen).missed_runs == STALE_AFTER - 1
        assert session.get(SourceRecord, seen).missed_runs == 0
    failing = assess(database, add_run(database, source, 0, status=FAILED))
    assert failing.health == "failing" and flags(database) == []


def test_a_run_is_judged_once(database, source):
    run = add_run(database, source, 0, status=FAILED)
    assert assess(database, run).health == "failing"
    assert assess(database, run) is None


def test_unjudged_runs_are_the_newest_ended_run_of_each_source(database, source):
    with database.write_session.begin() as session:
        other = Source(name="other", kind="resources")
        session.add(other)
        session.flush()
        other_id = other.id
    add_run(database, source, 20)
    newest = add_run(database, source, 0, status=FAILED)
    add_run(database, source, 0, status=INTERRUPTED)
    judged = add_run(database, other_id, 5)
    assess(database, judged)
    with database.read_session() as session:
        assert health.unjudged_runs(session, settled_for=timedelta(0)) == [newest]
        assert health.unjudged_runs(session, settled_for=timedelta(minutes=5)) == []


def test_a_tick_is_crawled_once_whichever_scheduler_opens_it_first(database):
    """Two schedulers sharing the database both fire a tick: the second opener is skipped,
    even when the first run already ended (a fast crawl releases its lease before then)."""
    from datetime import timedelta

    from jobs.crawls import current_tick, open_run
    from models import Source, utcnow

    with database.write_session.begin() as session:
        session.add(Source(name="directory", kind="clinics"))
    tick = utcnow() - timedelta(seconds=1)
    with database.write_session.begin() as session:
        first = open_run(session, "directory", "schedule", "host-a:1", tick)
        first.status, first_id = "succeeded", first.id
    with database.write_session.begin() as session:
        second = open_run(session, "directory", "schedule", "host-b:2", tick)
        assert second.status == "skipped"
        assert second.finish_reason.startswith("skipped: the tick of ")
        assert f"was crawled by run {first_id} (host-a:1)" in second.finish_reason
        later = open_run(session, "directory", "schedule", "host-b:2", utcnow())
        assert later.status == "running"  # the next tick is crawled again
        manual = open_run(session, "directory", "manual", "host-b:2")
        assert manual.status == "running"  # a manual run is no tick

    every_4s = current_tick("*/4 * * * * *", "UTC", timedelta(minutes=5))
    assert every_4s.second % 4 == 0 and timedelta(0) <= utcnow() - every_4s < timedelta(
        seconds=4.5)
    hourly = current_tick("0 * * * *", "UTC", timedelta(hours=2))
    assert (hourly.minute, hourly.second) == (0, 0) and utcnow() - hourly < timedelta(hours=1)


def test_a_skipped_run_ends_when_it_starts(database):
    from datetime import timedelta

    from jobs.crawls import open_run
    from models import Source, SourceLease, utcnow

    with database.write_session.begin() as session:
        session.add(Source(name="directory", kind="clinics"))
        session.add(SourceLease(source_name="directory", holder="host-a:1",
                                expires_at=utcnow() + timedelta(minutes=1)))
    with database.write_session.begin() as session:
        skipped = open_run(session, "directory", "schedule", "host-b:2", utcnow())
        assert skipped.status == "skipped"
        assert skipped.started_at == skipped.finished_at

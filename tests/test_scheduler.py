"""The scheduler as operators run it: a real `reliefmap scheduler` process starting real crawls
of the sample site as child processes."""

import os
import shutil
import signal
import time

import pytest
from sqlalchemy import func, select

from models import Clinic, CrawlRequest, ReviewItem, Source, SourceRecord
from models.runs import INTERRUPTED, RUNNING, SKIPPED, SUCCEEDED
from tests.scheduler_fixtures import (
    CLINIC_PAGES,
    add_source,
    pid_of,
    runs_of,
    set_keys,
    wait_for,
)

EVERY_3_SECONDS = "*/3 * * * * *"
NEVER_DURING_A_TEST = "0 3 1 1 *"


def finished(database, name, count=1, status=None):
    """The source's runs once `count` of them ended (with `status`, when given)."""
    def check():
        runs = runs_of(database, name)
        done = [run for run in runs if run.status != RUNNING and run.status in
                ((status,) if status else (SUCCEEDED, SKIPPED, INTERRUPTED, "failed"))]
        return runs if len(done) >= count else None
    return check


def test_a_cron_schedule_with_seconds_fires_a_crawl(scheduler_config, clinic_site, start_scheduler,
                                                     database):
    add_source(scheduler_config, "directory", clinic_site.url, EVERY_3_SECONDS)
    scheduler = start_scheduler()
    runs = wait_for(finished(database, "directory", status=SUCCEEDED), 60,
                    message="a scheduled run to succeed")
    run = next(run for run in runs if run.status == SUCCEEDED)
    assert run.trigger == "schedule"
    assert run.pages >= CLINIC_PAGES and run.items_total >= CLINIC_PAGES
    assert run.finished_at >= run.started_at and run.log_tail
    assert scheduler.stop() == 0
    with database.read_session() as session:
        assert session.scalar(select(func.count(Clinic.id))) >= CLINIC_PAGES


def running_crawl(database, name, scheduler):
    """The source's run once a crawl child has adopted it (its worker is not the scheduler)."""
    def check():
        for run in runs_of(database, name):
            pid = pid_of(run.worker)
            if run.status == RUNNING and pid and pid != scheduler.process.pid:
                return run
        return None
    return check


def test_two_schedulers_on_one_database_crawl_a_source_once_per_tick(
        scheduler_config, clinic_site, start_scheduler, database):
    add_source(scheduler_config, "directory", clinic_site.url, "*/4 * * * * *")
    began = time.time()
    first, second = start_scheduler(), start_scheduler()
    # Four ended runs, one of them a crawl that succeeded: on a busy machine a crawl can outlast
    # two ticks, whose runs are all skipped meanwhile.
    ended, succeeded = finished(database, "directory", count=4), finished(
        database, "directory", status=SUCCEEDED)
    wait_for(lambda: ended() and succeeded(), 120, message="four ended runs, one succeeded")
    assert first.stop() == 0 and second.stop() == 0
    ticks = (time.time() - began) // 4 + 1
    runs = runs_of(database, "directory")
    # Runs that fetched pages (a run stopped with its scheduler before its crawl began did not).
    crawled = [run for run in runs if run.status != SKIPPED and run.pages]
    assert any(run.status == SUCCEEDED for run in crawled)
    assert len(crawled) <= ticks
    spans = sorted((run.started_at, run.finished_at) for run in crawled)
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert start >= end, "two crawls of one source overlapped"
    for run in runs:  # the other scheduler's run of a tick: skipped, saying why
        if run.status == SKIPPED:
            assert "being crawled by" in run.finish_reason or (
                "the tick of" in run.finish_reason and "was crawled by run" in run.finish_reason)


def test_a_manual_crawl_during_a_scheduled_one_is_skipped(
        scheduler_config, clinic_site, start_scheduler, database, run_cli):
    set_keys(scheduler_config, download_delay=1.0)  # a crawl of about 20 s
    add_source(scheduler_config, "directory", clinic_site.url, EVERY_3_SECONDS)
    scheduler = start_scheduler()
    scheduled = wait_for(running_crawl(database, "directory", scheduler), 60,
                         message="a scheduled crawl to run")
    result = run_cli("crawl", "directory", "--max-pages", "2")
    assert result.returncode == 3, result.stdout + result.stderr
    manual = runs_of(database, "directory")[-1]
    assert manual.trigger == "manual" and manual.status == SKIPPED
    assert scheduled.worker in manual.finish_reason
    assert scheduler.stop() == 0


def test_a_crawl_killed_mid_run_is_interrupted_and_the_next_run_completes(
        scheduler_config, clinic_site, start_scheduler, database):
    set_keys(scheduler_config, download_delay=0.5)
    add_source(scheduler_config, "directory", clinic_site.url, EVERY_3_SECONDS)
    scheduler = start_scheduler()
    victim = wait_for(running_crawl(database, "directory", scheduler), 60,
                      message="a crawl to run")

    def stored_some():
        with database.read_session() as session:
            return session.scalar(select(func.count(SourceRecord.id))
                                  .where(SourceRecord.crawl_run_id == victim.id))
    wait_for(stored_some, 60, message="the crawl to store a first entry")
    set_keys(scheduler_config, download_delay=0)
    os.kill(pid_of(victim.worker), signal.SIGKILL)

    def recovered():
        runs = runs_of(database, "directory")
        killed = next(run for run in runs if run.id == victim.id)
        later = [run for run in runs if run.id > victim.id and run.status == SUCCEEDED]
        return (killed, later[0]) if killed.status != RUNNING and later else None
    killed, following = wait_for(recovered, 90, message="a successful run after the kill")
    assert scheduler.stop() == 0
    assert killed.status == INTERRUPTED and "SIGKILL" in killed.finish_reason
    assert following.pages >= CLINIC_PAGES
    with database.read_session() as session:
        records = session.scalars(select(SourceRecord)).all()
        # Every stored record is whole: it has its entry, and that entry its name and location.
        assert len(records) >= CLINIC_PAGES
        for record in records:
            assert record.clinic is not None and record.clinic.name
            assert record.clinic.locations


def test_sigterm_stops_the_scheduler_and_interrupts_its_crawl_within_the_grace(
        scheduler_config, clinic_site, start_scheduler, database):
    set_keys(scheduler_config, download_delay=1.0)
    add_source(scheduler_config, "directory", clinic_site.url, EVERY_3_SECONDS)
    scheduler = start_scheduler()
    crawl = wait_for(running_crawl(database, "directory", scheduler), 60,
                     message="a crawl to run")
    began = time.monotonic()
    scheduler.process.send_signal(signal.SIGTERM)
    assert scheduler.process.wait(timeout=5 + 15) == 0
    assert time.monotonic() - began < 5 + 10
    ended = next(run for run in runs_of(database, "directory") if run.id == crawl.id)
    assert ended.status == INTERRUPTED and ended.finished_at
    assert ended.finish_reason == "the scheduler was shut down during the crawl"
    assert all(run.status != RUNNING for run in runs_of(database, "directory"))
    with pytest.raises(ProcessLookupError):
        os.kill(pid_of(crawl.worker), 0)


def test_a_crawl_past_its_timeout_is_stopped_and_interrupted(
        scheduler_config, clinic_site, start_scheduler, database):
    set_keys(scheduler_config, download_delay=1.0, crawl_timeout_seconds=4,
             shutdown_grace_seconds=3)
    add_source(scheduler_config, "directory", clinic_site.url, EVERY_3_SECONDS)
    scheduler = start_scheduler()
    # The stopped crawl records itself as interrupted by a shutdown; the scheduler then writes
    # why it stopped it. Wait for that last word.
    def timed_out():
        return next((run for run in runs_of(database, "directory") if run.status == INTERRUPTED
                     and run.finish_reason.startswith("timeout: the crawl ran longer than 4 s")),
                    None)
    run = wait_for(timed_out, 60, message="a run to time out")
    assert scheduler.stop() == 0
    assert (run.finished_at - run.started_at).total_seconds() < 4 + 3 + 5


def test_a_breaking_source_turns_degraded_then_failing_and_keeps_its_published_entries(
        scheduler_config, clinic_site, start_scheduler, database, webhook):
    set_keys(scheduler_config, webhook_url=webhook.url, stale_after_runs=1)
    add_source(scheduler_config, "directory", clinic_site.url, EVERY_3_SECONDS, trust="auto")
    start_scheduler()
    wait_for(finished(database, "directory", status=SUCCEEDED), 60, message="a first run")

    def published():
        with database.read_session() as session:
            return session.scalar(select(func.count(Clinic.id))
                                  .where(Clinic.state == "published"))
    before = published()
    assert before >= CLINIC_PAGES

    def next_run_after_change():
        last = runs_of(database, "directory")[-1].id

        def check():
            runs = [run for run in runs_of(database, "directory") if run.id > last
                    and run.status not in (RUNNING, SKIPPED)]
            return runs[0] if runs else None
        return wait_for(check, 90, message="a run after the change")

    # The directory shrinks to two clinics.
    shutil.rmtree(clinic_site.root / "page")
    (clinic_site.root / "index.html").write_text(
        '<html><body><a href="clinics/cascadia-pain.html">Cascadia</a>'
        '<a href="clinics/yarra-pain.html">Yarra</a></body></html>')
    degraded = next_run_after_change()
    assert degraded.status == SUCCEEDED and degraded.items_total < CLINIC_PAGES / 2
    wait_for(lambda: source_health(database) == "degraded", 10, message="degraded health")
    wait_for(lambda: any(hook["health"] == "degraded" for hook in webhook.received), 10,
             message="the webhook")
    summary = next(hook for hook in webhook.received if hook["health"] == "degraded")
    assert summary["source"] == "directory" and summary["run_id"] == degraded.id
    assert summary["items"] == degraded.items_total and summary["baseline_median"] >= 16

    for path in clinic_site.root.iterdir():  # the site now answers every request with 404
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    failed = next_run_after_change()
    assert failed.status == "failed"
    wait_for(lambda: source_health(database) == "failing", 10, message="failing health")
    wait_for(lambda: any(hook["health"] == "failing" for hook in webhook.received), 10,
             message="the webhook")
    assert published() == before
    with database.read_session() as session:
        assert session.scalar(select(func.count(ReviewItem.id))
                              .where(ReviewItem.kind == "flag")) == 0


def test_a_crawl_run_by_hand_is_judged_by_the_scheduler_too(
        scheduler_config, clinic_site, start_scheduler, database, webhook, run_cli):
    set_keys(scheduler_config, webhook_url=webhook.url)
    add_source(scheduler_config, "directory", clinic_site.url, NEVER_DURING_A_TEST)
    start_scheduler()
    (clinic_site.root / "index.html").unlink()
    result = run_cli("crawl", "directory")
    assert result.returncode == 1, result.stdout + result.stderr
    wait_for(lambda: source_health(database) == "failing", 20, message="failing health")
    wait_for(lambda: webhook.received, 10, message="the webhook")
    [summary] = webhook.received
    assert summary["status"] == "failed" and summary["health"] == "failing"


def source_health(database):
    with database.read_session() as session:
        return session.scalar(select(Source.health).where(Source.name == "directory"))


def test_ticks_missed_while_the_scheduler_was_down_are_caught_up_once(
        scheduler_config, clinic_site, start_scheduler, database):
    from jobs.scheduler import next_run_times

    add_source(scheduler_config, "directory", clinic_site.url, "*/10 * * * * *")
    first = start_scheduler()
    assert first.stop() == 0
    missed = next_run_times(database)["directory"].timestamp()
    before = len(runs_of(database, "directory"))
    # Stay down for two ticks, and come back just after a tick so the next is 10 s away.
    wait_for(lambda: time.time() > missed + 10 and time.time() % 10 < 1, 40, interval=0.05,
             message="two missed ticks")
    restarted = time.time()
    start_scheduler()
    wait_for(lambda: len(runs_of(database, "directory")) > before, 8,
             message="the missed run to be caught up")
    time.sleep(max(0.0, restarted - restarted % 10 + 9.5 - time.time()))
    caught_up = runs_of(database, "directory")[before:]
    assert len(caught_up) == 1 and caught_up[0].trigger == "schedule"


def test_a_run_now_request_is_picked_up_within_seconds(
        scheduler_config, clinic_site, start_scheduler, database):
    add_source(scheduler_config, "directory", clinic_site.url, NEVER_DURING_A_TEST)
    scheduler = start_scheduler()
    with database.write_session.begin() as session:
        request = CrawlRequest(source_name="directory")
        unknown = CrawlRequest(source_name="no-such-source")
        session.add_all([request, unknown])
    asked = time.monotonic()

    def picked():
        with database.read_session() as session:
            row = session.get(CrawlRequest, request.id)
            return row if row.picked_at and row.run_id else None
    row = wait_for(picked, 10, message="the request to be picked")
    assert time.monotonic() - asked < 5
    runs = wait_for(finished(database, "directory", status=SUCCEEDED), 60,
                    message="the requested run")
    assert [run.id for run in runs] == [row.run_id] and runs[0].trigger == "editor"
    with database.read_session() as session:
        ignored = session.get(CrawlRequest, unknown.id)
        assert ignored.picked_at is not None and ignored.run_id is None
    scheduler.process.send_signal(signal.SIGINT)  # as Ctrl-C in a terminal
    assert scheduler.process.wait(timeout=20) == 0

"""`reliefmap crawl`: errors in one line, exit statuses, leases and interrupted runs."""

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from models import CrawlRun, SourceLease, SourceRecord, utcnow
from models.runs import interrupt_abandoned_runs
from models.staging import source_named
from tests.scheduler_fixtures import wait_for


def test_unknown_source_lists_the_known_ones(run_cli, directory_source):
    result = run_cli("crawl", "nope")
    assert result.returncode == 1
    assert "unknown source 'nope'" in result.stderr and "sample-directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_real_source_fails_with_one_line(run_cli, database, add_source):
    result = run_cli("crawl", "rsdsa")  # a shipped source; this machine has no internet
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()
    assert summary[0].startswith("rsdsa: failed")
    assert summary[1].startswith("no page could be fetched: https://rsds.org/")
    assert len(summary) == 2
    with database.read_session() as session:
        run = session.scalar(select(CrawlRun))
        assert run.status == "failed" and run.pages == 0 and run.errors >= 1
        assert run.log_tail and run.finished_at


def test_second_crawl_of_a_leased_source_is_skipped(run_cli, database, directory_source,
                                                    sample_server):
    with database.write_session.begin() as session:
        session.add(SourceLease(source_name=directory_source, holder="other-host:4242",
                                expires_at=utcnow() + timedelta(minutes=5)))
    result = run_cli("crawl", directory_source, "--trigger", "schedule")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "skipped" in result.stdout and "other-host:4242" in result.stdout
    assert not sample_server.requests
    with database.read_session() as session:
        run = session.scalar(select(CrawlRun))
        assert (run.status, run.trigger) == ("skipped", "schedule")
        assert run.finish_reason == (
            f"source '{directory_source}' is being crawled by other-host:4242")


def test_adopts_a_run_made_by_the_scheduler(run_cli, database, directory_source):
    with database.write_session.begin() as session:
        run = CrawlRun(source=source_named(session, directory_source, "clinics"),
                       trigger="editor")
        session.add(run)
        session.flush()
        run_id = run.id
    result = run_cli("crawl", directory_source, "--run-id", str(run_id), "--max-pages", "5")
    assert result.returncode == 0, result.stderr
    with database.read_session() as session:
        runs = list(session.scalars(select(CrawlRun)))
        assert [(r.id, r.status, r.trigger) for r in runs] == [(run_id, "succeeded", "editor")]
        assert runs[0].pages <= 5


def test_runs_of_dead_processes_are_marked_interrupted(database):
    with database.write_session.begin() as session:
        source = source_named(session, "example", "clinics")
        old = utcnow() - timedelta(hours=1)
        session.add_all([
            CrawlRun(source=source, trigger="schedule", worker="dead:1", started_at=old),
            CrawlRun(source=source, trigger="schedule", worker="alive:2", started_at=old),
            CrawlRun(source=source, trigger="manual", worker="young:3"),
            SourceLease(source_name="example", holder="alive:2",
                        expires_at=utcnow() + timedelta(minutes=1)),
        ])
    with database.write_session.begin() as session:
        assert interrupt_abandoned_runs(session) == 1
    with database.read_session() as session:
        statuses = {run.worker: run.status for run in session.scalars(select(CrawlRun))}
    assert statuses == {"dead:1": "interrupted", "alive:2": "running", "young:3": "running"}


def test_unknown_custom_spider_is_one_line(run_cli, add_source, config_file):
    add_source("custom", start_urls=["https://example.org/"])
    config_file.write_text(config_file.read_text() + 'spider = "nosuch"\n')
    result = run_cli("crawl", "custom")
    assert result.returncode == 1
    assert "no spider named 'nosuch'" in result.stderr and "source" in result.stderr
    assert "Traceback" not in result.stderr


def test_after_a_crawl_is_killed_the_next_runs_at_once_and_the_killed_run_says_what_it_stored(
        run_cli, cli_env, config_file, database, directory_source):
    config_file.write_text(config_file.read_text().replace("download_delay = 0\n",
                                                           "download_delay = 0.3\n"))
    crawl = subprocess.Popen([str(Path(sys.executable).parent / "reliefmap"), "crawl",
                              directory_source], env=cli_env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)

    def stored():
        with database.read_session() as session:
            return session.scalar(select(func.count(SourceRecord.id))) >= 3
    try:
        wait_for(stored, 60, message="the crawl to store a few records")
    finally:
        crawl.kill()
        crawl.wait()
    with database.read_session() as session:
        killed = session.scalar(select(CrawlRun))
        records = session.scalar(select(func.count(SourceRecord.id)).where(
            SourceRecord.crawl_run_id == killed.id))
    assert killed.status == "running"  # nobody has noticed yet
    assert killed.items_new == records >= 3 and killed.pages >= records

    result = run_cli("crawl", directory_source)
    assert result.returncode == 0, result.stdout + result.stderr
    with database.read_session() as session:
        killed = session.get(CrawlRun, killed.id)
    assert killed.status == "interrupted" and f":{crawl.pid} died" in killed.finish_reason

"""`reliefmap sources`, `reliefmap runs`, and what the scheduler does with stored jobs at start."""

import socket
import subprocess

from sqlalchemy import select, text

from jobs.scheduler import JOBS_TABLE, next_run_times
from models import CrawlRun, Source, migrate
from models.runs import INTERRUPTED, RUNNING
from tests.scheduler_fixtures import add_source, set_keys, wait_for

DAILY_AT_3 = "0 3 * * *"


def stored_job_ids(database):
    with database.engine.connect() as connection:
        return set(connection.scalars(text(f"SELECT id FROM {JOBS_TABLE}")))


def test_sources_and_runs_show_schedule_next_run_last_run_and_health(
        scheduler_config, clinic_site, start_scheduler, database, run_cli):
    add_source(scheduler_config, "directory", clinic_site.url, DAILY_AT_3)
    add_source(scheduler_config, "paused", clinic_site.url, DAILY_AT_3, enabled=False)
    assert start_scheduler().stop() == 0
    with database.write_session.begin() as session:
        source = session.scalar(select(Source).where(Source.name == "directory"))
        source.health, source.health_note = "degraded", "run 1 found 2 items"
        session.add(CrawlRun(source=source, trigger="manual", status="succeeded", pages=23,
                             items_new=16, items_changed=9, errors=1, finish_reason="finished"))
    result = run_cli("sources")
    assert result.returncode == 0, result.stderr
    lines = dict(line.split("\t", 1) for line in result.stdout.splitlines())
    assert lines["directory"].startswith(f"clinics\t{DAILY_AT_3}\tnext ")
    assert " 03:00\tsucceeded " in lines["directory"]
    assert "(pages 23, new 16, changed 9, unchanged 0, rejected 0, errors 1)" in lines["directory"]
    assert lines["directory"].endswith("\tdegraded: run 1 found 2 items")
    assert lines["paused"] == f"clinics\t{DAILY_AT_3} (disabled)\tnext -\tnever run\tok"

    runs = run_cli("runs", "directory", "--limit", "1")
    assert runs.returncode == 0, runs.stderr
    [line] = runs.stdout.splitlines()
    assert line.startswith("#1\tdirectory\tmanual\tsucceeded\t") and line.endswith("finished")

    unknown = run_cli("runs", "no-such-source")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == ("Error: no source named 'no-such-source'; "
                                      "see 'reliefmap sources'")


def test_config_edits_take_effect_on_restart(scheduler_config, clinic_site, start_scheduler,
                                             database):
    config_text = scheduler_config.read_text()
    add_source(scheduler_config, "first", clinic_site.url, DAILY_AT_3)
    add_source(scheduler_config, "second", clinic_site.url, DAILY_AT_3)
    assert start_scheduler().stop() == 0
    assert stored_job_ids(database) == {"crawl:first", "crawl:second",
                                        "housekeeping:link-check", "housekeeping:prune"}
    scheduler_config.write_text(config_text)
    add_source(scheduler_config, "first", clinic_site.url, "15 5 * * *")
    assert start_scheduler().stop() == 0
    assert stored_job_ids(database) == {"crawl:first", "housekeeping:link-check",
                                        "housekeeping:prune"}
    assert next_run_times(database)["first"].strftime("%H:%M") == "05:15"
    # The scheduler's table lives beside ours without showing up as schema drift.
    migrate.check(database.url)


def test_runs_left_running_by_a_dead_process_are_interrupted_at_start(
        scheduler_config, clinic_site, start_scheduler, database):
    add_source(scheduler_config, "directory", clinic_site.url, DAILY_AT_3)
    gone = subprocess.Popen(["true"])
    gone.wait()
    with database.write_session.begin() as session:
        source = Source(name="directory", kind="clinics")
        session.add(CrawlRun(source=source, trigger="manual", status=RUNNING,
                             worker=f"{socket.gethostname()}:{gone.pid}"))
    start_scheduler()

    def interrupted():
        with database.read_session() as session:
            run = session.scalar(select(CrawlRun))
            return run if run.status == INTERRUPTED else None
    run = wait_for(interrupted, 10, message="the orphaned run to be interrupted")
    assert f":{gone.pid} died" in run.finish_reason and run.finished_at


def test_an_invalid_housekeeping_schedule_is_one_clear_line(scheduler_config, run_cli):
    set_keys(scheduler_config, link_check_schedule="every day")
    result = run_cli("scheduler")
    assert result.returncode == 2
    assert result.stderr.strip().startswith(
        "reliefmap: config error: [scheduler].link_check_schedule: invalid cron expression")
    assert len(result.stderr.strip().splitlines()) == 1

"""One crawl from the scheduler's side: record the run, hand it to an executor, settle its end."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs import health, notify
from jobs.local import Outcome, describe_exit
from models import CrawlRun, Source, utcnow
from models.runs import (
    FAILED,
    INTERRUPTED,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    lease_holder,
    release_lease,
)
from reliefmap.config import check_cron

log = logging.getLogger(__name__)


def current_tick(schedule: str, timezone: str, window: timedelta) -> datetime | None:
    """The latest fire time of a cron schedule at or before now (looking back `window`, the
    misfire grace), as naive UTC like the run times; None when there is none in the window."""
    trigger = check_cron(schedule, timezone)
    now = datetime.now(UTC)
    latest, fire = None, trigger.get_next_fire_time(None, now - window)
    while fire is not None and fire <= now:
        latest, fire = fire, trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return latest.astimezone(UTC).replace(tzinfo=None) if latest else None


def open_run(session: Session, source_name: str, trigger: str, worker: str,
             tick: datetime | None = None) -> CrawlRun:
    """A new run of the source; recorded as skipped when another crawl holds its lease, or when
    `tick` (a scheduled run's fire time) was already crawled by another scheduler."""
    # Locking the source row makes schedulers open its runs one at a time (SQLite's writers
    # are one at a time anyway), so the second opener of a tick sees the first one's run.
    source = session.scalar(select(Source).where(Source.name == source_name).with_for_update())
    if source is None:
        raise LookupError(f"source '{source_name}' is not in the database; "
                          "run 'reliefmap init' after adding it to the config")
    holder = lease_holder(session, source_name)
    earlier = tick and session.scalar(select(CrawlRun).where(
        CrawlRun.source_id == source.id, CrawlRun.trigger == "schedule",
        CrawlRun.status != SKIPPED, CrawlRun.started_at >= tick).limit(1))
    run = CrawlRun(source=source, trigger=trigger, worker=worker, started_at=utcnow())
    if holder or earlier:
        run.status = SKIPPED
        run.finished_at = run.started_at
        run.finish_reason = (f"skipped: the source is being crawled by {holder}" if holder else
                             f"skipped: the tick of {tick:%Y-%m-%d %H:%M:%S} UTC was crawled by "
                             f"run {earlier.id} ({earlier.worker})")
    session.add(run)
    session.flush()
    return run


def settle_run(database, run_id: int, outcome: Outcome) -> CrawlRun:
    """Close a run the crawl process could not close itself (killed, timed out, crashed)."""
    with database.write_session.begin() as session:
        run = session.get(CrawlRun, run_id)
        if run.status == RUNNING:
            killed = (outcome.returncode or 0) < 0
            run.status = INTERRUPTED if outcome.interrupted or killed else FAILED
            run.finish_reason = outcome.reason or describe_exit(outcome.returncode)
            run.finished_at = utcnow()
            # The process is gone, so its lease is free now rather than at expiry.
            for holder in {run.worker, outcome.worker} - {None}:
                release_lease(session, run.source.name, holder)
        elif outcome.interrupted and run.status in (SUCCEEDED, INTERRUPTED):
            # The crawl closed on our SIGTERM: say why it was stopped.
            run.status = INTERRUPTED
            run.finish_reason = outcome.reason
        if not run.log_tail and outcome.output_tail:
            run.log_tail = outcome.output_tail
        session.flush()
        session.expunge(run)
        return run


def crawl(runtime, source_name: str, trigger: str, tick: datetime | None = None) -> int | None:
    """Record a run of the source and carry it out; returns the run id. A scheduled run gives
    its `tick`, so that schedulers sharing the database crawl each tick once."""
    try:
        with runtime.database.write_session.begin() as session:
            run = open_run(session, source_name, trigger, runtime.worker, tick)
    except LookupError as exc:
        log.error("%s", exc)
        return None
    execute(runtime, run.id)
    return run.id


def execute(runtime, run_id: int) -> None:
    """Carry out a recorded run (unless it was skipped), then judge the source's health."""
    with runtime.database.read_session() as session:
        run = session.get(CrawlRun, run_id)
        source_name, trigger, status = run.source.name, run.trigger, run.status
    if status == SKIPPED:
        log.info("run %d of %s skipped: another crawl holds the source", run_id, source_name)
        return
    log.info("run %d of %s started (%s)", run_id, source_name, trigger)
    try:
        outcome = runtime.executor.run(source_name, run_id, trigger,
                                       runtime.config.scheduler.crawl_timeout_seconds)
    except OSError as exc:  # the crawl could not even start: record why, keep scheduling
        log.exception("run %d of %s could not start", run_id, source_name)
        outcome = Outcome(None, f"the crawl could not start: {exc}")
    run = settle_run(runtime.database, run_id, outcome)
    log.info("run %d of %s ended: %s (%s)", run_id, source_name, run.status, run.finish_reason)
    judge(runtime, run_id)


def judge(runtime, run_id: int) -> None:
    """Set the source's health from the run, and tell people when it went wrong."""
    with runtime.database.write_session.begin() as session:
        verdict = health.assess(session, run_id, runtime.config.scheduler.stale_after_runs)
    if verdict and verdict.alert:
        notify.send(runtime.config.scheduler, verdict.summary())

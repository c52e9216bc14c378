"""The scheduler process: one cron job per enabled source, housekeeping, editors' "run now"
requests, and a clean stop on SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from datetime import timedelta

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import inspect, select, text, update

from jobs import crawls, health, housekeeping
from models import CrawlRequest, make_engine, utcnow
from models.runs import interrupt_abandoned_runs
from reliefmap.config import check_cron

log = logging.getLogger(__name__)
JOBS_TABLE = "apscheduler_jobs"  # excluded from Alembic's drift check in models/migrations/env.py
CRAWL_PREFIX = "crawl:"
# A run the scheduler carried out is judged the moment it ends; others after this delay.
JUDGE_AFTER = timedelta(seconds=5)


class Runtime:
    """What the jobs of one scheduler process share."""

    def __init__(self, config, database, executor):
        self.config = config
        self.database = database
        self.executor = executor
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.scheduler: BlockingScheduler | None = None
        self.active = 0
        self.idle = threading.Condition()

    def track(self, delta: int) -> None:
        with self.idle:
            self.active += delta
            self.idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: self.active == 0, timeout=timeout)


RUNTIME: Runtime | None = None


def scheduled_crawl(source_name: str) -> None:
    """The job of one source's cron schedule (referenced by name from the job store)."""
    RUNTIME.track(1)
    try:
        config, source = RUNTIME.config, RUNTIME.config.sources.get(source_name)
        tick = source and crawls.current_tick(
            source.schedule, config.scheduler.timezone,
            timedelta(seconds=config.scheduler.misfire_grace_seconds))
        crawls.crawl(RUNTIME, source_name, "schedule", tick)
    finally:
        RUNTIME.track(-1)


def requested_crawl(run_id: int) -> None:
    """An editor's "run now", already recorded as a run."""
    RUNTIME.track(1)
    try:
        crawls.execute(RUNTIME, run_id)
    finally:
        RUNTIME.track(-1)


def poll_requests() -> None:
    """Claim unpicked "run now" requests, record their runs and start them."""
    claimed = []
    with RUNTIME.database.write_session.begin() as session:
        pending = session.scalars(select(CrawlRequest).where(CrawlRequest.picked_at.is_(None))
                                  .order_by(CrawlRequest.id)).all()
        for request in pending:
            # Two schedulers may poll at once: only the one whose update lands claims it.
            taken = session.execute(update(CrawlRequest).where(
                CrawlRequest.id == request.id, CrawlRequest.picked_at.is_(None))
                .values(picked_at=utcnow())).rowcount
            if not taken:
                continue
            if request.source_name not in enabled_sources(RUNTIME.config):
                log.warning("request %d: source '%s' is not configured or not enabled",
                            request.id, request.source_name)
                continue
            run = crawls.open_run(session, request.source_name, "editor", RUNTIME.worker)
            request.run_id = run.id
            claimed.append((request.id, run.id))
    for request_id, run_id in claimed:
        log.info("request %d picked as run %d", request_id, run_id)
        RUNTIME.scheduler.add_job(requested_crawl, args=[run_id], id=f"request:{request_id}",
                                  jobstore="memory", executor="crawls")


def judge_runs() -> None:
    """Judge runs that ended outside this scheduler's hands (`reliefmap crawl` by hand)."""
    with RUNTIME.database.read_session() as session:
        run_ids = health.unjudged_runs(session, settled_for=JUDGE_AFTER)
    for run_id in run_ids:
        crawls.judge(RUNTIME, run_id)


def link_check() -> None:
    housekeeping.check_links(RUNTIME.config, RUNTIME.database)


def prune() -> None:
    housekeeping.prune(RUNTIME.config, RUNTIME.database)


def enabled_sources(config) -> dict:
    return {name: source for name, source in config.sources.items() if source.enabled}


def wanted_jobs(config) -> dict:
    """Job id -> (function, trigger, args) for everything kept in the persistent job store."""
    settings = config.scheduler
    jobs = {f"{CRAWL_PREFIX}{name}": (scheduled_crawl, check_cron(source.schedule,
                                                                  settings.timezone), [name])
            for name, source in enabled_sources(config).items()}
    jobs["housekeeping:link-check"] = (
        link_check, check_cron(settings.link_check_schedule, settings.timezone), [])
    jobs["housekeeping:prune"] = (
        prune, check_cron(settings.housekeeping_schedule, settings.timezone), [])
    return jobs


def sync_jobs(scheduler: BlockingScheduler, config) -> None:
    """Bring the stored jobs in line with the config. A job whose schedule did not change keeps
    its stored next run time, so a tick missed while the scheduler was down is caught up."""
    stored = {job.id: job for job in scheduler.get_jobs(jobstore="default")}
    wanted = wanted_jobs(config)
    for job_id in stored.keys() - wanted.keys():
        log.info("removing job %s: no longer configured", job_id)
        scheduler.remove_job(job_id, jobstore="default")
    for job_id, (func, trigger, args) in wanted.items():
        job = stored.get(job_id)
        executor = "crawls" if job_id.startswith(CRAWL_PREFIX) else "default"
        if job and repr(job.trigger) == repr(trigger) and list(job.args) == args:
            scheduler.modify_job(job_id, jobstore="default", executor=executor,
                                 misfire_grace_time=config.scheduler.misfire_grace_seconds)
        else:
            scheduler.add_job(func, trigger, args=args, id=job_id, name=job_id,
                              jobstore="default", executor=executor, replace_existing=True)
    for job in scheduler.get_jobs():
        log.info("job %s: next run at %s", job.id, job.next_run_time)


def build_scheduler(runtime: Runtime) -> BlockingScheduler:
    settings = runtime.config.scheduler
    scheduler = BlockingScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(engine=make_engine(runtime.config.database_url),
                                          tablename=JOBS_TABLE),
            "memory": MemoryJobStore(),
        },
        executors={
            "default": ThreadPoolExecutor(4),
            "crawls": ThreadPoolExecutor(settings.max_parallel_crawls),
        },
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": settings.misfire_grace_seconds},
        timezone=settings.timezone,
    )
    scheduler.add_job(poll_requests, "interval", seconds=settings.request_poll_seconds,
                      id="poll-requests", jobstore="memory")
    scheduler.add_job(judge_runs, "interval", seconds=settings.request_poll_seconds,
                      id="judge-runs", jobstore="memory")
    scheduler.add_listener(lambda _event: sync_jobs(scheduler, runtime.config),
                           EVENT_SCHEDULER_STARTED)
    runtime.scheduler = scheduler
    return scheduler


def stop(runtime: Runtime) -> None:
    """Take no new jobs, ask running crawls to close, kill them after the grace period."""
    grace = runtime.config.scheduler.shutdown_grace_seconds
    log.info("stopping: asking running crawls to close (grace %d s)", grace)
    runtime.scheduler.shutdown(wait=False)
    runtime.executor.stop_all(grace)
    # The crawl threads now record how their runs ended.
    runtime.wait_idle(timeout=10)


def run(config, database, executor) -> None:
    """Run the scheduler in this process until SIGTERM or SIGINT."""
    global RUNTIME
    RUNTIME = runtime = Runtime(config, database, executor)
    with database.write_session.begin() as session:
        recovered = interrupt_abandoned_runs(session)
    if recovered:
        log.info("marked %d run(s) left running by a dead process as interrupted", recovered)
    scheduler = build_scheduler(runtime)
    stopper: list[threading.Thread] = []

    def on_signal(signum, _frame):
        if not stopper:
            log.info("received %s", signal.Signals(signum).name)
            stopper.append(threading.Thread(target=stop, args=(runtime,)))
            stopper[0].start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    scheduler.start()
    if stopper:
        stopper[0].join()
    log.info("scheduler stopped")


def next_run_times(database) -> dict[str, object]:
    """Source name -> next scheduled run, read from the job store (empty before a first start)."""
    from apscheduler.util import utc_timestamp_to_datetime

    if not inspect(database.engine).has_table(JOBS_TABLE):
        return {}
    with database.engine.connect() as connection:
        rows = connection.execute(text(f"SELECT id, next_run_time FROM {JOBS_TABLE}")).all()
    return {job_id.removeprefix(CRAWL_PREFIX): utc_timestamp_to_datetime(when)
            for job_id, when in rows if job_id.startswith(CRAWL_PREFIX)}

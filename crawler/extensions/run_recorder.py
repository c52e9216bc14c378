"""Record each crawl as a CrawlRun and hold the source's lease while it runs."""

from __future__ import annotations

import logging
import os
import socket
from collections import deque
from datetime import timedelta

from scrapy import signals
from scrapy.exceptions import CloseSpider
from twisted.internet.task import LoopingCall

from models import Database, utcnow
from models.runs import (
    FAILED,
    INTERRUPTED,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    CrawlRun,
    acquire_lease,
    interrupt_abandoned_runs,
    lease_holder,
    record_missed_runs,
    release_lease,
)
from models.staging import source_named

LEASE_TTL = timedelta(minutes=2)
HEARTBEAT_SECONDS = 30
LOG_TAIL_LINES = 40
KEPT_REJECTIONS = 100


class LogTail(logging.Handler):
    """The last lines of the crawl's log, for the run record."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.lines: deque[str] = deque(maxlen=LOG_TAIL_LINES)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def emit(self, record):
        try:
            self.lines.append(self.format(record).splitlines()[0][:500])
        except Exception:  # a log record that cannot be formatted must not stop the crawl
            self.handleError(record)


class RunRecorder:
    """Open or adopt the run, take the lease (or record the run as skipped), write the outcome."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.holder = os.environ.get("RELIEFMAP_WORKER") or f"{socket.gethostname()}:{os.getpid()}"
        self.heartbeat = LoopingCall(self.renew)
        self.database = None
        self.run_id = None
        self.leased = False
        self.tail = LogTail()
        self.rejections: list[dict] = []
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.rejected, signal=signals.item_dropped)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def opened(self, spider):
        logging.getLogger().addHandler(self.tail)
        source = spider.source
        self.database = Database(spider.config.database_url)
        with self.database.write_session.begin() as session:
            interrupt_abandoned_runs(session)
            source_row = source_named(session, source.name, source.kind)
            run = session.get(CrawlRun, spider.run_id) if spider.run_id else None
            if run is None:
                run = CrawlRun(source=source_row, trigger=spider.trigger)
                session.add(run)
            run.status, run.worker, run.started_at = RUNNING, self.holder, utcnow()
            self.leased = acquire_lease(session, source.name, self.holder, LEASE_TTL)
            if not self.leased:
                holder = lease_holder(session, source.name) or "another crawl"
                run.status, run.finished_at = SKIPPED, utcnow()
                run.finish_reason = f"source '{source.name}' is being crawled by {holder}"
            session.flush()
            self.run_id = spider.run_id = run.id
        stats = self.crawler.stats
        stats.set_value("reliefmap/run_id", self.run_id)
        if not self.leased:
            stats.set_value("reliefmap/run_status", SKIPPED)
            raise CloseSpider("skipped")
        self.heartbeat.start(HEARTBEAT_SECONDS, now=False)

    def rejected(self, item, response, exception):
        """Keep the first rejected items with their reason and page, for the run's page."""
        if len(self.rejections) < KEPT_REJECTIONS:
            self.rejections.append({
                "reason": str(exception),
                "url": item.get("source_url") or (response.url if response else None),
                "name": item.get("name") or item.get("title")})

    def renew(self):
        """Keep the lease, and the run's page count up to date between stored items."""
        spider = self.crawler.spider
        with self.database.write_session.begin() as session:
            acquire_lease(session, spider.source.name, self.holder, LEASE_TTL)
            session.get(CrawlRun, self.run_id).pages = spider.pages

    def closed(self, spider, reason):
        logging.getLogger().removeHandler(self.tail)
        if self.heartbeat.running:
            self.heartbeat.stop()
        if self.database is None:
            return
        try:
            if self.leased:
                self.finish(spider, reason)
        finally:
            self.database.dispose()

    def finish(self, spider, reason: str) -> None:
        stats = self.crawler.stats
        stats.set_value("reliefmap/peak_rss_bytes", peak_rss_bytes())
        values = stats.get_stats()
        status, finish_reason = outcome(spider, reason, values)
        stats.set_value("reliefmap/run_status", status)
        stats.set_value("reliefmap/finish_reason", finish_reason)
        with self.database.write_session.begin() as session:
            run = session.get(CrawlRun, self.run_id)
            run.status, run.finish_reason, run.finished_at = status, finish_reason, utcnow()
            # Items new, changed and unchanged were counted as they were stored.
            run.pages = spider.pages
            run.items_rejected = values.get("item_dropped_count", 0)
            run.errors = (values.get("reliefmap/request_errors", 0)
                          + values.get("spider_exceptions/count", 0)
                          + values.get("store/error", 0))
            run.stats = {key: value if isinstance(value, int | float | str) else str(value)
                         for key, value in values.items()}
            run.log_tail = "\n".join(self.tail.lines)
            run.rejections, run.failures = self.rejections, list(spider.failures)
            if status == SUCCEEDED and saw_whole_source(reason, values):
                record_missed_runs(session, run)
            release_lease(session, spider.source.name, self.holder)


def peak_rss_bytes() -> int | None:
    """This process's own peak resident memory. (Scrapy's memusage/max reads ru_maxrss, which
    Linux carries over from the parent through fork and exec: a crawl started by a big process
    would report the parent's peak.)"""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def saw_whole_source(reason: str, values: dict) -> bool:
    """Whether an unseen record means the source stopped listing it: not when the crawl was cut
    short by its page cap or a timeout, or when some of its pages could not be fetched."""
    return (reason == "finished" and not values.get("reliefmap/capped")
            and not values.get("reliefmap/request_errors"))


def outcome(spider, reason: str, values: dict) -> tuple[str, str]:
    """The run's status and a one-line reason for it."""
    if reason == "shutdown":
        return INTERRUPTED, "shutdown: the crawl was stopped before it finished"
    if spider.pages == 0:
        first = spider.failures[0] if spider.failures else "no page was fetched"
        return FAILED, f"no page could be fetched: {first}"
    if reason not in ("finished", "closespider_pagecount", "closespider_itemcount",
                      "closespider_timeout"):
        return FAILED, reason
    return SUCCEEDED, reason

"""Crawl runs, the per-source lease that keeps two crawls of a source apart, and run requests."""

import os
import socket
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import ForeignKey, String, Text, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, utcnow
from models.staging import Source

RUNNING, SUCCEEDED, FAILED, INTERRUPTED, SKIPPED = (
    "running", "succeeded", "failed", "interrupted", "skipped")
TRIGGERS = ("schedule", "manual", "editor")


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=RUNNING, index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[Optional[datetime]]
    pages: Mapped[int] = mapped_column(default=0)
    items_new: Mapped[int] = mapped_column(default=0)
    items_changed: Mapped[int] = mapped_column(default=0)
    items_unchanged: Mapped[int] = mapped_column(default=0)
    items_rejected: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    finish_reason: Mapped[Optional[str]] = mapped_column(Text)
    log_tail: Mapped[Optional[str]] = mapped_column(Text)
    stats: Mapped[dict] = mapped_column(default=dict)
    # The items the run rejected, [{reason, url, name}], and the pages it could not fetch,
    # ["URL: reason"]; the first few of each.
    rejections: Mapped[list] = mapped_column(default=list)
    failures: Mapped[list] = mapped_column(default=list)
    # Who runs it: "host:pid" for a local process, "scrapyd:<node>:<job>" on Scrapyd.
    worker: Mapped[Optional[str]] = mapped_column(String(200))

    source: Mapped[Source] = relationship(back_populates="runs")

    @property
    def items_total(self) -> int:
        return self.items_new + self.items_changed + self.items_unchanged

    @property
    def duration(self) -> Optional[timedelta]:
        return self.finished_at - self.started_at if self.finished_at else None


class SourceLease(Base):
    """At most one holder per source; a lease past its expiry may be taken over."""

    __tablename__ = "source_leases"

    source_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]


class CrawlRequest(Base):
    """A "run now" asked for from the web; the scheduler picks it up."""

    __tablename__ = "crawl_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_name: Mapped[str] = mapped_column(String(100))
    requested_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    picked_at: Mapped[Optional[datetime]]
    run_id: Mapped[Optional[int]] = mapped_column(ForeignKey("crawl_runs.id"))


def worker_is_dead(worker: Optional[str]) -> bool:
    """True when the worker ("host:pid") is a process of this host that no longer exists."""
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, but someone else's
        pass
    return False


def acquire_lease(session: Session, source_name: str, holder: str, ttl: timedelta) -> bool:
    """Take the source's lease if it is free, expired or held by a dead process of this host;
    True when this holder now has it."""
    now = utcnow()
    takeable = (SourceLease.expires_at < now) | (SourceLease.holder == holder)
    current = session.scalar(select(SourceLease.holder).where(
        SourceLease.source_name == source_name))
    if worker_is_dead(current):  # no need to wait for the expiry of a killed crawl's lease
        takeable |= SourceLease.holder == current
    taken = session.execute(
        update(SourceLease)
        .where(SourceLease.source_name == source_name, takeable)
        .values(holder=holder, expires_at=now + ttl)
    ).rowcount
    if taken:
        return True
    try:
        with session.begin_nested():
            session.add(SourceLease(source_name=source_name, holder=holder, expires_at=now + ttl))
        return True
    except IntegrityError:
        return False


def release_lease(session: Session, source_name: str, holder: str) -> None:
    session.execute(delete(SourceLease).where(
        SourceLease.source_name == source_name, SourceLease.holder == holder))


def lease_holder(session: Session, source_name: str) -> Optional[str]:
    """Who holds an unexpired lease on the source, if anyone alive."""
    holder = session.scalar(select(SourceLease.holder).where(
        SourceLease.source_name == source_name, SourceLease.expires_at >= utcnow()))
    return None if worker_is_dead(holder) else holder


def interrupt_abandoned_runs(session: Session, grace: timedelta = timedelta(minutes=5)) -> int:
    """Mark as `interrupted` the running runs whose process died: a process of this host that
    no longer exists, or a worker elsewhere that no longer holds the source's lease (runs
    younger than `grace` may not have taken it yet). Returns how many."""
    now = utcnow()
    held = {(name, holder) for name, holder in session.execute(
        select(SourceLease.source_name, SourceLease.holder).where(SourceLease.expires_at >= now))}
    abandoned = 0
    for run in session.scalars(select(CrawlRun).join(CrawlRun.source)
                               .where(CrawlRun.status == RUNNING)):
        if worker_is_dead(run.worker):
            run.finish_reason = f"the crawl process {run.worker} died before the run ended"
            release_lease(session, run.source.name, run.worker)
        elif run.started_at < now - grace and (run.source.name, run.worker) not in held:
            run.finish_reason = f"the crawl process {run.worker or ''} stopped without finishing"
        else:
            continue
        run.status, run.finished_at = INTERRUPTED, now
        abandoned += 1
    return abandoned


def record_missed_runs(session: Session, run: CrawlRun) -> None:
    """After a healthy run: records of its source that it did not see miss one more run."""
    from models.staging import SourceRecord

    session.execute(
        update(SourceRecord)
        .where(SourceRecord.source_id == run.source_id, SourceRecord.last_seen < run.started_at)
        .values(missed_runs=SourceRecord.missed_runs + 1))

"""What sources said and what waits for an editor: sources, source records, review items."""

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.directory import Clinic, Resource

# Review item kinds and states.
NEW, CHANGE, REPORT, SUGGESTION, FLAG = "new", "change", "report", "suggestion", "flag"
OPEN, APPROVED, REJECTED, SUPERSEDED = "open", "approved", "rejected", "superseded"


class Source(Base):
    """The database side of a configured source: its health. Settings live in config.toml."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # clinics | resources
    health: Mapped[str] = mapped_column(String(20), default="ok")  # ok | degraded | failing
    health_note: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    runs: Mapped[list["CrawlRun"]] = relationship(  # noqa: F821
        back_populates="source", order_by="CrawlRun.id")
    records: Mapped[list["SourceRecord"]] = relationship(back_populates="source")


class SourceRecord(Base):
    """What one source said about one entry at one URL, normalised, with its fingerprint."""

    __tablename__ = "source_records"
    __table_args__ = (UniqueConstraint("source_id", "record_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    # Stable identity of the record within its source (URL, plus a suffix on multi-clinic pages).
    record_key: Mapped[str] = mapped_column(String(1100))
    url: Mapped[str] = mapped_column(String(1000))
    entry_type: Mapped[str] = mapped_column(String(20))  # clinic | resource
    clinic_id: Mapped[Optional[int]] = mapped_column(ForeignKey("clinics.id"), index=True)
    resource_id: Mapped[Optional[int]] = mapped_column(ForeignKey("resources.id"), index=True)
    # The clinic location this record describes (a clinic may have several).
    location_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("locations.id", ondelete="SET NULL"))
    payload: Mapped[dict] = mapped_column(default=dict)
    fingerprint: Mapped[str] = mapped_column(String(64))
    crawl_run_id: Mapped[Optional[int]] = mapped_column(ForeignKey("crawl_runs.id"))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_changed: Mapped[datetime] = mapped_column(default=utcnow)
    # Successive healthy runs of the source that no longer listed this record.
    missed_runs: Mapped[int] = mapped_column(default=0)

    source: Mapped[Source] = relationship(back_populates="records")
    clinic: Mapped[Optional[Clinic]] = relationship(back_populates="source_records")
    resource: Mapped[Optional[Resource]] = relationship(back_populates="source_records")
    crawl_run: Mapped[Optional["CrawlRun"]] = relationship()  # noqa: F821


class ReviewItem(Base):
    """Something waiting for an editor: a new entry, a proposed change, a report, a flag."""

    __tablename__ = "review_items"
    __table_args__ = (Index("ix_review_items_state_created", "state", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # new | change | report | suggestion | flag
    origin: Mapped[str] = mapped_column(String(20), default="crawl")  # crawl | public | system
    entry_type: Mapped[str] = mapped_column(String(20))  # clinic | resource
    clinic_id: Mapped[Optional[int]] = mapped_column(ForeignKey("clinics.id"), index=True)
    resource_id: Mapped[Optional[int]] = mapped_column(ForeignKey("resources.id"), index=True)
    source_record_id: Mapped[Optional[int]] = mapped_column(ForeignKey("source_records.id"))
    # Field-level diff of a proposed change: {field: {"old": ..., "new": ...}}.
    diff: Mapped[dict] = mapped_column(default=dict)
    # Free-form data of public suggestions, e.g. {"name": ..., "url": ..., "contact": ...}.
    payload: Mapped[dict] = mapped_column(default=dict)
    note: Mapped[Optional[str]] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=OPEN)
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[Optional[datetime]]
    decision_note: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    clinic: Mapped[Optional[Clinic]] = relationship()
    resource: Mapped[Optional[Resource]] = relationship()
    source_record: Mapped[Optional[SourceRecord]] = relationship()
    decided_by: Mapped[Optional["User"]] = relationship()  # noqa: F821


def source_named(session, name: str, kind: str) -> Source:
    """The database row of a configured source, made on first use."""
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    found = session.scalar(select(Source).where(Source.name == name))
    if found is not None:
        return found
    try:
        with session.begin_nested():
            found = Source(name=name, kind=kind)
            session.add(found)
    except IntegrityError:  # another process made it first
        found = session.scalar(select(Source).where(Source.name == name))
    return found

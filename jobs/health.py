"""Source health after a run: ok, degraded (far fewer items than usual) or failing; entries a
healthy source stopped listing are flagged for editors, never deleted."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import CrawlRun, ReviewItem, Source, SourceRecord, utcnow
from models.runs import FAILED, SUCCEEDED
from models.staging import FLAG, OPEN

OK, DEGRADED, FAILING = "ok", "degraded", "failing"
JUDGED = "reliefmap/health"  # key of CrawlRun.stats once a run's verdict is in
BASELINE_RUNS = 5


@dataclass
class Verdict:
    """What a run says about its source."""

    source: str
    run_id: int
    status: str
    health: str
    note: str
    items: int
    baseline: float | None
    flagged: int = 0

    @property
    def alert(self) -> bool:
        return self.health in (DEGRADED, FAILING) and self.status in (FAILED, SUCCEEDED)

    def summary(self) -> dict:
        return {"source": self.source, "run_id": self.run_id, "status": self.status,
                "health": self.health, "note": self.note, "items": self.items,
                "baseline_median": self.baseline}


def baseline(session: Session, run: CrawlRun) -> float | None:
    """Median item count of the source's last successful runs before this one."""
    earlier = session.scalars(
        select(CrawlRun).where(CrawlRun.source_id == run.source_id, CrawlRun.id < run.id,
                               CrawlRun.status == SUCCEEDED)
        .order_by(CrawlRun.id.desc()).limit(BASELINE_RUNS)).all()
    return statistics.median(r.items_total for r in earlier) if earlier else None


def assess(session: Session, run_id: int, stale_after_runs: int) -> Verdict | None:
    """Set the source's health from this run and, when healthy, flag stale entries; None when
    the run was judged already (by this or another scheduler)."""
    run = session.scalar(select(CrawlRun).where(CrawlRun.id == run_id).with_for_update())
    if JUDGED in run.stats:
        return None
    source = run.source
    median = baseline(session, run)
    verdict = Verdict(source.name, run.id, run.status, source.health, source.health_note or "",
                      run.items_total, median)
    if run.status == FAILED:
        verdict.health = FAILING
        verdict.note = f"run {run.id} failed: {run.finish_reason or 'no reason recorded'}"
    elif run.status == SUCCEEDED:
        if median is not None and run.items_total < median / 2:
            verdict.health = DEGRADED
            forgive_misses(session, run)
            verdict.note = (f"run {run.id} found {run.items_total} items, under half the median "
                            f"({median:g}) of the last {BASELINE_RUNS} successful runs")
        else:
            verdict.health, verdict.note = OK, ""
            verdict.flagged = flag_stale_entries(session, source, stale_after_runs)
    source.health, source.health_note = verdict.health, verdict.note or None
    run.stats = {**run.stats, JUDGED: verdict.health}
    return verdict


def unjudged_runs(session: Session, settled_for: timedelta, recent: int = 20) -> list[int]:
    """Ended runs nobody judged, such as crawls started by hand: the newest ended run of each
    source among the recent ones, once its scheduler had time to judge it itself."""
    runs = session.scalars(select(CrawlRun).where(
        CrawlRun.status.in_((SUCCEEDED, FAILED)), CrawlRun.finished_at < utcnow() - settled_for)
        .order_by(CrawlRun.id.desc()).limit(recent)).all()
    newest: dict[int, CrawlRun] = {}
    for run in runs:
        newest.setdefault(run.source_id, run)
    return [run.id for run in newest.values() if JUDGED not in run.stats]


def forgive_misses(session: Session, run: CrawlRun) -> None:
    """Undo the misses a degraded run counted (see models.runs.record_missed_runs): a source that
    lists far fewer entries than usual is broken, not telling us the entries are gone."""
    session.execute(update(SourceRecord).where(
        SourceRecord.source_id == run.source_id, SourceRecord.last_seen < run.started_at,
        SourceRecord.missed_runs > 0).values(missed_runs=SourceRecord.missed_runs - 1))


def flag_stale_entries(session: Session, source: Source, after_runs: int) -> int:
    """Flag for editors each entry the source has not listed for `after_runs` healthy runs."""
    records = session.scalars(select(SourceRecord).where(
        SourceRecord.source_id == source.id, SourceRecord.missed_runs >= after_runs)).all()
    flagged = 0
    for record in records:
        if has_open_flag(session, record):
            continue
        session.add(ReviewItem(
            kind=FLAG, origin="system", entry_type=record.entry_type,
            clinic_id=record.clinic_id, resource_id=record.resource_id, source_record_id=record.id,
            note=f"no longer listed by {source.name} since {record.last_seen:%Y-%m-%d}"))
        flagged += 1
    return flagged


def has_open_flag(session: Session, record: SourceRecord) -> bool:
    return session.scalar(select(ReviewItem.id).where(
        ReviewItem.source_record_id == record.id, ReviewItem.kind == FLAG,
        ReviewItem.state == OPEN).limit(1)) is not None


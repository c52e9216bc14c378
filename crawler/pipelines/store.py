"""The only database writer of a crawl: a source record per record with provenance, new entries
as pending (or published for trusted sources), changes to published entries as proposals.

Each item is written in one transaction, so a killed crawl leaves no half-written entry. Records
of entries nobody knew (nearly all of a first crawl) wait for a batch that one transaction
writes with an INSERT per table (`new_entries`); that keeps the guarantee, since a batch is
whole or absent, and an item counts as stored only once its batch committed. A kill loses at
most the waiting batch, whose pages have no records yet and so are fetched again next time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet.defer import Deferred
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from crawler.items import ClinicItem
from crawler.pipelines import CountingPipeline
from crawler.pipelines.new_entries import (
    EMPTY,
    insert_entries,
    insert_records,
    insert_reviews,
    stated,
)
from crawler.preview import record as printed_record
from crawler.spiders.source import page_unchanged
from models import Database, utcnow
from models.directory import MERGED, PUBLISHED, REJECTED, Clinic, Location, Resource
from models.entries import (
    LOCATION_FIELDS,
    apply_clinic_fields,
    apply_resource_fields,
    clinic_fields,
    clinic_fields_from_record,
    field_diff,
    resource_fields,
    resource_fields_from_record,
)
from models.runs import CrawlRun
from models.setup import sync_config
from models.staging import CHANGE, OPEN, SUPERSEDED, ReviewItem, SourceRecord, source_named
from models.taxonomy import Term
from reliefmap.normalise import fold

UNCHANGED_BATCH = 200
# Records of new entries written together; at most CONCURRENT_ITEMS (100), so that the items
# of one page with many clinics fill a batch rather than wait for the timer.
NEW_BATCH = 50
NEW_BATCH_SECONDS = 0.5  # the longest a waiting record waits for its batch to fill


def fingerprint(fields: dict) -> str:
    """sha256 of the normalised record."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def syndication_key(fields: dict) -> str | None:
    """What makes two URLs one article: the same title by the same author (both stated)."""
    if not (fields.get("title") and fields.get("author")):
        return None
    return f"{fold(fields['title'])}\n{fold(fields['author'])}"


@dataclass
class Incoming:
    """An item on its way into the store, with the source record row it makes."""

    item: object
    entry_type: str  # clinic | resource
    fields: dict
    record: dict  # the source record's columns (its entry and location ids once written)
    provenance: dict
    stored: Deferred = field(default_factory=Deferred)  # fires once the batch committed

    @property
    def key(self) -> str:
        return self.record["record_key"]


class StorePipeline(CountingPipeline):
    """Write each item in one transaction: a killed crawl leaves no half-written entry."""

    def __init__(self, crawler):
        super().__init__(crawler)
        crawler.signals.connect(self.page_unchanged, signal=page_unchanged)
        self.clinic_of_record: dict[str, int] = {}  # record keys seen this crawl -> clinic id
        # Clinics this crawl created: its later records of them (a page's other branches) are
        # part of the new entry, applied even when a trusted source published it at once.
        self.created_clinics: set[int] = set()
        self.unchanged_urls: list[str] = []
        self.batch: list[Incoming] = []
        self.batch_keys: set[str] = set()
        self.batch_urls: set[str] = set()  # of its resources
        self.batch_timer = LoopingCall(self.write_batch)

    def open_spider(self):
        spider = self.crawler.spider
        self.database = Database(spider.config.database_url)
        self.session = self.database.write_session()
        with self.session.begin():
            sync_config(self.session, spider.config)
            self.source_id = source_named(self.session, self.source.name, self.source.kind).id
            rows = self.session.execute(
                select(SourceRecord.url, func.min(SourceRecord.fetched_at))
                .where(SourceRecord.source_id == self.source_id).group_by(SourceRecord.url))
            spider.known_urls = {url: fetched for url, fetched in rows}
            # Keys without a record need no look-up: most records of a first crawl are new.
            self.record_keys = set(self.session.scalars(select(SourceRecord.record_key).where(
                SourceRecord.source_id == self.source_id)))
            self.term_slugs = set(self.session.scalars(select(Term.slug)))
        self.batch_timer.start(NEW_BATCH_SECONDS, now=False)

    def close_spider(self):
        if self.batch_timer.running:
            self.batch_timer.stop()
        self.write_batch()
        self.flush_unchanged()
        self.session.close()
        self.database.dispose()

    def provenance(self, url: str, now) -> dict:
        return {"source": self.source.name, "url": url,
                "run_id": getattr(self.crawler.spider, "run_id", None),
                "fetched_at": now.isoformat(timespec="seconds")}

    async def process_item(self, item):
        """Store the item alone when it may touch a stored entry, else with the next batch."""
        incoming = self.incoming(item)
        same_as = item["extras"].get("same_as")
        url_waits = incoming.entry_type == "resource" and (
            incoming.fields["url"] in self.batch_urls
            or syndication_key(incoming.fields) in self.batch_urls)
        if same_as or url_waits or incoming.key in self.batch_keys:
            self.write_batch()  # this item may update what the batch makes
        if same_as or url_waits or incoming.key in self.record_keys:
            return self.store_alone(incoming)
        self.batch.append(incoming)
        self.batch_keys.add(incoming.key)
        if incoming.entry_type == "resource":
            self.batch_urls.update(key for key in (incoming.fields["url"],
                                                   syndication_key(incoming.fields)) if key)
        if len(self.batch) >= NEW_BATCH:
            self.write_batch()
        return await maybe_deferred_to_future(incoming.stored)

    def incoming(self, item) -> Incoming:
        is_clinic = isinstance(item, ClinicItem)
        printed = printed_record(item)
        fields = (clinic_fields_from_record(printed) if is_clinic
                  else resource_fields_from_record(printed))
        key = item["extras"]["record_key"]
        url = item.get("source_url") or key
        now = utcnow()
        record = {"source_id": self.source_id, "record_key": key,
                  "entry_type": "clinic" if is_clinic else "resource", "url": url,
                  "payload": fields, "fingerprint": fingerprint(fields),
                  "crawl_run_id": getattr(self.crawler.spider, "run_id", None),
                  "fetched_at": now, "first_seen": now, "last_seen": now, "last_changed": now,
                  "missed_runs": 0}
        return Incoming(item, record["entry_type"], fields, record, self.provenance(url, now))

    def write_batch(self) -> None:
        """Write the waiting records of new entries."""
        batch, self.batch = self.batch, []
        self.batch_keys.clear()
        self.batch_urls.clear()
        if not batch:
            return
        try:
            self.write(batch)
        except Exception:  # a bug fails its items, rather than leave the crawl waiting for them
            failure = Failure()
            for incoming in batch:
                if not incoming.stored.called:
                    incoming.stored.errback(failure)

    def write(self, batch: list[Incoming]) -> None:
        """Records of new entries in one transaction; when that fails, each alone, so that only
        the record at fault is dropped."""
        try:
            with self.session.begin():
                known = self.known_resource_urls(batch)
                new = [incoming for incoming in batch if incoming.entry_type == "clinic"
                       or incoming.fields["url"] not in known]
                self.insert_new(new)
                self.count_on_run("new", len(new))
        except SQLAlchemyError as exc:
            if len(batch) == 1:
                batch[0].stored.errback(self.cannot_store(batch[0].item, exc))
            else:
                for incoming in batch:
                    self.write([incoming])
            return
        for incoming in batch:
            if incoming.entry_type == "resource" and incoming.fields["url"] in known:
                try:  # a resource that another source or page brought already
                    incoming.stored.callback(self.store_alone(incoming))
                except DropItem as exc:
                    incoming.stored.errback(exc)
                continue
            self.record_keys.add(incoming.key)
            if incoming.entry_type == "clinic":
                self.clinic_of_record[incoming.key] = incoming.record["clinic_id"]
                self.created_clinics.add(incoming.record["clinic_id"])
            self.count("reliefmap/items/new")
            incoming.stored.callback(incoming.item)

    def known_resource_urls(self, batch: list[Incoming]) -> set[str]:
        """URLs of the batch's resources that are stored already, at that URL or as the same
        article under another one."""
        resources = [incoming.fields for incoming in batch if incoming.entry_type == "resource"]
        if not resources:
            return set()
        urls = {fields["url"] for fields in resources}
        known = set(self.session.scalars(select(Resource.url).where(Resource.url.in_(urls))))
        known.update(fields["url"] for fields in resources
                     if fields["url"] not in known and self.syndicated(fields) is not None)
        return known

    def syndicated(self, fields: dict) -> Resource | None:
        """The stored resource with the same title and author: the same article syndicated
        under another URL (a copy that names the original as canonical has its URL already)."""
        if not syndication_key(fields):
            return None
        return self.session.scalar(
            select(Resource).where(func.lower(Resource.title) == fields["title"].lower(),
                                   func.lower(Resource.author) == fields["author"].lower())
            .order_by(Resource.id).limit(1))

    def insert_new(self, batch: list[Incoming]) -> None:
        """Entries, locations, terms, source records and review items of a batch."""
        connection, now = self.session.connection(), utcnow()
        trusted = self.source.trust == "auto"
        for entry_type in ("clinic", "resource"):
            group = [incoming for incoming in batch if incoming.entry_type == entry_type]
            if not group:
                continue
            entries = insert_entries(
                connection, entry_type, [(incoming.fields, incoming.provenance)
                                         for incoming in group],
                trusted=trusted, now=now, term_slugs=self.term_slugs)
            for incoming, (entry_id, location_id) in zip(group, entries, strict=True):
                incoming.record.update(clinic_id=None, resource_id=None, location_id=location_id)
                incoming.record[f"{entry_type}_id"] = entry_id
            record_ids = insert_records(connection, [incoming.record for incoming in group])
            if not trusted:
                insert_reviews(connection, entry_type, [
                    (entry_id, record_id) for (entry_id, _), record_id
                    in zip(entries, record_ids, strict=True)], now)

    def store_alone(self, incoming: Incoming):
        """An item that may touch what is stored already, in a transaction of its own."""
        try:
            # Flushed where an id is needed and at commit: each autoflush costs a unit of work.
            with self.session.begin(), self.session.no_autoflush:
                outcome = self.store(incoming)
                self.count_on_run(outcome)
        except SQLAlchemyError as exc:
            self.clinic_of_record.pop(incoming.key, None)  # its clinic may be rolled back
            raise self.cannot_store(incoming.item, exc) from None
        finally:
            # One item's objects are not needed by the next: a small session stays fast.
            self.session.expunge_all()
        self.count(f"reliefmap/items/{outcome}")
        return incoming.item

    def cannot_store(self, item, exc: SQLAlchemyError) -> DropItem:
        self.count("store/error")
        return DropItem(f"cannot store {item.get('source_url')}: {exc.__class__.__name__}: "
                        f"{str(exc.orig if hasattr(exc, 'orig') else exc).splitlines()[0]}")

    def store(self, incoming: Incoming) -> str:
        """new, changed or unchanged."""
        key, entry_type, fields = incoming.key, incoming.entry_type, incoming.fields
        same_as = incoming.item["extras"].get("same_as")
        now = incoming.record["fetched_at"]
        record = None
        if key in self.record_keys:
            record = self.session.scalar(select(SourceRecord).where(
                SourceRecord.source_id == self.source_id, SourceRecord.record_key == key))
        if record is not None and record.fingerprint == incoming.record["fingerprint"]:
            self.seen(record, now)
            return "unchanged"
        connection = self.session.connection()
        if record is None:
            entry = self.known_entry(entry_type, fields, same_as)
            [record_id] = insert_records(connection, [incoming.record])
            self.record_keys.add(key)
            record = self.session.get(SourceRecord, record_id)
        else:
            for name in ("url", "payload", "fingerprint", "crawl_run_id", "fetched_at",
                         "last_seen", "last_changed", "missed_runs"):
                setattr(record, name, incoming.record[name])
            entry = ((record.clinic if entry_type == "clinic" else record.resource)
                     or self.known_entry(entry_type, fields, same_as))
        if entry is None:  # no entry yet: a record whose entry is gone, or of another kind
            [(entry_id, location_id)] = insert_entries(
                connection, entry_type, [(fields, incoming.provenance)],
                trusted=self.source.trust == "auto", now=now, term_slugs=self.term_slugs)
            setattr(record, f"{entry_type}_id", entry_id)
            record.location_id = location_id
            if entry_type == "clinic":
                self.created_clinics.add(entry_id)
            if self.source.trust != "auto":
                insert_reviews(connection, entry_type, [(entry_id, record.id)], now)
            outcome = "new"
        elif entry_type == "clinic":
            outcome = self.store_clinic(record, entry, fields, incoming.provenance, now)
        else:
            outcome = self.store_resource(record, entry, fields, incoming.provenance, now)
        if entry_type == "clinic":
            self.clinic_of_record[key] = record.clinic_id
        return outcome

    def seen(self, record: SourceRecord, now) -> None:
        record.last_seen, record.missed_runs = now, 0
        entry = record.clinic or record.resource
        if entry is not None and entry.state == PUBLISHED:
            entry.last_verified = now
        if record.clinic_id:
            self.clinic_of_record[record.record_key] = record.clinic_id

    def page_unchanged(self, url: str) -> None:
        """A page the HTTP cache revalidated (304) or its sitemap lastmod showed unmodified: its
        records were seen again, nothing else. Batched, since an unchanged recrawl is mostly such
        pages."""
        self.unchanged_urls.append(url)
        self.count("reliefmap/pages/unchanged")
        if len(self.unchanged_urls) >= UNCHANGED_BATCH:
            self.flush_unchanged()

    def flush_unchanged(self) -> None:
        urls, self.unchanged_urls = self.unchanged_urls, []
        if not urls:
            return
        now = utcnow()
        records = (SourceRecord.source_id == self.source_id) & SourceRecord.url.in_(urls)
        with self.session.begin():
            seen = self.session.execute(update(SourceRecord).where(records).values(
                last_seen=now, missed_runs=0).execution_options(synchronize_session=False))
            for model, column in ((Clinic, SourceRecord.clinic_id),
                                  (Resource, SourceRecord.resource_id)):
                self.session.execute(update(model).where(
                    model.state == PUBLISHED, model.id.in_(select(column).where(records)))
                    .values(last_verified=now).execution_options(synchronize_session=False))
            self.count_on_run("unchanged", seen.rowcount)
        self.count("reliefmap/items/unchanged", seen.rowcount)

    def count_on_run(self, outcome: str, by: int = 1) -> None:
        """Add stored items to the run's counts, and its pages so far, in the transaction that
        stores them: the run of a killed crawl still says what it stored."""
        spider = self.crawler.spider
        column = getattr(CrawlRun, f"items_{outcome}")
        self.session.execute(update(CrawlRun).where(CrawlRun.id == spider.run_id)
                             .values({column: column + by, CrawlRun.pages: spider.pages})
                             .execution_options(synchronize_session=False))

    def known_entry(self, entry_type: str, fields: dict, same_as: str | None):
        """The clinic a duplicate belongs to, or the resource at the same URL; None if new."""
        if entry_type == "clinic":
            return self.known_clinic(same_as) if same_as else None
        return (self.session.scalar(select(Resource).where(Resource.url == fields["url"]))
                or self.syndicated(fields))

    def known_clinic(self, same_as: str) -> Clinic | None:
        """The clinic a duplicate belongs to, following merges."""
        clinic = None
        if same_as and same_as.startswith("clinic:"):
            clinic = self.session.get(Clinic, int(same_as.split(":", 1)[1]))
        elif same_as and same_as.startswith("record:"):
            clinic_id = self.clinic_of_record.get(same_as.split(":", 1)[1])
            clinic = self.session.get(Clinic, clinic_id) if clinic_id else None
        while clinic is not None and clinic.state == MERGED and clinic.merged_into_id:
            clinic = self.session.get(Clinic, clinic.merged_into_id)
        return clinic

    def store_clinic(self, record, clinic: Clinic, fields: dict, provenance: dict, now) -> str:
        """A record of a known clinic: unchanged, a proposal, or changes applied."""
        session = self.session
        record.clinic = clinic
        location = self.location_for(clinic, record, fields)
        current = clinic_fields(clinic, location or Location())
        wanted = stated(fields)
        if clinic.locations and location is not clinic.locations[0]:
            # A branch: its own address, and the clinic's details only where none are known.
            wanted = {name: value for name, value in wanted.items()
                      if name in LOCATION_FIELDS or current.get(name) in EMPTY}
        diff = field_diff(current, wanted)
        if clinic.state == REJECTED or not diff:
            if location is not None:
                record.location_id = location.id
            self.seen(record, now)
            return "unchanged"
        if clinic.state == PUBLISHED and clinic.id not in self.created_clinics:
            payload = {"location_id": location.id if location else None}
            self.propose(clinic, record, "clinic", diff, provenance, payload)
            return "changed"
        if location is None:
            location = Location()
            clinic.locations.append(location)
        changes = {name: change["new"] for name, change in diff.items()
                   if not clinic.is_locked(name)}
        apply_clinic_fields(session, clinic, changes, location)
        clinic.provenance = {**(clinic.provenance or {}),
                             **{name: provenance for name in changes}}
        session.flush()
        record.location_id = location.id
        # A branch (or other record) of a clinic this crawl created is part of the new entry.
        return "new" if clinic.id in self.created_clinics else "changed"

    def location_for(self, clinic: Clinic, record, fields: dict) -> Location | None:
        """The location a record describes: its own, one at the same postcode or street, or the
        clinic's only, still empty, location; None for a new location."""
        if record.location_id:
            found = self.session.get(Location, record.location_id)
            if found is not None and found.clinic_id == clinic.id:
                return found
        for location in clinic.locations:
            if fields.get("postal_code") and location.postal_code == fields["postal_code"]:
                return location
            if fields.get("street") and fold(location.street or "") == fold(fields["street"]):
                return location
        if len(clinic.locations) == 1 and not (clinic.locations[0].postal_code
                                               or clinic.locations[0].street):
            return clinic.locations[0]
        if not clinic.locations:
            return None
        if not (fields.get("postal_code") or fields.get("street")):
            return clinic.locations[0]  # the record names no place of its own
        return None

    def store_resource(self, record, resource: Resource, fields: dict, provenance: dict,
                       now) -> str:
        """A record of a known resource: unchanged, a proposal, or changes applied."""
        session = self.session
        record.resource = resource
        # The URL is the resource's own: another source's copy of it does not move it.
        wanted = {name: value for name, value in stated(fields).items() if name != "url"}
        diff = field_diff(resource_fields(resource), wanted)
        if resource.state == REJECTED or not diff:
            self.seen(record, now)
            return "unchanged"
        if resource.state == PUBLISHED:
            self.propose(resource, record, "resource", diff, provenance, {})
            return "changed"
        changes = {name: change["new"] for name, change in diff.items()
                   if not resource.is_locked(name)}
        apply_resource_fields(session, resource, changes)
        resource.provenance = {**(resource.provenance or {}),
                               **{name: provenance for name in changes}}
        return "changed"

    def propose(self, entry, record, entry_type: str, diff: dict, provenance: dict,
                payload: dict) -> None:
        """A proposed change to a published entry; it replaces the entry's older open proposal."""
        column = ReviewItem.clinic_id if entry_type == "clinic" else ReviewItem.resource_id
        self.session.execute(update(ReviewItem).where(
            column == entry.id, ReviewItem.kind == CHANGE, ReviewItem.state == OPEN,
            ReviewItem.origin == "crawl").values(state=SUPERSEDED))
        self.session.add(ReviewItem(kind=CHANGE, entry_type=entry_type, source_record=record,
                                    diff=diff, payload={**payload, "provenance": provenance},
                                    **{entry_type: entry}))

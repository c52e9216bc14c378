"""The only database writer of a crawl: a source record per record with provenance, new entries
as pending (or published for trusted sources), changes to published entries as proposals."""

from __future__ import annotations

import hashlib
import json

from scrapy.exceptions import DropItem
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError

from crawler.items import ClinicItem
from crawler.normalise import fold
from crawler.pipelines import CountingPipeline
from crawler.preview import record as printed_record
from crawler.spiders.source import page_unchanged
from models import Database, utcnow
from models.directory import MERGED, PENDING, PUBLISHED, REJECTED, Clinic, Location, Resource
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
from models.staging import CHANGE, NEW, OPEN, SUPERSEDED, ReviewItem, SourceRecord, source_named
from reliefmap.setup import sync_config

EMPTY = (None, "", [])
UNCHANGED_BATCH = 200


def fingerprint(fields: dict) -> str:
    """sha256 of the normalised record."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def stated(fields: dict) -> dict:
    """The fields a record actually states: a page that omits a field does not erase it."""
    return {name: value for name, value in fields.items() if value not in EMPTY}


class StorePipeline(CountingPipeline):
    """Write each item in its own transaction, so a killed crawl leaves no half-written entry."""

    def __init__(self, crawler):
        super().__init__(crawler)
        crawler.signals.connect(self.page_unchanged, signal=page_unchanged)
        self.clinic_of_record: dict[str, int] = {}  # record keys seen this crawl -> clinic id
        self.unchanged_urls: list[str] = []

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

    def close_spider(self):
        self.flush_unchanged()
        self.session.close()
        self.database.dispose()

    def provenance(self, url: str, now) -> dict:
        return {"source": self.source.name, "url": url,
                "run_id": getattr(self.crawler.spider, "run_id", None),
                "fetched_at": now.isoformat(timespec="seconds")}

    def process_item(self, item):
        is_clinic = isinstance(item, ClinicItem)
        printed = printed_record(item)
        fields = (clinic_fields_from_record(printed) if is_clinic
                  else resource_fields_from_record(printed))
        try:
            # Flushed where an id is needed and at commit: each autoflush costs a unit of work.
            with self.session.begin(), self.session.no_autoflush:
                outcome = self.store(item, fields, "clinic" if is_clinic else "resource")
        except SQLAlchemyError as exc:
            self.session.expunge_all()
            self.count("store/error")
            raise DropItem(f"cannot store {item.get('source_url')}: {exc.__class__.__name__}: "
                           f"{str(exc.orig if hasattr(exc, 'orig') else exc).splitlines()[0]}"
                           ) from None
        # One item's objects are not needed by the next: a small session stays fast and small.
        self.session.expunge_all()
        self.count(f"reliefmap/items/{outcome}")
        return item

    def store(self, item, fields: dict, entry_type: str) -> str:
        """new, changed or unchanged."""
        session, now = self.session, utcnow()
        extras = item.get("extras") or {}
        key = extras["record_key"]
        record = session.scalar(select(SourceRecord).where(
            SourceRecord.source_id == self.source_id, SourceRecord.record_key == key))
        digest = fingerprint(fields)
        if record is not None and record.fingerprint == digest:
            self.seen(record, now)
            return "unchanged"
        if record is None:
            record = SourceRecord(source_id=self.source_id, record_key=key, entry_type=entry_type,
                                  first_seen=now)
            session.add(record)
        record.url = item.get("source_url") or key
        record.payload, record.fingerprint = fields, digest
        record.crawl_run_id = getattr(self.crawler.spider, "run_id", None)
        record.fetched_at = record.last_seen = record.last_changed = now
        record.missed_runs = 0
        provenance = self.provenance(record.url, now)
        if entry_type == "clinic":
            outcome = self.store_clinic(record, fields, extras.get("same_as"), provenance, now)
            self.clinic_of_record[key] = record.clinic_id
        else:
            outcome = self.store_resource(record, fields, provenance, now)
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
        self.count("reliefmap/items/unchanged", seen.rowcount)

    def known_clinic(self, same_as: str | None) -> Clinic | None:
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

    def store_clinic(self, record, fields: dict, same_as, provenance: dict, now) -> str:
        session = self.session
        clinic = record.clinic or self.known_clinic(same_as)
        if clinic is None:
            clinic = Clinic(slug=self.unique_slug(Clinic, fields["name"]), name=fields["name"],
                            locations=[Location()])
            session.add(clinic)
            apply_clinic_fields(session, clinic, fields, clinic.locations[0])
            clinic.provenance = {name: provenance for name in stated(fields)}
            record.clinic = clinic
            session.flush()
            record.location_id = clinic.locations[0].id
            self.introduce(clinic, record, "clinic", now)
            return "new"
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
        if clinic.state == PUBLISHED:
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
        return "changed"

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

    def store_resource(self, record, fields: dict, provenance: dict, now) -> str:
        session = self.session
        resource = record.resource or session.scalar(
            select(Resource).where(Resource.url == fields["url"]))
        if resource is None:
            resource = Resource(slug=self.unique_slug(Resource, fields["title"]),
                                title=fields["title"], url=fields["url"])
            session.add(resource)
            apply_resource_fields(session, resource, fields)
            resource.provenance = {name: provenance for name in stated(fields)}
            record.resource = resource
            session.flush()
            self.introduce(resource, record, "resource", now)
            return "new"
        record.resource = resource
        diff = field_diff(resource_fields(resource), stated(fields))
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

    def introduce(self, entry, record, entry_type: str, now) -> None:
        """A new entry: published at once from a trusted source, else waiting for an editor."""
        if self.source.trust == "auto":
            entry.state, entry.published_at, entry.last_verified = PUBLISHED, now, now
            return
        entry.state = PENDING
        self.session.add(ReviewItem(kind=NEW, entry_type=entry_type, source_record=record,
                                    **{entry_type: entry}))

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

    def unique_slug(self, model, name: str | None) -> str:
        base = (fold(name or "") or model.__tablename__.rstrip("s")).replace(" ", "-")[:180]
        slug, number = base, 2
        while self.session.scalar(select(model.id).where(model.slug == slug)) is not None:
            slug, number = f"{base}-{number}", number + 1
        return slug

"""Entries nobody knew, in plain INSERTs, many per statement: the store pipeline's fast path.

A first crawl is almost only new entries. The ORM's unit of work cost more than the database
did for them; these statements write a whole batch of them with one INSERT per table (the
search index triggers still fire per row). Ids come back by RETURNING, matched on a unique
column, since the order of returned rows is not promised.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, insert

from models.counts import count_new_clinics
from models.directory import (
    PENDING,
    PUBLISHED,
    Clinic,
    Location,
    Resource,
    clinic_terms,
    resource_terms,
)
from models.entries import LOCATION_FIELDS, ORGANIZATION_FIELDS, RESOURCE_FIELDS, TERM_FIELDS
from models.slugs import unique_slugs
from models.staging import NEW, ReviewItem, SourceRecord

EMPTY = (None, "", [])
MODELS = {"clinic": (Clinic, clinic_terms), "resource": (Resource, resource_terms)}


def stated(fields: dict) -> dict:
    """The fields a record actually states: a page that omits a field does not erase it."""
    return {name: value for name, value in fields.items() if value not in EMPTY}


def insert_entries(connection: Connection, entry_type: str, new: list[tuple[dict, dict]], *,
                   trusted: bool, now: datetime,
                   term_slugs: set[str]) -> list[tuple[int, int | None]]:
    """Clinics (each with its location) or resources from (fields, provenance) pairs, tagged
    with their known terms; published at once when the source is trusted, else pending.
    Returns (entry id, location id or None) for each, in order."""
    model, terms = MODELS[entry_type]
    table = model.__table__
    state = ({"state": PUBLISHED, "published_at": now, "last_verified": now} if trusted
             else {"state": PENDING, "published_at": None, "last_verified": None})
    titles = [fields["name" if entry_type == "clinic" else "title"] for fields, _ in new]
    rows = []
    for (fields, provenance), slug in zip(new, unique_slugs(connection, model, titles),
                                          strict=True):
        if entry_type == "clinic":
            row = {name: fields[name] for name in ORGANIZATION_FIELDS}
        else:
            row = {name: fields[name] for name in RESOURCE_FIELDS if name not in TERM_FIELDS}
            if isinstance(row["published"], str):
                row["published"] = date.fromisoformat(row["published"])
        row.update(state, slug=slug, provenance={name: provenance for name in stated(fields)})
        rows.append(row)
    id_of_slug = dict(connection.execute(insert(table).returning(table.c.slug, table.c.id),
                                         rows).all())
    ids = [id_of_slug[row["slug"]] for row in rows]
    locations = (_insert_locations(connection, ids, new) if entry_type == "clinic"
                 else [None] * len(ids))
    tags = [{f"{entry_type}_id": entry_id, "term_slug": slug}
            for entry_id, (fields, _) in zip(ids, new, strict=True)
            for slug in sorted((set(fields["treatments"]) | set(fields["conditions"]))
                               & term_slugs)]
    if tags:
        connection.execute(insert(terms), tags)
    if trusted and entry_type == "clinic":
        count_new_clinics(connection, ids)
    return list(zip(ids, locations, strict=True))


def _insert_locations(connection: Connection, ids: list[int],
                      new: list[tuple[dict, dict]]) -> list[int]:
    """Each new clinic's location; their ids, in order."""
    places = Location.__table__
    location_of = dict(connection.execute(
        insert(places).returning(places.c.clinic_id, places.c.id),
        [{"clinic_id": entry_id, **{name: fields[name] for name in LOCATION_FIELDS}}
         for entry_id, (fields, _) in zip(ids, new, strict=True)]).all())
    return [location_of[entry_id] for entry_id in ids]


def insert_records(connection: Connection, records: list[dict]) -> list[int]:
    """Source records (rows with the same columns, unique record keys); their ids, in order."""
    table = SourceRecord.__table__
    id_of_key = dict(connection.execute(
        insert(table).returning(table.c.record_key, table.c.id), records).all())
    return [id_of_key[record["record_key"]] for record in records]


def insert_reviews(connection: Connection, entry_type: str, new: list[tuple[int, int]],
                   now: datetime) -> None:
    """A review item for each (entry id, source record id): a new entry waits for an editor."""
    if new:
        connection.execute(insert(ReviewItem.__table__), [
            {"kind": NEW, "entry_type": entry_type, f"{entry_type}_id": entry_id,
             "source_record_id": record_id, "created_at": now} for entry_id, record_id in new])

"""Counts of the listed clinics kept per place, so the broadest pages (the home page, a country,
a region) read a hundred rows instead of counting the whole directory on each new version.

A row of `facet_counts` is (scope, facet, value, clinics): how many listed clinics (published,
not closed for good) in the scope carry the value. Scopes: "" (the whole directory), a country
("US": clinics with a location there), a region ("US-CA"), or a term ("term:crps": clinics with
the term or a term below it; the guides and a search by one term). Facets:
- "total" (value ""), "telehealth" and "new_patients" (value ""),
- "term": a term of the clinic or a term above one of its terms (a clinic counts once),
- "payment", "language": what the clinic states,
- "region", "day": the regions and open days of its locations in the scope,
- "locality" (country scopes only): "US-CA Los Angeles", a region and a locality of its
  locations there (region codes hold no space).

The counts change in the same transaction as the clinics: each flush subtracts what the clinics
it touches counted for before and adds what they count for now (`_before_flush`, `_after_flush`),
so a count is never older than the entries it counts. Writes that bypass the ORM call
`count_new_clinics` (the store pipeline's inserts) or `rebuild_counts` (the bench generator).
A row whose count fell to 0 stays (readers skip it).

Writers of counts take turns on PostgreSQL. A change to a public entry moves the directory
version (migration 0005's triggers), which locks the version's one row until the transaction
ends, and it does so before the flush writes any count. Without that, a transaction that
flushes twice (an editor's bulk review) could lock count rows before and after another
writer's, and the two would deadlock (tests/test_counts.py checks that they do not).
"""

import json
import secrets
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import (
    Connection,
    Integer,
    String,
    Text,
    cast,
    delete,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base
from models.db import insert_for
from models.details import DAYS
from models.directory import LISTED, PUBLISHED, Clinic, Location, clinic_terms
from models.taxonomy import Term, term_ancestry, with_descendants

CHUNK = 500  # clinic ids per IN list
REBUILD_BATCH = 20_000  # clinic ids per pass of a rebuild


class FacetCount(Base):
    __tablename__ = "facet_counts"

    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    facet: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(250), primary_key=True)
    clinics: Mapped[int] = mapped_column(Integer, default=0)


Key = tuple[str, str, str]


def contributions(session: Session | Connection, clinic_ids: Iterable[int]) -> Counter[Key]:
    """What these clinics add to the counts: 1 for each (scope, facet, value) a listed one
    carries (clinics not listed add nothing)."""
    ancestry = term_ancestry(session)
    counts: Counter[Key] = Counter()
    ids = sorted(set(clinic_ids))
    for start in range(0, len(ids), CHUNK):
        _count_clinics(session, Clinic.id.in_(ids[start:start + CHUNK]), ancestry, counts)
    return counts


def count_new_clinics(connection: Connection, clinic_ids: list[int]) -> None:
    """Add clinics inserted without the ORM (the store pipeline's fast path) to the counts."""
    _add(connection, contributions(connection, clinic_ids))


def rebuild_counts(session: Session) -> None:
    """Count every listed clinic anew (after writes that bypassed the ORM), and move the
    directory version (migration 0005's `search_version`) so the web caches read them."""
    # The version's row first, as every other writer of counts locks it (see the top).
    session.execute(text("INSERT INTO search_version (id, version) VALUES (1, :version) "
                         "ON CONFLICT (id) DO UPDATE SET version = excluded.version"),
                    {"version": secrets.randbelow(10**15)})
    session.execute(delete(FacetCount))
    _add(session, counted_anew(session))


def counted_anew(session: Session) -> Counter[Key]:
    """The counts of every listed clinic, counted from the directory itself."""
    ancestry = term_ancestry(session)
    last = session.scalar(select(Clinic.id).order_by(Clinic.id.desc()).limit(1)) or 0
    counts: Counter[Key] = Counter()
    for start in range(0, last + 1, REBUILD_BATCH):
        _count_clinics(session, Clinic.id.between(start, start + REBUILD_BATCH - 1), ancestry,
                       counts)
    return counts


def counts_kept(session: Session) -> dict[Key, int]:
    """The counts as kept (rows whose count is 0 left out)."""
    return {(row.scope, row.facet, row.value): row.clinics
            for row in session.execute(select(FacetCount).where(FacetCount.clinics != 0))
            .scalars()}


def _count_clinics(session: Session | Connection, which, ancestry: dict[str, tuple[str, ...]],
                   counts: Counter[Key]) -> None:
    clinics = {row.id: row for row in session.execute(
        select(Clinic.id, cast(Clinic.payment, Text).label("payment"),
               cast(Clinic.languages, Text).label("languages"), Clinic.telehealth,
               Clinic.accepting_new_patients).where(which, *LISTED))}
    if not clinics:
        return
    locations: dict[int, list] = {}
    terms: dict[int, set[str]] = {}
    for row in session.execute(
            select(Location.clinic_id, Location.country, Location.region, Location.locality,
                   cast(Location.hours, Text).label("hours"))
            .join(Clinic, Clinic.id == Location.clinic_id).where(which, *LISTED)):
        locations.setdefault(row.clinic_id, []).append(row)
    for clinic_id, slug in session.execute(
            select(clinic_terms.c.clinic_id, clinic_terms.c.term_slug)
            .join(Clinic, Clinic.id == clinic_terms.c.clinic_id).where(which, *LISTED)):
        terms.setdefault(clinic_id, set()).update(ancestry.get(slug, (slug,)))
    for clinic_id, clinic in clinics.items():
        _count_clinic(clinic, locations.get(clinic_id, []), terms.get(clinic_id, set()), counts)


def _count_clinic(clinic, locations: list, terms: set[str], counts: Counter[Key]) -> None:
    stated = [("total", ""), *(("term", slug) for slug in terms),
              *(("payment", kind) for kind in json_strings(clinic.payment)),
              *(("language", code) for code in json_strings(clinic.languages))]
    if clinic.telehealth:
        stated.append(("telehealth", ""))
    if clinic.accepting_new_patients:
        stated.append(("new_patients", ""))
    everywhere = _carried(stated, locations)
    for scope in ("", *(term_scope(slug) for slug in terms)):
        counts.update((scope, facet, value) for facet, value in everywhere)
    countries: dict[str, list] = {}
    regions: dict[str, list] = {}
    for location in locations:
        if location.country:
            countries.setdefault(location.country, []).append(location)
        if location.region:
            regions.setdefault(location.region, []).append(location)
    for code, within in countries.items():
        carried = _carried(stated, within)
        carried.update(("locality", f"{loc.region} {loc.locality}") for loc in within
                       if loc.region and loc.locality)
        counts.update((code, facet, value) for facet, value in carried)
    for code, within in regions.items():
        counts.update((code, facet, value) for facet, value in _carried(stated, within))


def _carried(stated: list, locations: list) -> set[tuple[str, str]]:
    """What a clinic counts for in a scope where these are its locations."""
    return {*stated, *(("region", loc.region) for loc in locations if loc.region),
            *(("day", day) for loc in locations for day in open_days(loc.hours))}


def term_scope(slug: str) -> str:
    """The scope of the clinics with a term or a term below it."""
    return f"term:{slug}"


@lru_cache(maxsize=1024)
def json_strings(text: str | None) -> frozenset[str]:
    """The strings of a JSON list column's text (few distinct texts: payment, languages)."""
    return frozenset(json.loads(text or "[]") or ())


@lru_cache(maxsize=4096)
def open_days(hours: str | None) -> tuple[str, ...]:
    """The days a location's hours (JSON text) name, as the open-day filter reads them."""
    return tuple(day for day in DAYS if f'"{day}"' in (hours or ""))


def _add(session: Session | Connection, changes: Counter[Key]) -> None:
    """Add each change to its row (made when missing), in key order so that two writers
    lock rows in the same order."""
    rows = [{"scope": scope, "facet": facet, "value": value, "clinics": change}
            for (scope, facet, value), change in sorted(changes.items()) if change]
    if not rows:
        return
    table = FacetCount.__table__
    insert = insert_for(session)(table)
    session.execute(insert.on_conflict_do_update(
        index_elements=["scope", "facet", "value"],
        set_={"clinics": table.c.clinics + insert.excluded.clinics}), rows)


# Keeping the counts with the flushes -------------------------------------------------------

PENDING_KEY = "facet_counts_before"


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    """Note the clinics this flush may change the counts of, and what they count for now."""
    session.info.pop(PENDING_KEY, None)  # left by a flush that failed
    with session.no_autoflush:
        ids, new = _touched_clinics(session)
        if not ids and not new:
            return
        before = contributions(session, ids) if ids else Counter()
    session.info[PENDING_KEY] = (ids, new, before)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    """Add what the noted clinics count for now, less what they counted for before."""
    pending = session.info.pop(PENDING_KEY, None)
    if pending is None:
        return
    ids, new, before = pending
    after = contributions(session, ids | {clinic.id for clinic in new})
    after.subtract(before)
    _add(session, after)


# What the counts read of a clinic and of a location: a change to anything else changes none.
CLINIC_COUNTED = ("state", "status", "payment", "languages", "telehealth",
                  "accepting_new_patients", "terms", "locations")
LOCATION_COUNTED = ("clinic_id", "country", "region", "locality", "hours")


def _touched_clinics(session: Session) -> tuple[set[int], list[Clinic]]:
    """(ids of stored clinics whose counts this flush may change, new listed clinics)."""
    ids: set[int] = set()
    new = [obj for obj in session.new if isinstance(obj, Clinic) and obj.state == PUBLISHED]
    for obj in session.deleted:
        if isinstance(obj, Clinic):
            ids.add(obj.id)
        elif isinstance(obj, Location):
            ids.update(_clinics_of_location(obj))
    for obj in session.new:
        if isinstance(obj, Location):
            ids.update(_clinics_of_location(obj))
    for obj in session.dirty:
        if isinstance(obj, Clinic) and _changed(obj, CLINIC_COUNTED) and _listable(obj):
            ids.add(obj.id)
        elif isinstance(obj, Location) and _changed(obj, LOCATION_COUNTED):
            ids.update(_clinics_of_location(obj))
    return ids | _clinics_under_moved_terms(session), new


def _clinics_under_moved_terms(session: Session) -> set[int]:
    """The clinics whose terms are below a term that moves in the taxonomy (or goes): the
    terms above theirs change."""
    moved = [obj.slug for obj in session.dirty
             if isinstance(obj, Term) and _changed(obj, ("parent_slug",))]
    moved += [obj.slug for obj in session.deleted if isinstance(obj, Term)]
    if not moved:
        return set()
    below = set().union(*(with_descendants(session, slug) for slug in moved))
    return set(session.scalars(select(clinic_terms.c.clinic_id)
                               .where(clinic_terms.c.term_slug.in_(sorted(below)))))


def _changed(obj, names: tuple[str, ...]) -> bool:
    attributes = inspect(obj).attrs
    return any(attributes[name].history.has_changes() for name in names)


def _listable(clinic: Clinic) -> bool:
    """The clinic is or was published (so it may count, or have counted)."""
    return clinic.state == PUBLISHED or PUBLISHED in inspect(clinic).attrs.state.history.deleted


def _clinics_of_location(location: Location) -> set[int]:
    """The stored clinics a location belongs or belonged to (a new clinic counts anew)."""
    history = inspect(location).attrs.clinic_id.history
    return {clinic_id for clinic_id in (*history.added, *history.unchanged, *history.deleted)
            if clinic_id is not None}


"""The one query layer over the published directory, shared by the public pages, the JSON API
and the exports. Only entries in state "published" ever leave this module.

Entry points (each takes the caller's session):
- `find_clinics(...)` -> `ClinicResults`: filter by words, condition, treatment (each with the
  terms below it in the taxonomy), country / region / locality, distance from a `Place`, and the
  details a clinic states (`DetailFilter`: payment, telehealth, new patients, a day, a language).
- `find_resources(...)` -> `ResourceResults`: filter by kind, condition and words.
- `region_counts(...)` -> `list[RegionCount]`: country -> ISO 3166-2 region -> locality.
- `get_clinic`, `get_resource`, `nearby_clinics`, `nearest_clinics`, `term_labels`,
  `place_name`.

The details are JSON columns: a filter matches a quoted token in their text ('%"medicare"%'),
which reads the same on SQLite and PostgreSQL; the tokens come from fixed vocabularies, never from
free text, so they hold no LIKE wildcards. A clinic that does not state a detail is only left out
by a filter on that detail.

Distances are great-circle (haversine) kilometres: a bounding box narrows the rows in SQL and the
exact distance is computed in Python.
"""

import math
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from types import SimpleNamespace
from typing import NamedTuple

import pycountry
from sqlalchemy import (
    Integer,
    Select,
    Text,
    bindparam,
    cast,
    exists,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session, selectinload

from models import (
    MERGED,
    PUBLISHED,
    Clinic,
    FacetCount,
    Location,
    Resource,
    Source,
    SourceRecord,
    Term,
    clinic_terms,
    resource_terms,
)
from models.counts import json_strings, open_days, term_scope
from models.directory import LISTED, TermKinds
from models.spatial import (
    box_condition,
    box_count_statement,
    box_parts,
    nearest_order,
    sphere_parameters,
    with_coordinates,
)
from models.taxonomy import term_ancestry, with_descendants
from reliefmap.geocode import Place
from web import search
from web.cache import cached, cached_each
from web.details import DAYS, DetailFilter

EARTH_RADIUS_KM = 6371.0088
DEFAULT_RADIUS_KM = 50
MAX_RADIUS_KM = 500
MAX_PER_PAGE = 100
SORTS = ("name", "distance", "verified")
PUBLISHED_SORT = "published"  # newest first, for feeds; near a place it sorts by distance
NEARBY_STEPS_KM = (0.5, 2, 8, 30, 120)  # then the radius: 100 km nearby, 500 for a guide
# When nothing matches within the radius, the nearest matches are looked for in circles whose
# radius grows by a factor of 1.41 (each reads about twice the rows of the one before): the
# circle that finds them reads at most twice the area needed, where doubling read up to four
# times (from Puerto Rico at a million clinics, 3,200 km held 48,754 matches and took 1.2 s;
# 2,263 km holds 5,000 and takes 0.3 s). The last (half the earth's circumference) holds
# every located clinic.
NEAREST_STEPS_KM = (*(round(100 * 2 ** (step / 2)) for step in range(15)), 20_038)
NEAREST_COUNT = 3
NEAREST_BATCH = 4  # on PostgreSQL the nearest are read in batches (see `_in_order`)
# ... among at most this many locations nearest to the place (see `_nearest_statement`; on
# SQLite, in circles whose boxes hold no more, see `_closest`)
MAX_NEAREST_LOCATIONS = 10_000
# A near search reads at most this many locations: where its box holds more (a city centre in
# a directory of a million clinics), it reads the widest of the narrower radii whose box holds
# no more. Its cost then stays bounded whatever the radius asked and however crowded the place.
# Around ZIP 10001 at a million bench clinics the 50 km box holds 86,358 locations: the search
# took 0.45 s; it now reads 1 km (1,322 locations, 101 matches) in 0.03 s. Each location
# read costs about 8 us, and counting one about 0.3 us (from the index alone, migration 0014).
# A bound of 1,000 rather than 2,000 took a varied near question at a million clinics from 18.0
# to 14.4 ms one at a time, and from 72-114 to 102-139 answers a second under load; where it
# narrows, the radius read still holds up to 1,000 locations of clinics to choose from.
MAX_NEAR_LOCATIONS = 1_000
NARROWER_RADII_KM = (1, 2, 5, 10, 25, 50, 100, 250)  # narrowest first


@dataclass
class ClinicHit:
    """One clinic of a result list, with the location that matched and its distance (km)."""

    clinic: Clinic
    location: Location | None
    distance_km: float | None = None


NO_DETAILS = DetailFilter()


def _states(column, token: str):
    """The JSON column holds the string `token` (a list element or a day)."""
    return cast(column, Text).like(f'%"{token}"%')


def _detail_filters(details: DetailFilter) -> list:
    """Filters on Clinic for the details asked for (an open day is a location's)."""
    filters = [_states(Clinic.payment, kind) for kind in details.payment]
    if details.telehealth:
        filters.append(Clinic.telehealth.is_(True))
    if details.accepting_new_patients:
        filters.append(Clinic.accepting_new_patients.is_(True))
    if details.language:
        filters.append(_states(Clinic.languages, details.language))
    return filters


@dataclass
class Facets:
    """How many results carry each condition / treatment (terms below it included) / region,
    each payment kind, language and open day, and how many offer telehealth or take new
    patients."""

    conditions: dict[str, int] = field(default_factory=dict)
    treatments: dict[str, int] = field(default_factory=dict)
    regions: dict[str, int] = field(default_factory=dict)
    payment: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    days: dict[str, int] = field(default_factory=dict)
    telehealth: int = 0
    accepting_new_patients: int = 0


@dataclass
class Results:
    """One page of results: `items`, the `total` over all pages, and the page arithmetic."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@dataclass
class ClinicResults(Results):
    """Clinic results: `items` are `ClinicHit`s; `facets` count over all matching clinics."""

    facets: Facets = field(default_factory=Facets)
    place: Place | None = None
    radius_km: float | None = None  # the radius searched: the one asked, or a narrower one
    asked_radius_km: float | None = None  # (see MAX_NEAR_LOCATIONS)
    # With `place` and no match within the radius: the nearest matches beyond it.
    nearest: list[ClinicHit] = field(default_factory=list)

    @property
    def narrowed(self) -> bool:
        """Whether a search near a place read a narrower radius than it was asked."""
        return self.place is not None and self.radius_km < self.asked_radius_km


@dataclass
class ResourceResults(Results):
    """Resource results: `items` are `Resource`s; counts per kind and per condition."""

    kinds: dict[str, int] = field(default_factory=dict)
    conditions: dict[str, int] = field(default_factory=dict)


@dataclass
class RegionCount:
    """A country, region or locality with its number of published clinics and its children."""

    code: str
    name: str
    count: int
    children: list["RegionCount"] = field(default_factory=list)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) degrees around a point that contain the radius."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    coslat = math.cos(math.radians(lat))
    dlon = 180.0 if coslat < 1e-6 else min(180.0, math.degrees(radius_km / EARTH_RADIUS_KM)
                                            / coslat)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def _read(session: Session, statement, params: dict):
    """The result of a Core statement (built once) run on the session's connection: the ORM's
    execution path cost about 30 us more a statement than this, as much as SQLite takes to
    run one (a clinic page runs about eight)."""
    return session.connection().execute(statement, params)


def _page_bounds(page: int, per_page: int) -> tuple[int, int]:
    return max(1, int(page or 1)), max(1, min(MAX_PER_PAGE, int(per_page or 20)))


def _location_filters(country, region, locality, details: DetailFilter = NO_DETAILS) -> list:
    filters = [_states(Location.hours, details.open_day)] if details.open_day else []
    if country:
        filters.append(Location.country == country.upper())
    if region:
        filters.append(Location.region == region.upper())
    if locality:
        filters.append(func.lower(Location.locality) == locality.lower())
    return filters


def _clinic_filters(session: Session, q, condition, treatment, location_filters,
                    details: DetailFilter, few_rows: bool = False) -> list:
    """Filters on Clinic. With `few_rows` (a bounding box narrows the rows first, or a list
    stops after a page), each row's terms and locations are probed (EXISTS) instead of
    gathering every clinic with the term or in the place (IN) first."""
    filters = [*LISTED, *_detail_filters(details)]
    for slug in (condition, treatment):
        if slug:
            slugs = _descendants(session, slug)
            if few_rows:
                filters.append(exists().where(clinic_terms.c.clinic_id == Clinic.id,
                                              clinic_terms.c.term_slug.in_(slugs))
                               .correlate(Clinic))
            else:
                filters.append(Clinic.id.in_(select(clinic_terms.c.clinic_id)
                                             .where(clinic_terms.c.term_slug.in_(slugs))))
    matching = search.matching_ids(session, "clinic", q)
    if matching is not None:
        filters.append(Clinic.id.in_(matching))
    if location_filters and few_rows:
        filters.append(exists().where(Location.clinic_id == Clinic.id, *location_filters)
                       .correlate(Clinic))
    elif location_filters:
        filters.append(Clinic.id.in_(select(Location.clinic_id).where(*location_filters)))
    return filters


@cached
def _descendants(session: Session, slug: str) -> tuple[str, ...]:
    """The slug and every term below it (the taxonomy changes the directory version too)."""
    return tuple(sorted(with_descendants(session, slug)))


@cached
def find_clinics(session: Session, *, q: str | None = None, condition: str | None = None,
                 treatment: str | None = None, country: str | None = None,
                 region: str | None = None, locality: str | None = None,
                 near: Place | None = None, radius_km: float | None = None,
                 details: DetailFilter = NO_DETAILS, sort: str = "name", page: int = 1,
                 per_page: int = 20, cards: bool = False) -> ClinicResults:
    """Published clinics matching every filter given, one page of them, with facet counts.

    `condition` / `treatment` are taxonomy slugs and also match the terms below them; `q` is
    full-text (every word, as a prefix); `near` keeps clinics with a location within
    `radius_km` (default 50) and gives each hit its distance; `details` keeps the clinics
    that state the details asked for. `sort` is "name", "distance"
    (needs `near`; falls back to name) or "verified" (most recently verified first).
    With `cards` and `near`, the hits hold a `Card` and a `CardLocation` (what a result card
    shows, read by the circle query itself) instead of loaded clinics and locations.
    """
    page, per_page = _page_bounds(page, per_page)
    if near is not None:
        asked = min(float(radius_km or DEFAULT_RADIUS_KM), MAX_RADIUS_KM)
        radius = _readable_radius(session, near, asked)
        ordered, facets = _find_near(session, q, condition, treatment, country, region,
                                     locality, details, near, radius, sort)
        items = _hits(session, ordered[(page - 1) * per_page: page * per_page], cards,
                      wide=True)
        nearest = [] if ordered else _nearest(session, q, condition, treatment, country,
                                              region, locality, details, near, radius, cards)
        return ClinicResults(items, len(ordered), page, per_page, facets, near, radius, asked,
                             nearest)
    total, ids, facets = _find_listed(session, q, condition, treatment, country, region,
                                      locality, details, sort, page, per_page)
    items = [ClinicHit(clinic, _matching_location(clinic, country, region, locality))
             for clinic in _load_clinics(session, ids)]
    return ClinicResults(items, total, page, per_page, facets)


def _find_listed(session, q, condition, treatment, country, region, locality, details, sort,
                 page, per_page) -> tuple[int, list[int], Facets]:
    location_filters = _location_filters(country, region, locality, details)
    order = {"verified": [Clinic.last_verified.desc().nulls_last(), Clinic.name, Clinic.id],
             PUBLISHED_SORT: [Clinic.published_at.desc().nulls_last(), Clinic.id.desc()]
             }.get(sort, [Clinic.name, Clinic.id])
    scope = _scope(q, condition, treatment, country, region, locality, details)
    if scope is not None:  # the whole directory, a country, a region or a term: counts kept
        total = _scope_total(session, scope)
        # Walking the clinics in order and probing each one's places costs about twice as
        # much a row as gathering the scope's clinics first: walk when the page is reached
        # in fewer rows (a country's first pages), gather otherwise (a small region).
        walk = total * total > 2 * _scope_total(session, "") * page * per_page
        filters = _clinic_filters(session, q, condition, treatment, location_filters, details,
                                  few_rows=walk)
        return total, _page_ids(session, filters, order, page, per_page), _scope_facets(
            session, scope)
    filters = _clinic_filters(session, q, condition, treatment, location_filters, details)
    total = session.scalar(select(func.count()).select_from(Clinic).where(*filters))
    return (total, _page_ids(session, filters, order, page, per_page),
            _facets(session, filters, location_filters))


def _page_ids(session, filters: list, order: list, page: int, per_page: int) -> list[int]:
    return list(session.scalars(select(Clinic.id).where(*filters).order_by(*order)
                                .limit(per_page).offset((page - 1) * per_page)))


def _scope(q, condition, treatment, country, region, locality, details) -> str | None:
    """The scope of the kept counts (models/counts.py) that a search with these filters
    counts over, or None when it filters by more than a place or a term."""
    if search.query_words(q) or locality or details != NO_DETAILS:
        return None
    asked = [filter_ for filter_ in (country, region, condition, treatment) if filter_]
    if len(asked) > 1:
        return None
    if condition or treatment:
        return term_scope(condition or treatment)
    return (region or country or "").upper()


def _scope_total(session, scope: str) -> int:
    return _kept_counts(session, scope).get("total", {}).get("", 0)


@cached
def _kept_counts(session, scope: str) -> dict[str, dict[str, int]]:
    """facet -> value -> listed clinics, of one scope of the kept counts."""
    kept: dict[str, dict[str, int]] = {}
    for facet, value, clinics in session.execute(
            select(FacetCount.facet, FacetCount.value, FacetCount.clinics)
            .where(FacetCount.scope == scope, FacetCount.clinics > 0)):
        kept.setdefault(facet, {})[value] = clinics
    return kept


def _scope_facets(session, scope: str) -> Facets:
    kept = _kept_counts(session, scope)
    facets = Facets(regions=dict(kept.get("region", {})), payment=dict(kept.get("payment", {})),
                    languages=dict(kept.get("language", {})), days=dict(kept.get("day", {})),
                    telehealth=kept.get("telehealth", {}).get("", 0),
                    accepting_new_patients=kept.get("new_patients", {}).get("", 0))
    _split_terms(facets, _ancestors(session)[0], kept.get("term", {}).items())
    return facets


def _readable_radius(session, near: Place, radius: float) -> float:
    """`radius`, or when its box holds more than MAX_NEAR_LOCATIONS locations, the widest of
    NARROWER_RADII_KM whose box holds no more (the narrowest when none does). The narrower
    ones are counted narrowest first: each count stops at MAX_NEAR_LOCATIONS + 1 entries, and
    the narrow boxes of a dense place hold fewer."""
    if _box_holds_at_most(session, near, radius, MAX_NEAR_LOCATIONS):
        return radius
    readable = NARROWER_RADII_KM[0]
    for candidate in NARROWER_RADII_KM[1:]:
        if candidate >= radius or not _box_holds_at_most(session, near, candidate,
                                                         MAX_NEAR_LOCATIONS):
            break
        readable = candidate
    return readable


def _box_holds_at_most(session, near: Place, radius: float, most: int) -> bool:
    """Whether the box around `near` of `radius` holds at most `most` locations (any clinic's),
    counted no further than that."""
    statement = box_count_statement(session.get_bind().dialect.name)
    return sum(_read(session, statement, {**part, "most": most + 1}).scalar()
               for part in box_parts(*bounding_box(near.lat, near.lon, radius))) <= most


def _find_near(session, q, condition, treatment, country, region, locality, details,
               near: Place, radius: float, sort: str) -> tuple[list["Match"], Facets]:
    """Every match within the radius, sorted, and the facets counted over them."""
    circle = _search_circle(session, q, condition, treatment, country, region, locality,
                            details, wide=True)
    found = _within(session, circle, near, radius)
    return _sorted_near(found, sort), _near_facets(session, found)


def _nearest(session, q, condition, treatment, country, region, locality, details,
             near: Place, radius: float, cards: bool) -> list[ClinicHit]:
    """The few matches nearest to `near`, all beyond `radius` (a search found none within)."""
    circle = _search_circle(session, q, condition, treatment, country, region, locality,
                            details, wide=False, nearest=True)
    steps = (*(r for r in NEAREST_STEPS_KM if r > radius), NEAREST_STEPS_KM[-1])
    return _hits(session, _closest(session, circle, near, NEAREST_COUNT, steps), cards)


class Card(NamedTuple):
    """What a result card shows of a clinic (the attributes of `Clinic` it reads)."""

    id: int
    slug: str
    name: str
    status: str
    phone: str | None
    treatments: tuple[str, ...]
    conditions: tuple[str, ...]


class CardLocation(NamedTuple):
    """What a result card and a map show of a location (the attributes of `Location`)."""

    id: int
    street: str | None
    locality: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    latitude: float
    longitude: float


@dataclass
class Match:
    """A clinic with a location within the circle: its nearest such location's row, the
    distance to it (km), and the rows of all its locations within the circle."""

    km: float
    row: object
    rows: list = field(default_factory=list)


def _terms_text():
    """A clinic's term slugs, space-separated (a subquery correlated to the clinic's row)."""
    return (select(func.aggregate_strings(clinic_terms.c.term_slug, " "))
            .where(clinic_terms.c.clinic_id == Clinic.id).scalar_subquery().label("terms"))


def _circle_columns():
    """What finding and sorting the clinics within a circle reads of each location."""
    return (Location.id, Location.clinic_id, Location.latitude, Location.longitude,
            Clinic.name, Clinic.last_verified)


def _card_columns():
    """What a card shows and the facets count, besides the circle's columns."""
    return (Location.street, Location.locality, Location.region, Location.postal_code,
            Location.country, cast(Location.hours, Text).label("hours"), Clinic.slug,
            Clinic.status, Clinic.phone, cast(Clinic.payment, Text).label("payment"),
            cast(Clinic.languages, Text).label("languages"), Clinic.telehealth,
            Clinic.accepting_new_patients, _terms_text())


@cached
def _search_circle(session, q, condition, treatment, country, region, locality, details,
                   wide: bool, nearest: bool = False) -> Select:
    """The circle statement of a search (see `_circle_statement`), built once per question
    and directory version: building a statement costs more than SQLite takes to run it."""
    # The place filters go on the boxed location rows themselves, which implies the clinic
    # has a location there: no separate "clinic has such a location" subquery.
    filters = _clinic_filters(session, q, condition, treatment, [], details, few_rows=True)
    filters += _location_filters(country, region, locality, details)
    return _circle_statement(session, filters, wide, nearest)


def _circle_statement(session, filters: list, wide: bool, nearest: bool = False) -> Select:
    """The locations in a box (its corners are the parameters of `box_condition`) of clinics
    matching `filters`. `wide` reads, in the same query, all that their cards and the facets
    need (a search counts facets over every match; nearby clinics and nearest matches read the
    cards of a few afterwards). With `nearest`, on PostgreSQL: instead of a box, the locations
    nearest to a point, in order (see `_nearest_statement`)."""
    columns = (*_circle_columns(), *(_card_columns() if wide else ()))
    dialect = session.get_bind().dialect.name
    if nearest and dialect == "postgresql":
        return _nearest_statement(columns, filters)
    return (select(*columns).join(Clinic, Clinic.id == Location.clinic_id)
            .where(*filters, box_condition(dialect)))


def _nearest_statement(columns, filters: list) -> Select:
    """PostgreSQL: of the MAX_NEAREST_LOCATIONS locations nearest to the point of
    `nearest_order`'s parameters (any clinic's, read in order from the index of migration
    0013), the first `limit` (a parameter) of clinics matching `filters`, nearest first. The
    bound keeps a filter that few clinics or none match (a word no clinic has) from reading
    every location of the directory: at a million clinics that took 24 s."""
    distance = nearest_order().label("distance")
    nearest = (select(Location.id, distance).where(*with_coordinates()).order_by(distance)
               .limit(MAX_NEAREST_LOCATIONS).subquery("nearest_locations"))
    return (select(*columns).select_from(nearest)
            .join(Location, Location.id == nearest.c.id)
            .join(Clinic, Clinic.id == Location.clinic_id)
            .where(*filters).order_by(nearest.c.distance)
            .limit(bindparam("limit", type_=Integer)))


def _within(session, circle: Select, near: Place, radius: float, **params) -> list[Match]:
    """The clinics the circle statement finds with a location within the radius."""
    found: dict[int, Match] = {}
    for part in box_parts(*bounding_box(near.lat, near.lon, radius)):  # two at the antimeridian
        for row in _read(session, circle, {**part, **params}):
            distance = haversine_km(near.lat, near.lon, row.latitude, row.longitude)
            if distance > radius:
                continue
            match = found.get(row.clinic_id)
            if match is None:
                match = found[row.clinic_id] = Match(distance, row)
            elif distance < match.km:
                match.km, match.row = distance, row
            match.rows.append(row)
    return list(found.values())


def _closest(session, circle: Select, near: Place, count: int, steps,
             **params) -> list[Match]:
    """The `count` matches of the circle statement (built with `nearest`) nearest to `near`,
    within the last of `steps` (km). On SQLite circles widen through `steps` until one holds
    that many (the last may hold fewer), and no further once a circle's box holds more than
    MAX_NEAREST_LOCATIONS locations. Exact within what was read: whatever the circle holds is
    nearer than all it leaves out."""
    if session.get_bind().dialect.name == "postgresql":
        return _in_order(session, circle, near, count, steps[-1], **params)
    found: list[Match] = []
    for radius in steps:
        found = _within(session, circle, near, radius, **params)
        if len(found) >= count or not _box_holds_at_most(session, near, radius,
                                                         MAX_NEAREST_LOCATIONS):
            break  # as on PostgreSQL, a filter few clinics match reads no continent's worth
    return _sorted_near(found, "distance")[:count]


def _in_order(session, ordered: Select, near: Place, count: int, radius: float,
              **params) -> list[Match]:
    """PostgreSQL: the `count` matches nearest to `near` within `radius`, read nearest first
    from the statement (see `_nearest_statement`), a batch of rows at a time (NEAREST_BATCH
    rows per clinic wanted, then each four times the one before) until the batch holds `count`
    clinics and every row as near as the last of them (the same clinics as a circle holding
    them all would give, ties included), or holds all the statement gives."""
    limit = NEAREST_BATCH * count
    while True:
        rows = _read(session, ordered, {**sphere_parameters(near.lat, near.lon), **params,
                                         "limit": limit}).all()
        found: dict[int, Match] = {}
        last_km = 0.0
        for row in rows:
            last_km = haversine_km(near.lat, near.lon, row.latitude, row.longitude)
            if last_km > radius:
                break
            match = found.get(row.clinic_id)
            if match is None:
                found[row.clinic_id] = Match(last_km, row, [row])
            else:
                match.rows.append(row)
        chosen = _sorted_near(list(found.values()), "distance")[:count]
        if (len(rows) < limit or last_km > radius
                or (len(chosen) == count and last_km > chosen[-1].km)):
            return chosen
        limit *= 4


def _sorted_near(found: list[Match], sort: str) -> list[Match]:
    """The matches by distance, name or last verified (distances rounded to 0.1 km)."""
    if sort == "verified":
        def key(match):
            verified = match.row.last_verified
            return (verified is None, -(verified.timestamp() if verified else 0),
                    match.row.name, match.row.clinic_id)
    elif sort == "name":
        def key(match):
            return (match.row.name, match.row.clinic_id)
    else:
        def key(match):
            return (match.km, match.row.name, match.row.clinic_id)
    return sorted(found, key=key)


def _hits(session: Session, chosen: list[Match], cards: bool,
          wide: bool = False) -> list[ClinicHit]:
    """The matches as hits, in this order: cards (read with the matches when a `wide` circle
    found them, else now), or loaded clinics."""
    if cards:
        kinds = _ancestors(session)[0]
        rows = [match.row for match in chosen]
        if rows and not wide:
            read = {row.id: row for row in _read(
                session, _cards_statement(session), {"ids": [row.id for row in rows]})}
            rows = [read.get(row.id) for row in rows]
        return [ClinicHit(_card(row, kinds), _card_location(row), round(match.km, 1))
                for match, row in zip(chosen, rows, strict=True)
                if row is not None]  # deleted since: the next request has a new version
    clinics = {clinic.id: clinic for clinic in
               _load_clinics(session, [match.row.clinic_id for match in chosen])}
    items = []
    for match in chosen:
        clinic = clinics.get(match.row.clinic_id)
        if clinic is not None:
            location = next((loc for loc in clinic.locations if loc.id == match.row.id), None)
            items.append(ClinicHit(clinic, location, round(match.km, 1)))
    return items


@cached
def _cards_statement(session) -> Select:
    """The card rows of the locations whose ids are the parameter `ids`."""
    return (select(*_circle_columns(), *_card_columns())
            .join(Clinic, Clinic.id == Location.clinic_id)
            .where(Location.id.in_(bindparam("ids", expanding=True))))


@cached
def _nearby_circle(session) -> Select:
    """The nearest statement of other clinics near one (parameter `clinic_id`)."""
    return _circle_statement(session, [*LISTED, Clinic.id != bindparam("clinic_id")],
                             wide=False, nearest=True)


def _card(row, kinds: dict[str, str]) -> Card:
    slugs = sorted((row.terms or "").split())
    return Card(row.clinic_id, row.slug, row.name, row.status, row.phone,
                tuple(slug for slug in slugs if kinds.get(slug) == "treatment"),
                tuple(slug for slug in slugs if kinds.get(slug) == "condition"))


def _card_location(row) -> CardLocation:
    return CardLocation(row.id, row.street, row.locality, row.region, row.postal_code,
                        row.country, row.latitude, row.longitude)


def _load_clinics(session: Session, ids: list[int]) -> list[Clinic]:
    """The clinics with these ids, in this order, with locations and terms loaded."""
    if not ids:
        return []
    loaded = _listed_clinics(session, ids)
    return [loaded[i] for i in ids if i in loaded]


@cached_each("listed_clinics", max_entries=4096)
def _listed_clinics(session: Session, ids: list[int]) -> dict[int, Clinic]:
    """Clinics as lists show them, by id (nearby questions share most of their clinics)."""
    return {clinic.id: clinic for clinic in session.scalars(
        select(Clinic).where(Clinic.id.in_(ids))
        .options(selectinload(Clinic.locations), selectinload(Clinic.terms)))}


def _matching_location(clinic: Clinic, country, region, locality) -> Location | None:
    """The clinic's first location in the place asked for, else its first location."""
    for location in clinic.locations:
        if ((not country or location.country == country.upper())
                and (not region or location.region == region.upper())
                and (not locality or (location.locality or "").lower() == locality.lower())):
            return location
    return clinic.locations[0] if clinic.locations else None


@cached
def _ancestry(session: Session) -> dict[str, tuple[str, ...]]:
    return term_ancestry(session)


@cached
def _ancestors(session: Session) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Each term's kind, and (term, ancestor-or-self) pairs for counting up the hierarchy."""
    kinds = dict(session.execute(select(Term.slug, Term.kind)).all())
    return kinds, [(slug, above) for slug, chain in _ancestry(session).items() for above in chain]


def _ancestry_table(pairs: list[tuple[str, str]]):
    """(term, ancestor) pairs as a subquery (SQLite cannot name the columns of VALUES)."""
    return union_all(*(select(literal(term).label("term"), literal(ancestor).label("ancestor"))
                       for term, ancestor in pairs)).subquery("ancestry")


def _facets(session: Session, filters: list, location_filters: list) -> Facets:
    """Facet counts over the clinics the filters match: one pass for the terms themselves, one
    for the terms that have terms below them (a clinic counts once), one for the regions."""
    kinds, pairs = _ancestors(session)
    facets = Facets()
    _split_terms(facets, kinds, session.execute(
        select(clinic_terms.c.term_slug, func.count())
        .join(Clinic, Clinic.id == clinic_terms.c.clinic_id).where(*filters)
        .group_by(clinic_terms.c.term_slug)))
    below: dict[str, list[str]] = {}
    for term, ancestor in pairs:
        below.setdefault(ancestor, []).append(term)
    parents = sorted(slug for slug, terms in below.items() if len(terms) > 1)
    if parents:
        # EXISTS probes each matching clinic's few terms; an IN list would gather every clinic
        # with any of the terms first.
        counts = session.execute(select(*(
            func.count().filter(exists().where(clinic_terms.c.clinic_id == Clinic.id,
                                               clinic_terms.c.term_slug.in_(below[parent])))
            for parent in parents)).select_from(Clinic).where(*filters)).one()
        _split_terms(facets, kinds, zip(parents, counts, strict=True))
    facets.regions = dict(session.execute(
        select(Location.region, func.count(Location.clinic_id.distinct()))
        .join(Clinic, Clinic.id == Location.clinic_id)
        .where(*filters, Location.region.is_not(None), *location_filters)
        .group_by(Location.region)).all())
    _count_details(session, facets, filters, location_filters)
    return facets


def _near_facets(session, found: list[Match]) -> Facets:
    """Facet counts over the clinics found within the radius, from the rows the circle query
    read: their terms (counted up the taxonomy), what each states, and the regions and open
    days of their locations within the circle (a clinic counts once for each). Matches that
    state the same, or have the same places, are counted together (around ZIP 10001 at a
    million bench clinics: 8,439 matches, 4,877 different statements, 6 different places)."""
    facets = _stated_facets(session, Counter(
        (match.row.terms, match.row.payment, match.row.languages, bool(match.row.telehealth),
         bool(match.row.accepting_new_patients)) for match in found))
    regions, days = Counter(), Counter()
    for place, count in Counter(tuple((location.region, location.hours)
                                      for location in match.rows) for match in found).items():
        for region in {region for region, _hours in place if region}:
            regions[region] += count
        for day in {day for _region, hours in place for day in open_days(hours)}:
            days[day] += count
    facets.regions, facets.days = dict(regions), dict(days)
    return facets


def _stated_facets(session, stated: Counter) -> Facets:
    """The term and detail counts of clinics grouped by what they state: (terms, payment,
    languages, telehealth, new patients) -> clinics."""
    ancestry = _ancestry(session)
    terms, payment, languages = Counter(), Counter(), Counter()
    facets = Facets()
    for (slugs, paid, spoken, telehealth, new_patients), count in stated.items():
        for term in {above for slug in (slugs or "").split()
                     for above in ancestry.get(slug, (slug,))}:
            terms[term] += count
        for kind in json_strings(paid):
            payment[kind] += count
        for code in json_strings(spoken):
            languages[code] += count
        facets.telehealth += count if telehealth else 0
        facets.accepting_new_patients += count if new_patients else 0
    _split_terms(facets, _ancestors(session)[0], terms.items())
    facets.payment, facets.languages = dict(payment), dict(languages)
    return facets


def _count_details(session, facets: Facets, filters: list, location_filters: list) -> None:
    """Add the detail counts of the clinics matching `filters` to `facets`. Clinics are grouped
    by what they state (few distinct combinations); open days count clinics with a location
    (among `location_filters`) open that day."""
    payment, languages = cast(Clinic.payment, Text), cast(Clinic.languages, Text)
    for paid, spoken, telehealth, new_patients, count in session.execute(
            select(payment, languages, Clinic.telehealth, Clinic.accepting_new_patients,
                   func.count()).where(*filters)
            .group_by(payment, languages, Clinic.telehealth, Clinic.accepting_new_patients)):
        for kind in json_strings(paid):
            facets.payment[kind] = facets.payment.get(kind, 0) + count
        for code in json_strings(spoken):
            facets.languages[code] = facets.languages.get(code, 0) + count
        facets.telehealth += count if telehealth else 0
        facets.accepting_new_patients += count if new_patients else 0
    counts = session.execute(
        select(*(func.count(Location.clinic_id.distinct()).filter(_states(Location.hours, day))
                 for day in DAYS))
        .join(Clinic, Clinic.id == Location.clinic_id).where(*filters, *location_filters)).one()
    for day, count in zip(DAYS, counts, strict=True):
        if count:
            facets.days[day] = facets.days.get(day, 0) + count


def _split_terms(facets: Facets, kinds: dict[str, str], counts) -> None:
    for slug, count in counts:
        if not count:
            continue
        target = facets.conditions if kinds.get(slug) == "condition" else facets.treatments
        target[slug] = count


@cached
def find_resources(session: Session, *, kind: str | None = None, condition: str | None = None,
                   q: str | None = None, page: int = 1, per_page: int = 20,
                   treatment: str | None = None) -> ResourceResults:
    """Published resources of a kind, about a condition and a treatment (or terms below them),
    matching words; newest first, then by title. Counts per kind and per condition are over all
    matches."""
    page, per_page = _page_bounds(page, per_page)
    total, ids, kinds, conditions = _find_resources(session, kind, (condition, treatment), q,
                                                    page, per_page)
    loaded = {resource.id: resource for resource in session.scalars(
        select(Resource).where(Resource.id.in_(ids)).options(selectinload(Resource.terms)))}
    items = [loaded[i] for i in ids if i in loaded]
    return ResourceResults(items, total, page, per_page, kinds, conditions)


def _find_resources(session, kind, about, q, page, per_page):
    filters = [Resource.state == PUBLISHED, *about_terms(session, *about)]
    matching = search.matching_ids(session, "resource", q)
    if matching is not None:
        filters.append(Resource.id.in_(matching))
    kind_filter = [Resource.kind == kind] if kind else []
    total = session.scalar(select(func.count()).select_from(Resource)
                           .where(*filters, *kind_filter))
    ids = list(session.scalars(
        select(Resource.id).where(*filters, *kind_filter)
        .order_by(Resource.published.desc().nulls_last(), Resource.title, Resource.id)
        .limit(per_page).offset((page - 1) * per_page)))
    # Kind counts ignore the kind filter, so the page can offer every kind that has entries.
    kinds = dict(session.execute(select(Resource.kind, func.count()).where(*filters)
                                 .group_by(Resource.kind)).all())
    term_kinds, pairs = _ancestors(session)
    conditions: dict[str, int] = {}
    if pairs:
        ancestry = _ancestry_table(pairs)
        matched = select(Resource.id).where(*filters, *kind_filter)
        for slug, count in session.execute(
                select(ancestry.c.ancestor, func.count(resource_terms.c.resource_id.distinct()))
                .join(ancestry, ancestry.c.term == resource_terms.c.term_slug)
                .where(resource_terms.c.resource_id.in_(matched))
                .group_by(ancestry.c.ancestor)):
            if term_kinds.get(slug) == "condition":
                conditions[slug] = count
    return total, ids, kinds, conditions


def about_terms(session: Session, *slugs: str | None) -> list:
    """Filters on Resource: about each term given (or a term below it)."""
    return [Resource.id.in_(select(resource_terms.c.resource_id).where(
                resource_terms.c.term_slug.in_(with_descendants(session, slug))))
            for slug in slugs if slug]


def region_counts(session: Session, country: str | None = None,
                  region: str | None = None) -> list[RegionCount]:
    """Published clinics per country -> region -> locality (a clinic counts once per place),
    biggest first; narrowed to one country or one region when given (localities only then).
    The nodes are shared between requests: read them, do not change them."""
    return _region_counts(session, country, region)


def _region_counts(session: Session, country: str | None, region: str | None):
    """The tree from the kept counts: a country's count is its scope's total (or, narrowed to
    a region, the region's count within it), its regions and localities its facets."""
    countries = [country.upper()] if country else [
        scope for scope in _kept_scopes(session) if len(scope) == 2]  # ISO 3166-1 alpha-2
    wanted = region.upper() if region else None
    nodes = []
    for code in countries:
        kept = _kept_counts(session, code)
        regions = [RegionCount(child, place_name(child), count)
                   for child, count in kept.get("region", {}).items()
                   if wanted in (None, child)]
        total = sum(node.count for node in regions) if wanted else kept.get("total", {}).get("", 0)
        if not total:
            continue
        node = RegionCount(code, place_name(code), total, sorted(regions, key=_biggest_first))
        if country or region:
            by_code = {child.code: child for child in node.children}
            for key, count in kept.get("locality", {}).items():
                region_code, locality = key.split(" ", 1)
                if region_code in by_code:
                    by_code[region_code].children.append(RegionCount(locality, locality, count))
            for child in node.children:
                child.children.sort(key=_biggest_first)
        nodes.append(node)
    return sorted(nodes, key=_biggest_first)


@cached
def _kept_scopes(session) -> list[str]:
    return list(session.scalars(select(FacetCount.scope)
                                .where(FacetCount.facet == "total", FacetCount.clinics > 0)))


def _biggest_first(node: RegionCount):
    return (-node.count, node.name)


@lru_cache(maxsize=4096)
def place_name(code: str) -> str:
    """The English name of an ISO 3166-1 country or ISO 3166-2 region code, else the code."""
    try:
        found = (pycountry.subdivisions.get(code=code) if "-" in code
                 else pycountry.countries.get(alpha_2=code))
    except (KeyError, LookupError):
        found = None
    if found is None:
        return code
    return getattr(found, "common_name", None) or found.name


class ClinicPage(TermKinds, SimpleNamespace):
    """A published clinic as its page and the API show it: its columns as attributes, its
    `locations` (their columns, in id order), `terms` (`TermLabel`s) and `sources` ((url,
    source name or None) of the records it came from)."""


@cached
def get_clinic(session: Session, slug: str) -> ClinicPage | None:
    """A published clinic by slug, read with four Core statements built once (the ORM's
    loading took four times as long)."""
    row = _read(session, _CLINIC_BY_SLUG, {"slug": slug}).one_or_none()
    if row is None:
        return None
    labels = term_labels(session)
    owner = {"clinic_id": row.id}
    return ClinicPage(
        **row._mapping,
        locations=[SimpleNamespace(**location._mapping)
                   for location in _read(session, _CLINIC_LOCATIONS, owner)],
        terms=[labels[slug] for slug in _read(session, _CLINIC_TERMS, owner).scalars()
               if slug in labels],
        sources=[tuple(source) for source in _read(session, _CLINIC_SOURCES, owner)])


_CLINIC_BY_SLUG = select(*Clinic.__table__.c).where(Clinic.slug == bindparam("slug"),
                                                    Clinic.state == PUBLISHED)
_CLINIC_LOCATIONS = (select(*Location.__table__.c)
                     .where(Location.clinic_id == bindparam("clinic_id")).order_by(Location.id))
_CLINIC_TERMS = select(clinic_terms.c.term_slug).where(
    clinic_terms.c.clinic_id == bindparam("clinic_id")).order_by(clinic_terms.c.term_slug)
_CLINIC_SOURCES = (select(SourceRecord.url, Source.name)
                   .outerjoin(Source, Source.id == SourceRecord.source_id)
                   .where(SourceRecord.clinic_id == bindparam("clinic_id"))
                   .order_by(SourceRecord.id))


@cached
def merged_into(session: Session, slug: str) -> str | None:
    """The slug of the published clinic a merged clinic became (following merges of merges)."""
    seen: set[int] = set()
    clinic = session.scalar(select(Clinic).where(Clinic.slug == slug, Clinic.state == MERGED))
    while clinic is not None and clinic.state == MERGED and clinic.merged_into_id not in seen:
        seen.add(clinic.id)
        clinic = session.get(Clinic, clinic.merged_into_id) if clinic.merged_into_id else None
    return clinic.slug if clinic is not None and clinic.state == PUBLISHED else None


@cached
def get_resource(session: Session, slug: str) -> Resource | None:
    """A published resource by slug, with its terms and the sources that carry it."""
    from models import SourceRecord

    return session.scalar(select(Resource).where(Resource.slug == slug,
                                                 Resource.state == PUBLISHED)
                          .options(selectinload(Resource.terms),
                                   selectinload(Resource.source_records)
                                   .selectinload(SourceRecord.source)))


def nearby_clinics(session: Session, clinic: Clinic, limit: int = 5,
                   radius_km: float = 100) -> list[ClinicHit]:
    """Other published clinics closest to the clinic's first located address, as cards (no
    facets: a clinic page only lists a few)."""
    location = next((loc for loc in clinic.locations if loc.latitude is not None), None)
    if location is None:
        return []
    place = Place(location.latitude, location.longitude, clinic.name, location.country or "",
                  location.region)
    # In a city the first circle holds enough, and reads few rows.
    steps = (*(r for r in NEARBY_STEPS_KM if r < radius_km), radius_km)
    return _hits(session, _closest(session, _nearby_circle(session), place, limit, steps,
                                   clinic_id=clinic.id), cards=True)


def nearest_clinics(session: Session, near: Place, count: int, *,
                    condition: str | None = None, treatment: str | None = None,
                    radius_km: float = MAX_RADIUS_KM, cards: bool = False) -> list[ClinicHit]:
    """The `count` published clinics with the condition / treatment (or a term below it)
    nearest to `near` within `radius_km`, nearest first, with no total and no facets (a guide
    lists a few: a search of the whole radius read a city's thousands of matches first)."""
    circle = _search_circle(session, None, condition, treatment, None, None, None, NO_DETAILS,
                            wide=False, nearest=True)
    steps = (*(r for r in NEARBY_STEPS_KM if r < radius_km), radius_km)
    return _hits(session, _closest(session, circle, near, count, steps), cards)


class TermLabel(NamedTuple):
    slug: str
    kind: str
    label: str
    parent_slug: str | None


@cached
def term_labels(session: Session) -> dict[str, TermLabel]:
    """Every taxonomy term by slug, in label order (for labels, kinds and parents)."""
    return {slug: TermLabel(slug, kind, label, parent) for slug, kind, label, parent in
            session.execute(select(Term.slug, Term.kind, Term.label, Term.parent_slug)
                            .order_by(Term.label))}


def published_count(session: Session, model) -> int:
    """How many published clinics (model=Clinic) or resources (model=Resource) there are."""
    return session.scalar(select(func.count()).select_from(model)
                          .where(model.state == PUBLISHED))


def published_slugs(session: Session, model, offset: int = 0,
                    limit: int = 40_000) -> list[tuple[str, object]]:
    """(slug, updated_at) of published clinics or resources by slug, one chunk (sitemaps)."""
    return session.execute(select(model.slug, model.updated_at)
                           .where(model.state == PUBLISHED).order_by(model.slug)
                           .offset(offset).limit(limit)).all()

"""Atom feeds to follow a clinic search, a resource list or a guide: their entries as they are
published or materially change. No account and nothing about the reader: a feed is the same
bytes for everyone who asks with the same parameters, and its URLs are built from the site's
configured address and the validated parameters only (never from the Host or other headers)."""

from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, abort, current_app, url_for

from models import Clinic, Resource
from reliefmap.geocode import geocode_place
from web import queries
from web.cache import cached_page
from web.db import get_session
from web.details import DetailFilter, detail_filters
from web.guides_data import guide_for
from web.params import BadParameter, kilometres, text
from web.public import CLINIC_FILTERS, with_query
from web.resources import KIND_LABELS

bp = Blueprint("feeds", __name__)

ATOM = "application/atom+xml"
MAX_ENTRIES = 50
CANDIDATES = 100  # entries read before keeping the latest MAX_ENTRIES
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@bp.record_once
def _setup(state):
    state.app.jinja_env.globals.update(clinic_feed_url=clinic_feed_url,
                                       resource_feed_url=resource_feed_url)


def _site_url(endpoint: str, pairs=(), **values) -> str:
    """An absolute URL at the configured site address, with the query arguments given."""
    origin = current_app.config["RELIEFMAP"].web.origin
    return origin + with_query(url_for(endpoint, **values), pairs)


def clinic_feed_url(wanted: dict, near: str | None, radius: float | None,
                    chosen: DetailFilter = queries.NO_DETAILS) -> str:
    """The feed of a clinic search (the filters as validated by the search page)."""
    return _site_url("feeds.clinics", _clinic_pairs(wanted, near, radius, chosen))


def resource_feed_url(kind: str | None, condition: str | None, treatment: str | None = None,
                      q: str | None = None) -> str:
    return _site_url("feeds.resources", [("kind", kind), ("condition", condition),
                                         ("treatment", treatment), ("q", q)])


def guide_feed_url(kind: str, slug: str, near: str | None = None) -> str:
    return _site_url(f"feeds.{kind}", [("near", near)], slug=slug)


def _clinic_pairs(wanted: dict, near: str | None, radius: float | None,
                  chosen: DetailFilter) -> list:
    pairs = [(name, wanted.get(name)) for name in CLINIC_FILTERS if name != "near"]
    if near:
        pairs += [("near", near), ("radius", f"{radius:g}" if radius else None)]
    pairs += [("payment", kind) for kind in chosen.payment]
    pairs += [("telehealth", "true" if chosen.telehealth else None),
              ("accepting_new_patients", "true" if chosen.accepting_new_patients else None),
              ("open", chosen.open_day), ("language", chosen.language)]
    return pairs


def _place():
    """The place of `near`, or None when not given; an unknown place is a bad parameter."""
    near = text("near")
    if not near:
        return None, None
    place = geocode_place(near)
    if place is None:
        raise BadParameter(f"near: no place is called '{near[:40]}'; try a postal code or "
                           "a city name")
    return near, place


def changed_at(entry) -> datetime:
    """When the entry was published or last changed in substance: its publication, or the
    latest time a source or an editor set one of its fields (a recrawl that finds it the
    same changes nothing)."""
    times = [entry.published_at] if entry.published_at else []
    for origin in (entry.provenance or {}).values():
        stamp = isinstance(origin, dict) and (origin.get("at") or origin.get("fetched_at"))
        if isinstance(stamp, str):
            try:
                times.append(datetime.fromisoformat(stamp))
            except ValueError:
                continue
    latest = max((time.replace(tzinfo=None) for time in times), default=None)
    return latest.replace(tzinfo=UTC) if latest else EPOCH


def _latest(entries: list) -> list:
    return sorted(entries, key=lambda entry: (changed_at(entry), entry.id),
                  reverse=True)[:MAX_ENTRIES]


def _new_entry(feed: FeedGenerator, url: str, title: str, record):
    """An entry for a clinic's or resource's page, dated by its last real change."""
    entry = feed.add_entry(order="append")
    entry.id(url)
    entry.title(title)
    entry.link(href=url, rel="alternate")
    entry.updated(changed_at(record))
    return entry


def _clinic_entry(feed: FeedGenerator, clinic: Clinic, terms: dict) -> None:
    entry = _new_entry(feed, _site_url("public.clinic", slug=clinic.slug), clinic.name, clinic)
    if clinic.published_at:
        entry.published(clinic.published_at.replace(tzinfo=UTC))
    location = clinic.locations[0] if clinic.locations else None
    place = ", ".join(part for part in ((location.locality, location.region and
                                         queries.place_name(location.region))
                                        if location else ()) if part)
    labels = [terms[slug].label for slug in clinic.treatments + clinic.conditions if slug in terms]
    entry.summary(" · ".join(part for part in (place, ", ".join(labels)) if part) or clinic.name)


def _resource_entry(feed: FeedGenerator, resource: Resource) -> None:
    entry = _new_entry(feed, _site_url("resources.resource", slug=resource.slug),
                       resource.title, resource)
    if resource.author:
        entry.author({"name": resource.author})
    if resource.summary:
        entry.summary(resource.summary)


def _feed(title: str, self_url: str, page_url: str, clinics=(), resources=(),
          extra=None) -> Response:
    """An Atom document: the clinics, then the resources, each the latest first."""
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(title)
    feed.author({"name": "Relief Map editors"})
    feed.link(href=self_url, rel="self", type=ATOM)
    feed.link(href=page_url, rel="alternate", type="text/html")
    feed.language("en")
    terms = queries.term_labels(get_session())
    clinics, resources = _latest(list(clinics)), _latest(list(resources))
    for clinic in clinics:
        _clinic_entry(feed, clinic, terms)
    for resource in resources:
        _resource_entry(feed, resource)
    stamps = [changed_at(entry) for entry in (*clinics, *resources)]
    if extra is not None:
        stamps.append(extra(feed))
    feed.updated(max(stamps, default=EPOCH))
    return Response(feed.atom_str(pretty=True), mimetype=ATOM)


@bp.get("/clinics/feed.atom")
@cached_page
def clinics():
    """A clinic search as a feed: the same filters as /clinics."""
    wanted = {name: text(name) for name in CLINIC_FILTERS if name != "near"}
    near, place = _place()
    radius = kilometres("radius", queries.DEFAULT_RADIUS_KM, queries.MAX_RADIUS_KM)
    chosen = detail_filters()
    results = queries.find_clinics(get_session(), **wanted, near=place, radius_km=radius,
                                   details=chosen, sort=queries.PUBLISHED_SORT,
                                   per_page=CANDIDATES)
    pairs = _clinic_pairs(wanted, near, radius if place else None, chosen)
    title = "Relief Map: clinics" + (f" near {place.label}" if place else "")
    return _feed(title, _site_url("feeds.clinics", pairs), _site_url("public.clinics", pairs),
                 clinics=[hit.clinic for hit in results.items])


@bp.get("/resources/feed.atom")
@cached_page
def resources():
    """A resource list as a feed: by kind, condition, treatment and words."""
    kind = text("kind")
    if kind and kind not in KIND_LABELS:
        raise BadParameter(f"kind must be one of {', '.join(KIND_LABELS)}")
    wanted = {"condition": text("condition"), "treatment": text("treatment"), "q": text("q")}
    results = queries.find_resources(get_session(), kind=kind, **wanted, per_page=CANDIDATES)
    pairs = [("kind", kind), *wanted.items()]
    return _feed("Relief Map: " + (KIND_LABELS[kind].lower() if kind else "resources"),
                 _site_url("feeds.resources", pairs), _site_url("resources.index", pairs),
                 resources=results.items)


@bp.get("/conditions/<slug>/feed.atom", defaults={"kind": "condition"}, endpoint="condition")
@bp.get("/treatments/<slug>/feed.atom", defaults={"kind": "treatment"}, endpoint="treatment")
@cached_page
def guide(slug: str, kind: str):
    """A guide as a feed: its clinics (the nearest with `near`), its resources and its
    description."""
    near, place = _place()
    session = get_session()
    found = guide_for(session, slug, kind, place)
    if found is None:
        abort(404)
    clinics = ([hit.clinic for hit in queries.nearest_clinics(
        session, place, CANDIDATES, **{kind: slug})] if place else
        [hit.clinic for hit in queries.find_clinics(
            session, **{kind: slug}, sort=queries.PUBLISHED_SORT, per_page=CANDIDATES).items])
    page_url = _site_url(f"guides.{kind}", [("near", near)], slug=slug)

    def description(feed: FeedGenerator) -> datetime:
        if not found.description:
            return EPOCH
        updated = found.updated_at.replace(tzinfo=UTC)
        entry = feed.add_entry(order="prepend")
        entry.id(page_url.split("?")[0] + "#about")
        entry.title(f"About {found.term.label}")
        entry.link(href=page_url, rel="alternate")
        entry.updated(updated)
        entry.summary(found.description)
        return updated

    title = f"Relief Map: {found.term.label}" + (f" near {place.label}" if place else "")
    return _feed(title, guide_feed_url(kind, slug, near), page_url, clinics=clinics,
                 resources=found.resources, extra=description)

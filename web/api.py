"""The read-only JSON API under /api/v1/, over the same query layer as the public pages.

Every GET answers with a strong ETag (a hash of the body) and honours If-None-Match; any origin
may read it (CORS). Crawled text is data: it only ever leaves here JSON-encoded, with <, > and &
escaped as well, so that no browser can take a response for HTML.
"""

import difflib
import json
import re
from datetime import datetime
from functools import wraps

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from sqlalchemy import select

from models import RESOURCE_KINDS, Clinic, Location, Resource, Term
from models.entries import DETAIL_FIELDS
from reliefmap.geocode import resolve_place, suggest_places
from web import details, queries
from web.cache import request_cache
from web.db import get_session
from web.guides_data import guide_for
from web.openapi import DOCUMENT, PROVENANCE_FIELDS, query_parameters
from web.params import BadParameter, integer, kilometres, text

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# The parameters each list accepts are those its OpenAPI description gives, and no others.
CLINIC_PARAMETERS = query_parameters("/clinics")
RESOURCE_PARAMETERS = query_parameters("/resources")
COUNTRY = re.compile(r"^[A-Z]{2}$")
REGION = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
CORS_METHODS = ("GET", "HEAD", "OPTIONS")


class BadRequest(BadParameter):
    """A request the API refuses, with a one-line reason and optional suggestions."""

    def __init__(self, message: str, suggestions: list[str] | None = None, status: int = 400):
        super().__init__(message)
        self.suggestions = suggestions
        self.code = status


def json_body(data) -> str:
    """`data` as JSON, escaped so that it can never be sniffed as markup."""
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def json_response(data, status: int = 200) -> Response:
    return Response(json_body(data), status=status, mimetype="application/json")


def kept(view):
    """Serve a view's JSON from the process's query cache until the data changes."""

    @wraps(view)
    def wrapper(**kwargs):
        cache = request_cache()
        if cache is None:
            return json_response(view(**kwargs))
        body = cache.remember(("api", request.full_path), lambda: json_body(view(**kwargs)))
        return Response(body, mimetype="application/json")

    return wrapper


@bp.errorhandler(BadParameter)
def bad_request(error: BadParameter):
    data = {"error": error.description}
    if getattr(error, "suggestions", None):
        data["suggestions"] = error.suggestions
    return json_response(data, error.code)


@bp.after_request
def cacheable_and_shared(response: Response) -> Response:
    """Strong ETag and conditional GET; CORS for the safe methods only."""
    if request.method in CORS_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "ETag"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = ", ".join(CORS_METHODS)
            response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
            response.headers["Access-Control-Max-Age"] = "86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        response.headers["Cache-Control"] = "public, no-cache"
        response.add_etag()
        response.make_conditional(request)
    return response


def _only(allowed: frozenset[str]) -> None:
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise BadRequest(f"unknown parameter '{unknown[0][:40]}'; "
                         f"known: {', '.join(sorted(allowed))}")


def _term(session, kind: str) -> str | None:
    """A condition or treatment slug given as a parameter, checked against the taxonomy."""
    slug = request.args.get(kind, "").strip().lower()
    if not slug:
        return None
    known = list(session.scalars(select(Term.slug).where(Term.kind == kind)))
    if slug not in known:
        raise BadRequest(f"unknown {kind} '{slug[:40]}'; see /api/v1/taxonomy",
                         difflib.get_close_matches(slug, known, n=3, cutoff=0.5))
    return slug


def _code(name: str, pattern: re.Pattern, example: str) -> str | None:
    raw = request.args.get(name, "").strip().upper()
    if raw and not pattern.match(raw):
        raise BadRequest(f"{name} must be an ISO code like {example}, got '{raw[:40]}'")
    return raw or None


def _page_size() -> int:
    default = min(current_app.config["RELIEFMAP"].web.page_size, queries.MAX_PER_PAGE)
    return integer("per_page", default, 1, queries.MAX_PER_PAGE)


def clinic_filters(session) -> dict:
    """find_clinics keyword arguments from the query string; BadRequest when one is wrong."""
    _only(CLINIC_PARAMETERS)
    country = _code("country", COUNTRY, "US")
    filters = {
        "q": text("q"),
        "condition": _term(session, "condition"), "treatment": _term(session, "treatment"),
        "country": country, "region": _code("region", REGION, "US-NY"),
        "locality": text("locality"), "details": details.detail_filters(),
        "sort": request.args.get("sort", "name"),
        "page": integer("page", 1), "per_page": _page_size(),
    }
    if filters["sort"] not in queries.SORTS:
        raise BadRequest(f"sort must be one of {', '.join(queries.SORTS)}, "
                         f"got '{filters['sort'][:40]}'")
    near = text("near")
    if near:
        resolution = resolve_place(near, country or "US")
        filters["near"] = resolution.place
        if resolution.ambiguous:
            raise BadRequest(f"several places are called '{near[:40]}'; add the state, province "
                             "or country (\"Springfield, IL\")", list(resolution.choices))
        if filters["near"] is None:
            raise BadRequest(f"unknown place '{near[:40]}'; try a ZIP or postcode, or a city",
                             suggest_places(near))
        filters["radius_km"] = kilometres("radius", queries.DEFAULT_RADIUS_KM,
                                          queries.MAX_RADIUS_KM)
    elif "radius" in request.args:
        raise BadRequest("radius needs near (a place to measure from)")
    elif filters["sort"] == "distance":
        raise BadRequest("sort=distance needs near (a place to measure from)")
    return filters


def location_json(location: Location) -> dict:
    return {"street": location.street, "locality": location.locality,
            "region": location.region, "postal_code": location.postal_code,
            "country": location.country, "lat": location.latitude, "lon": location.longitude,
            "hours": location.hours}


def clinic_json(clinic: Clinic, location: Location | None = None) -> dict:
    """A clinic as the API gives it; the matching `location` first in its locations."""
    locations = sorted(clinic.locations, key=lambda loc: loc is not location)
    return {"id": clinic.id, "slug": clinic.slug, "name": clinic.name,
            "description": clinic.description, "phone": clinic.phone,
            "website": clinic.website, "email": clinic.email, "status": clinic.status,
            "locations": [location_json(loc) for loc in locations],
            "treatments": clinic.treatments, "conditions": clinic.conditions,
            **{name: getattr(clinic, name) for name in DETAIL_FIELDS},
            "last_verified": _timestamp(clinic.last_verified)}


def provenance_json(clinic: Clinic) -> dict:
    """Where each detail came from: a source's page and when it was fetched, or an editor and
    when they set it; null when unknown."""
    recorded = clinic.provenance or {}
    return {name: _origin(recorded.get(name)) for name in PROVENANCE_FIELDS}


def _origin(origin: dict | None) -> dict | None:
    if not origin:
        return None
    if "editor" in origin:
        return {"editor": origin["editor"], "at": _timestamp(_parse(origin.get("at")))}
    return {"source": origin.get("source"), "url": origin.get("url"),
            "fetched_at": _timestamp(_parse(origin.get("fetched_at")))}


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def resource_json(resource: Resource) -> dict:
    return {"id": resource.id, "slug": resource.slug, "title": resource.title,
            "url": resource.url, "kind": resource.kind, "summary": resource.summary,
            "author": resource.author,
            "published": resource.published.isoformat() if resource.published else None,
            "treatments": resource.treatments, "conditions": resource.conditions,
            "last_verified": _timestamp(resource.last_verified)}


def _timestamp(value) -> str | None:
    return value.isoformat() + ("Z" if value.tzinfo is None else "") if value else None


def _links(results) -> dict:
    def page_url(page: int) -> str:
        return url_for(request.endpoint, **{**request.args.to_dict(), "page": page})

    return {"self": page_url(results.page),
            "next": page_url(results.page + 1) if results.page < results.pages else None,
            "prev": page_url(min(results.page - 1, results.pages))
            if results.page > 1 else None}


def _page(results, items: list) -> dict:
    return {"items": items, "total": results.total, "page": results.page,
            "per_page": results.per_page,
            "pages": results.pages, "links": _links(results)}


@bp.get("/clinics")
@kept
def clinics():
    """Published clinics matching the filters, one page of them."""
    session = get_session()
    filters = clinic_filters(session)
    results = queries.find_clinics(session, **filters)
    items = []
    for hit in results.items:
        item = clinic_json(hit.clinic, hit.location)
        if results.place is not None:
            item["distance_km"] = hit.distance_km
        items.append(item)
    data = _page(results, items)
    data["nearest"] = [{**clinic_json(hit.clinic, hit.location), "distance_km": hit.distance_km,
                        "outside_radius": True} for hit in results.nearest]
    facets = results.facets
    data["facets"] = {"conditions": facets.conditions, "treatments": facets.treatments,
                      "regions": facets.regions, "payment": facets.payment,
                      "languages": facets.languages, "open_days": facets.days,
                      "telehealth": {"true": facets.telehealth},
                      "accepting_new_patients": {"true": facets.accepting_new_patients}}
    place = results.place
    data["near"] = ({"label": place.label, "lat": place.lat, "lon": place.lon,
                     "country": place.country, "region": place.region,
                     "radius_km": results.radius_km, "asked_radius_km": results.asked_radius_km}
                    if place else None)
    return data


@bp.get("/clinics/<slug>")
@kept
def clinic(slug: str):
    """One published clinic."""
    found = queries.get_clinic(get_session(), slug)
    if found is None:
        merged = queries.merged_into(get_session(), slug)
        if merged is not None:  # merged into another entry: its old address still leads there
            abort(redirect(url_for("api.clinic", slug=merged), 301))
        raise BadRequest(f"no published clinic '{slug[:80]}'", status=404)
    return {**clinic_json(found), "provenance": provenance_json(found)}


@bp.get("/resources")
@kept
def resources():
    """Published patient resources, one page of them."""
    session = get_session()
    _only(RESOURCE_PARAMETERS)
    kind = request.args.get("kind", "").strip() or None
    if kind and kind not in RESOURCE_KINDS:
        raise BadRequest(f"kind must be one of {', '.join(RESOURCE_KINDS)}, got '{kind[:40]}'")
    results = queries.find_resources(
        session, kind=kind, condition=_term(session, "condition"),
        treatment=_term(session, "treatment"), q=text("q"), page=integer("page", 1),
        per_page=_page_size())
    return _page(results, [resource_json(item) for item in results.items])


@bp.get("/resources/<slug>")
@kept
def resource(slug: str):
    """One published resource."""
    found = queries.get_resource(get_session(), slug)
    if found is None:
        raise BadRequest(f"no published resource '{slug[:80]}'", status=404)
    return resource_json(found)


@bp.get("/regions")
@kept
def regions():
    """Published clinics per country, region and locality."""
    session = get_session()
    countries = []
    for country in queries.region_counts(session):
        # Localities are only counted within one country at a time.
        detailed = queries.region_counts(session, country=country.code)[0]
        countries.append({
            "code": country.code, "name": country.name, "count": country.count,
            "regions": [{"code": region.code, "name": region.name, "count": region.count,
                         "localities": [{"name": locality.name, "count": locality.count}
                                        for locality in region.children]}
                        for region in detailed.children]})
    return {"countries": countries}


@bp.get("/taxonomy")
@kept
def taxonomy():
    """Every treatment and condition, with synonyms and parent."""
    terms = get_session().scalars(select(Term).order_by(Term.kind.desc(), Term.slug))
    return {"terms": [
        {"slug": term.slug, "kind": term.kind, "label": term.label,
         "synonyms": list(term.synonyms or []), "parent": term.parent_slug}
        for term in terms]}


@bp.get("/terms/<slug>")
@kept
def term(slug: str):
    """A condition's or treatment's guide: description, counts and links."""
    session = get_session()
    found = queries.term_labels(session).get(slug)
    guide = guide_for(session, slug, found.kind) if found else None
    if guide is None:
        raise BadRequest(f"no condition or treatment '{slug[:80]}'; see /api/v1/taxonomy",
                         status=404)
    search = {found.kind: slug}
    return {
        "slug": slug, "kind": found.kind, "label": found.label,
        "description": guide.description or None, "description_locked": guide.locked,
        "parents": [parent.slug for parent in guide.parents],
        "narrower": [other.slug for other in guide.narrower],
        "counts": {"clinics": guide.clinic_total, "resources": guide.resource_total,
                   "regions": guide.regions},
        "also_offered": [{"slug": other.slug, "clinics": count}
                         for other, count in guide.also_offered],
        "links": {"guide": url_for(f"guides.{found.kind}", slug=slug),
                  "feed": url_for(f"feeds.{found.kind}", slug=slug),
                  "clinics": url_for("public.clinics", **search),
                  "resources": url_for("resources.index", **search),
                  "api_clinics": url_for("api.clinics", **search),
                  "api_resources": url_for("api.resources", **search)}}


@bp.get("/openapi.json")
@kept
def openapi_document():
    """The OpenAPI 3.1 description of this API."""
    return DOCUMENT


@bp.route("/<path:unknown>")
def not_found(unknown: str):
    """Unknown paths under the API answer in JSON too."""
    raise BadRequest(f"no such endpoint /api/v1/{unknown[:80]}; see /api/v1/openapi.json",
                     status=404)

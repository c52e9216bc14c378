"""The public directory: home, clinic search, regions, clinic pages, reports, sitemap, robots."""

import re
from functools import lru_cache
from urllib.parse import urlencode, urlsplit

import phonenumbers
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from sqlalchemy import select

from models import PUBLISHED, Clinic, Location, Resource, ReviewItem
from models.staging import REPORT
from reliefmap.geocode import resolve_place, suggest_places
from web import details, maps, queries
from web.cache import cached_page
from web.db import get_session
from web.forms import ReportForm
from web.params import integer, kilometres, text
from web.rate_limit import RateLimiter
from web.security import csrf

bp = Blueprint("public", __name__)

RADII_KM = (10, 25, 50, 100, 250, 500)
KM_PER_MILE = 1.609344
SITEMAP_CHUNK = 40_000
REGION_CODE = re.compile(r"^[A-Za-z]{2}(?:-[A-Za-z0-9]{1,3})?$")
CLINIC_FILTERS = ("q", "condition", "treatment", "country", "region", "locality", "near")
QUERY_SAFE = "!$'()*,/:;?@"  # characters url_for leaves unquoted in a query string
# Where distances read in miles first: the searched place's country, never the visitor's
# headers (a page is cached and served to every visitor alike).
MILES_COUNTRIES = ("US", "GB")
# "ketamine near me": the place is asked for, not searched as words.
NEAR_ME = re.compile(r"\b(?:near\s+me|nearby|close\s+to\s+me|around\s+me|near)\s*$", re.I)


@bp.record_once
def _setup(state):
    app = state.app
    app.extensions["public_form_limiter"] = RateLimiter(
        app.config.get("PUBLIC_FORM_LIMIT", 5), app.config.get("PUBLIC_FORM_WINDOW", 600))
    app.jinja_env.filters.update(http_url=http_url, distance=format_distance,
                                 distance_span=format_span, radius=format_radius,
                                 place_name=queries.place_name, phone=format_phone,
                                 language_name=details.language_name)
    app.jinja_env.globals.update(with_args=with_args, osm_url=osm_url, uses_miles=uses_miles,
                                 language_choices=details.language_choices)


def absolute_url(endpoint: str, **values) -> str:
    """A page's full URL at the site's configured address, whatever Host the request named."""
    return current_app.config["RELIEFMAP"].web.origin + url_for(endpoint, **values)


def http_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) link, else None (no javascript:, data:...)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


# A North American number whose area code can be one: phonenumbers writes each such number
# "+1 NPA-NXX-XXXX" (a test checks), and its parse took 28 us, a result page shows up to 20.
NANP = re.compile(r"\+1([2-9]\d\d)(\d{3})(\d{4})")


@lru_cache(maxsize=4096)
def format_phone(phone: str | None) -> str:
    """An E.164 number as people write it internationally (+1 212-555-0101)."""
    if nanp := NANP.fullmatch(phone or ""):
        return "+1 {}-{}-{}".format(*nanp.groups())
    try:
        number = phonenumbers.parse(phone or "")
    except phonenumbers.NumberParseException:
        return phone or ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def format_distance(km: float | None, miles: bool = False) -> str:
    """"12.0 km (7.5 mi)", or miles first for a place in the US or the UK."""
    if km is None:
        return ""
    if miles:
        return f"{km / KM_PER_MILE:.1f} mi ({km:.1f} km)"
    return f"{km:.1f} km ({km / KM_PER_MILE:.1f} mi)"


def format_radius(km: float, miles: bool = False) -> str:
    """A search radius: "50 km", or "31 mi" for a place in the US or the UK; tenths below 10
    ("0.6 mi")."""
    value, unit = (km / KM_PER_MILE, "mi") if miles else (km, "km")
    return f"{round(value, 1 if value < 10 else None):g} {unit}"


def format_span(hits, miles: bool = False) -> str:
    """The distances of a few hits as one span: "270–510 km", "170–320 mi"."""
    factor, unit = (1 / KM_PER_MILE, "mi") if miles else (1, "km")
    values = sorted(round(hit.distance_km * factor) for hit in hits)
    if not values:
        return ""
    if values[0] == values[-1]:
        return f"{values[0]:,} {unit}"
    return f"{values[0]:,}–{values[-1]:,} {unit}"


def uses_miles(country: str | None) -> bool:
    """Whether distances around a place in `country` read in miles first."""
    return country in MILES_COUNTRIES


def asks_for_place(words: str | None) -> tuple[str | None, bool]:
    """The words without a trailing "near me" / "nearby", and whether one was there."""
    if not words or not NEAR_ME.search(words):
        return words, False
    return NEAR_ME.sub("", words).strip() or None, True


def osm_url(location: Location) -> str | None:
    """A plain link to the location on openstreetmap.org (no tiles are loaded by our pages)."""
    if location is None or location.latitude is None or location.longitude is None:
        return None
    lat, lon = round(location.latitude, 5), round(location.longitude, 5)
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=16/{lat}/{lon}"


def results_map(results, miles: bool):
    """The map of a search near a place: the circle, the place, and the clinics listed (or,
    when none is within the circle, the nearest ones), each named with its distance."""
    place = results.place
    hits = [hit for hit in (results.items or results.nearest)
            if hit.location is not None and hit.location.latitude is not None]
    named = [f"{hit.clinic.name}, {format_distance(hit.distance_km, miles)} away" for hit in hits]
    within = format_radius(results.radius_km, miles)
    return maps.map_svg(
        place.lat, place.lon,
        [maps.Dot(hit.location.latitude, hit.location.longitude, name)
         for hit, name in zip(hits, named, strict=True)],
        title=f"Map: {len(hits)} clinic{'' if len(hits) == 1 else 's'} around {place.label}",
        description=(f"The circle is the search area, {within} around {place.label}, marked at "
                     f"its centre. " + ("Dots: " + "; ".join(named) + "." if named
                                        else "No clinic is shown.")),
        radius_km=results.radius_km, centre_label=place.label, id_prefix="results-map")


def clinic_map(clinic: Clinic, nearby: list):
    """A small map of the clinic's first located address, with the nearby clinics."""
    location = next((loc for loc in clinic.locations if loc.latitude is not None), None)
    if location is None:
        return None
    others = [maps.Dot(hit.location.latitude, hit.location.longitude, hit.clinic.name)
              for hit in nearby if hit.location is not None and hit.location.latitude is not None]
    return maps.map_svg(
        location.latitude, location.longitude, others[:3],
        title=f"Map: where {clinic.name} is",
        description=(f"{clinic.name} is the blue mark at the centre"
                     + (f"; the red dots are nearby clinics: "
                        f"{', '.join(dot.label for dot in others[:3])}." if others else ".")),
        min_half_km=30, id_prefix="clinic-map", centre_label=clinic.name)


def with_args(**changes) -> str:
    """The current page's URL with some query arguments changed (None drops one, a list gives
    each of its values); any change other than the page number goes back to page 1."""
    args = request.args.to_dict(flat=False)
    if "page" not in changes:
        args.pop("page", None)
    args.update({name: value if isinstance(value, list) else [value]
                 for name, value in changes.items()})
    return with_query(url_for(request.endpoint, **(request.view_args or {})),
                      [(name, value) for name, values in args.items() for value in values])


def with_query(path: str, pairs) -> str:
    """`path` with the query arguments whose values are not empty. Kept apart from url_for,
    which would take a visitor's `_external` or `_scheme` as its own."""
    pairs = [(key, value) for key, value in pairs if value not in (None, "")]
    return f"{path}?{urlencode(pairs, safe=QUERY_SAFE)}" if pairs else path


def _page_size() -> int:
    return current_app.config["RELIEFMAP"].web.page_size


@bp.get("/")
@cached_page
def index():
    """The home page: one search box, and browsing by region, treatment and condition."""
    session = get_session()
    overview = queries.find_clinics(session, per_page=1)
    return render_template("public/index.html", total=overview.total, facets=overview.facets,
                           countries=queries.region_counts(session),
                           terms=queries.term_labels(session), radii=RADII_KM)


@bp.get("/clinics")
@cached_page
def clinics():
    """Search clinics by words, condition, treatment, place and distance; a shareable URL."""
    session = get_session()
    wanted = {name: text(name) for name in CLINIC_FILTERS}
    near_text, resolution, near_me = _place_asked(wanted)
    place = resolution.place if resolution else None
    suggestions = suggest_places(near_text) if resolution and resolution.place is None else []
    sort = request.args.get("sort") or ("distance" if place else "name")
    if sort not in queries.SORTS or (sort == "distance" and not place):
        sort = "name"
    radius = kilometres("radius", queries.DEFAULT_RADIUS_KM, queries.MAX_RADIUS_KM)
    page = integer("page", 1)
    chosen = details.detail_filters()
    results = None
    if not near_text or place:
        results = queries.find_clinics(session, **wanted, near=place, radius_km=radius,
                                       details=chosen, sort=sort, page=page,
                                       per_page=_page_size(), cards=True)
    miles = uses_miles(place.country) if place else False
    return render_template(
        "public/clinics.html", results=results,
        results_map=results_map(results, miles) if results and place else None,
        wanted=wanted, chosen=chosen,
        detail_chips=details.active_filters(chosen), payment_labels=details.PAYMENT_LABELS,
        day_names=details.DAY_NAMES, near=near_text, place=place,
        suggestions=suggestions, sort=sort, radius=radius, radii=RADII_KM,
        choices=resolution.choices if resolution else (), near_me=near_me,
        miles=miles,
        wider=_wider_radius(results, radius),
        terms=queries.term_labels(session))


def _wider_radius(results, radius: float) -> int | None:
    """The next radius to offer when nothing matches; none when the search was narrowed
    already (a wider one would be narrowed again)."""
    if results and results.narrowed:
        return None
    return next((r for r in RADII_KM if r > radius), None)


def _place_asked(wanted: dict):
    """(the place's text, its `Resolution` or None, whether to ask for a place) from the
    filters; takes "near" out of them and a trailing "near me" off the words."""
    near_text = wanted.pop("near")
    wanted["q"], near_me = asks_for_place(wanted["q"])
    if near_text and asks_for_place(near_text)[0] in (None, "me"):
        near_text, near_me = None, True
    return near_text, resolve_place(near_text) if near_text else None, near_me


@bp.get("/regions")
@cached_page
def regions():
    """Every country and region with clinics, with counts."""
    return render_template("public/regions.html",
                           countries=queries.region_counts(get_session()))


@bp.get("/regions/<code>")
@cached_page
def region(code: str):
    """One country (US) or ISO 3166-2 region (US-NY): its places and its clinics."""
    if not REGION_CODE.match(code):
        abort(404)
    if code != code.upper():
        return redirect(with_query(url_for("public.region", code=code.upper()),
                                   request.args.items(multi=True)), 301)
    session = get_session()
    country_code = code.split("-")[0]
    tree = queries.region_counts(session, country=country_code,
                                 region=code if "-" in code else None)
    if not tree:
        abort(404)
    node = tree[0] if "-" not in code else next(
        (child for child in tree[0].children if child.code == code), None)
    if node is None:
        abort(404)
    scope = {"region": code} if "-" in code else {"country": code}
    locality = text("locality")
    if locality and "-" in code and locality.casefold() not in {
            child.code.casefold() for child in node.children}:
        abort(404)  # no clinic of the region is in that town
    results = queries.find_clinics(
        session, **scope, locality=locality, condition=text("condition"),
        treatment=text("treatment"),
        sort="verified" if request.args.get("sort") == "verified" else "name",
        page=integer("page", 1), per_page=_page_size())
    return render_template("public/region.html", node=node, country=tree[0], code=code,
                           locality=locality, results=results,
                           terms=queries.term_labels(session))


@bp.get("/favicon.ico")
def favicon():
    """For browsers that ask before reading the page's icon link."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/clinics/<slug>")
@cached_page(per=details.current_minute)  # "open now" changes with the clock
def clinic(slug: str):
    """One clinic: addresses, hours, costs and access, treatments, status, sources, nearby."""
    return _clinic_page(slug)


def _clinic_page(slug: str, form: ReportForm | None = None, status: int = 200,
                 error: str | None = None):
    """The clinic's page, with the report form as `form` was filled in (None: blank)."""
    session = get_session()
    clinic = queries.get_clinic(session, slug)
    if clinic is None:
        merged = queries.merged_into(session, slug)
        if merged is None:
            abort(404)
        return redirect(url_for("public.clinic", slug=merged), 301)
    terms = queries.term_labels(session)
    sources = {}
    for record_url, source_name in clinic.sources:
        url = http_url(record_url)
        if url:
            sources.setdefault(url, source_name)
    at = details.now()
    nearby = queries.nearby_clinics(session, clinic)
    return render_template(
        "public/clinic.html", clinic=clinic, terms=terms, sources=sources,
        report_fields=_report_fields(form), error=error, nearby=nearby,
        clinic_map=clinic_map(clinic, nearby),
        openings=[(location, opening) for location in clinic.locations
                  if (opening := details.location_opening(location, at))],
        prices=[details.price_text(price, terms) for price in clinic.prices or []
                if details.is_price(price)],
        payment_labels=details.PAYMENT_LABELS, provenance=details.provenance,
        json_ld=clinic_json_ld(clinic, terms)), status


def _report_fields(form: ReportForm | None) -> Markup:
    """The report form's fields: as filled in, or blank, as every clinic page shows them (drawn
    once per process, and no form is built for them: WTForms' widgets were a tenth of a clinic
    page's time, building the form 0.3 ms of 4)."""
    if form is not None and (form.errors or any(field.data for field in form
                                                if field.type != "CSRFTokenField")):
        return Markup(render_template("public/_report_fields.html", form=form))
    extensions = current_app.extensions
    if "blank_report_fields" not in extensions:
        blank = ReportForm(formdata=None, meta={"csrf": False})
        extensions["blank_report_fields"] = Markup(
            render_template("public/_report_fields.html", form=blank))
    return extensions["blank_report_fields"]


@bp.post("/clinics/<slug>/report")
@csrf.exempt  # the form checks its own token, so a refused form comes back with its text
def report(slug: str):
    """A patient reports a problem: it lands in the editors' queue."""
    form = ReportForm()
    problem = form_problem(form)
    if problem:
        return _clinic_page(slug, form, *problem)
    session = get_session()
    clinic_id = session.scalar(select(Clinic.id).where(Clinic.slug == slug,
                                                       Clinic.state == PUBLISHED))
    if clinic_id is None:
        abort(404)
    session.add(ReviewItem(kind=REPORT, origin="public", entry_type="clinic",
                           clinic_id=clinic_id, note=form.details.data.strip(),
                           payload={"problem": form.problem.data,
                                    "details": form.details.data.strip(),
                                    "contact": (form.contact.data or "").strip() or None}))
    session.commit()
    flash("Thank you: an editor will check your report.")
    return redirect(url_for("public.clinic", slug=slug) + "#report")


def form_problem(form) -> tuple[int, str] | None:
    """Why a public form submission is refused, as (HTTP status, message), or None."""
    if form.is_submitted() and form.filled_by_a_bot():
        return 400, "This form could not be sent. Please leave the last field empty."
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            return 400, ("This form expired or was opened elsewhere; please check your text "
                         "and send it again.")
        return 400, "Please correct the fields marked below."
    limiter = current_app.extensions["public_form_limiter"]
    if not limiter.allow(request.remote_addr or "unknown"):
        return 429, ("Too many messages from your connection; please try again in "
                     f"{limiter.retry_minutes()} minutes. Your text is kept below.")
    return None


def clinic_json_ld(clinic: Clinic, terms: dict) -> dict:
    """schema.org MedicalClinic data for the page (the template serialises it safely)."""
    data = {
        "@context": "https://schema.org", "@type": "MedicalClinic", "name": clinic.name,
        "url": absolute_url("public.clinic", slug=clinic.slug),
    }
    if clinic.description:
        data["description"] = clinic.description
    if clinic.phone:
        data["telephone"] = clinic.phone
    if http_url(clinic.website):
        data["sameAs"] = http_url(clinic.website)
    addresses = _addresses(clinic)
    if addresses:
        data["address"] = addresses[0] if len(addresses) == 1 else addresses
    located = [loc for loc in clinic.locations if loc.latitude is not None]
    if located:
        data["geo"] = {"@type": "GeoCoordinates", "latitude": located[0].latitude,
                       "longitude": located[0].longitude}
    services = [{"@type": "MedicalTherapy", "name": terms[slug].label if slug in terms else slug}
                for slug in clinic.treatments]
    if services:
        data["availableService"] = services
    data.update(_details_json_ld(clinic, terms))
    return data


def _details_json_ld(clinic: Clinic, terms: dict) -> dict:
    """The stated details as schema.org: hours (per location when there are several), offers
    and price range, payment, languages, new patients."""
    data = {}
    hours = [_hours_json_ld(location.hours) for location in clinic.locations]
    if len(hours) == 1 and hours[0]:
        data["openingHoursSpecification"] = hours[0]
    elif any(hours):
        data["location"] = [{"@type": "Place", "address": address,
                             "openingHoursSpecification": specification}
                            for address, specification in
                            zip(_addresses(clinic), hours, strict=True) if specification]
    prices = [price for price in clinic.prices or [] if details.is_price(price)]
    if prices:
        data["makesOffer"] = [{"@type": "Offer", "price": price["amount"],
                               "priceCurrency": price["currency"],
                               "description": details.price_text(price, terms)}
                              for price in prices]
    if len({price["currency"] for price in prices}) == 1:  # a range only within one currency
        amounts = sorted(prices, key=lambda price: price["amount"])
        data["priceRange"] = " – ".join(dict.fromkeys(
            details.price_text({**price, "per": None, "treatment": None}, terms)
            for price in (amounts[0], amounts[-1])))
    if clinic.payment:
        data["paymentAccepted"] = ", ".join(details.PAYMENT_LABELS.get(kind, kind)
                                            for kind in clinic.payment)
    if clinic.languages:
        data["availableLanguage"] = [{"@type": "Language", "name": details.language_name(code),
                                      "alternateName": code} for code in clinic.languages]
    if clinic.accepting_new_patients is not None:
        data["isAcceptingNewPatients"] = clinic.accepting_new_patients
    return data


def _hours_json_ld(hours: list[dict]) -> list[dict]:
    return [{"@type": "OpeningHoursSpecification",
             "dayOfWeek": f"https://schema.org/{details.DAY_NAMES[entry['day']]}",
             "opens": entry["opens"], "closes": entry["closes"]}
            for entry in hours or [] if entry.get("day") in details.DAY_NAMES]


def _addresses(clinic: Clinic) -> list[dict]:
    """Each location's schema.org PostalAddress (only the parts it has)."""
    addresses = []
    for location in clinic.locations:
        address = {"@type": "PostalAddress", "streetAddress": location.street,
                    "addressLocality": location.locality, "addressRegion": location.region,
                    "postalCode": location.postal_code, "addressCountry": location.country}
        addresses.append({key: value for key, value in address.items() if value})
    return addresses


@bp.get("/robots.txt")
def robots():
    """Crawlers may read the directory, not the search result pages or the editors' area."""
    lines = ["User-agent: *", "Disallow: /clinics?", "Disallow: /resources/?",
             "Disallow: /editor", "Disallow: /admin", "Disallow: /login", "Disallow: /suggest",
             f"Sitemap: {absolute_url('public.sitemap')}"]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap():
    """A sitemap index: the fixed pages and regions, then the entries in chunks."""
    session = get_session()
    counts = {"clinics": queries.published_count(session, Clinic),
              "resources": queries.published_count(session, Resource)}
    parts = [absolute_url("public.sitemap_part", part="pages", number=1)]
    for part, count in counts.items():
        for number in range(1, -(-count // SITEMAP_CHUNK) + 1):
            parts.append(absolute_url("public.sitemap_part", part=part, number=number))
    return Response(render_template("public/sitemap_index.xml", parts=parts),
                    mimetype="application/xml")


@bp.get("/sitemap-<part>-<int:number>.xml")
def sitemap_part(part: str, number: int):
    """One sitemap: the fixed pages, guides and regions, or one chunk of clinics or
    resources."""
    session = get_session()
    if part == "pages":
        urls = [(absolute_url(endpoint), None) for endpoint in
                ("public.index", "public.regions", "resources.index", "resources.suggest")]
        urls += [(absolute_url(f"guides.{term.kind}", slug=slug), None)
                 for slug, term in queries.term_labels(session).items()]
        for country in queries.region_counts(session):
            urls.append((absolute_url("public.region", code=country.code), None))
            urls += [(absolute_url("public.region", code=child.code), None)
                     for child in country.children]
    elif part in ("clinics", "resources"):
        model, endpoint = ((Clinic, "public.clinic") if part == "clinics"
                           else (Resource, "resources.resource"))
        rows = queries.published_slugs(session, model, (number - 1) * SITEMAP_CHUNK,
                                       SITEMAP_CHUNK)
        urls = [(absolute_url(endpoint, slug=slug), updated) for slug, updated in rows]
    else:
        abort(404)
    return Response(render_template("public/sitemap.xml", urls=urls), mimetype="application/xml")

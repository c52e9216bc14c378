"""Guide pages: one per condition and per treatment, gathering the clinics that treat it, the
communities and the reading about it, and the related terms."""

from flask import Blueprint, abort, render_template

from reliefmap.geocode import geocode_place, suggest_places
from web import feeds, queries
from web.cache import cached_page
from web.db import get_session
from web.guides_data import COMMUNITIES, Guide, guide_for
from web.params import text
from web.public import absolute_url, uses_miles

bp = Blueprint("guides", __name__)

SCHEMA_TYPES = {"condition": "MedicalCondition", "treatment": "MedicalTherapy"}


@bp.get("/conditions/<slug>", defaults={"kind": "condition"}, endpoint="condition")
@bp.get("/treatments/<slug>", defaults={"kind": "treatment"}, endpoint="treatment")
@cached_page
def guide(slug: str, kind: str):
    """A condition's or treatment's guide; `near` lists the nearest clinics first."""
    near_text = text("near")
    place = geocode_place(near_text) if near_text else None
    session = get_session()
    found = guide_for(session, slug, kind, place)
    if found is None:
        abort(404)
    return render_template(
        "public/guide.html", guide=found, near=near_text, place=place,
        suggestions=suggest_places(near_text) if near_text and place is None else [],
        communities=[r for r in found.resources if r.kind in COMMUNITIES],
        reading=[r for r in found.resources if r.kind not in COMMUNITIES],
        feed_url=feeds.guide_feed_url(kind, slug, near_text if place else None),
        terms=queries.term_labels(session), json_ld=guide_json_ld(found),
        max_km=queries.MAX_RADIUS_KM, miles=uses_miles(place.country) if place else False)


def guide_json_ld(guide: Guide) -> dict:
    """schema.org MedicalCondition or MedicalTherapy data for the page."""
    term = guide.term
    data = {"@context": "https://schema.org", "@type": SCHEMA_TYPES[term.kind],
            "name": term.label, "url": absolute_url(f"guides.{term.kind}", slug=term.slug)}
    if guide.description:
        data["description"] = guide.description
    if term.kind == "condition" and guide.also_offered:
        data["possibleTreatment"] = [{"@type": "MedicalTherapy", "name": other.label,
                                      "url": absolute_url("guides.treatment", slug=other.slug)}
                                     for other, _count in guide.also_offered]
    return data

"""What a guide to one condition or treatment gathers, for its page, its feed and the API:
the editors' description, the clinics that treat it (nearest first near a place, else counts by
region), the communities and reading about it, and the related terms."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models import PUBLISHED, Resource, SourceRecord, TermGuide, with_descendants
from reliefmap.geocode import Place
from web import queries
from web.cache import cached

# Communities come before the reading (articles, stories, videos, forum threads).
COMMUNITIES = ("support-group", "organization")
NEAREST = 10
MAX_RESOURCES = 40
ALSO_OFFERED = 6


@dataclass
class Guide:
    """One term's guide; `clinics` are the nearest (within 500 km) when a place was given."""

    term: queries.TermLabel
    description: str
    locked: bool
    updated_at: object  # of the description, None before an editor writes one
    parents: list[queries.TermLabel]
    narrower: list[queries.TermLabel]
    clinic_total: int
    regions: dict[str, int]
    also_offered: list[tuple[queries.TermLabel, int]]
    resources: list[Resource]
    resource_total: int
    linked: set[int] = field(default_factory=set)  # resources that other sources link to
    clinics: list[queries.ClinicHit] | None = None

    @property
    def filter_name(self) -> str:
        return self.term.kind  # "condition" or "treatment", as the searches name it


def guide_for(session: Session, slug: str, kind: str, near: Place | None = None) -> Guide | None:
    """The guide of a term of this kind (condition or treatment), or None when there is none."""
    terms = queries.term_labels(session)
    term = terms.get(slug)
    if term is None or term.kind != kind:
        return None
    filters = {kind: slug}
    overview = queries.find_clinics(session, **filters, per_page=1)
    clinics = None
    if near is not None:
        clinics = queries.nearest_clinics(session, near, NEAREST, **filters, cards=True)
    text, locked, updated_at = _description(session, slug)
    resources, total, linked = ranked_resources(session, slug)
    return Guide(
        term=term, description=text, locked=locked, updated_at=updated_at,
        parents=_parents(terms, term),
        narrower=[other for other in terms.values() if other.parent_slug == slug],
        clinic_total=overview.total, regions=overview.facets.regions,
        also_offered=_also_offered(session, terms, slug, overview.facets.treatments),
        resources=resources, resource_total=total, linked=linked, clinics=clinics)


def _description(session: Session, slug: str) -> tuple:
    guide = session.get(TermGuide, slug)
    return ((guide.description, guide.locked, guide.updated_at) if guide is not None
            else ("", False, None))


def _parents(terms: dict, term: queries.TermLabel) -> list[queries.TermLabel]:
    """The term's parent, its parent's parent, and so on (nearest first)."""
    chain, current = [], term
    while current.parent_slug and current.parent_slug in terms and len(chain) < len(terms):
        current = terms[current.parent_slug]
        chain.append(current)
    return chain


def _also_offered(session: Session, terms: dict, slug: str,
                  counts: dict[str, int]) -> list[tuple[queries.TermLabel, int]]:
    """The treatments that clinics with this term offer most often, besides the term itself,
    the terms below it and the terms above it."""
    family = with_descendants(session, slug) | {parent.slug for parent in
                                               _parents(terms, terms[slug])}
    offered = [(terms[other], count) for other, count in counts.items()
               if other in terms and other not in family]
    offered.sort(key=lambda pair: (-pair[1], pair[0].label))
    return offered[:ALSO_OFFERED]


@cached
def ranked_resources(session: Session, slug: str,
                     limit: int = MAX_RESOURCES) -> tuple[list[Resource], int, set[int]]:
    """Published resources about the term (or a term below it): support groups and
    organisations, then the reading; within each, those that other sources link to (records
    from more than one source) first, then the newest. Returns the first `limit`, how many
    there are, and the ids of the linked ones."""
    sources = func.count(SourceRecord.source_id.distinct())
    rows = session.execute(
        select(Resource.id, Resource.kind, Resource.published, Resource.title, sources)
        .outerjoin(SourceRecord, SourceRecord.resource_id == Resource.id)
        .where(Resource.state == PUBLISHED, *queries.about_terms(session, slug))
        .group_by(Resource.id, Resource.kind, Resource.published, Resource.title)).all()

    def rank(row):
        newest = -(row.published or date.min).toordinal()
        return (row.kind not in COMMUNITIES, row[4] < 2, newest, row.title, row.id)

    chosen = sorted(rows, key=rank)[:limit]
    loaded = {resource.id: resource for resource in session.scalars(
        select(Resource).where(Resource.id.in_([row.id for row in chosen]))
        .options(selectinload(Resource.terms)))}
    return ([loaded[row.id] for row in chosen if row.id in loaded], len(rows),
            {row.id for row in chosen if row[4] >= 2})

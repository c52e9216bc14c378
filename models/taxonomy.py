"""Taxonomy terms: the treatments and conditions clinics and resources are tagged with."""

from typing import Optional

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base


class Term(Base):
    __tablename__ = "terms"

    slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  # treatment | condition
    label: Mapped[str] = mapped_column(String(200))
    synonyms: Mapped[list] = mapped_column(default=list)
    parent_slug: Mapped[Optional[str]] = mapped_column(ForeignKey("terms.slug"))


def sync_terms(session: Session, terms) -> None:
    """Make the terms table match the configured taxonomy (objects with slug, kind, label...)."""
    existing = {term.slug: term for term in session.scalars(select(Term))}
    for term in terms:
        row = existing.get(term.slug) or Term(slug=term.slug)
        row.kind, row.label, row.synonyms = term.kind, term.label, list(term.synonyms)
        session.add(row)
    session.flush()
    for term in terms:
        existing_row = session.get(Term, term.slug)
        existing_row.parent_slug = term.parent
    session.flush()


def with_descendants(session: Session, slug: str) -> set[str]:
    """A slug and every term below it: a search for a parent also finds its children."""
    children: dict[str, list[str]] = {}
    for child, parent in session.execute(select(Term.slug, Term.parent_slug)):
        children.setdefault(parent, []).append(child)
    found, stack = set(), [slug]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def term_ancestry(session: Session) -> dict[str, tuple[str, ...]]:
    """Each term with itself and the terms above it (a clinic's term counts for each)."""
    parents = dict(session.execute(select(Term.slug, Term.parent_slug)).all())
    ancestry = {}
    for slug in parents:
        chain, current = [], slug
        while current in parents and current not in chain:  # a cycle stops where it repeats
            chain.append(current)
            current = parents[current]
        ancestry[slug] = tuple(chain)
    return ancestry

"""Slugs of clinics and resources: the folded name, with -2, -3... when it is taken."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Connection, Select, and_, bindparam, or_, select

from reliefmap.normalise import fold


def slug_base(model, name: str | None) -> str:
    return (fold(name or "") or model.__tablename__.rstrip("s")).replace(" ", "-")[:180]


def unique_slugs(connection: Connection, model, names: list[str | None]) -> list[str]:
    """A free slug for each name: its folded form, or that with -2, -3... when it is taken.

    A few queries for the whole list, however many names are taken and however often (a chain
    of fifty clinics of one name): the names' slugs, then the numbered slugs of those taken, the
    slugs from "base-" up to "base." ("." follows "-" in bytes), ranges the slug index answers.
    A collation that orders punctuation otherwise may leave some out, so the numbered slugs
    chosen are checked, and chosen again while one is taken.
    """
    bases = [slug_base(model, name) for name in names]
    column = model.__table__.c.slug
    taken = set(connection.scalars(select(column).where(column.in_(set(bases)))))
    numbered = sorted({base for base in bases if base in taken})
    if numbered:
        bounds = {f"{side}_{index}": f"{base}{mark}" for index, base in enumerate(numbered)
                  for side, mark in (("after", "-"), ("before", "."))}
        taken.update(connection.scalars(_numbered_slugs(model, len(numbered)), bounds))
    while True:
        slugs = _first_free(bases, taken)
        chosen = {slug for slug, base in zip(slugs, bases, strict=True) if slug != base}
        clashes = set(connection.scalars(select(column).where(column.in_(chosen)))) \
            if chosen else set()
        if not clashes:
            return slugs
        taken |= clashes


@lru_cache(maxsize=128)
def _numbered_slugs(model, count: int) -> Select:
    """The slugs within `count` ranges (after_N, before_N), one statement per count: built and
    compiled once rather than for each batch (a batch of 50 names spent more on that than the
    database spent on the query)."""
    column = model.__table__.c.slug
    return select(column).where(or_(*(
        and_(column > bindparam(f"after_{index}", type_=column.type),
             column < bindparam(f"before_{index}", type_=column.type))
        for index in range(count))))


def _first_free(bases: list[str], taken: set[str]) -> list[str]:
    """For each base in turn, itself or the first of base-2, base-3... not taken (nor given to
    an earlier one)."""
    given = set(taken)
    slugs = []
    for base in bases:
        slug, number = base, 2
        while slug in given:
            slug, number = f"{base}-{number}", number + 1
        given.add(slug)
        slugs.append(slug)
    return slugs

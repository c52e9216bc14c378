"""Slugs of clinics and resources: the folded name, with -2, -3... when it is taken."""

from __future__ import annotations

from sqlalchemy import Connection, and_, or_, select

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
        taken.update(connection.scalars(select(column).where(or_(
            *(and_(column > f"{base}-", column < f"{base}.") for base in numbered)))))
    while True:
        slugs = _first_free(bases, taken)
        chosen = {slug for slug, base in zip(slugs, bases, strict=True) if slug != base}
        clashes = set(connection.scalars(select(column).where(column.in_(chosen)))) \
            if chosen else set()
        if not clashes:
            return slugs
        taken |= clashes


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

"""Slugs of clinics and resources: the folded name, with -2, -3... when it is taken."""

from __future__ import annotations

from sqlalchemy import Connection, select

from reliefmap.normalise import fold


def slug_base(model, name: str | None) -> str:
    return (fold(name or "") or model.__tablename__.rstrip("s")).replace(" ", "-")[:180]


def unique_slugs(connection: Connection, model, names: list[str | None]) -> list[str]:
    """A free slug for each name: its folded form, or that with -2, -3... when it is taken."""
    bases = [slug_base(model, name) for name in names]
    slug_column = model.__table__.c.slug
    taken = set(connection.scalars(select(slug_column).where(slug_column.in_(set(bases)))))
    # A taken name's numbered slugs in one query each, not one query per number tried (a chain
    # of fifty clinics of one name asked fifty times): the slugs from "base-" up to "base."
    # ("." follows "-" in bytes), a range the slug index answers. A collation that orders
    # punctuation otherwise may leave some out: the slug chosen is checked below.
    for base in {base for base in bases if base in taken}:
        taken.update(connection.scalars(select(slug_column).where(
            slug_column > f"{base}-", slug_column < f"{base}.")))
    slugs = []
    for base in bases:
        slug, number = base, 2
        while slug in taken or (slug != base and connection.scalar(
                select(slug_column).where(slug_column == slug)) is not None):
            slug, number = f"{base}-{number}", number + 1
        taken.add(slug)
        slugs.append(slug)
    return slugs

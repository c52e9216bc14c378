"""Guides to a condition or a treatment: the plain-language description editors write, with the
history of every revision. Never crawled: a guide is empty until an editor writes one."""

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, utcnow

MAX_DESCRIPTION = 2000


class GuideLocked(Exception):
    """A locked guide's description is kept until an editor unlocks it."""


class TermGuide(Base):
    __tablename__ = "term_guides"

    term_slug: Mapped[str] = mapped_column(
        ForeignKey("terms.slug", ondelete="CASCADE"), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # A locked description is reviewed: changing it takes unlocking it first.
    locked: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))

    revisions: Mapped[list["TermGuideRevision"]] = relationship(
        back_populates="guide", order_by="TermGuideRevision.id",
        cascade="all, delete-orphan")


class TermGuideRevision(Base):
    """One saved state of a guide: what it said, whether it was locked, who saved it, when."""

    __tablename__ = "term_guide_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    term_slug: Mapped[str] = mapped_column(
        ForeignKey("term_guides.term_slug", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    locked: Mapped[bool] = mapped_column(default=False)
    editor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    guide: Mapped[TermGuide] = relationship(back_populates="revisions")
    editor: Mapped[Optional["User"]] = relationship()  # noqa: F821


def revise_guide(session: Session, slug: str, description: str, locked: bool,
                 editor_id: int | None) -> TermGuide:
    """Save a guide's description and lock as a new revision; refuses to change the text of a
    guide that is locked and stays locked."""
    guide = session.get(TermGuide, slug, with_for_update=True)
    description = description.strip()
    if guide is None:
        guide = TermGuide(term_slug=slug, description="", locked=False)
        session.add(guide)
    if guide.locked and locked and description != guide.description:
        raise GuideLocked("This description is locked: unlock it to change its text.")
    guide.description, guide.locked = description, locked
    guide.updated_at, guide.updated_by_id = utcnow(), editor_id
    guide.revisions.append(TermGuideRevision(description=description, locked=locked,
                                             editor_id=editor_id))
    session.flush()
    return guide

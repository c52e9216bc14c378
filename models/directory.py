"""The published directory, shaped after Open Referral HSDS: clinic (organization with its
services) -> locations; resources; both tagged with taxonomy terms."""

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Column, Float, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.taxonomy import Term

# Entry states: only "published" entries are public.
PENDING, PUBLISHED, REJECTED, MERGED = "pending", "published", "rejected", "merged"
CLINIC_STATUSES = ("active", "temporarily-closed", "closed")
RESOURCE_KINDS = ("article", "support-group", "organization", "video", "story", "forum")

clinic_terms = Table(
    "clinic_terms",
    Base.metadata,
    Column("clinic_id", ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True),
    Column("term_slug", ForeignKey("terms.slug"), primary_key=True, index=True),
)

resource_terms = Table(
    "resource_terms",
    Base.metadata,
    Column("resource_id", ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True),
    Column("term_slug", ForeignKey("terms.slug"), primary_key=True, index=True),
)


class TermKinds:
    """`treatments` and `conditions`: the sorted slugs of the entry's `terms` of each kind."""

    terms: list

    @property
    def treatments(self) -> list[str]:
        return sorted(t.slug for t in self.terms if t.kind == "treatment")

    @property
    def conditions(self) -> list[str]:
        return sorted(t.slug for t in self.terms if t.kind == "condition")


class TaggedEntry(TermKinds):
    """The columns and behaviour clinics and resources share: slug, review state, locks,
    provenance, dates; terms split by kind."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    # Fields an editor set by hand: crawls may propose changes to them, never apply them.
    locked_fields: Mapped[list] = mapped_column(default=list)
    # Where each field came from: {field: {source, url, run_id, fetched_at} or {editor, at}}
    provenance: Mapped[dict] = mapped_column(default=dict)
    last_verified: Mapped[Optional[datetime]]
    published_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    terms: list[Term]

    def is_locked(self, field: str) -> bool:
        return field in (self.locked_fields or [])


class Clinic(TaggedEntry, Base):
    __tablename__ = "clinics"
    # The public listings: published clinics by name or by last verification.
    __table_args__ = (Index("ix_clinics_state_name", "state", "name"),
                      Index("ix_clinics_state_last_verified", "state", "last_verified"))

    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[Optional[str]] = mapped_column(Text)
    website: Mapped[Optional[str]] = mapped_column(String(500))
    email: Mapped[Optional[str]] = mapped_column(String(300))
    phone: Mapped[Optional[str]] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(30), default="active")
    # What patients decide on, as the clinic's pages state it (None or [] where they do not):
    # prices [{amount, currency, per, treatment}], payment and languages sorted codes.
    prices: Mapped[list] = mapped_column(default=list)
    payment: Mapped[list] = mapped_column(default=list)
    telehealth: Mapped[Optional[bool]]
    accepting_new_patients: Mapped[Optional[bool]]
    referral_required: Mapped[Optional[bool]]
    languages: Mapped[list] = mapped_column(default=list)
    merged_into_id: Mapped[Optional[int]] = mapped_column(ForeignKey("clinics.id"))

    locations: Mapped[list["Location"]] = relationship(
        back_populates="clinic", cascade="all, delete-orphan", order_by="Location.id")
    terms: Mapped[list[Term]] = relationship(secondary=clinic_terms, order_by=Term.slug)
    source_records: Mapped[list["SourceRecord"]] = relationship(  # noqa: F821
        back_populates="clinic")


# What lists and counts show: published clinics that have not closed for good (a closed
# clinic's own page stays, saying so, for those who kept its address).
LISTED = (Clinic.state == PUBLISHED, Clinic.status != "closed")


class Location(Base):
    __tablename__ = "locations"
    __table_args__ = (Index("ix_locations_country_region", "country", "region"),
                      # The bounding-box prefilter of "near" searches.
                      Index("ix_locations_latitude_longitude", "latitude", "longitude"))

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    street: Mapped[Optional[str]] = mapped_column(String(300))
    locality: Mapped[Optional[str]] = mapped_column(String(200), index=True)
    region: Mapped[Optional[str]] = mapped_column(String(10))  # ISO 3166-2, e.g. US-NY
    postal_code: Mapped[Optional[str]] = mapped_column(String(20), index=True)
    country: Mapped[Optional[str]] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    latitude: Mapped[Optional[float]] = mapped_column(Float)
    longitude: Mapped[Optional[float]] = mapped_column(Float)
    # Opening hours of this place: [{"day": "Mo", "opens": "09:00", "closes": "17:00"}].
    hours: Mapped[list] = mapped_column(default=list)

    clinic: Mapped[Clinic] = relationship(back_populates="locations")


class Resource(TaggedEntry, Base):
    __tablename__ = "resources"
    __table_args__ = (Index("ix_resources_state_title", "state", "title"),)

    title: Mapped[str] = mapped_column(String(500))
    url: Mapped[str] = mapped_column(String(1000), unique=True)
    kind: Mapped[str] = mapped_column(String(30), default="article", index=True)
    summary: Mapped[Optional[str]] = mapped_column(Text)
    author: Mapped[Optional[str]] = mapped_column(String(300))
    published: Mapped[Optional[date]]

    terms: Mapped[list[Term]] = relationship(secondary=resource_terms, order_by=Term.slug)
    source_records: Mapped[list["SourceRecord"]] = relationship(  # noqa: F821
        back_populates="resource")

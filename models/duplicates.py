"""Candidate duplicate clinics: the same phone, the same website domain, or a near-identical
name at a near-identical address."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from typing import Optional
from urllib.parse import urlsplit

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process
from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import Mapped, Session, mapped_column, selectinload

from models.base import Base, utcnow
from models.directory import PENDING, PUBLISHED, Clinic, Location
from models.staging import SourceRecord

NAME_SIMILARITY = 90
ADDRESS_SIMILARITY = 85
# A phone or domain shared by more clinics than this is a chain's, not a duplicate's.
MAX_GROUP = 4


class NotDuplicate(Base):
    """Two clinics an editor judged to be different: no longer offered as a candidate pair.
    The smaller id comes first."""

    __tablename__ = "not_duplicates"

    first_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"),
                                          primary_key=True)
    second_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"),
                                           primary_key=True)
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class DuplicatePair:
    first: Clinic
    second: Clinic
    reasons: tuple[str, ...]


def website_domain(url: Optional[str]) -> Optional[str]:
    """The host of a website without a leading www., lower-cased."""
    host = urlsplit(url or "").hostname
    return host.removeprefix("www.") if host else None


def _shared_values(rows, key, reason: str, reasons: dict) -> None:
    groups = defaultdict(set)
    for row in rows:
        if key(row):
            groups[key(row)].add(row.id)
    for ids in groups.values():
        if len(ids) <= MAX_GROUP:
            for pair in combinations(sorted(ids), 2):
                reasons[pair].append(reason)


def _similar_names_and_addresses(rows, reasons: dict) -> None:
    """Compare names only within a town (or postcode), then the addresses of similar names."""
    blocks = defaultdict(dict)
    for row in rows:
        place = row.locality or row.postal_code
        address = " ".join(filter(None, (row.street, row.postal_code)))
        if place and address and row.name:
            blocks[(row.country, place.casefold())][row.id] = (default_process(row.name),
                                                               default_process(address))
    found = set()
    for block in blocks.values():
        ids = sorted(block)
        names = [block[clinic_id][0] for clinic_id in ids]
        for index, clinic_id in enumerate(ids[:-1]):
            for _, _, offset in process.extract(
                    names[index], names[index + 1:], scorer=fuzz.token_sort_ratio,
                    score_cutoff=NAME_SIMILARITY, limit=None):
                other = ids[index + 1 + offset]
                if fuzz.token_sort_ratio(block[clinic_id][1],
                                         block[other][1]) >= ADDRESS_SIMILARITY:
                    found.add((clinic_id, other))
    for pair in sorted(found):
        reasons[pair].append("near-identical name and address")


def candidate_pairs(session: Session) -> list[DuplicatePair]:
    """Pairs of pending or published clinics that may be one clinic, most evidence first."""
    rows = session.execute(
        select(Clinic.id, Clinic.name, Clinic.phone, Clinic.website, Location.street,
               Location.locality, Location.postal_code, Location.country)
        .outerjoin(Location, Location.clinic_id == Clinic.id)
        .where(Clinic.state.in_((PENDING, PUBLISHED)))).all()
    reasons: dict[tuple[int, int], list[str]] = defaultdict(list)
    _shared_values(rows, lambda row: row.phone, "same phone", reasons)
    _shared_values(rows, lambda row: website_domain(row.website), "same website domain", reasons)
    _similar_names_and_addresses(rows, reasons)
    for pair in session.execute(select(NotDuplicate.first_id, NotDuplicate.second_id)):
        reasons.pop(tuple(pair), None)
    clinics = {clinic.id: clinic for clinic in session.scalars(
        select(Clinic).where(Clinic.id.in_({clinic_id for pair in reasons for clinic_id in pair}))
        .options(selectinload(Clinic.locations),
                 selectinload(Clinic.source_records).selectinload(SourceRecord.source)))}
    pairs = [DuplicatePair(clinics[first], clinics[second], tuple(found))
             for (first, second), found in reasons.items()]
    return sorted(pairs, key=lambda pair: (-len(pair.reasons), pair.first.id, pair.second.id))

"""Reconcile the readings of one page: schema.org data first, a source's selectors and the
visible text fill its gaps, and visible clinics the data leaves out are records too.

Where the readings disagree the schema.org data wins; the fields they disagree on are listed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from crawler.extract.addresses import clean_street, country_of, parse_address
from reliefmap.normalise import fold, normalise_email, normalise_phone, normalise_postal_code

ADDRESS_KEYS = ("street", "locality", "region", "postal_code")
HOSPITAL_TYPES = {"Hospital", "MedicalOrganization", "MedicalCenter"}
HOSPITAL_NAME = re.compile(r"\b(?:hospital|medical cent(?:er|re)|health ?(?:system|care)|"
                           r"infirmary|university)\b", re.I)
COMPARED_FIELDS = ("phone", "email", "postal_code")


@dataclass
class Reading:
    """One clinic as the page states it, how it was read, and where the readings disagree."""

    record: dict
    method: str
    disagreements: list[str] = field(default_factory=list)


def _postcode_key(postal_code: str | None) -> str:
    return (postal_code or "").replace(" ", "").upper()


def _same(name: str, first, second, country: str) -> bool:
    if name == "phone":
        digits = [re.sub(r"\D", "", str(value))[-10:] for value in (first, second)]
        return digits[0] == digits[1] or (
            normalise_phone(first, country) == normalise_phone(second, country))
    if name == "email":
        return normalise_email(first) == normalise_email(second)
    return normalise_postal_code(first, country) == normalise_postal_code(second, country)


def fill(record: dict, other: dict, country: str) -> list[str]:
    """Fill the record's gaps from another reading; list the fields where the two disagree."""
    disagreements = []
    for key, value in other.items():
        if value in (None, ""):
            continue
        if not record.get(key):
            record[key] = value
        elif key in COMPARED_FIELDS and not _same(key, record[key], value, country):
            disagreements.append(key)
    return disagreements


def _matching(record: dict, candidates: list[dict], alone: bool) -> dict | None:
    """The visible-text reading of the same clinic as a structured record.

    A page with one clinic in each reading pairs them; otherwise the postcode must match.
    """
    if alone and len(candidates) == 1:
        return candidates[0]
    wanted = _postcode_key(record.get("postal_code"))
    return next((c for c in candidates
                 if wanted and _postcode_key(c.get("postal_code")) == wanted), None)


def structured_readings(records: list[dict], country: str) -> list[Reading]:
    """Schema.org records with a written address parsed and the street cleaned."""
    readings = []
    for record in records:
        address = record.pop("address", None)
        if address and not record.get("street"):
            record.update({key: value for key, value in parse_address(address, country).items()
                           if not record.get(key)})
        record["street"] = clean_street(record.get("street"))
        readings.append(Reading(record, "structured"))
    return readings


def _shown_branches(found: list[Reading], by_text: list[dict]) -> list[Reading]:
    """Site-wide data lists every branch; a page that shows some of them is about those."""
    if len(found) < 2:
        return found
    shown = {_postcode_key(record["postal_code"]) for record in by_text}
    return [reading for reading in found
            if _postcode_key(reading.record.get("postal_code")) in shown] or found


def _with_visible_clinics(found: list[Reading], by_text: list[dict]) -> list[Reading]:
    """The page shows more clinics than its data describes (a site-wide LocalBusiness on a
    locations page, one branch's data on a page that shows two): each is a record too."""
    described = {_postcode_key(reading.record.get("postal_code")) for reading in found}
    return found + [Reading(record, "text") for record in by_text if record["name"]
                    and _postcode_key(record["postal_code"]) not in described]


def reconcile(structured: list[dict], by_selectors: dict, by_text: list[dict],
              country: str, page_text: str) -> list[Reading]:
    """The page's clinics, each from its best reading, filled from the others."""
    found = _shown_branches(structured_readings(structured, country), by_text)
    by_text = [record for record in by_text if record["name"]]
    if not found and by_selectors.get("name") and (by_selectors.get("street")
                                                   or by_selectors.get("postal_code")):
        found, by_selectors = [Reading(by_selectors, "selectors")], {}
    located = [reading for reading in found
               if any(reading.record.get(key) for key in ADDRESS_KEYS)]
    if len(located) < len(found) and len(by_text) > 1:
        found = located  # clinic data without an address cannot say which visible clinic it is
    if not found:
        return [_finished(Reading(record, "text"), {}, [], country, page_text, True)
                for record in by_text]
    if len(by_text) > 1:
        found = _with_visible_clinics(found, by_text)
    alone = len(found) == 1
    remaining = [record for record in by_text
                 if all(record is not reading.record for reading in found)]
    return [_finished(reading, by_selectors if alone else {}, remaining, country, page_text,
                      alone) for reading in found]


def _finished(reading: Reading, by_selectors: dict, by_text: list[dict], country: str,
              page_text: str, alone: bool) -> Reading:
    record = reading.record
    record_country = country_of(record, country)
    if by_selectors:
        reading.disagreements += fill(record, by_selectors, record_country)
    if reading.method == "structured" and (alone or record.get("branch_of")):
        record["text"] = page_text  # what the page says applies to every branch
    other = _matching(record, by_text, alone) if reading.method == "structured" else None
    if other:
        reading.disagreements += fill(record, other, record_country)
    record["text"] = record.get("text") or record.get("description") or page_text
    record["country"] = country_of(record, country)
    return reading


@dataclass
class Department:
    """What a hospital department's page gives as its own contacts."""

    phone: str | None
    email: str | None


def as_department(readings: list[Reading], heading: str | None,
                  contacts: Callable[[], Department]) -> None:
    """A department's page (headed by its own name) whose only data is its hospital's: the
    record is the department's place, with the department's own line and e-mail rather than
    the switchboard's. The hospital's data describes another entity: no disagreement with it.
    """
    if len(readings) != 1 or readings[0].method != "structured" or not heading:
        return
    record = readings[0].record
    name = record.get("name") or ""
    hospital = set(record.get("types") or []) & HOSPITAL_TYPES or HOSPITAL_NAME.search(name)
    if not hospital or fold(heading) in fold(name) or fold(name) in fold(heading):
        return
    department = contacts()
    if department.phone:
        record["phone"] = department.phone
    if department.email:
        record["email"] = department.email

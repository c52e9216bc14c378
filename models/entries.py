"""Entries as flat field dicts: what a source record says, what an entry holds, their diff, and
applying approved values. The store pipeline and the editor workspace both speak this shape."""

import json
from datetime import date
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.directory import Clinic, Location, Resource
from models.taxonomy import Term

# What patients decide on besides the address (hours are a location's, the rest the clinic's).
DETAIL_FIELDS = ("prices", "payment", "telehealth", "accepting_new_patients", "referral_required",
                 "languages")
LIST_FIELDS = ("hours", "prices", "payment", "languages")
ORGANIZATION_FIELDS = ("name", "description", "website", "email", "phone", "status",
                       *DETAIL_FIELDS)
LOCATION_FIELDS = ("street", "locality", "region", "postal_code", "country", "latitude",
                   "longitude", "hours")
TERM_FIELDS = ("treatments", "conditions")
CLINIC_FIELDS = ORGANIZATION_FIELDS + LOCATION_FIELDS + TERM_FIELDS
RESOURCE_FIELDS = ("title", "url", "kind", "summary", "author", "published") + TERM_FIELDS


def clinic_fields_from_record(record: dict[str, Any]) -> dict[str, Any]:
    """Flatten a clinic record as `reliefmap extract` prints it into entry fields."""
    address = record.get("address") or {}
    geo = record.get("geo") or {}
    fields = {name: record.get(name) for name in ORGANIZATION_FIELDS}
    fields["status"] = record.get("status") or "active"
    fields["hours"] = record.get("hours")
    fields.update({name: list(fields[name] or []) for name in LIST_FIELDS})
    fields.update({name: address.get(name) for name in
                   ("street", "locality", "region", "postal_code", "country")})
    fields["latitude"], fields["longitude"] = geo.get("lat"), geo.get("lon")
    fields.update({name: sorted(record.get(name) or []) for name in TERM_FIELDS})
    return fields


def resource_fields_from_record(record: dict[str, Any]) -> dict[str, Any]:
    """A resource record's entry fields (dates as YYYY-MM-DD strings, terms sorted)."""
    fields = {name: record.get(name) for name in RESOURCE_FIELDS}
    fields.update({name: sorted(record.get(name) or []) for name in TERM_FIELDS})
    return fields


def clinic_fields(clinic: Clinic, location: Optional[Location] = None) -> dict[str, Any]:
    """The entry's current values; location fields from `location` or the first location."""
    if location is None:
        location = clinic.locations[0] if clinic.locations else None
    fields = {name: getattr(clinic, name) for name in ORGANIZATION_FIELDS}
    fields.update({name: getattr(location, name) if location else None
                   for name in LOCATION_FIELDS})
    fields.update(treatments=clinic.treatments, conditions=clinic.conditions)
    return fields


def resource_fields(resource: Resource) -> dict[str, Any]:
    fields = {name: getattr(resource, name) for name in RESOURCE_FIELDS}
    if isinstance(fields["published"], date):
        fields["published"] = fields["published"].isoformat()
    fields.update(treatments=resource.treatments, conditions=resource.conditions)
    return fields


def field_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Field-level differences: {field: {"old": ..., "new": ...}} for the fields that changed."""
    return {name: {"old": before.get(name), "new": after.get(name)}
            for name in after if _comparable(before.get(name)) != _comparable(after.get(name))}


def _comparable(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 5)  # coordinates: ignore noise below a metre
    if isinstance(value, list):  # terms, codes, hours and prices compare as sets
        return sorted(json.dumps(element, sort_keys=True) for element in value) or None
    return value


def _terms(session: Session, slugs: list[str]) -> list[Term]:
    return list(session.scalars(select(Term).where(Term.slug.in_(slugs)))) if slugs else []


def apply_clinic_fields(session: Session, clinic: Clinic, fields: dict[str, Any],
                        location: Optional[Location] = None) -> None:
    """Set the given fields on the clinic and on `location` (default: its first, made if none)."""
    for name in ORGANIZATION_FIELDS:
        if name in fields:
            setattr(clinic, name, fields[name])
    if any(name in fields for name in LOCATION_FIELDS):
        if location is None:
            location = clinic.locations[0] if clinic.locations else Location()
            if location not in clinic.locations:
                clinic.locations.append(location)
        for name in LOCATION_FIELDS:
            if name in fields:
                setattr(location, name, fields[name])
    _apply_terms(session, clinic, fields)


def apply_resource_fields(session: Session, resource: Resource, fields: dict[str, Any]) -> None:
    """Set the given fields on the resource."""
    for name in RESOURCE_FIELDS:
        if name in fields and name not in TERM_FIELDS:
            value = fields[name]
            if name == "published" and isinstance(value, str):
                value = date.fromisoformat(value)
            setattr(resource, name, value)
    _apply_terms(session, resource, fields)


def _apply_terms(session: Session, entry, fields: dict[str, Any]) -> None:
    if not any(name in fields for name in TERM_FIELDS):
        return
    treatments = fields.get("treatments", entry.treatments)
    conditions = fields.get("conditions", entry.conditions)
    entry.terms = _terms(session, sorted(set(treatments) | set(conditions)))

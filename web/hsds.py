"""The Open Referral HSDS 3.0 mapping: a clinic is an organization, each of its treatments a
service offered at each of its locations, treatments and conditions taxonomy terms.

The details patients decide on go to HSDS's own tables where it has them: a location's hours to
`schedule` (weekly, local time), prices to `cost_option` on the service of their treatment (every
service of the clinic when a price names none, or a treatment the clinic does not list),
languages to `language` rows of each location. Those it lacks (payment kinds, telehealth, new
patients, referral) are `attribute` rows of the organization with terms of our own taxonomy.

Table and field names follow the HSDS 3.0 tabular data package (schema/*.json of
openreferral/specification); this module is the only place that knows them.
"""

import json
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from zipfile import ZIP_DEFLATED

from babel import Locale
from sqlalchemy import select
from sqlalchemy.orm import Session
from zipstream import ZipStream

from models import Clinic, Term
from models.details import DAYS, PAYMENT_LABELS
from web.csv_writing import csv_text, published_clinics, spreadsheet_safe

HSDS_VERSION = "3.0"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/reliefmap/reliefmap/hsds")
# Clinic status -> HSDS service status (HSDS: active, inactive, defunct, temporarily closed).
SERVICE_STATUS = {"active": "active", "temporarily-closed": "temporarily closed",
                  "closed": "defunct"}
TAXONOMIES = {"treatment": "Relief Map treatments", "condition": "Relief Map conditions"}
DETAILS_TAXONOMY = "Relief Map clinic details"
# Our terms for the details HSDS has no field for: code -> (name, parent code).
DETAIL_TERMS = {
    "payment": ("Ways to pay the clinic accepts", None),
    **{kind: (label, "payment") for kind, label in PAYMENT_LABELS.items()},
    "telehealth": ("Sees patients by video or phone", None),
    "accepting-new-patients": ("Takes new patients now", None),
    "referral-required": ("Needs a physician's referral", None),
}
FLAG_TERMS = {"telehealth": "telehealth", "accepting_new_patients": "accepting-new-patients",
              "referral_required": "referral-required"}
ENGLISH = Locale("en")

# HSDS resource name -> (file, [(field, type)], {field: referenced resource}).
TABLES = {
    "organization": ("organizations.csv", [
        ("id", "string"), ("name", "string"), ("alternate_name", "string"),
        ("description", "string"), ("email", "string"), ("website", "string")], {}),
    "service": ("services.csv", [
        ("id", "string"), ("organization_id", "string"), ("name", "string"),
        ("description", "string"), ("url", "string"), ("email", "string"),
        ("status", "string")], {"organization_id": "organization"}),
    "location": ("locations.csv", [
        ("id", "string"), ("location_type", "string"), ("organization_id", "string"),
        ("name", "string"), ("latitude", "number"), ("longitude", "number")],
        {"organization_id": "organization"}),
    "service_at_location": ("service_at_location.csv", [
        ("id", "string"), ("service_id", "string"), ("location_id", "string")],
        {"service_id": "service", "location_id": "location"}),
    "address": ("addresses.csv", [
        ("id", "string"), ("location_id", "string"), ("address_1", "string"),
        ("city", "string"), ("state_province", "string"), ("postal_code", "string"),
        ("country", "string"), ("address_type", "string")], {"location_id": "location"}),
    "phone": ("phones.csv", [
        ("id", "string"), ("organization_id", "string"), ("number", "string"),
        ("type", "string")], {"organization_id": "organization"}),
    "schedule": ("schedules.csv", [
        ("id", "string"), ("location_id", "string"), ("freq", "string"), ("byday", "string"),
        ("opens_at", "string"), ("closes_at", "string")], {"location_id": "location"}),
    "cost_option": ("cost_options.csv", [
        ("id", "string"), ("service_id", "string"), ("amount", "number"),
        ("currency", "string"), ("amount_description", "string")], {"service_id": "service"}),
    "language": ("languages.csv", [
        ("id", "string"), ("location_id", "string"), ("name", "string"), ("code", "string")],
        {"location_id": "location"}),
    "taxonomy_term": ("taxonomy_terms.csv", [
        ("id", "string"), ("code", "string"), ("name", "string"), ("description", "string"),
        ("parent_id", "string"), ("taxonomy", "string"), ("language", "string")],
        {"parent_id": "taxonomy_term"}),
    "attribute": ("attributes.csv", [
        ("id", "string"), ("link_id", "string"), ("link_entity", "string"),
        ("taxonomy_term_id", "string"), ("value", "string")],
        {"taxonomy_term_id": "taxonomy_term"}),
}


def hsds_id(*parts) -> str:
    """A stable UUID for a row, so that ids survive from one export to the next."""
    return str(uuid.uuid5(NAMESPACE, ":".join(str(part) for part in parts)))


def term_id(slug: str) -> str:
    """The id of a treatment or condition term."""
    return hsds_id("term", slug)


def detail_term_id(code: str) -> str:
    """The id of a term of our clinic details taxonomy (kept apart from treatment slugs)."""
    return hsds_id("detail", code)


def term_rows(terms: list[Term]) -> list[dict]:
    """taxonomy_term rows: our treatments and conditions with their hierarchy, then the terms
    of the details HSDS has no field for."""
    rows = [{"id": term_id(term.slug), "code": term.slug, "name": term.label,
             "description": term.label + (f" (also: {', '.join(term.synonyms)})"
                                          if term.synonyms else ""),
             "parent_id": term_id(term.parent_slug) if term.parent_slug else None,
             "taxonomy": TAXONOMIES.get(term.kind, term.kind), "language": "en"}
            for term in terms]
    rows += [{"id": detail_term_id(code), "code": code, "name": name, "description": name,
              "parent_id": detail_term_id(parent) if parent else None,
              "taxonomy": DETAILS_TAXONOMY,
              "language": "en"} for code, (name, parent) in DETAIL_TERMS.items()]
    return rows


def clinic_rows(clinic: Clinic, labels: dict[str, str]) -> dict[str, list[dict]]:
    """The rows of every HSDS table that describe one clinic."""
    organization_id = hsds_id("clinic", clinic.id)
    rows: dict[str, list[dict]] = {name: [] for name in TABLES}
    rows["organization"].append({
        "id": organization_id, "name": clinic.name, "alternate_name": None,
        "description": clinic.description or clinic.name, "email": clinic.email,
        "website": clinic.website})
    if clinic.phone:
        rows["phone"].append({"id": hsds_id("phone", clinic.id),
                              "organization_id": organization_id, "number": clinic.phone,
                              "type": "voice"})
    location_ids = [_add_location(rows, clinic, location, organization_id)
                    for location in clinic.locations]
    service_ids = {treatment: _add_service(rows, clinic, treatment, labels, organization_id,
                                           location_ids)
                   for treatment in clinic.treatments}
    _add_cost_options(rows, clinic, service_ids)
    _add_detail_attributes(rows, clinic, organization_id)
    return rows


def _add_location(rows: dict, clinic: Clinic, location, organization_id: str) -> str:
    """The location, its address, its weekly schedule and the languages spoken there."""
    location_id = hsds_id("location", location.id)
    rows["location"].append({
        "id": location_id, "location_type": "physical", "organization_id": organization_id,
        "name": ", ".join(filter(None, [clinic.name, location.locality])),
        "latitude": location.latitude, "longitude": location.longitude})
    rows["address"].append({
        "id": hsds_id("address", location.id), "location_id": location_id,
        "address_1": location.street, "city": location.locality,
        "state_province": location.region.split("-", 1)[-1] if location.region else None,
        "postal_code": location.postal_code, "country": location.country,
        "address_type": "physical"})
    rows["schedule"].extend(
        {"id": hsds_id("schedule", location.id, opens, closes), "location_id": location_id,
         "freq": "WEEKLY", "byday": byday, "opens_at": opens, "closes_at": closes}
        for (opens, closes), byday in weekly_intervals(location.hours).items())
    rows["language"].extend(
        {"id": hsds_id("language", location.id, code), "location_id": location_id,
         "name": ENGLISH.languages.get(code, code), "code": code}
        for code in clinic.languages or [])
    return location_id


def weekly_intervals(hours: list[dict] | None) -> dict[tuple[str, str], str]:
    """(opens, closes) -> the RFC 5545 BYDAY list of the days open then, e.g. 'MO,TU,WE'."""
    days: dict[tuple[str, str], list[str]] = {}
    for entry in sorted(hours or [], key=lambda entry: (entry["opens"], entry["closes"],
                                                        DAYS.index(entry["day"]))):
        days.setdefault((entry["opens"], entry["closes"]), []).append(entry["day"].upper())
    return {interval: ",".join(codes) for interval, codes in days.items()}


def _add_service(rows: dict, clinic: Clinic, treatment: str, labels: dict[str, str],
                 organization_id: str, location_ids: list[str]) -> str:
    """A treatment the clinic offers: the service, where it is offered, its terms."""
    service_id = hsds_id("service", clinic.id, treatment)
    rows["service"].append({
        "id": service_id, "organization_id": organization_id, "name": labels[treatment],
        "description": f"{labels[treatment]} at {clinic.name}", "url": clinic.website,
        "email": clinic.email, "status": SERVICE_STATUS.get(clinic.status, "active")})
    rows["service_at_location"].extend(
        {"id": hsds_id("service_at_location", service_id, location_id),
         "service_id": service_id, "location_id": location_id}
        for location_id in location_ids)
    rows["attribute"].extend(
        _attribute(service_id, "service", term_id(slug), None)
        for slug in [treatment, *clinic.conditions])
    return service_id


def _add_cost_options(rows: dict, clinic: Clinic, service_ids: dict[str, str]) -> None:
    """Each price on the service of its treatment, or on every service when that is unknown."""
    for index, price in enumerate(clinic.prices or []):
        treatment = price.get("treatment")
        targets = [service_ids[treatment]] if treatment in service_ids else service_ids.values()
        rows["cost_option"].extend(
            {"id": hsds_id("cost_option", service_id, index), "service_id": service_id,
             "amount": price["amount"], "currency": price["currency"],
             "amount_description": f"per {price['per']}" if price.get("per") else None}
            for service_id in targets)


def _add_detail_attributes(rows: dict, clinic: Clinic, organization_id: str) -> None:
    """Payment kinds and the three flags HSDS has no field for, where the clinic states them."""
    rows["attribute"].extend(_attribute(organization_id, "organization", detail_term_id(kind),
                                        None) for kind in clinic.payment or [])
    for field, code in FLAG_TERMS.items():
        value = getattr(clinic, field)
        if value is not None:
            rows["attribute"].append(_attribute(organization_id, "organization",
                                                detail_term_id(code), str(value).lower()))


def _attribute(link_id: str, link_entity: str, taxonomy_term_id: str,
               value: str | None) -> dict:
    return {"id": hsds_id("attribute", link_id, taxonomy_term_id), "link_id": link_id,
            "link_entity": link_entity,
            "taxonomy_term_id": taxonomy_term_id, "value": value}


def datapackage() -> dict:
    """The Frictionless tabular data package descriptor of the export."""
    return {
        "name": "reliefmap-hsds",
        "title": "Relief Map: chronic-pain clinics (Open Referral HSDS)",
        "profile": "tabular-data-package",
        "hsds_version": HSDS_VERSION,
        "resources": [{
            "name": name, "path": path, "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8", "profile": "tabular-data-resource",
            "schema": {"fields": [{"name": field, "type": kind} for field, kind in fields],
                       "primaryKey": "id",
                       "foreignKeys": [{"fields": field,
                                        "reference": {"resource": target, "fields": "id"}}
                                       for field, target in references.items()]},
        } for name, (path, fields, references) in TABLES.items()],
    }


def package_files(session: Session) -> Iterator[tuple[str, Iterator[str]]]:
    """Each file of the data package as (name, its text in pieces), made as it is read: every
    table is one pass over the published clinics, all passes in the session's one snapshot."""
    _read_one_snapshot(session)
    terms = list(session.scalars(select(Term).order_by(Term.kind.desc(), Term.slug)))
    labels = {term.slug: term.label for term in terms}
    for name, (path, fields, _) in TABLES.items():
        yield path, _table_csv(session, name, [field for field, _ in fields], terms, labels)
    yield "datapackage.json", iter([json.dumps(datapackage(), indent=2) + "\n"])


def _table_csv(session: Session, name: str, columns: list[str], terms: list[Term],
               labels: dict[str, str]) -> Iterator[str]:
    yield from csv_text([columns])
    if name == "taxonomy_term":
        yield from _cells(term_rows(terms), columns)
        return
    for clinic in published_clinics(session):
        yield from _cells(clinic_rows(clinic, labels)[name], columns)


def _read_one_snapshot(session: Session) -> None:
    """Let every pass see the same rows, so the tables' ids match one another. SQLite's read
    transaction is one snapshot already; PostgreSQL's default gives each query a new one."""
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def write_package(session: Session, target: Path) -> None:
    """Write the data package into the folder `target`, replacing it only once complete."""
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        for path, chunks in package_files(session):
            with open(staging / path, "w", encoding="utf-8", newline="") as fh:
                fh.writelines(chunks)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def zipped_package(session: Session) -> Iterator[bytes]:
    """The data package as a zip archive, streamed: each file is made while the zip is sent."""
    archive = ZipStream(compress_type=ZIP_DEFLATED)
    for path, chunks in package_files(session):
        archive.add((chunk.encode("utf-8") for chunk in chunks), path)
    yield from archive


def _cells(rows: list[dict], columns: list[str]):
    return csv_text([spreadsheet_safe(row[column]) for column in columns] for row in rows)

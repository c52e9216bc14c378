"""The Open Referral HSDS 2.0 mapping: a clinic is an organization, each of its treatments a
service offered at each of its locations, treatments and conditions taxonomy terms.

Table and field names follow the HSDS 2.0.1 tabular data package (datapackage.json of
openreferral/specification); this module is the only place that knows them.
"""

import json
import shutil
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Clinic, Term
from web.exports import csv_text, published_clinics, spreadsheet_safe

HSDS_VERSION = "2.0.1"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/reliefmap/reliefmap/hsds")
# Clinic status -> HSDS service status (HSDS: active, inactive, defunct, temporarily closed).
SERVICE_STATUS = {"active": "active", "temporarily-closed": "temporarily closed",
                  "closed": "defunct"}
TAXONOMIES = {"treatment": "Relief Map treatments", "condition": "Relief Map conditions"}

# HSDS resource name -> (file, [(field, type)], {field: referenced resource}).
TABLES = {
    "organization": ("organizations.csv", [
        ("id", "string"), ("name", "string"), ("alternate_name", "string"),
        ("description", "string"), ("email", "string"), ("url", "string")], {}),
    "service": ("services.csv", [
        ("id", "string"), ("organization_id", "string"), ("name", "string"),
        ("description", "string"), ("url", "string"), ("email", "string"),
        ("status", "string")], {"organization_id": "organization"}),
    "location": ("locations.csv", [
        ("id", "string"), ("organization_id", "string"), ("name", "string"),
        ("latitude", "number"), ("longitude", "number")], {"organization_id": "organization"}),
    "service_at_location": ("services_at_location.csv", [
        ("id", "string"), ("service_id", "string"), ("location_id", "string")],
        {"service_id": "service", "location_id": "location"}),
    "physical_address": ("physical_addresses.csv", [
        ("id", "string"), ("location_id", "string"), ("address_1", "string"),
        ("city", "string"), ("state_province", "string"), ("postal_code", "string"),
        ("country", "string")], {"location_id": "location"}),
    "phone": ("phones.csv", [
        ("id", "string"), ("organization_id", "string"), ("number", "string"),
        ("type", "string")], {"organization_id": "organization"}),
    "taxonomy_term": ("taxonomy_terms.csv", [
        ("id", "string"), ("term", "string"), ("description", "string"),
        ("parent_id", "string"), ("taxonomy", "string"), ("language", "string")],
        {"parent_id": "taxonomy_term"}),
    "service_attribute": ("service_attributes.csv", [
        ("id", "string"), ("service_id", "string"), ("taxonomy_term_id", "string")],
        {"service_id": "service", "taxonomy_term_id": "taxonomy_term"}),
}


def hsds_id(*parts) -> str:
    """A stable UUID for a row, so that ids survive from one export to the next."""
    return str(uuid.uuid5(NAMESPACE, ":".join(str(part) for part in parts)))


def term_rows(terms: list[Term]) -> list[dict]:
    """taxonomy_term rows: the term slug is its id, the hierarchy kept through parent_id."""
    return [{"id": term.slug, "term": term.label,
             "description": term.label + (f" (also: {', '.join(term.synonyms)})"
                                          if term.synonyms else ""),
             "parent_id": term.parent_slug, "taxonomy": TAXONOMIES.get(term.kind, term.kind),
             "language": "en"} for term in terms]


def clinic_rows(clinic: Clinic, labels: dict[str, str]) -> dict[str, list[dict]]:
    """The rows of every HSDS table that describe one clinic."""
    organization_id = hsds_id("clinic", clinic.id)
    rows: dict[str, list[dict]] = {name: [] for name in TABLES}
    rows["organization"].append({
        "id": organization_id, "name": clinic.name, "alternate_name": None,
        "description": clinic.description or clinic.name, "email": clinic.email,
        "url": clinic.website})
    if clinic.phone:
        rows["phone"].append({"id": hsds_id("phone", clinic.id),
                              "organization_id": organization_id, "number": clinic.phone,
                              "type": "voice"})
    location_ids = []
    for location in clinic.locations:
        location_id = hsds_id("location", location.id)
        location_ids.append(location_id)
        rows["location"].append({
            "id": location_id, "organization_id": organization_id,
            "name": ", ".join(filter(None, [clinic.name, location.locality])),
            "latitude": location.latitude, "longitude": location.longitude})
        rows["physical_address"].append({
            "id": hsds_id("address", location.id), "location_id": location_id,
            "address_1": location.street, "city": location.locality,
            "state_province": location.region.split("-", 1)[-1] if location.region else None,
            "postal_code": location.postal_code, "country": location.country})
    for treatment in clinic.treatments:
        service_id = hsds_id("service", clinic.id, treatment)
        rows["service"].append({
            "id": service_id, "organization_id": organization_id, "name": labels[treatment],
            "description": f"{labels[treatment]} at {clinic.name}", "url": clinic.website,
            "email": clinic.email, "status": SERVICE_STATUS.get(clinic.status, "active")})
        rows["service_at_location"].extend(
            {"id": hsds_id("service_at_location", service_id, location_id),
             "service_id": service_id, "location_id": location_id}
            for location_id in location_ids)
        rows["service_attribute"].extend(
            {"id": hsds_id("service_attribute", service_id, slug), "service_id": service_id,
             "taxonomy_term_id": slug} for slug in [treatment, *clinic.conditions])
    return rows


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


def write_package(session: Session, target: Path) -> None:
    """Write the data package into the folder `target`, replacing it only once complete."""
    terms = list(session.scalars(select(Term).order_by(Term.kind.desc(), Term.slug)))
    labels = {term.slug: term.label for term in terms}
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        files, writers = {}, {}
        for name, (path, fields, _) in TABLES.items():
            files[name] = open(staging / path, "w", encoding="utf-8", newline="")
            columns = [field for field, _ in fields]
            files[name].writelines(csv_text([columns]))
            writers[name] = columns
        try:
            files["taxonomy_term"].writelines(_cells(term_rows(terms), writers["taxonomy_term"]))
            for clinic in published_clinics(session):
                for name, rows in clinic_rows(clinic, labels).items():
                    files[name].writelines(_cells(rows, writers[name]))
        finally:
            for fh in files.values():
                fh.close()
        (staging / "datapackage.json").write_text(json.dumps(datapackage(), indent=2) + "\n",
                                                  encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _cells(rows: list[dict], columns: list[str]):
    return csv_text([spreadsheet_safe(row[column]) for column in columns] for row in rows)

"""A small directory in several countries and regions: published clinics and resources, plus
pending, rejected and merged ones that must never show on a public page."""

import re
from datetime import date, datetime

import pytest

from models import MERGED, PENDING, PUBLISHED, REJECTED, Clinic, Resource, Source, SourceRecord
from models.entries import apply_clinic_fields, apply_resource_fields
from models.setup import sync_config

# name, state, fields (street, locality, region, postal_code, country, lat, lon, terms, extras)
CLINICS = [
    ("Manhattan Ketamine Center", PUBLISHED, "350 W 31st St", "New York", "US-NY", "10001", "US",
     40.7506, -73.9972, ["ketamine-iv-infusion", "crps"],
     {"phone": "+12125550101", "website": "https://manhattan-ketamine.example/",
      "last_verified": datetime(2026, 10, 1)}),
    ("Brooklyn Nerve Pain Relief", PUBLISHED, "1 Court St", "Brooklyn", "US-NY", "11201", "US",
     40.6955, -73.9890, ["lidocaine-infusion", "diabetic-neuropathy"],
     {"last_verified": datetime(2026, 11, 1)}),
    ("Buffalo Nerve Block Clinic", PUBLISHED, "5 Main St", "Buffalo", "US-NY", "14201", "US",
     42.8864, -78.8784, ["nerve-block", "neuropathic-pain"], {}),
    ("Newark Infusion Suite", PUBLISHED, "2 Broad St", "Newark", "US-NJ", "07102", "US",
     40.7357, -74.1724, ["ketamine-iv-infusion", "fibromyalgia"],
     {"status": "temporarily-closed"}),
    ("Los Angeles Ketamine Clinic", PUBLISHED, "100 Spring St", "Los Angeles", "US-CA", "90012",
     "US", 34.0522, -118.2437, ["ketamine-iv-infusion", "crps"], {}),
    ("Toronto Pain Centre", PUBLISHED, "1 King St W", "Toronto", "CA-ON", "M5V 2T6", "CA",
     43.6426, -79.3871, ["ketamine-iv-infusion", "crps"], {}),
    ("Vancouver CRPS Clinic", PUBLISHED, "800 Robson St", "Vancouver", "CA-BC", "V6Z 2E7", "CA",
     49.2827, -123.1207, ["nerve-block", "crps"], {}),
    ("London Pain Clinic", PUBLISHED, "10 Harley St", "London", "GB-ENG", "W1G 9PF", "GB",
     51.5203, -0.1469, ["spinal-cord-stimulation", "crps"], {}),
    ("Zürich Schmerzklinik", PUBLISHED, "Bahnhofstrasse 1", "Zürich", None, "8001", "CH",
     47.3769, 8.5417, ["ketamine-iv-infusion", "trigeminal-neuralgia"], {}),
    ("Pending Ketamine Place", PENDING, "1 Pending St", "New York", "US-NY", "10001", "US",
     40.7500, -73.9970, ["ketamine-iv-infusion", "crps"], {}),
    ("Rejected Ketamine Place", REJECTED, "1 Rejected St", "New York", "US-NY", "10001", "US",
     40.7510, -73.9960, ["ketamine-iv-infusion", "crps"], {}),
    ("Merged Ketamine Place", MERGED, "1 Merged St", "New York", "US-NY", "10001", "US",
     40.7520, -73.9950, ["ketamine-iv-infusion", "crps"], {}),
]
UNPUBLISHED = ["Pending Ketamine Place", "Rejected Ketamine Place", "Merged Ketamine Place",
               "Pending CRPS Article"]

RESOURCES = [
    ("Living with CRPS: a practical guide", PUBLISHED, "article", ["crps"],
     "What helps day to day.", "A. Writer", date(2026, 5, 1)),
    ("CRPS Support Circle", PUBLISHED, "support-group", ["crps"],
     "A weekly online support group.", None, None),
    ("RSDSA", PUBLISHED, "organization", ["crps"], "The patient association for CRPS.", None,
     None),
    ("Fibromyalgia explained", PUBLISHED, "video", ["fibromyalgia"], "A short video.", None,
     date(2025, 1, 10)),
    ("Pending CRPS Article", PENDING, "article", ["crps"], "Not approved yet.", None, None),
]


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def add_clinic(session, name, state, street, locality, region, postal_code, country, lat, lon,
               terms, extras) -> Clinic:
    """Insert one clinic with one location, as the store pipeline or an editor would."""
    clinic = Clinic(slug=slugify(name), name=name, state=state,
                    description=f"{name} treats chronic pain.",
                    **{key: value for key, value in extras.items() if key == "last_verified"})
    fields = {"name": name, "street": street, "locality": locality, "region": region,
              "postal_code": postal_code, "country": country, "latitude": lat, "longitude": lon,
              "treatments": [t for t in terms if not _is_condition(t)],
              "conditions": [t for t in terms if _is_condition(t)],
              **{key: value for key, value in extras.items() if key != "last_verified"}}
    session.add(clinic)
    apply_clinic_fields(session, clinic, fields)
    return clinic


def _is_condition(slug: str) -> bool:
    return slug in {"crps", "fibromyalgia", "neuropathic-pain", "diabetic-neuropathy",
                    "trigeminal-neuralgia"}


@pytest.fixture
def directory(database, config):
    """The sample directory in the test database; returns {name: slug}."""
    with database.write_session.begin() as session:
        sync_config(session, config)
        source = Source(name="sample-directory", kind="clinics")
        session.add(source)
        for row in CLINICS:
            clinic = add_clinic(session, *row)
            session.flush()
            session.add(SourceRecord(
                source=source, record_key=f"https://directory.example/{clinic.slug}",
                url=f"https://directory.example/{clinic.slug}", entry_type="clinic",
                clinic=clinic, fingerprint="0" * 64))
        for title, state, kind, terms, summary, author, published in RESOURCES:
            resource = Resource(slug=slugify(title), title=title, state=state,
                                url=f"https://resources.example/{slugify(title)}")
            session.add(resource)
            apply_resource_fields(session, resource, {
                "kind": kind, "summary": summary, "author": author, "published": published,
                "conditions": terms, "treatments": []})
    return {name: slugify(name) for name in
            [row[0] for row in CLINICS] + [row[0] for row in RESOURCES]}


CRAWLED = {"source": "sample-directory", "url": "https://la-ketamine.example/fees", "run_id": 1,
           "fetched_at": "2026-11-20T10:00:00"}
WEEKDAYS_9_TO_5 = [{"day": day, "opens": "09:00", "closes": "17:00"}
                   for day in ("Mo", "Tu", "We", "Th")]
# name -> (clinic details, hours of its location)
DETAILS = {
    "Los Angeles Ketamine Clinic": (
        {"prices": [{"amount": 450, "currency": "USD", "per": "infusion",
                     "treatment": "ketamine-iv-infusion"},
                    {"amount": 2400, "currency": "USD", "per": "series", "treatment": None}],
         "payment": ["medicare", "self-pay"], "telehealth": True, "accepting_new_patients": True,
         "referral_required": False, "languages": ["en", "es"]},
        [*WEEKDAYS_9_TO_5, {"day": "Fr", "opens": "09:00", "closes": "12:00"},
         {"day": "Fr", "opens": "13:00", "closes": "17:00"}]),
    "Manhattan Ketamine Center": (
        {"payment": ["medicare"], "telehealth": False, "accepting_new_patients": False},
        [{"day": "Mo", "opens": "08:00", "closes": "16:00"}]),
    "Brooklyn Nerve Pain Relief": (
        {"payment": ["medicaid", "medicare"], "telehealth": True, "languages": ["es"]},
        [{"day": "Sa", "opens": "10:00", "closes": "14:00"}]),
    "Toronto Pain Centre": (
        {"payment": ["private-insurance"], "telehealth": True, "languages": ["fr"],
         "accepting_new_patients": True}, []),
}


@pytest.fixture
def details_directory(database, directory):
    """The sample directory where four clinics state details (DETAILS), crawled from a page of
    sample-directory on 20 November 2026, except Los Angeles's payment, set by an editor."""
    from sqlalchemy import select

    with database.write_session.begin() as session:
        for name, (fields, hours) in DETAILS.items():
            clinic = session.scalar(select(Clinic).where(Clinic.name == name))
            apply_clinic_fields(session, clinic, {**fields, "hours": hours})
            clinic.provenance = {field: CRAWLED for field in [*fields, "hours"]}
        los_angeles = session.scalar(select(Clinic).where(
            Clinic.name == "Los Angeles Ketamine Clinic"))
        los_angeles.provenance = {**los_angeles.provenance,
                                  "payment": {"editor": "ed", "at": "2026-12-01T09:30:00"}}
    return directory

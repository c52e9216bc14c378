"""The public pages' sample directory plus entries that try to break the API and the exports:
markup and formulas in crawled text, a clinic with two addresses, one without coordinates."""

import pytest

from models import PUBLISHED, Location
from tests.public_fixtures import add_clinic

XSS_NAME = '<script>alert("x")</script> & Pain "Clinic"'
FORMULA_NAME = '=HYPERLINK("https://evil.example","Pain")'

EXTRA_CLINICS = [
    (XSS_NAME, PUBLISHED, "<img src=x onerror=alert(1)>", "Albany", "US-NY", "12207", "US",
     42.6526, -73.7562, ["ketamine-iv-infusion", "crps"],
     {"website": "https://xss.example/?a=<b>&c=d", "phone": "+15185550199"}),
    (FORMULA_NAME, PUBLISHED, "@SUM(1+1)", "Leeds", "GB-ENG", "LS1 4AP", "GB", None, None,
     ["physical-therapy", "fibromyalgia"], {"email": "-cmd@example.org"}),
]
TWO_SITES = "Manhattan Ketamine Center"
# What the clinic with two addresses states about itself, and each address's hours.
DETAILS = {
    "prices": [{"amount": 450, "currency": "USD", "per": "infusion",
                "treatment": "ketamine-iv-infusion"},
               {"amount": 2400, "currency": "USD", "per": "series", "treatment": None}],
    "payment": ["hsa-fsa", "medicare", "self-pay"],
    "telehealth": True, "accepting_new_patients": False, "referral_required": None,
    "languages": ["en", "es"],
}
NEW_YORK_HOURS = [{"day": "Mo", "opens": "09:00", "closes": "17:00"},
                  {"day": "Tu", "opens": "09:00", "closes": "12:00"},
                  {"day": "Tu", "opens": "13:00", "closes": "17:00"}]
WHITE_PLAINS_HOURS = [{"day": "Sa", "opens": "10:00", "closes": "14:00"}]
CRAWLED = {"source": "manhattan-ketamine", "url": "https://manhattan-ketamine.example/fees",
           "run_id": 7, "fetched_at": "2026-10-01T08:30:00"}
EDITED = {"editor": "dana", "at": "2026-10-02T09:15:00"}
# A price for a "treatment" that a spreadsheet would run, on the clinic named as a formula.
FORMULA_PRICE = {"amount": 99.5, "currency": "GBP", "per": None,
                 "treatment": '=HYPERLINK("https://evil.example")'}


@pytest.fixture
def api_directory(database, directory):
    """The sample directory, the hostile entries, and a second address and the details for one
    clinic (a crawled source for most, an editor's hand for telehealth)."""
    from sqlalchemy import select

    from models import Clinic
    from models.entries import apply_clinic_fields
    from tests.public_fixtures import slugify

    with database.write_session.begin() as session:
        hostile = [add_clinic(session, *row) for row in EXTRA_CLINICS]
        hostile[1].prices = [FORMULA_PRICE]
        clinic = session.scalar(select(Clinic).where(Clinic.name == TWO_SITES))
        apply_clinic_fields(session, clinic, {**DETAILS, "hours": NEW_YORK_HOURS})
        clinic.locations.append(Location(street="2 Grand Central", locality="White Plains",
                                         region="US-NY", postal_code="10601", country="US",
                                         latitude=41.034, longitude=-73.763,
                                         hours=WHITE_PLAINS_HOURS))
        clinic.provenance = {**{name: CRAWLED for name in (
            "description", "hours", "prices", "payment", "accepting_new_patients", "languages")},
            "telehealth": EDITED}  # the pages do not say whether a referral is needed
    return {**directory, **{row[0]: slugify(row[0]) for row in EXTRA_CLINICS}}

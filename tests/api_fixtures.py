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


@pytest.fixture
def api_directory(database, directory):
    """The sample directory, the hostile entries, and a second address for one clinic."""
    from sqlalchemy import select

    from models import Clinic
    from tests.public_fixtures import slugify

    with database.write_session.begin() as session:
        for row in EXTRA_CLINICS:
            add_clinic(session, *row)
        clinic = session.scalar(select(Clinic).where(Clinic.name == TWO_SITES))
        clinic.locations.append(Location(street="2 Grand Central", locality="White Plains",
                                         region="US-NY", postal_code="10601", country="US",
                                         latitude=41.034, longitude=-73.763))
    return {**directory, **{row[0]: slugify(row[0]) for row in EXTRA_CLINICS}}

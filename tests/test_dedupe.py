"""The same clinic by phone, website domain, or a near-identical name at the same postcode."""

from crawler.pipelines.deduplicate import ClinicIndex, website_domain


def index() -> ClinicIndex:
    found = ClinicIndex()
    found.add("clinic:1", "+14155550100", "https://www.goldengate.example/", "94108",
              "Golden Gate Ketamine Clinic")
    return found


def test_same_phone():
    assert index().find("+14155550100", None, None, "Other name") == "clinic:1"


def test_same_website_domain():
    assert index().find(None, "https://goldengate.example/contact", None, "GG") == "clinic:1"


def test_near_identical_name_at_same_postal_code():
    assert index().find(None, None, "94108", "Golden Gate Ketamine Clinic, Inc.") == "clinic:1"
    assert index().find(None, None, "94109", "Golden Gate Ketamine Clinic") is None
    assert index().find(None, None, "94108", "Bay Area Spine Center") is None
    numbered = ClinicIndex()
    numbered.add("record:a", None, None, "60601", "Clinic 12 Pain Relief")
    assert numbered.find(None, None, "60601", "Clinic 13 Pain Relief") is None


def test_different_clinic():
    assert index().find("+12125550142", "https://hudson.example/", "10019", "Hudson") is None


def test_website_domain():
    assert website_domain("https://www.example.org/a") == "example.org"
    assert website_domain(None) is None

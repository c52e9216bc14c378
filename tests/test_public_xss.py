"""Crawled text is untrusted: markup in it renders as text on every page, JSON-LD included, and
links that are not http(s) are never made into links."""

import json
import re

import pytest

from models import PUBLISHED, Resource
from tests.public_fixtures import add_clinic

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = "</script><script>alert(2)</script>"
IMAGE = '<img src=x onerror="alert(3)">'


@pytest.fixture
def hostile(database, directory):
    with database.write_session.begin() as session:
        clinic = add_clinic(session, SCRIPT, PUBLISHED, IMAGE, "New York", "US-NY", "10001",
                            "US", 40.7507, -73.9973, ["ketamine-iv-infusion", "crps"],
                            {"website": "javascript:alert(1)", "phone": '+1"><b>x'})
        clinic.slug, clinic.description = "xss-clinic", BREAKOUT
        resource = Resource(slug="xss-resource", title=IMAGE, url="javascript:alert(4)",
                            kind="article", summary=SCRIPT, author=BREAKOUT, state=PUBLISHED)
        session.add(resource)
    return ["/", "/clinics", "/clinics?q=alert", "/clinics?near=10001",
            "/clinics?near=%3Cscript%3Ealert(1)%3C/script%3E", "/clinics?q=%3Cscript%3E",
            "/regions/US-NY", "/clinics/xss-clinic",
            f"/clinics/{directory['Manhattan Ketamine Center']}",  # lists it as nearby
            "/resources/", "/resources/xss-resource", "/sitemap-clinics-1.xml"]


def test_markup_in_crawled_data_renders_as_text_everywhere(client, hostile):
    for path in hostile:
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        for payload in (SCRIPT, BREAKOUT, IMAGE, "<b>x"):
            assert payload not in page, (path, payload)
        assert 'href="javascript:' not in page.lower(), path


def test_the_hostile_clinic_page_escapes_and_drops_the_bad_link(client, hostile):
    page = client.get("/clinics/xss-clinic").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "javascript:alert(1)" in page  # shown as text, never as a link
    assert not re.search(r'href="\s*javascript', page, re.I)


def test_json_ld_is_data_that_cannot_close_its_script_element(client, hostile):
    page = client.get("/clinics/xss-clinic").get_data(as_text=True)
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1 and len(re.findall(r"<script", page)) == 1
    data = json.loads(blocks[0])
    assert data["name"] == SCRIPT and data["description"] == BREAKOUT
    assert "sameAs" not in data  # the javascript: website is not a link
    assert "<" not in blocks[0]


def test_the_resource_link_out_is_only_http(client, hostile):
    page = client.get("/resources/xss-resource").get_data(as_text=True)
    assert "Open the page" not in page and "&lt;img src=x" in page


def test_markup_in_crawled_details_renders_as_text(client, database, hostile):
    from sqlalchemy import select

    from models import Clinic

    with database.write_session.begin() as session:
        clinic = session.scalar(select(Clinic).where(Clinic.slug == "xss-clinic"))
        clinic.prices = [{"amount": 450, "currency": "USD", "per": "infusion",
                          "treatment": IMAGE}]
        clinic.payment, clinic.languages = [SCRIPT], [BREAKOUT]
        clinic.telehealth = True
        clinic.locations[0].hours = [{"day": "Mo", "opens": "09:00", "closes": SCRIPT}]
        clinic.provenance = {
            "prices": {"source": IMAGE, "url": "javascript:alert(5)",
                       "fetched_at": "2026-11-20T10:00:00"},
            "telehealth": {"source": "site", "url": 'https://a.example/"><b>x',
                           "fetched_at": "<script>"}}
    page = client.get("/clinics/xss-clinic").get_data(as_text=True)
    for payload in (SCRIPT, BREAKOUT, IMAGE, "<b>x"):
        assert payload not in page, payload
    assert "$450 per infusion · &lt;img src=x" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the payment kind, as text
    assert not re.search(r'href="\s*javascript', page, re.I)
    assert 'href="https://a.example/&#34;&gt;&lt;b&gt;x"' in page
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1 and len(re.findall(r"<script", page)) == 1
    assert json.loads(blocks[0])["paymentAccepted"] == SCRIPT

"""Guide pages per condition and treatment: description, clinics, communities, reading, related
terms, JSON-LD, links from chips and the home page, size."""

import json
import re
from datetime import date
from html import unescape

from sqlalchemy import select

from models import PUBLISHED, Resource, Source, SourceRecord, User, revise_guide
from models.entries import apply_resource_fields

CSS = "web/static/site.css"


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_crps_near_10001_shows_the_nearest_clinics_the_groups_and_the_reading(client,
                                                                              directory):
    response = client.get("/conditions/crps?near=10001")
    assert response.status_code == 200
    page = text_of(response)
    clinics = page[page.index('id="clinics"'):page.index('id="communities"')]
    assert "Manhattan Ketamine Center" in clinics
    assert re.search(r"\d\.\d mi \(\d+\.\d km\) away", clinics)  # miles first in the US
    assert "Los Angeles Ketamine Clinic" not in clinics  # 500 km at most, nearest first
    assert "Pending Ketamine Place" not in page and "Pending CRPS Article" not in page
    assert page.index("CRPS Support Circle") < page.index("Living with CRPS: a practical guide")
    assert page.index("RSDSA") < page.index("Living with CRPS: a practical guide")
    assert "Fibromyalgia explained" not in page


def test_near_a_canadian_place_the_guide_gives_kilometres_first(client, directory):
    page = text_of(client.get("/conditions/crps?near=Toronto"))
    clinics = page[page.index('id="clinics"'):page.index('id="communities"')]
    assert "Toronto Pain Centre" in clinics
    assert re.search(r"\d\.\d km \(\d+\.\d mi\) away", clinics)


def test_the_guide_page_with_its_css_weighs_under_30_kb(client, directory):
    html = client.get("/conditions/crps?near=10001").get_data()
    with client.get("/static/site.css") as response:
        css = response.get_data()
    assert len(html) + len(css) < 30 * 1024, (len(html), len(css))


def test_without_a_place_the_guide_counts_clinics_by_region_with_links(client, directory):
    page = text_of(client.get("/conditions/crps"))
    assert "5 clinics" in page
    assert 'href="/clinics?region=US-NY&condition=crps"' in page or \
        'href="/clinics?condition=crps&region=US-NY"' in page
    assert "Ontario" in page and "British Columbia" in page


def test_a_parent_condition_lists_its_narrower_terms_and_finds_their_clinics(client,
                                                                             directory):
    page = text_of(client.get("/conditions/neuropathic-pain"))
    assert 'href="/conditions/diabetic-neuropathy"' in page
    child = text_of(client.get("/conditions/diabetic-neuropathy"))
    assert 'href="/conditions/neuropathic-pain"' in child  # its broader term
    assert "8 clinics" in page  # with CRPS and diabetic neuropathy, both below it


def test_related_terms_name_what_clinics_treating_it_also_offer(client, directory):
    page = text_of(client.get("/conditions/crps"))
    related = page[page.index('id="related"'):]
    assert 'href="/treatments/ketamine-iv-infusion"' in related
    assert 'href="/treatments/spinal-cord-stimulation"' in related


def test_a_treatment_guide_and_unknown_or_mismatched_slugs(client, directory):
    page = text_of(client.get("/treatments/ketamine-iv-infusion"))
    assert "Ketamine" in page and "Manhattan Ketamine Center" not in page  # counts, no place
    assert client.get("/treatments/crps").status_code == 404
    assert client.get("/conditions/no-such-thing").status_code == 404
    assert client.get("/conditions/crps?near=" + "x" * 300).status_code == 400


def test_json_ld_says_medical_condition_and_therapy_with_urls_from_config(client, directory):
    page = client.get("/conditions/crps", headers={"Host": "evil.example"}).get_data(
        as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page,
                                re.S).group(1))
    assert data["@type"] == "MedicalCondition" and data["url"].endswith("/conditions/crps")
    assert "evil.example" not in page
    assert any(t["url"].endswith("/treatments/ketamine-iv-infusion")
               for t in data["possibleTreatment"])
    therapy = client.get("/treatments/nerve-block").get_data(as_text=True)
    assert '"@type": "MedicalTherapy"' in therapy


def test_resources_other_sources_link_to_come_first_then_the_newest(client, database,
                                                                    directory):
    with database.write_session.begin() as session:
        hub, blog = Source(name="hub", kind="resources"), Source(name="blog", kind="resources")
        session.add_all([hub, blog])
        for title, published in (("Old linked CRPS story", date(2020, 1, 1)),
                                 ("New lonely CRPS story", date(2026, 6, 1))):
            resource = Resource(slug=title.lower().replace(" ", "-"), title=title,
                                url=f"https://r.example/{title[:3]}", state=PUBLISHED)
            session.add(resource)
            apply_resource_fields(session, resource, {"kind": "story", "published": published,
                                                      "conditions": ["crps"]})
            session.flush()
            sources = (hub, blog) if title.startswith("Old") else (hub,)
            for source in sources:
                session.add(SourceRecord(source=source, record_key=resource.url,
                                         url=resource.url, entry_type="resource",
                                         resource=resource, fingerprint="0" * 64))
    page = text_of(client.get("/conditions/crps"))
    assert page.index("Old linked CRPS story") < page.index("New lonely CRPS story")
    assert page.index("New lonely CRPS story") < page.index("Living with CRPS")  # newer
    assert "linked from other sources" in page


def test_the_description_editors_write_shows_on_the_next_request(client, database, directory):
    assert "Complex regional pain syndrome is" not in text_of(client.get("/conditions/crps"))
    with database.write_session.begin() as session:
        session.add(User(username="ed", password_hash="x", role="editor"))
        session.flush()
        editor = session.scalar(select(User.id).where(User.username == "ed"))
        revise_guide(session, "crps", "Complex regional pain syndrome is <b>long</b> pain.",
                     True, editor)
    page = client.get("/conditions/crps").get_data(as_text=True)
    assert "Complex regional pain syndrome is &lt;b&gt;long&lt;/b&gt; pain." in page


def test_term_chips_on_clinic_and_resource_pages_and_the_home_page_link_to_guides(client,
                                                                                  directory):
    clinic = text_of(client.get("/clinics/manhattan-ketamine-center"))
    assert 'href="/conditions/crps"' in clinic
    assert 'href="/treatments/ketamine-iv-infusion"' in clinic
    resource = text_of(client.get("/resources/rsdsa"))
    assert 'href="/conditions/crps"' in resource
    home = text_of(client.get("/"))
    assert 'href="/conditions/crps"' in home and 'href="/treatments/nerve-block"' in home


def test_the_sitemap_lists_every_guide(client, directory):
    sitemap = client.get("/sitemap-pages-1.xml").get_data(as_text=True)
    assert "/conditions/crps</loc>" in sitemap and "/treatments/nerve-block</loc>" in sitemap

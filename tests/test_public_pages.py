"""The public pages through the test client: search, regions, clinic pages, resources."""

import json
import re
from dataclasses import replace
from html import unescape

import pytest

from tests.public_fixtures import UNPUBLISHED


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_home_has_one_search_box_and_browsing_by_treatment_condition_and_region(client,
                                                                                 directory):
    page = text_of(client.get("/"))
    assert 'name="q"' in page and 'name="near"' in page
    assert "9 clinics" in page
    assert 'href="/clinics?treatment=ketamine-iv-infusion"' in page
    assert 'href="/clinics?condition=neuropathic-pain"' in page
    assert 'href="/regions/US-NY"' in page and "New York" in page and "Ontario" in page


def test_the_shareable_search_url_finds_clinics_near_a_postal_code(client, directory):
    response = client.get("/clinics?condition=crps&treatment=ketamine-iv-infusion"
                          "&near=10001&radius=50")
    page = text_of(response)
    assert response.status_code == 200
    assert "Manhattan Ketamine Center" in page
    assert re.search(r"\d\.\d km \(\d\.\d mi\) away", page)
    assert "1 clinic" in page and "Toronto Pain Centre" not in page
    assert '<option value="distance" selected>' in page


def test_near_results_are_sorted_by_distance_and_can_be_sorted_by_name(client, directory):
    by_distance = text_of(client.get("/clinics?near=10001&radius=50"))
    order = [by_distance.index(name) for name in
             ("Manhattan Ketamine Center", "Brooklyn Nerve Pain Relief", "Newark Infusion Suite")]
    assert order == sorted(order)
    by_name = text_of(client.get("/clinics?near=10001&radius=50&sort=name"))
    order = [by_name.index(name) for name in
             ("Brooklyn Nerve Pain Relief", "Manhattan Ketamine Center", "Newark Infusion Suite")]
    assert order == sorted(order)


def test_an_unknown_place_says_so_and_suggests_close_matches(client, directory):
    page = text_of(client.get("/clinics?near=Torronto"))
    assert "We could not find the place “Torronto”" in page
    assert "/clinics?near=Toronto" in page


def test_empty_results_suggest_a_wider_radius_and_dropping_filters(client, directory):
    page = text_of(client.get("/clinics?near=10001&radius=10&condition=fibromyalgia"))
    assert "0 clinics" in page and "No clinic matches" in page
    assert "Search within 25 km instead" in page
    assert "/clinics?near=10001&radius=25&condition=fibromyalgia" in page
    assert "Search without the condition filter" in page


def test_pagination_and_sorting_by_recent_verification(client, app, directory):
    config = app.config["RELIEFMAP"]
    app.config["RELIEFMAP"] = replace(config, web=replace(config.web, page_size=4))
    first = text_of(client.get("/clinics"))
    assert "Page 1 of 3" in first and 'href="/clinics?page=2"' in first
    last = text_of(client.get("/clinics?page=3"))
    assert "Zürich Schmerzklinik" in last and "Next" not in last
    verified = text_of(client.get("/clinics?sort=verified"))
    assert verified.index("Brooklyn Nerve Pain Relief") < verified.index(
        "Manhattan Ketamine Center")


def test_filter_counts_show_in_the_filter_options(client, directory):
    page = text_of(client.get("/clinics?country=US"))
    assert "Ketamine IV infusion (3)</option>" in page
    assert "Neuropathic pain (4)</option>" in page
    assert re.search(r'href="/clinics\?country=US&region=US-NY">New York</a> '
                     r'<span class="count">3</span>', page)


def test_region_pages_have_clean_urls_places_and_clinics(client, directory):
    page = text_of(client.get("/regions/US-NY"))
    assert "Clinics in New York" in page and "3 clinics" in page
    assert "/regions/US-NY?locality=Brooklyn" in page
    town = text_of(client.get("/regions/US-NY?locality=Brooklyn"))
    assert "Brooklyn Nerve Pain Relief" in town and "Buffalo Nerve Block Clinic" not in town
    country = text_of(client.get("/regions/CA"))
    assert "British Columbia" in country and "/regions/CA-ON" in country
    assert client.get("/regions/us-ny").headers["Location"].endswith("/regions/US-NY")
    assert client.get("/regions/US-ZZ").status_code == 404
    assert client.get("/regions/not-a-code").status_code == 404


def test_clinic_page_shows_contact_terms_status_sources_map_and_nearby(client, directory):
    page = text_of(client.get(f"/clinics/{directory['Manhattan Ketamine Center']}"))
    assert 'href="tel:+12125550101"' in page
    assert 'href="https://manhattan-ketamine.example/"' in page
    assert "https://www.openstreetmap.org/?mlat=40.7506&mlon=-73.9972" in page
    assert "Ketamine IV infusion" in page and "Complex regional pain syndrome (CRPS)" in page
    assert "1 October 2026" in page
    assert "https://directory.example/manhattan-ketamine-center" in page
    assert "Nearby clinics" in page and "Brooklyn Nerve Pain Relief" in page
    closed = text_of(client.get(f"/clinics/{directory['Newark Infusion Suite']}"))
    assert "Temporarily closed" in closed


def test_clinic_page_has_medical_clinic_json_ld(client, directory):
    page = client.get(f"/clinics/{directory['Manhattan Ketamine Center']}").get_data(as_text=True)
    (raw,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    data = json.loads(raw)
    assert data["@type"] == "MedicalClinic" and data["telephone"] == "+12125550101"
    assert data["address"]["postalCode"] == "10001" and data["address"]["addressRegion"] == "US-NY"
    assert data["geo"]["latitude"] == pytest.approx(40.7506)
    assert data["availableService"] == [{"@type": "MedicalTherapy",
                                         "name": "Ketamine IV infusion"}]


def test_unknown_and_unpublished_clinics_are_not_found(client, directory):
    assert client.get("/clinics/no-such-clinic").status_code == 404
    for name in UNPUBLISHED:
        path = "/resources/" if "Article" in name else "/clinics/"
        assert client.get(path + directory[name]).status_code == 404


def test_resources_by_kind_and_condition_and_a_resource_page(client, directory):
    page = text_of(client.get("/resources/"))
    for title in ("Living with CRPS: a practical guide", "CRPS Support Circle", "RSDSA",
                  "Fibromyalgia explained"):
        assert title in page
    assert "Associations" in page and "Support groups" in page
    groups = text_of(client.get("/resources/?kind=organization"))
    assert "RSDSA" in groups and "CRPS Support Circle" not in groups
    about = text_of(client.get("/resources/?condition=neuropathic-pain"))
    assert "CRPS Support Circle" in about and "Fibromyalgia explained" not in about
    assert client.get("/resources/?kind=nonsense").status_code == 404
    guide = text_of(client.get(f"/resources/{directory['Living with CRPS: a practical guide']}"))
    assert "By A. Writer" in guide and "1 May 2026" in guide and "What helps day to day." in guide
    assert 'href="https://resources.example/living-with-crps-a-practical-guide"' in guide


def test_sitemap_and_robots(client, directory):
    index = client.get("/sitemap.xml")
    assert index.mimetype == "application/xml"
    parts = re.findall(r"<loc>http://127.0.0.1:5000(/[^<]+)</loc>", index.get_data(as_text=True))
    assert parts == ["/sitemap-pages-1.xml", "/sitemap-clinics-1.xml", "/sitemap-resources-1.xml"]
    urls = "".join(client.get(part).get_data(as_text=True) for part in parts)
    assert f"/clinics/{directory['Toronto Pain Centre']}</loc>" in urls
    assert "/regions/US-NY</loc>" in urls and "/resources/rsdsa</loc>" in urls
    assert not any(directory[name] in urls for name in UNPUBLISHED)
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /clinics?" in robots
    assert "Sitemap: http://127.0.0.1:5000/sitemap.xml" in robots  # [web] host and port

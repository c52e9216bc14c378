"""The public pages through the test client: search, regions, clinic pages, resources."""

import json
import re
from dataclasses import replace
from html import unescape

import pytest

from tests.public_fixtures import UNPUBLISHED
from web import queries


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
    assert re.search(r"\d\.\d mi \(\d\.\d km\) away", page)  # miles first in the US
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


def test_a_crowded_place_narrows_the_search_and_says_so(client, directory, monkeypatch):
    monkeypatch.setattr(queries, "MAX_NEAR_LOCATIONS", 0)  # every box holds too many
    page = text_of(client.get("/clinics?near=10001&radius=500"))
    assert ("So many clinics lie within 311 mi of New York, NY 10001 that this search lists "
            "those within 0.6 mi.") in page
    assert "Within 0.6 mi of New York" in page
    assert "Manhattan Ketamine Center" in page and "Newark Infusion Suite" not in page
    assert '<option value="500" selected>311 mi (500 km)</option>' in page
    page = text_of(client.get("/clinics?near=10001&radius=500&condition=fibromyalgia"))
    assert "No clinic matches" in page and "Search within" not in page  # wider narrows too


def test_an_unknown_place_says_so_and_suggests_close_matches(client, directory):
    page = text_of(client.get("/clinics?near=Torronto"))
    assert "We could not find the place “Torronto”" in page
    assert "/clinics?near=Toronto" in page


def test_empty_results_suggest_a_wider_radius_and_dropping_filters(client, directory):
    page = text_of(client.get("/clinics?near=10001&radius=10&condition=fibromyalgia"))
    assert "0 clinics" in page and "No clinic matches" in page
    assert "Search within 16 mi instead" in page  # 25 km, in miles first around a US place
    assert "/clinics?near=10001&radius=25&condition=fibromyalgia" in page
    assert "Search without the condition filter" in page


def test_pagination_and_sorting_by_recent_verification(client, app, directory):
    config = app.config["RELIEFMAP"]
    app.config["RELIEFMAP"] = replace(config, web=replace(config.web, page_size=4))
    first = text_of(client.get("/clinics"))
    assert "Page 1 of 3" in first and 'href="/clinics?page=2"' in first
    last = text_of(client.get("/clinics?page=3"))
    assert "Zürich Schmerzklinik" in last and "Next" not in last
    beyond = text_of(client.get("/clinics?page=99999"))
    assert "There is no page 99999: these 9 clinics fill 3 pages." in beyond
    assert 'href="/clinics?page=3">Go to the last page' in beyond
    assert "No clinic matches" not in beyond
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
    assert client.get("/regions/US-NY?locality=brooklyn").status_code == 200
    unknown = client.get("/regions/US-NY?locality=Atlantis")
    assert unknown.status_code == 404 and "Clinics in Atlantis" not in text_of(unknown)
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


LOS_ANGELES = "/clinics/los-angeles-ketamine-clinic"


def at(app, moment: str) -> None:
    """Fix the app's clock at a UTC moment."""
    from datetime import UTC, datetime

    app.config["NOW"] = lambda: datetime.fromisoformat(moment).replace(tzinfo=UTC)


def hours_today(page: str) -> str:
    found = re.search(r'<p class="hours-today">(.*?)</p>', page, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", "", found).split())


@pytest.mark.parametrize("moment, today", [
    # Friday 17:30 UTC is 09:30 in Los Angeles, where the clinic opens 09:00-12:00, 13:00-17:00.
    ("2026-12-04T17:30", "Today, Friday: 09:00–12:00, 13:00–17:00 Open now · closes 12:00"),
    ("2026-12-04T20:30", "Today, Friday: 09:00–12:00, 13:00–17:00 Closed now · opens 13:00"),
    # Saturday 02:00 UTC is still Friday evening there.
    ("2026-12-05T02:00", "Today, Friday: 09:00–12:00, 13:00–17:00 Closed now · opens Mon 09:00"),
    ("2026-12-05T18:00", "Today, Saturday: Closed Closed now · opens Mon 09:00"),
    ("2026-12-07T16:30", "Today, Monday: 09:00–17:00 Closed now · opens 09:00"),
])
def test_the_clinic_page_gives_today_s_hours_in_the_clinic_s_own_time_zone(
        app, client, details_directory, moment, today):
    at(app, moment)
    assert hours_today(text_of(client.get(LOS_ANGELES))) == today


def test_the_week_s_hours_are_a_table_with_today_marked(app, client, details_directory):
    at(app, "2026-12-04T17:30")
    page = client.get(LOS_ANGELES).get_data(as_text=True)
    table = re.search(r'<table class="hours-table">.*?</table>', page, re.S).group(0)
    assert '<th scope="col">Day</th>' in table and '<caption>Hours (local time)</caption>' in table
    rows = re.findall(r'<th scope="row">(\w+).*?</th><td>(.*?)</td>', table)
    assert rows == [("Monday", "09:00–17:00"), ("Tuesday", "09:00–17:00"),
                    ("Wednesday", "09:00–17:00"), ("Thursday", "09:00–17:00"),
                    ("Friday", "09:00–12:00, 13:00–17:00"), ("Saturday", "Closed"),
                    ("Sunday", "Closed")]
    assert re.search(r'<tr class="today" aria-current="date"><th scope="row">Friday', table)


def test_open_now_follows_the_clock_on_a_kept_page(app, client, details_directory):
    at(app, "2026-12-04T17:30")
    assert "Open now" in text_of(client.get(LOS_ANGELES))
    at(app, "2026-12-04T20:30")
    assert "Closed now · opens 13:00" in text_of(client.get(LOS_ANGELES))


def test_each_location_shows_its_own_hours(app, client, database, details_directory):
    from models import Clinic, Location

    with database.write_session.begin() as session:
        clinic = session.query(Clinic).filter_by(name="Los Angeles Ketamine Clinic").one()
        clinic.locations.append(Location(
            street="9 Ocean Ave", locality="Santa Monica", region="US-CA", country="US",
            latitude=34.0195, longitude=-118.4912,
            hours=[{"day": "Sa", "opens": "10:00", "closes": "14:00"}]))
    at(app, "2026-12-05T18:00")  # Saturday 10:00 in California
    page = text_of(client.get(LOS_ANGELES))
    assert "Hours at 100 Spring St (local time)" in page
    assert "Hours at 9 Ocean Ave (local time)" in page
    assert [" ".join(s.split()) for s in re.findall(r"<strong class=\"is-\w+\">(.*?)</strong>",
                                                    page)] == [
        "Closed now · opens Mon 09:00", "Open now · closes 14:00"]


def test_costs_payment_and_access_in_plain_words_with_their_source(app, client,
                                                                   details_directory):
    page = text_of(client.get(LOS_ANGELES))
    assert "<li>$450 per infusion · Ketamine IV infusion</li>" in page
    assert "<li>$2,400 per series</li>" in page
    assert "<li>Medicare</li><li>Self-pay (out of network)</li>" in page
    assert "Offers telehealth visits" in page and "Accepting new patients" in page
    assert "No referral needed" in page and "English, Spanish" in page
    costs = page[page.index('<ul class="prices">'):page.index("<dl", page.index("prices"))]
    assert 'Source: <a href="https://la-ketamine.example/fees"' in costs
    assert '<time datetime="2026-11-20">20 Nov 2026</time>' in costs
    assert 'Edited by an editor on <time datetime="2026-12-01">1 Dec 2026</time>' in page
    assert "Not stated on the clinic’s pages" not in page


def test_details_a_clinic_does_not_state_are_left_out_in_one_line(client, details_directory):
    manhattan = text_of(client.get("/clinics/manhattan-ketamine-center"))
    assert "In-person visits only" in manhattan and "Not accepting new patients" in manhattan
    assert ("Not stated on the clinic’s pages: costs, referral, languages. Ask the clinic."
            in manhattan)
    buffalo = text_of(client.get("/clinics/buffalo-nerve-block-clinic"))
    assert "Costs and access" not in buffalo and "Opening hours" not in buffalo
    assert ("Not stated on the clinic’s pages: opening hours, costs, payment options, "
            "telehealth, new patients, referral, languages." in buffalo)


def test_json_ld_carries_the_stated_details(app, client, details_directory):
    page = client.get(LOS_ANGELES).get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page,
                                re.S).group(1))
    assert data["openingHoursSpecification"][0] == {
        "@type": "OpeningHoursSpecification", "dayOfWeek": "https://schema.org/Monday",
        "opens": "09:00", "closes": "17:00"}
    assert len(data["openingHoursSpecification"]) == 6  # Friday has a lunch break
    assert data["makesOffer"][0] == {"@type": "Offer", "price": 450, "priceCurrency": "USD",
                                     "description": "$450 per infusion · Ketamine IV infusion"}
    assert data["priceRange"] == "$450 – $2,400"
    assert data["paymentAccepted"] == "Medicare, Self-pay (out of network)"
    assert [language["name"] for language in data["availableLanguage"]] == ["English",
                                                                             "Spanish"]
    assert data["isAcceptingNewPatients"] is True
    buffalo = client.get("/clinics/buffalo-nerve-block-clinic").get_data(as_text=True)
    for key in ("openingHoursSpecification", "makesOffer", "paymentAccepted",
                "isAcceptingNewPatients", "availableLanguage", "priceRange"):
        assert f'"{key}"' not in buffalo


def test_json_ld_gives_hours_per_location_when_there_are_several(client, database,
                                                                details_directory):
    from models import Clinic, Location

    with database.write_session.begin() as session:
        clinic = session.query(Clinic).filter_by(name="Los Angeles Ketamine Clinic").one()
        clinic.locations.append(Location(street="9 Ocean Ave", locality="Santa Monica",
                                         country="US", hours=[{"day": "Sa", "opens": "10:00",
                                                               "closes": "14:00"}]))
    page = client.get(LOS_ANGELES).get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page,
                                re.S).group(1))
    assert "openingHoursSpecification" not in data
    places = data["location"]
    assert [place["address"].get("streetAddress") for place in places] == [
        "100 Spring St", "9 Ocean Ave"]
    assert places[1]["openingHoursSpecification"] == [{
        "@type": "OpeningHoursSpecification", "dayOfWeek": "https://schema.org/Saturday",
        "opens": "10:00", "closes": "14:00"}]


def test_the_search_filters_by_details_with_counts_and_removable_chips(client,
                                                                       details_directory):
    page = text_of(client.get("/clinics?payment=medicare&payment=medicaid"))
    assert "1 clinic" in page and "Brooklyn Nerve Pain Relief" in page
    assert '<input type="checkbox" name="payment" value="medicare" checked> Medicare' in page
    assert '<input type="checkbox" name="payment" value="medicaid" checked> Medicaid' in page
    # Removing one payment kind keeps the other.
    assert 'Accepts Medicare <a href="/clinics?payment=medicaid">remove' in page
    assert 'Accepts Medicaid <a href="/clinics?payment=medicare">remove' in page
    everyone = text_of(client.get("/clinics"))
    assert ('name="telehealth" value="true"> Offers telehealth <span class="count">3</span>'
            in everyone)
    assert '<option value="es">Spanish (2)</option>' in everyone
    assert '<option value="Sa">Saturday (1)</option>' in everyone
    chosen = text_of(client.get("/clinics?telehealth=true&open=Sa&language=es&q=nerve"))
    assert "Brooklyn Nerve Pain Relief" in chosen and "1 clinic" in chosen
    for hidden in ('name="telehealth" value="true"', 'name="open" value="Sa"',
                   'name="language" value="es"'):
        assert f'<input type="hidden" {hidden}>' in chosen  # the search box keeps them
    assert "Open on Saturday <a" in chosen and "Speaks Spanish <a" in chosen


@pytest.mark.parametrize("query, message", [
    ("payment=cash", "payment must be among financing, hsa-fsa, medicaid, medicare, "
                     "private-insurance, self-pay, tricare-va, workers-comp, got 'cash'"),
    ("telehealth=maybe", "telehealth can only be true (leave it out to include every clinic), "
                         "got 'maybe'"),
    ("open=Monday", "open must be a day among Mo, Tu, We, Th, Fr, Sa, Su, got 'Monday'"),
    ("language=klingon", "language must be an ISO 639-1 code like es, got 'klingon'"),
    ("accepting_new_patients=no", "accepting_new_patients can only be true (leave it out to "
                                  "include every clinic), got 'no'"),
])
def test_a_bad_detail_filter_is_a_one_line_400(client, details_directory, query, message):
    response = client.get(f"/clinics?{query}")
    assert response.status_code == 400
    assert message in text_of(response)


def test_a_temporarily_closed_clinic_never_says_open_now(app, client, database, directory):
    from models import Clinic

    with database.write_session.begin() as session:
        newark = session.query(Clinic).filter_by(name="Newark Infusion Suite").one()
        newark.locations[0].hours = [{"day": "Fr", "opens": "08:00", "closes": "18:00"}]
    at(app, "2026-12-04T17:30")  # Friday 12:30 in Newark
    page = text_of(client.get("/clinics/newark-infusion-suite"))
    assert hours_today(page) == "Today, Friday: 08:00–18:00"
    assert "Open now" not in page


def test_a_radius_that_is_not_a_distance_is_refused_with_a_reason(client, directory):
    response = client.get("/clinics?near=10001&radius=-5")
    assert response.status_code == 400
    assert "radius must be more than 0 and at most" in text_of(response)


def test_the_favicon_is_an_svg_served_by_the_app_and_linked_from_every_page(client, directory):
    assert 'rel="icon" href="/static/favicon.svg" type="image/svg+xml"' in text_of(
        client.get("/"))
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert icon.get_data().startswith(b"<svg")
    assert client.get("/favicon.ico").headers["Location"].endswith("/static/favicon.svg")


def test_with_nothing_within_the_radius_the_nearest_clinics_show_with_distances(client,
                                                                              directory):
    page = text_of(client.get("/clinics?condition=crps&treatment=ketamine-iv-infusion"
                              "&near=14201&radius=50"))  # Buffalo
    assert "0 clinics" in page
    heading = re.search(r'<h2 id="nearest">The nearest: 3 clinics, (\d+)–([\d,]+) mi away</h2>',
                        page)
    assert heading and 50 < int(heading.group(1)) < int(heading.group(2).replace(",", ""))
    nearest = page[page.index('id="nearest"'):]
    assert nearest.index("Toronto Pain Centre") < nearest.index("Manhattan Ketamine Center")
    assert "None is within 31 mi of Buffalo, NY 14201" in page


def test_matches_within_the_radius_show_no_nearest_section(client, directory):
    assert 'id="nearest"' not in text_of(client.get("/clinics?near=10001&radius=50"))


@pytest.mark.parametrize(("near", "unit_first"), [
    ("10001", r"\d mi \(\d+\.\d km\) away"), ("London", r"\d mi \(\d+\.\d km\) away"),
    ("M5V", r"\d km \(\d+\.\d mi\) away"), ("Zurich", r"\d km \(\d+\.\d mi\) away"),
])
def test_miles_first_around_a_us_or_uk_place_km_elsewhere(client, directory, near, unit_first):
    page = text_of(client.get(f"/clinics?near={near}&radius=100"))
    assert re.search(unit_first, page)


def test_the_unit_never_depends_on_the_visitor_s_headers(client, directory):
    plain = client.get("/clinics?near=M5V").get_data()
    american = client.get("/clinics?near=M5V", headers={"Accept-Language": "en-US"}).get_data()
    assert plain == american


def test_an_ambiguous_place_offers_its_places_by_population(client, directory):
    page = text_of(client.get("/clinics?near=Springfield&condition=crps"))
    assert "Several places are called “Springfield”" in page
    choices = re.findall(r'<a href="(/clinics\?[^"]+)">(Springfield, \w\w)</a>', page)
    assert [label for _, label in choices][:3] == ["Springfield, MO", "Springfield, MA",
                                                   "Springfield, IL"]
    assert "condition=crps" in choices[0][0] and "near=Springfield,+MO" in choices[0][0]
    assert 'class="cards"' not in page


def test_a_clear_pick_names_the_other_places_of_that_name(client, directory):
    page = text_of(client.get("/clinics?near=Manhattan"))
    assert "Clinics near Manhattan, NY" in page
    assert re.search(r'Also called “Manhattan”:.*Manhattan, KS', page, re.S)


@pytest.mark.parametrize("query", ["q=ketamine+near+me", "q=ketamine%20nearby",
                                   "near=near+me", "near=me"])
def test_near_me_asks_for_the_place(client, directory, query):
    page = text_of(client.get(f"/clinics?{query}"))
    assert "Near where? Enter a postal code or a town" in page
    assert "We could not find the place" not in page
    assert 'value="near me"' not in page and 'value="ketamine near' not in page


def test_common_place_names_find_clinics(client, directory):
    for near in ("New York", "NYC", "Brooklyn", "Manhattan"):
        page = text_of(client.get(f"/clinics?near={near}&radius=25"))
        assert "Manhattan Ketamine Center" in page, near


def test_a_search_near_a_place_has_an_accessible_map_from_this_site_only(client, directory):
    page = text_of(client.get("/clinics?near=10001&radius=50"))
    svg = page[page.index('<svg class="map"'):page.index("</svg>")]
    assert 'role="img"' in svg and '<title id="results-map-title">Map: 3 clinics around' in svg
    assert re.search(r'<desc id="results-map-desc">The circle is the search area, 31 mi around '
                     r'New York, NY 10001.*Manhattan Ketamine Center, 0\.\d mi', svg)
    assert svg.count('class="map-dot"') == 3 and 'class="map-radius"' in svg
    assert re.search(r'class="map-land"[^>]* d="M[-\d.]+ [-\d.]+L', svg)
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_the_nearest_clinics_are_on_the_map_too(client, directory):
    page = text_of(client.get("/clinics?condition=crps&treatment=ketamine-iv-infusion"
                              "&near=14201&radius=50"))
    svg = page[page.index('<svg class="map"'):page.index("</svg>")]
    assert svg.count('class="map-dot"') == 3 and "Toronto Pain Centre" in svg


def test_a_clinic_page_has_a_small_map(client, directory):
    page = text_of(client.get("/clinics/manhattan-ketamine-center"))
    svg = page[page.index('<svg class="map"'):page.index("</svg>")]
    assert "<title id=\"clinic-map-title\">Map: where Manhattan Ketamine Center is</title>" in svg
    assert "Brooklyn Nerve Pain Relief" in svg  # a nearby clinic


def test_coordinates_from_the_location_button_search_around_them(client, directory):
    page = text_of(client.get("/clinics?near=40.75,+-73.99&radius=10"))
    assert "Clinics near New York City, NY (40.75, -73.99)" in page
    assert "Manhattan Ketamine Center" in page and re.search(r"\d mi \(", page)


def test_phones_read_as_phonenumbers_writes_them_internationally():
    import random

    import phonenumbers

    from web.public import format_phone

    rng = random.Random(7)
    numbers = ["+" + str(rng.choice([1, 1, 1, 44, 61, 353])) + "".join(
        rng.choice("0123456789") for _ in range(10)) for _ in range(3000)]
    numbers += ["+12125550101", "+14165550199", "+18005550100", "+442079460000", "+1212555",
                "not a phone", "", None]
    for number in numbers:
        try:
            expected = phonenumbers.format_number(phonenumbers.parse(number or ""),
                                                  phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        except phonenumbers.NumberParseException:
            expected = number or ""
        assert format_phone(number) == expected, number
    assert format_phone("+12125550101") == "+1 212-555-0101"

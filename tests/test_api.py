"""The JSON API: filters shared with the pages, pagination, published entries only, hostile text
kept as data, ETags and conditional GET, CORS, and one-line 400s."""

import json

import pytest

from tests.api_fixtures import (
    DETAILS,
    NEW_YORK_HOURS,
    TWO_SITES,
    WHITE_PLAINS_HOURS,
    XSS_NAME,
)
from tests.public_fixtures import UNPUBLISHED
from web import queries


@pytest.fixture
def api(client, api_directory):
    """GET an API path; returns (status, parsed JSON body, response)."""

    def get(path, **headers):
        response = client.get(f"/api/v1{path}", headers=headers)
        body = response.get_json() if response.status_code != 304 else None
        return response.status_code, body, response

    return get


def names(body):
    return [item["name"] for item in body["items"]]


def test_clinics_lists_only_published_clinics_by_name(api):
    status, body, _ = api("/clinics?per_page=100")
    assert status == 200
    assert body["total"] == 11 == len(body["items"])
    assert not set(names(body)) & set(UNPUBLISHED)
    assert names(body) == sorted(names(body))


def test_a_clinic_carries_every_documented_field(api, api_directory):
    status, body, _ = api(f"/clinics/{api_directory[TWO_SITES]}")
    assert status == 200
    assert body["name"] == TWO_SITES
    assert body["phone"] == "+12125550101"
    assert body["website"] == "https://manhattan-ketamine.example/"
    assert body["status"] == "active"
    assert body["treatments"] == ["ketamine-iv-infusion"] and body["conditions"] == ["crps"]
    assert body["last_verified"] == "2026-10-01T00:00:00Z"
    assert body["locations"][0] == {"street": "350 W 31st St", "locality": "New York",
                                    "region": "US-NY", "postal_code": "10001", "country": "US",
                                    "lat": 40.7506, "lon": -73.9972, "hours": NEW_YORK_HOURS}
    assert body["locations"][1]["locality"] == "White Plains"
    assert "distance_km" not in body


def test_a_clinic_carries_its_details_and_where_they_came_from(api, api_directory):
    _, body, _ = api(f"/clinics/{api_directory[TWO_SITES]}")
    assert {name: body[name] for name in DETAILS} == DETAILS
    assert body["description"] == f"{TWO_SITES} treats chronic pain."
    assert [location["hours"] for location in body["locations"]] == [NEW_YORK_HOURS,
                                                                     WHITE_PLAINS_HOURS]
    crawled = {"source": "manhattan-ketamine", "url": "https://manhattan-ketamine.example/fees",
               "fetched_at": "2026-10-01T08:30:00Z"}
    assert body["provenance"] == {
        "description": crawled, "hours": crawled, "prices": crawled, "payment": crawled,
        "telehealth": {"editor": "dana", "at": "2026-10-02T09:15:00Z"},
        "accepting_new_patients": crawled, "referral_required": None, "languages": crawled}


def test_a_clinic_that_states_no_details_says_so_with_nulls_and_empty_lists(api, api_directory):
    _, body, _ = api("/clinics/toronto-pain-centre")
    assert {name: body[name] for name in DETAILS} == {
        "prices": [], "payment": [], "telehealth": None, "accepting_new_patients": None,
        "referral_required": None, "languages": []}
    assert body["locations"][0]["hours"] == []
    assert set(body["provenance"].values()) == {None}


def test_lists_carry_the_details_too_but_no_provenance(api):
    _, body, _ = api("/clinics?locality=White%20Plains")
    item = body["items"][0]
    assert item["payment"] == DETAILS["payment"] and item["telehealth"] is True
    assert [location["hours"] for location in item["locations"]] == [WHITE_PLAINS_HOURS,
                                                                     NEW_YORK_HOURS]
    assert "provenance" not in item


@pytest.mark.parametrize("query, expected", [
    ("condition=crps&treatment=ketamine-iv-infusion&region=US-NY",
     {TWO_SITES, XSS_NAME}),
    ("condition=neuropathic-pain&country=us&region=us-ny",  # a parent finds its children
     {TWO_SITES, XSS_NAME, "Brooklyn Nerve Pain Relief", "Buffalo Nerve Block Clinic"}),
    ("locality=buffalo", {"Buffalo Nerve Block Clinic"}),
    ("country=CA", {"Toronto Pain Centre", "Vancouver CRPS Clinic"}),
    ("q=vancouver", {"Vancouver CRPS Clinic"}),
    ("q=ketam&region=CA-ON", {"Toronto Pain Centre"}),
])
def test_filters_are_those_of_the_pages(api, query, expected):
    status, body, _ = api(f"/clinics?{query}")
    assert status == 200
    assert set(names(body)) == expected
    assert body["total"] == len(expected)


def test_a_locality_filter_puts_the_matching_address_first(api):
    _, body, _ = api("/clinics?locality=White%20Plains")
    assert names(body) == [TWO_SITES]
    assert body["items"][0]["locations"][0]["locality"] == "White Plains"


def test_near_gives_distances_in_order_and_the_place(api):
    status, body, _ = api("/clinics?near=10001&radius=60&sort=distance")
    assert status == 200
    distances = [item["distance_km"] for item in body["items"]]
    assert distances == sorted(distances) and distances[0] < 1
    assert names(body)[0] == TWO_SITES
    assert "Buffalo Nerve Block Clinic" not in names(body)  # about 470 km away
    assert body["near"]["label"].startswith("New York")
    assert body["facets"]["regions"] == {"US-NY": 2, "US-NJ": 1}


def test_near_gives_the_radius_searched_and_the_one_asked(api, monkeypatch):
    _, body, _ = api("/clinics?near=10001&radius=60")
    assert (body["near"]["radius_km"], body["near"]["asked_radius_km"]) == (60, 60)
    monkeypatch.setattr(queries, "MAX_NEAR_LOCATIONS", 0)  # every box holds too many
    _, body, _ = api("/clinics?near=10001&radius=61")
    assert (body["near"]["radius_km"], body["near"]["asked_radius_km"]) == (1, 61)
    assert names(body) == [TWO_SITES] and body["items"][0]["distance_km"] < 1


def test_facets_count_over_all_matches(api):
    _, body, _ = api("/clinics?country=US&per_page=1")
    assert body["facets"]["regions"]["US-NY"] == 4
    assert body["facets"]["conditions"]["neuropathic-pain"] >= 4  # counted up the hierarchy


@pytest.mark.parametrize("query, expected", [
    ("payment=medicare&telehealth=true", {"Los Angeles Ketamine Clinic",
                                          "Brooklyn Nerve Pain Relief"}),
    ("payment=medicare,medicaid", {"Brooklyn Nerve Pain Relief"}),
    ("payment=medicare&payment=self-pay", {"Los Angeles Ketamine Clinic"}),
    ("accepting_new_patients=true", {"Los Angeles Ketamine Clinic", "Toronto Pain Centre"}),
    ("open=sa", {"Brooklyn Nerve Pain Relief"}),
    ("language=ES&near=10001", {"Brooklyn Nerve Pain Relief"}),
])
def test_detail_filters_are_those_of_the_pages(client, details_directory, query, expected):
    response = client.get(f"/api/v1/clinics?{query}")  # the details of public_fixtures alone
    assert response.status_code == 200
    assert set(names(response.get_json())) == expected


def test_detail_facets_count_over_all_matches(client, details_directory):
    facets = client.get("/api/v1/clinics?country=US&per_page=1").get_json()["facets"]
    assert facets["payment"] == {"medicare": 3, "medicaid": 1, "self-pay": 1}
    assert facets["languages"] == {"en": 1, "es": 2}
    assert facets["open_days"] == {"Mo": 2, "Tu": 1, "We": 1, "Th": 1, "Fr": 1, "Sa": 1}
    assert facets["telehealth"] == {"true": 2}
    assert facets["accepting_new_patients"] == {"true": 1}


def test_pagination_links_walk_every_page_once(api, client):
    seen, path = [], "/api/v1/clinics?per_page=4&country=US"
    while path:
        body = client.get(path).get_json()
        assert body["per_page"] == 4 and body["pages"] == 2
        seen += names(body)
        path = body["links"]["next"]
    assert len(seen) == len(set(seen)) == 6
    last = client.get("/api/v1/clinics?per_page=4&country=US&page=2").get_json()
    assert last["links"]["prev"] == "/api/v1/clinics?per_page=4&country=US&page=1"
    assert last["links"]["next"] is None


def test_a_page_past_the_end_is_empty_not_an_error(api):
    status, body, _ = api("/clinics?page=50")
    assert status == 200 and body["items"] == [] and body["total"] == 11
    assert body["links"]["prev"].endswith("page=1")


@pytest.mark.parametrize("query, message", [
    ("per_page=101", "per_page must be between 1 and 100, got 101"),
    ("per_page=0", "per_page must be between 1 and 100, got 0"),
    ("page=two", "page must be a whole number, got 'two'"),
    ("sort=random", "sort must be one of name, distance, verified, got 'random'"),
    ("sort=distance", "sort=distance needs near (a place to measure from)"),
    ("radius=10", "radius needs near (a place to measure from)"),
    ("near=10001&radius=-1", "radius must be more than 0 and at most 500 km, got -1"),
    ("near=10001&radius=far", "radius must be a number of kilometres, got 'far'"),
    ("country=USA", "country must be an ISO code like US, got 'USA'"),
    ("region=New%20York", "region must be an ISO code like US-NY, got 'NEW YORK'"),
    ("colour=blue", "unknown parameter 'colour'; known: accepting_new_patients, condition, "
                    "country, language, locality, near, open, page, payment, per_page, q, "
                    "radius, region, sort, telehealth, treatment"),
    ("payment=medicare,cash", "payment must be among financing, hsa-fsa, medicaid, medicare, "
                              "private-insurance, self-pay, tricare-va, workers-comp, got 'cash'"),
    ("telehealth=false", "telehealth can only be true (leave it out to include every clinic), "
                         "got 'false'"),
    ("open=Funday", "open must be a day among Mo, Tu, We, Th, Fr, Sa, Su, got 'Funday'"),
    ("language=eng", "language must be an ISO 639-1 code like es, got 'eng'"),
])
def test_bad_parameters_get_a_one_line_400(api, query, message):
    status, body, response = api(f"/clinics?{query}")
    assert status == 400
    assert response.mimetype == "application/json"
    assert body == {"error": message}


def test_unknown_terms_and_places_come_with_suggestions(api):
    status, body, _ = api("/clinics?condition=crpss")
    assert status == 400 and body["suggestions"] == ["crps"]
    assert body["error"] == "unknown condition 'crpss'; see /api/v1/taxonomy"
    status, body, _ = api("/clinics?treatment=crps")  # a condition is not a treatment
    assert status == 400 and body["error"].startswith("unknown treatment 'crps'")
    status, body, _ = api("/clinics?near=Torrronto")
    assert status == 400 and "Toronto, ON" in body["suggestions"]
    assert "\n" not in body["error"]


def test_unpublished_entries_are_never_found(api, api_directory):
    for name in UNPUBLISHED:
        kind = "resources" if "Article" in name else "clinics"
        status, body, _ = api(f"/{kind}/{api_directory[name]}")
        assert status == 404
        assert body == {"error": f"no published {kind[:-1]} '{api_directory[name]}'"}
    _, body, _ = api("/clinics?near=10001&radius=5&per_page=100")
    assert not set(names(body)) & set(UNPUBLISHED)
    _, body, _ = api("/regions")
    new_york = next(region for country in body["countries"] if country["code"] == "US"
                    for region in country["regions"] if region["code"] == "US-NY")
    assert new_york["count"] == 4


def test_hostile_text_stays_data(api, api_directory):
    status, body, response = api(f"/clinics/{api_directory[XSS_NAME]}")
    raw = response.get_data(as_text=True)
    assert status == 200
    assert body["name"] == XSS_NAME
    assert body["locations"][0]["street"] == "<img src=x onerror=alert(1)>"
    assert body["website"] == "https://xss.example/?a=<b>&c=d"
    assert "<" not in raw and ">" not in raw and "&" not in raw
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/json"


def test_resources_filter_by_kind_and_condition(api, api_directory):
    _, body, _ = api("/resources")
    titles = [item["title"] for item in body["items"]]
    assert body["total"] == 4 and "Pending CRPS Article" not in titles
    _, body, _ = api("/resources?kind=support-group")
    assert [item["title"] for item in body["items"]] == ["CRPS Support Circle"]
    _, body, _ = api("/resources?condition=fibromyalgia")
    assert [item["title"] for item in body["items"]] == ["Fibromyalgia explained"]
    status, body, _ = api("/resources?kind=podcast")
    assert status == 400 and body["error"].startswith("kind must be one of article,")
    status, body, _ = api(f"/resources/{api_directory['RSDSA']}")
    assert body["kind"] == "organization" and body["url"] == "https://resources.example/rsdsa"


def test_regions_nest_country_region_locality(api):
    _, body, _ = api("/regions")
    codes = [country["code"] for country in body["countries"]]
    assert codes[0] == "US"
    assert set(codes) == {"US", "CA", "GB", "CH"}
    us = body["countries"][0]
    assert us["name"] == "United States" and us["count"] == 6
    new_york = us["regions"][0]
    assert (new_york["code"], new_york["name"]) == ("US-NY", "New York")
    assert {"name": "White Plains", "count": 1} in new_york["localities"]


def test_taxonomy_lists_terms_with_parents(api):
    _, body, _ = api("/taxonomy")
    terms = {term["slug"]: term for term in body["terms"]}
    assert terms["crps"]["kind"] == "condition"
    assert terms["crps"]["parent"] == "neuropathic-pain"
    assert "Spravato" in terms["esketamine-nasal-spray"]["synonyms"]
    assert terms["ketamine-assisted-psychotherapy"]["parent"] == "psychotherapy"


@pytest.mark.parametrize("path", ["/clinics?country=US", "/clinics/manhattan-ketamine-center",
                                  "/resources", "/regions", "/taxonomy", "/openapi.json"])
def test_strong_etags_and_conditional_get(api, path):
    status, body, response = api(path)
    etag = response.headers["ETag"]
    assert status == 200 and etag.startswith('"') and not etag.startswith("W/")
    status, _, again = api(path, **{"If-None-Match": etag})
    assert status == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    status, _, _ = api(path, **{"If-None-Match": '"something-else"'})
    assert status == 200


def test_the_etag_changes_when_the_data_does(api, database, api_directory):
    from sqlalchemy import select

    from models import Clinic

    _, _, before = api("/clinics/toronto-pain-centre")
    with database.write_session.begin() as session:
        session.scalar(select(Clinic).where(Clinic.slug == "toronto-pain-centre")).phone = \
            "+14165550100"
    status, body, after = api("/clinics/toronto-pain-centre",
                              **{"If-None-Match": before.headers["ETag"]})
    assert status == 200 and body["phone"] == "+14165550100"
    assert after.headers["ETag"] != before.headers["ETag"]


def test_cors_on_safe_methods_only(client, api_directory):
    response = client.get("/api/v1/taxonomy", headers={"Origin": "https://elsewhere.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options("/api/v1/clinics", headers={
        "Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    refused = client.post("/api/v1/clinics", headers={"Origin": "https://elsewhere.example"})
    assert refused.status_code in (400, 405)
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_unknown_api_paths_answer_json(api):
    status, body, _ = api("/clinic")
    assert status == 404
    assert body == {"error": "no such endpoint /api/v1/clinic; see /api/v1/openapi.json"}


def test_over_real_http_with_keep_alive(live_server, api_directory):
    import http.client
    from urllib.parse import urlsplit

    host = urlsplit(live_server)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    try:
        connection.request("GET", "/api/v1/clinics?near=Vancouver&sort=distance")
        response = connection.getresponse()
        body = json.loads(response.read())
        assert response.status == 200
        assert names(body)[0] == "Vancouver CRPS Clinic"
        connection.request("GET", "/healthz")
        health = connection.getresponse()
        assert (health.status, health.read()) == (200, b"ok\n")
    finally:
        connection.close()


def test_with_nothing_within_the_radius_the_nearest_come_flagged_outside_it(api):
    status, body, _ = api("/clinics?condition=crps&treatment=ketamine-iv-infusion"
                          "&near=14201&radius=50")  # Buffalo: Toronto ~100 km, NYC ~470 km
    assert status == 200 and body["total"] == 0 and body["items"] == []
    nearest = body["nearest"]
    assert len(nearest) == 3 and nearest[0]["name"] == "Toronto Pain Centre"
    assert all(item["outside_radius"] is True and item["distance_km"] > 50 for item in nearest)
    assert [item["distance_km"] for item in nearest] == sorted(
        item["distance_km"] for item in nearest)


def test_matches_within_the_radius_come_without_nearest(api):
    _, body, _ = api("/clinics?near=10001&radius=50")
    assert body["total"] > 0 and body["nearest"] == []


def test_an_ambiguous_place_is_a_400_listing_its_places_by_population(api):
    status, body, _ = api("/clinics?near=Springfield")
    assert status == 400 and "several places" in body["error"]
    assert body["suggestions"][:3] == ["Springfield, MO", "Springfield, MA", "Springfield, IL"]
    status, body, _ = api("/clinics?near=Springfield,%20IL")
    assert status == 200 and body["near"]["region"] == "US-IL"

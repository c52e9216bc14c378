"""web/details.py: hours and "open now" in the location's own time zone, prices in words,
time zones from coordinates or the address, where a value came from."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from models import Clinic, Location
from web import details

LOS_ANGELES = ZoneInfo("America/Los_Angeles")
LUNCH_BREAK = [{"day": day, "opens": "09:00", "closes": "12:00"} for day in ("Mo", "Tu")] + [
    {"day": day, "opens": "13:00", "closes": "17:00"} for day in ("Mo", "Tu")]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize("moment, summary", [
    ("2026-12-07T17:30", "Open now · closes 12:00"),  # Monday 09:30 in Los Angeles
    ("2026-12-07T20:30", "Closed now · opens 13:00"),  # 12:30, the lunch break
    ("2026-12-07T21:00", "Open now · closes 17:00"),  # 13:00 sharp
    ("2026-12-08T01:00", "Closed now · opens Tue 09:00"),  # 17:00 sharp, Monday evening
    ("2026-12-08T16:59", "Closed now · opens 09:00"),  # Tuesday 08:59
    ("2026-12-09T17:30", "Closed now · opens Mon 09:00"),  # Wednesday: closed till Monday
])
def test_open_now_is_read_in_the_local_time_zone(moment, summary):
    assert details.opening(LUNCH_BREAK, LOS_ANGELES, at(moment)).summary == summary


def test_today_is_the_local_day_not_the_utc_day():
    # Tuesday 02:00 UTC is still Monday 18:00 in Los Angeles.
    opening = details.opening(LUNCH_BREAK, LOS_ANGELES, at("2026-12-08T02:00"))
    assert opening.today.name == "Monday"
    assert opening.today.intervals == [("09:00", "12:00"), ("13:00", "17:00")]
    assert [row.name for row in opening.week if row.today] == ["Monday"]
    assert [row.intervals for row in opening.week][2:] == [[]] * 5


def test_hours_past_midnight_stay_open_into_the_next_day():
    late = [{"day": "Fr", "opens": "18:00", "closes": "02:00"}]
    zurich = ZoneInfo("Europe/Zurich")
    assert details.opening(late, zurich, at("2026-12-04T22:00")).open_now  # Fri 23:00
    saturday = details.opening(late, zurich, at("2026-12-05T00:30"))  # Sat 01:30
    assert saturday.open_now and saturday.closes == "02:00"
    assert not details.opening(late, zurich, at("2026-12-05T01:30")).open_now  # Sat 02:30
    until_midnight = [{"day": "Fr", "opens": "20:00", "closes": "24:00"}]
    assert details.opening(until_midnight, zurich, at("2026-12-04T22:30")).open_now


def test_no_hours_no_opening_and_no_zone_no_open_now():
    assert details.opening([], LOS_ANGELES, at("2026-12-07T17:30")) is None
    week_only = details.opening(LUNCH_BREAK, None, at("2026-12-07T17:30"))
    assert week_only.today is None and week_only.summary == ""
    assert week_only.week[0].intervals == [("09:00", "12:00"), ("13:00", "17:00")]


@pytest.mark.parametrize("location, zone", [
    (Location(latitude=34.0522, longitude=-118.2437, country="US"), "America/Los_Angeles"),
    (Location(latitude=40.7506, longitude=-73.9972, country="US"), "America/New_York"),
    # No coordinates: the postcode, else the town, else a country with one zone.
    (Location(postal_code="90012", country="US"), "America/Los_Angeles"),
    (Location(locality="Vancouver", region="CA-BC", country="CA"), "America/Vancouver"),
    (Location(country="CH"), "Europe/Zurich"),
    (Location(country="US"), None),  # several zones: no guess
    (Location(), None),
])
def test_a_location_time_zone_comes_from_its_coordinates_or_its_address(location, zone):
    found = details.location_zone(location)
    assert (str(found) if found else None) == zone


@pytest.mark.parametrize("price, text", [
    ({"amount": 450, "currency": "USD", "per": "infusion", "treatment": "ketamine-iv-infusion"},
     "$450 per infusion · Ketamine IV infusion"),
    ({"amount": 2400, "currency": "USD", "per": "series", "treatment": None},
     "$2,400 per series"),
    ({"amount": 350, "currency": "GBP", "per": "session", "treatment": None}, "£350 per session"),
    ({"amount": 99.5, "currency": "CAD", "per": None, "treatment": None}, "CA$99.50"),
    ({"amount": 500, "currency": "EUR", "per": "consultation", "treatment": "unknown-slug"},
     "€500 per consultation · unknown-slug"),
])
def test_a_price_says_what_it_is_per_and_for(price, text):
    class Label:
        label = "Ketamine IV infusion"

    assert details.price_text(price, {"ketamine-iv-infusion": Label()}) == text


def test_provenance_is_a_source_page_or_an_editor_with_a_date():
    clinic = Clinic(provenance={
        "prices": {"source": "clinic-site", "url": "https://a.example/fees", "run_id": 3,
                   "fetched_at": "2026-11-20T10:00:00"},
        "payment": {"editor": "ed", "at": "2026-12-01T09:30:00"},
        "languages": {"source": "clinic-site", "fetched_at": "not a date"}})
    crawled = details.provenance(clinic, "prices")
    assert (crawled.source, crawled.url, crawled.when.date().isoformat(), crawled.editor) == (
        "clinic-site", "https://a.example/fees", "2026-11-20", False)
    edited = details.provenance(clinic, "payment")
    assert edited.editor and edited.when == datetime(2026, 12, 1, 9, 30)
    assert details.provenance(clinic, "languages").when is None
    assert details.provenance(clinic, "telehealth") is None


def test_language_names_and_choices_by_name():
    assert details.language_name("es") == "Spanish"
    assert details.language_choices({"fr": 2, "es": 1}, "de") == [
        ("fr", "French", 2), ("de", "German", 0), ("es", "Spanish", 1)]
    assert details.is_language_code("es") and not details.is_language_code("xx")


def test_malformed_entries_are_skipped_not_shown():
    hours = [{"day": "Mo", "opens": "09:00"}, {"day": "Xx", "opens": "09:00", "closes": "17:00"},
             {"day": "Tu", "opens": "09:00", "closes": "17:00"}]
    opening = details.opening(hours, LOS_ANGELES, at("2026-12-07T17:30"))
    assert [row.intervals for row in opening.week][:2] == [[], [("09:00", "17:00")]]
    assert not details.is_price({"amount": "450", "currency": "USD"})
    assert not details.is_price({"amount": 450}) and details.is_price(
        {"amount": 450.5, "currency": "USD"})

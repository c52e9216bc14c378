"""The text notation editors read and type clinic details in: round trips and bad input."""

import pytest

from web.details_text import (
    NotationError,
    detail_lines,
    format_hours,
    format_prices,
    parse_hours,
    parse_languages,
    parse_prices,
)


def hours(*entries):
    return [{"day": day, "opens": opens, "closes": closes} for day, opens, closes in entries]


WEEK_WITH_LUNCH = hours(*[(day, "09:00", "12:00") for day in ("Mo", "Tu", "We", "Th", "Fr")],
                        *[(day, "13:00", "17:00") for day in ("Mo", "Tu", "We", "Th", "Fr")],
                        ("Sa", "09:00", "12:00"))


def as_set(entries):
    return {tuple(sorted(entry.items())) for entry in entries}


def test_hours_are_grouped_by_days_with_the_same_intervals():
    assert format_hours(WEEK_WITH_LUNCH) == "Mo-Fr 09:00-12:00, 13:00-17:00\nSa 09:00-12:00"
    assert format_hours(hours(("Mo", "08:00", "17:00"), ("We", "08:00", "17:00"),
                              ("Th", "08:00", "17:00"))) == "Mo,We-Th 08:00-17:00"
    assert format_hours([]) == ""


@pytest.mark.parametrize("entries", [
    WEEK_WITH_LUNCH,
    hours(("Mo", "08:00", "17:00"), ("We", "08:00", "17:00"), ("Su", "10:00", "24:00")),
    hours(("Fr", "08:00", "12:00")),
    [],
])
def test_hours_round_trip(entries):
    assert as_set(parse_hours(format_hours(entries))) == as_set(entries)


def test_hours_are_read_leniently():
    text = "mon-fri 9:00-12:00\nMonday–Friday 13:00 – 17:00\n\nSa 9:00-12:00\nSu closed\n"
    assert as_set(parse_hours(text)) == as_set(WEEK_WITH_LUNCH)


@pytest.mark.parametrize("text, message", [
    ("Mo 9-5", "Hours line 1, \"Mo 9-5\": write times as 24-hour HH:MM"),
    ("Mo 09:00-17:00\nFunday 09:00-17:00", "Hours line 2, \"Funday 09:00-17:00\": name days"),
    ("Fr-Mo 09:00-17:00", "write a range of days in week order"),
    ("Mo 17:00-09:00", "the closing time must come after the opening time"),
    ("Mo 25:00-26:00", "write times as 24-hour HH:MM"),
    ("09:00-17:00", "write the days, then the times"),
    ("Mo", "write the days, then the times"),
])
def test_bad_hours_say_which_line_and_how_to_write_it(text, message):
    with pytest.raises(NotationError, match=message.replace("(", r"\(")) as raised:
        parse_hours(text)
    assert "\n" not in str(raised.value)


PRICES = [{"amount": 450, "currency": "USD", "per": "infusion",
           "treatment": "ketamine-iv-infusion"},
          {"amount": 2400, "currency": "USD", "per": "series", "treatment": None},
          {"amount": 350.5, "currency": "GBP", "per": None, "treatment": None},
          {"amount": 95, "currency": "CAD", "per": None, "treatment": "ketamine-iv-infusion"}]


def test_prices_round_trip():
    text = format_prices(PRICES)
    assert text.splitlines() == ["450 USD per infusion ketamine-iv-infusion",
                                 "2400 USD per series", "350.50 GBP", "95 CAD ketamine-iv-infusion"]
    assert parse_prices(text, {"ketamine-iv-infusion"}) == PRICES


def test_prices_accept_thousands_separators_and_lower_case():
    assert parse_prices("2,400 usd per Series") == [
        {"amount": 2400, "currency": "USD", "per": "series", "treatment": None}]


@pytest.mark.parametrize("text, message", [
    ("$450 per infusion", "Price line 1, \"\\$450 per infusion\": write the amount, the currency"),
    ("450 XYZ", "XYZ is not an ISO 4217 currency code"),
    ("450 USD per week", "a price is per infusion, session, series or consultation"),
    ("450 USD per infusion reiki", "reiki is not a treatment of the taxonomy"),
    ("0 USD", "give an amount above 0"),
])
def test_bad_prices_say_which_line_and_how_to_write_it(text, message):
    with pytest.raises(NotationError, match=message):
        parse_prices(text, {"ketamine-iv-infusion"})


def test_languages_are_codes_or_names():
    assert parse_languages("es, French; Deutsch\n") == ["de", "es", "fr"]
    assert parse_languages("") == []
    with pytest.raises(NotationError, match='"Klingon" is not a language we know'):
        parse_languages("es, Klingon")


def test_detail_lines_read_as_words():
    assert detail_lines("hours", WEEK_WITH_LUNCH) == ["Mo-Fr 09:00-12:00, 13:00-17:00",
                                                      "Sa 09:00-12:00"]
    assert detail_lines("payment", ["hsa-fsa", "medicare"]) == ["HSA or FSA card", "Medicare"]
    assert detail_lines("languages", ["es"]) == ["Spanish (es)"]
    assert [detail_lines("telehealth", value) for value in (True, False, None)] == [
        ["yes"], ["no"], ["not stated"]]
    assert detail_lines("name", "Hudson") is None

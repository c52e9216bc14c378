"""Hours and prices as one line of text, as the CSV export (and any page) writes them."""

import pytest

from models.details import hours_text, prices_text


@pytest.mark.parametrize("hours, expected", [
    ([], ""), (None, ""),
    ([{"day": "Tu", "opens": "13:00", "closes": "17:00"},
      {"day": "Mo", "opens": "09:00", "closes": "17:00"},
      {"day": "Tu", "opens": "09:00", "closes": "12:00"}],
     "Mo 09:00-17:00; Tu 09:00-12:00, 13:00-17:00"),
    ([{"day": "Su", "opens": "10:00", "closes": "24:00"}], "Su 10:00-24:00"),
])
def test_hours_read_day_by_day_in_week_order(hours, expected):
    assert hours_text(hours) == expected


@pytest.mark.parametrize("prices, expected", [
    ([], ""), (None, ""),
    ([{"amount": 450, "currency": "USD", "per": "infusion", "treatment": "ketamine-iv-infusion"},
      {"amount": 2400.0, "currency": "USD", "per": "series", "treatment": None}],
     "450 USD per infusion (ketamine-iv-infusion); 2400 USD per series"),
    ([{"amount": 349.5, "currency": "GBP", "per": None, "treatment": None}], "349.5 GBP"),
])
def test_prices_read_amount_currency_what_for(prices, expected):
    assert prices_text(prices) == expected

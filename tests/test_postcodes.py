"""One table of postcode shapes: the patterns for text, whole values and area codes agree."""

import re

import pytest

from reliefmap.postcodes import SHAPES, country_of_postcode, postcode, whole_postcode


@pytest.mark.parametrize("country, written, area", [
    ("US", "10001-2345", "10001"), ("CA", "M5V 3L9", "M5V"), ("GB", "EH1 1AA", "EH1"),
    ("GB", "SW1A 2AA", "SW1A"), ("AU", "2000", "2000"), ("FR", "75006", "75006"),
])
def test_each_country_reads_its_postcode_whole_in_text_and_by_area(country, written, area):
    assert re.search(rf"\b{postcode(country)}\b", f"Main St, Town {written} ({country})")
    assert whole_postcode(country).match(written)
    assert whole_postcode(country).match(written.replace(" ", "").replace("-", ""))
    assert whole_postcode(country, area_alone=True).match(area)


@pytest.mark.parametrize("country, text", [
    ("US", "1000"), ("CA", "M5V 3L"), ("GB", "1AA EH1"), ("AU", "20000"),
])
def test_what_is_not_a_postcode_is_refused(country, text):
    assert not whole_postcode(country, area_alone=True).match(text)


def test_an_area_alone_is_a_whole_postcode_only_where_asked():
    assert not whole_postcode("CA").match("M5V")
    assert whole_postcode("US").match("10001")  # a ZIP without its +4 is whole


def test_the_country_of_a_postcode():
    assert [country_of_postcode(code) for code in ("k1a 0b1", "EC1A 1BB", "02110", "2000")] == [
        "CA", "GB", "US", None]
    assert set(SHAPES) >= {"US", "CA", "GB", "AU"}

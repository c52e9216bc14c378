"""US ZIP codes read by their first three digits, kept compact."""

import pytest

from reliefmap import zips
from reliefmap.zips import us_zip


def test_a_zip_gives_its_towns_state_and_centre():
    found = us_zip("43123")
    assert found.city == "Grove City" and found.towns[0] == "Grove City"
    assert "Urbancrest" in found.towns
    assert found.state == "OH"
    assert 39.5 < found.lat < 40.2 and -83.5 < found.lon < -82.8


@pytest.mark.parametrize("code", ["00000", "4312", "43123-1234", "ABCDE", ""])
def test_what_is_no_zip_gives_nothing(code):
    assert us_zip(code) is None


def test_only_the_zips_of_the_prefixes_asked_for_are_kept():
    zips._zips_starting.cache_clear()
    us_zip("10001")
    us_zip("10002")
    assert zips._zips_starting.cache_info().currsize == 1
    assert all(code.startswith("100") for code in zips._zips_starting("100"))

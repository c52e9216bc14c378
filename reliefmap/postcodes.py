"""The shape of each country's postcode, in one table; every postcode pattern of the project
(reading what pages write, what patients type, normalising) is built from it."""

from __future__ import annotations

import re
from functools import cache

# Country -> (the part that names an area, the part that may follow it). "GIR 0AA" is the one
# British postcode outside the pattern.
SHAPES: dict[str, tuple[str, str | None]] = {
    "US": (r"\d{5}", r"\d{4}"),  # ZIP, ZIP+4
    "CA": (r"[A-Z]\d[A-Z]", r"\d[A-Z]\d"),  # forward sortation area, local delivery unit
    "GB": (r"(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)", r"\d[A-Z]{2}"),  # outward, inward code
    "AU": (r"\d{4}", None),
    "FR": (r"\d{5}", None),
    "ES": (r"\d{5}", None),
}
# How the two parts are written apart: ZIP+4 with a hyphen, the others with a space or none.
SEPARATORS = {"US": "-"}


def postcode(country: str, *, area_alone: bool = False, groups: bool = False,
             separator: str | None = None) -> str:
    """The country's postcode as a regular expression (not anchored, case as written). The
    second part is optional for a ZIP, and for every country with `area_alone` ("M5V", "EH1")."""
    area, rest = SHAPES[country]
    if groups:
        area, rest = f"({area})", rest and f"({rest})"
    if rest is None:
        return area
    separator = separator or SEPARATORS.get(country, " ?")
    optional = "?" if area_alone or country == "US" else ""
    return f"{area}(?:{separator}{rest}){optional}"


@cache
def whole_postcode(country: str, *, area_alone: bool = False) -> re.Pattern:
    """A pattern that matches a whole postcode of the country, its parts as groups, whatever
    separates them (a space, a hyphen, nothing)."""
    pattern = postcode(country, area_alone=area_alone, groups=True, separator="[ -]?")
    return re.compile(rf"^{pattern}$")


def country_of_postcode(text: str, countries=("CA", "GB", "US")) -> str | None:
    """The first of `countries` whose whole postcode `text` is, in any case."""
    upper = text.upper()
    return next((country for country in countries if whole_postcode(country).match(upper)),
                None)

"""US ZIP codes from the zipcodes package: the towns, state and centre of one ZIP.

ZIPs are read by their first three digits (a scan of the package's table, about a millisecond)
and kept in a compact form: the package's own dicts of all 42,000 ZIPs take 140 MB, which a
crawl process or web worker should not carry for the few hundred ZIPs it meets.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

ZIP5 = re.compile(r"\d{5}")


class UsZip(NamedTuple):
    """What the directory reads from a ZIP code."""

    city: str
    towns: tuple[str, ...]  # the city, then the other towns its mail goes to
    state: str
    lat: float | None
    lon: float | None


def us_zip(zip5: str) -> UsZip | None:
    """The ZIP code's towns, state and centre; None for a code that is no ZIP."""
    if not ZIP5.fullmatch(zip5 or ""):
        return None
    return _zips_starting(zip5[:3]).get(zip5)


def read_all() -> None:
    """Read every prefix now (about a second and 17 MB): a web server answers near questions
    from anywhere, and a prefix read while a patient waits costs them a millisecond or more."""
    for prefix in range(1000):
        _zips_starting(f"{prefix:03d}")


@cache  # at most 1,000 prefixes
def _zips_starting(prefix: str) -> dict[str, UsZip]:
    import zipcodes

    found: dict[str, UsZip] = {}
    for entry in zipcodes.similar_to(prefix):
        if entry["zip_code"] not in found:
            found[entry["zip_code"]] = UsZip(
                entry["city"], (entry["city"], *(entry.get("acceptable_cities") or ())),
                entry["state"], _degrees(entry.get("lat")), _degrees(entry.get("long")))
    return found


def _degrees(value) -> float | None:
    return float(value) if value not in (None, "") else None

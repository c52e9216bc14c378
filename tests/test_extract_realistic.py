"""Field-level accuracy of clinic extraction on held-out pages built the way real sites are.

Each page in tests/pages/realistic/ has a JSON file beside it: the URL it stands for, the default
country, and the records a careful reader expects (`records: []` for pages that are not clinic
pages). Run `python tests/test_extract_realistic.py` to print the accuracy table.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

from crawler.preview import preview
from reliefmap.config import load_config

PAGES = Path(__file__).resolve().parent / "pages" / "realistic"
FIELDS = ("name", "phone", "website", "email", "street", "locality", "region", "postal_code",
          "country", "geo", "treatments", "conditions")
ADDRESS_FIELDS = ("street", "locality", "region", "postal_code", "country")
# Degrees: coordinates the page states must match closely; a geocoded centroid must be near.
STATED_GEO_TOLERANCE = 0.005
CENTROID_GEO_TOLERANCE = 0.25


def pages(folder: Path = PAGES) -> list[Path]:
    return sorted(folder.glob("*.html"))


def expected_for(page: Path) -> dict:
    return json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))


@cache
def _config():
    return load_config()


def extract(page: Path) -> list[dict]:
    expected = expected_for(page)
    return preview(page.read_bytes(), expected["url"], "clinics", expected["country"], _config())


def _flat(record: dict, field: str):
    return record["address"][field] if field in ADDRESS_FIELDS else record[field]


def _text(value) -> str | None:
    return " ".join(value.split()).casefold() if isinstance(value, str) else value


def field_right(field: str, got: dict, wanted: dict, geo_stated: bool) -> bool:
    """Whether one field of an extracted record matches the expected record."""
    if field == "geo":
        if wanted["geo"] is None or got["geo"] is None:
            return wanted["geo"] is got["geo"]
        tolerance = STATED_GEO_TOLERANCE if geo_stated else CENTROID_GEO_TOLERANCE
        return all(abs(got["geo"][k] - wanted["geo"][k]) <= tolerance for k in ("lat", "lon"))
    return _text(_flat(got, field)) == _text(_flat(wanted, field))


def _pair(got: list[dict], wanted: list[dict]) -> list[tuple[dict | None, dict]]:
    """Each expected record with the extracted record that matches it best (or None)."""
    left = list(got)
    pairs = []
    for expected in wanted:
        best = max(left, default=None, key=lambda record: sum(
            field_right(field, record, expected, True) for field in FIELDS))
        if best is not None:
            left.remove(best)
        pairs.append((best, expected))
    return pairs


def score(folder: Path = PAGES) -> dict:
    """Per-field right/total counts, wrong fields per page and false-positive records."""
    right = dict.fromkeys(FIELDS, 0)
    total = dict.fromkeys(FIELDS, 0)
    misses: list[str] = []
    false_positives: dict[str, int] = {}
    for page in pages(folder):
        expected = expected_for(page)
        got = extract(page)
        if len(got) > len(expected["records"]):
            false_positives[page.name] = len(got) - len(expected["records"])
        stated = expected.get("geo_stated") or [False] * len(expected["records"])
        for index, (record, wanted) in enumerate(_pair(got, expected["records"])):
            for field in FIELDS:
                total[field] += 1
                if record is not None and field_right(field, record, wanted, stated[index]):
                    right[field] += 1
                else:
                    value = _flat(record, field) if record is not None else "(no record)"
                    misses.append(f"{page.name}: {field} = {value!r}, "
                                  f"expected {_flat(wanted, field)!r}")
    return {"right": right, "total": total, "misses": misses,
            "false_positives": false_positives}


def table(result: dict) -> str:
    lines = [f"{'field':<12} {'right':>5} {'total':>5} {'accuracy':>8}"]
    for field in FIELDS:
        right, total = result["right"][field], result["total"][field]
        lines.append(f"{field:<12} {right:>5} {total:>5} {right / total:>8.1%}")
    right, total = sum(result["right"].values()), sum(result["total"].values())
    lines.append(f"{'overall':<12} {right:>5} {total:>5} {right / total:>8.1%}")
    lines.append(f"false-positive records: {sum(result['false_positives'].values())} "
                 f"{result['false_positives'] or ''}")
    return "\n".join(lines)


@cache
def _result() -> dict:
    return score()


def test_realistic_pages_overall_accuracy():
    result = _result()
    right, total = sum(result["right"].values()), sum(result["total"].values())
    assert right / total >= 0.95, table(result) + "\n" + "\n".join(result["misses"])


def test_realistic_non_clinic_pages_yield_nothing():
    non_clinic = [page.name for page in pages() if not expected_for(page)["records"]]
    assert len(non_clinic) >= 5
    assert {page: extract(PAGES / page) for page in non_clinic} == dict.fromkeys(non_clinic, [])


def test_realistic_clinic_pages_yield_no_extra_records():
    assert _result()["false_positives"] == {}


if __name__ == "__main__":
    folders = [Path(arg) for arg in sys.argv[1:] if not arg.startswith("-")]
    outcome = score(*folders[:1])
    print(table(outcome))
    if "-v" in sys.argv:
        print("\n".join(outcome["misses"]))

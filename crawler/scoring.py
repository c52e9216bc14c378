"""How well extraction reads a folder of saved pages with the records a careful reader expects.

Each page is `NAME.html` beside `NAME.json` (see tests/corpus/README.md): the URL it was
published at, the country a crawl would assume, the clinic records (`records`) and, for pages
collected as resources, the one resource the page is (`resource`, null for listings).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from crawler.preview import preview
from reliefmap.normalise import fold

CLINIC_FIELDS = ("name", "phone", "website", "email", "street", "locality", "region",
                 "postal_code", "country", "geo", "treatments", "conditions")
ADDRESS_FIELDS = ("street", "locality", "region", "postal_code", "country")
RESOURCE_FIELDS = ("title", "kind", "published", "treatments", "conditions")
DETAIL_FIELDS = ("hours", "prices", "payment", "telehealth", "accepting_new_patients",
                 "referral_required", "languages")
FOLDED_FIELDS = ("name", "street", "locality", "title")
# Degrees: coordinates a page states must match closely; a geocoded centroid must be near.
STATED_GEO_TOLERANCE = 0.005
CENTROID_GEO_TOLERANCE = 0.25


@dataclass
class Page:
    """A saved page and what it should yield."""

    path: Path
    expected: dict

    @property
    def name(self) -> str:
        return self.path.stem


@dataclass
class Score:
    """Right and total per field, the misses worded for a person, and records that should not be."""

    fields: tuple[str, ...]
    right: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)
    extra_records: dict[str, int] = field(default_factory=dict)
    pages: int = 0

    def add(self, field_name: str, ok: bool, miss: str) -> None:
        self.total[field_name] = self.total.get(field_name, 0) + 1
        self.right[field_name] = self.right.get(field_name, 0) + ok
        if not ok:
            self.misses.append(miss)

    @property
    def accuracy(self) -> float:
        total = sum(self.total.values())
        return sum(self.right.values()) / total if total else 1.0

    def table(self) -> str:
        lines = [f"{'field':<12} {'right':>5} {'total':>5} {'accuracy':>8}"]
        for name in self.fields:
            right, total = self.right.get(name, 0), self.total.get(name, 0)
            if total:
                lines.append(f"{name:<12} {right:>5} {total:>5} {right / total:>8.1%}")
        lines.append(f"{'overall':<12} {sum(self.right.values()):>5} "
                     f"{sum(self.total.values()):>5} {self.accuracy:>8.1%}")
        extra = sum(self.extra_records.values())
        lines.append(f"pages: {self.pages}; records that should not be there: {extra}"
                     + (f" ({', '.join(sorted(self.extra_records))})" if extra else ""))
        return "\n".join(lines)


def load_pages(folder: Path) -> list[Page]:
    """Every page of a folder that has its expectations beside it, in name order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    return [Page(path, json.loads(path.with_suffix(".json").read_text(encoding="utf-8")))
            for path in sorted(folder.glob("*.html")) if path.with_suffix(".json").exists()]


def _text(value):
    return fold(value) if isinstance(value, str) else value


def _site(value):
    """A website compared without scheme or trailing slash."""
    if not isinstance(value, str):
        return value
    parts = urlsplit(value)
    return f"{(parts.hostname or '').lower()}{parts.path.rstrip('/')}"


def _flat(record: dict, name: str):
    return (record.get("address") or {}).get(name) if name in ADDRESS_FIELDS else record.get(name)


def _geo_right(got, wanted, stated: bool) -> bool:
    if wanted is None or got is None:
        return wanted is got
    tolerance = STATED_GEO_TOLERANCE if stated else CENTROID_GEO_TOLERANCE
    return all(abs(got[key] - wanted[key]) <= tolerance for key in ("lat", "lon"))


def field_right(name: str, got: dict, wanted: dict, geo_stated: bool = True) -> bool:
    """Whether one field of an extracted record is one a careful reader accepts."""
    if name == "geo":
        return _geo_right(got.get("geo"), wanted.get("geo"), geo_stated)
    compare = _site if name == "website" else _text if name in FOLDED_FIELDS else _plain
    accepted = [_flat(wanted, name), *(wanted.get("also") or {}).get(name, [])]
    return compare(_flat(got, name)) in [compare(value) for value in accepted]


def _plain(value):
    return value.casefold() if isinstance(value, str) else value


def scored_fields(wanted: dict) -> tuple[str, ...]:
    """Geo is scored only where the expectations give it."""
    return tuple(name for name in CLINIC_FIELDS if name != "geo" or "geo" in wanted)


def pair_records(got: list[dict], wanted: list[dict]) -> list[tuple[dict | None, dict]]:
    """Each expected record with the extracted record that agrees with it most (or None).

    The best-agreeing pairs are taken first, whatever order either list is in; a pair that
    shares no name, phone, street or postcode is no pair.
    """
    scores = sorted(((sum(field_right(name, record, expected) for name in scored_fields(expected)),
                      -w, -g) for w, expected in enumerate(wanted) for g, record in enumerate(got)
                     if any(field_right(name, record, expected)
                            for name in ("name", "phone", "street", "postal_code"))),
                    reverse=True)
    paired: dict[int, int] = {}
    for _, w, g in scores:
        if -w not in paired and -g not in paired.values():
            paired[-w] = -g
    return [(got[paired[w]] if w in paired else None, expected)
            for w, expected in enumerate(wanted)]


Extractor = Callable[[Page, str], list[dict]]


def extract_page(config) -> Extractor:
    """What `reliefmap extract` prints for a saved page, as if fetched from its URL."""
    def extract(page: Page, kind: str) -> list[dict]:
        expected = page.expected
        return preview(page.path.read_bytes(), expected["url"], kind,
                       expected.get("country", "US"), config)
    return extract


def score_clinics(pages: list[Page], extract: Extractor) -> Score:
    """Field accuracy of clinic records; pages that are not clinic pages must yield none."""
    score = Score(CLINIC_FIELDS)
    for page in pages:
        score.pages += 1
        wanted = page.expected.get("records") or []
        got = extract(page, "clinics")
        pairs = pair_records(got, wanted)
        extra = len(got) - sum(record is not None for record, _ in pairs)
        if extra:
            score.extra_records[page.name] = extra
            score.misses.extend(f"{page.name}: extra record {record.get('name')!r}"
                                for record in got if all(record is not r for r, _ in pairs))
        stated = page.expected.get("geo_stated") or [False] * len(wanted)
        for index, (record, expected) in enumerate(pairs):
            for name in scored_fields(expected):
                ok = record is not None and field_right(name, record, expected, stated[index])
                value = _flat(record, name) if record is not None else "(no record)"
                score.add(name, ok, f"{page.name}: {name} = {value!r}, "
                                    f"expected {_flat(expected, name)!r}")
    return score


def detail_value(name: str, value):
    """A detail as it is compared: hours as the set of (day, opens, closes), prices as the set
    of (amount, currency, per), payment and languages as sets, the flags exactly."""
    if name == "hours":
        return frozenset((entry["day"], entry["opens"], entry["closes"]) for entry in value or [])
    if name == "prices":
        return frozenset((float(price["amount"]), price["currency"], price["per"])
                         for price in value or [])
    if name in ("payment", "languages"):
        return frozenset(value or [])
    return value


def score_details(pages: list[Page], extract: Extractor) -> Score:
    """Field accuracy of the details (hours, prices, payment, flags, languages) of the clinic
    records whose expectations give them."""
    score = Score(DETAIL_FIELDS)
    for page in pages:
        wanted = [record for record in page.expected.get("records") or []
                  if any(name in record for name in DETAIL_FIELDS)]
        if not wanted:
            continue
        score.pages += 1
        for record, expected in pair_records(extract(page, "clinics"), wanted):
            for name in DETAIL_FIELDS:
                if name not in expected:
                    continue
                got = record.get(name) if record is not None else "(no record)"
                ok = record is not None and detail_value(name, got) == detail_value(
                    name, expected[name])
                score.add(name, ok, f"{page.name}: {name} = {got!r}, expected {expected[name]!r}")
    return score


def score_resources(pages: list[Page], extract: Extractor) -> Score:
    """Whether each page is told apart as one resource or not, and the fields of those that are."""
    score = Score(("is_resource", *RESOURCE_FIELDS))
    for page in pages:
        if "resource" not in page.expected:
            continue
        score.pages += 1
        wanted = page.expected["resource"]
        got = extract(page, "resources")
        score.add("is_resource", bool(got) == (wanted is not None),
                  f"{page.name}: {len(got)} resources, expected {int(wanted is not None)}")
        if wanted is None:
            if got:
                score.extra_records[page.name] = len(got)
            continue
        record = got[0] if got else None
        for name in RESOURCE_FIELDS:
            ok = record is not None and field_right(name, record, wanted)
            value = record.get(name) if record is not None else "(no record)"
            score.add(name, ok, f"{page.name}: {name} = {value!r}, expected {wanted[name]!r}")
    return score


SCORERS = {"clinics": score_clinics, "resources": score_resources, "details": score_details}


def score_folder(folder: Path, kind: str, config) -> Score:
    """The score of every page in a folder, for clinic records, resources or clinic details."""
    scorer = SCORERS[kind]
    return scorer(load_pages(folder), extract_page(config))

"""A spider for clinic chains whose locations come from a store-locator endpoint rather than
pages: the JSON of the WP Store Locator plugin (`/wp-json/wpsl/v1/...`) and its look-alikes, a
list of locations (or `{"locations": [...]}` / `{"stores": [...]}`) with the usual keys.

Use it from config.toml with `spider = "store-locator"` and the endpoint in `start_urls`. Its
records go through the same pipelines as extracted ones (normalise, geocode, classify against
the description, validate, deduplicate, store).
"""

from __future__ import annotations

import json

from crawler.items import ClinicItem
from crawler.spiders.source import SourceSpider, page_unchanged
from reliefmap.normalise import clean_text

# record field -> the keys locator plugins use for it, first found wins
KEYS = {
    "name": ("store", "name", "title"),
    "street": ("address",),
    "street2": ("address2",),
    "locality": ("city",),
    "region": ("state", "province"),
    "postal_code": ("zip", "postal_code", "postcode"),
    "country": ("country",),
    "lat": ("lat", "latitude"),
    "lon": ("lng", "lon", "longitude"),
    "phone": ("phone", "telephone"),
    "website": ("url", "website", "permalink"),
    "email": ("email",),
    "description": ("description", "store_description"),
}


def locations_of(data) -> list[dict]:
    """The location objects of a locator answer, whatever wraps them."""
    if isinstance(data, dict):
        data = data.get("locations") or data.get("stores") or data.get("results") or []
    return [entry for entry in data if isinstance(entry, dict)] if isinstance(data, list) else []


def first(entry: dict, field: str) -> str | None:
    for key in KEYS[field]:
        value = entry.get(key)
        if value not in (None, ""):
            return str(value).strip() or None
    return None


def number(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


class StoreLocatorSpider(SourceSpider):
    """Read a chain's locations from its store-locator JSON; no pages are parsed."""

    name = "store-locator"

    def parse(self, response):
        if "cached" in response.flags and response.url in self.known_urls:
            self.pages += 1
            self.crawler.signals.send_catch_log(page_unchanged, url=response.url)
            return
        try:
            data = json.loads(response.text)
        except (AttributeError, ValueError):  # not text, or not JSON: counts as not fetched
            self.crawler.stats.inc_value("reliefmap/locator/not_json")
            self.failures.append(f"{response.url}: not a store-locator JSON answer")
            return
        self.pages += 1
        for index, entry in enumerate(locations_of(data)):
            item = self.clinic(entry, response.url)
            item["extras"] = {"record_key": f"{response.url}#{entry.get('id') or index}"}
            yield item

    def clinic(self, entry: dict, url: str) -> ClinicItem:
        street = ", ".join(filter(None, (first(entry, "street"), first(entry, "street2"))))
        description = clean_text(first(entry, "description"))
        return ClinicItem(
            name=first(entry, "name"), phone=first(entry, "phone"),
            website=first(entry, "website"), email=first(entry, "email"),
            street=street or None, locality=first(entry, "locality"),
            region=first(entry, "region"), postal_code=first(entry, "postal_code"),
            country=first(entry, "country"), lat=number(first(entry, "lat")),
            lon=number(first(entry, "lon")), treatments=[], conditions=[],
            description=description, source_url=url, text=description)

"""Canonical values for every field: E.164 phones, ISO codes, postcodes, URLs, plain text."""

import re

from crawler.items import ClinicItem
from crawler.pipelines import CountingPipeline
from models import details
from reliefmap.normalise import (
    clean_text,
    coordinates,
    normalise_country,
    normalise_email,
    normalise_phone,
    normalise_postal_code,
    normalise_region,
    normalise_url,
    url_scheme,
    website_for,
)

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DESCRIPTION_LIMIT = 500
CLOCK = re.compile(details.CLOCK)
PAYMENT_KINDS = frozenset(details.PAYMENT_KINDS)
PRICE_PER = {*details.PRICE_PER, None}
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
FLAGS = details.FLAGS


def short_description(text: str | None) -> str | None:
    """A description of at most 500 characters, cut at a word."""
    if text and len(text) > DESCRIPTION_LIMIT:
        return text[:DESCRIPTION_LIMIT - 1].rsplit(" ", 1)[0] + "…"
    return text


def valid_hours(entry) -> bool:
    return (isinstance(entry, dict) and entry.get("day") in details.DAYS
            and all(CLOCK.match(str(entry.get(key, ""))) for key in ("opens", "closes"))
            and entry["opens"] < entry["closes"])


def valid_price(price) -> bool:
    return (isinstance(price, dict) and isinstance(price.get("amount"), int | float)
            and 0 < price["amount"] < 1_000_000 and re.fullmatch(r"[A-Z]{3}", str(
                price.get("currency"))) is not None and price.get("per") in PRICE_PER)


class NormalisePipeline(CountingPipeline):
    """Normalise clinic and resource fields, counting what was invalid, missing or dropped."""

    def process_item(self, item):
        if isinstance(item, ClinicItem):
            self._clinic(item)
        else:
            self._resource(item)
        return item

    def _clinic(self, item: ClinicItem) -> None:
        extras = item.get("extras") or {}
        for field in extras.get("disagreements", []):
            self.count(f"extract/disagreement/{field}")
        raw_name = item.get("name")
        item["name"] = clean_text(raw_name)
        if raw_name and item["name"] != raw_name.strip():
            self.count("field/name/cleaned")
        for key in ("street", "locality", "description"):
            item[key] = clean_text(item.get(key))
        default = self.source.country if self.source else "US"
        country = self._checked("country", item.get("country"), normalise_country)
        if not country:
            self.count("field/country/defaulted")
        item["country"] = country = country or default
        item["postal_code"] = self._checked(
            "postal_code", item.get("postal_code"), lambda raw: normalise_postal_code(raw, country))
        region = normalise_region(item.get("region"), country, item["postal_code"])
        if item.get("region") and not normalise_region(item.get("region"), country):
            self.count("field/region/invalid")
        elif not item.get("region") and region:
            self.count("field/region/inferred")
        if not region:
            self.count("field/region/missing")
        item["region"] = region
        item["phone"] = self._checked("phone", item.get("phone"),
                                      lambda raw: normalise_phone(raw, country))
        item["email"] = self._checked("email", item.get("email"), normalise_email)
        item["website"] = self._website(item.get("website"), item.get("source_url"),
                                        extras.get("own_site", False))
        item["lat"], item["lon"] = self._coordinates(item.get("lat"), item.get("lon"))
        item["description"] = short_description(item.get("description"))
        self._details(item)

    def _details(self, item: ClinicItem) -> None:
        """Keep the details in their record forms; count what was dropped as invalid."""
        hours = [entry for entry in item.get("hours") or [] if valid_hours(entry)]
        prices = [price for price in item.get("prices") or [] if valid_price(price)]
        payment = sorted(set(item.get("payment") or []) & PAYMENT_KINDS)
        languages = sorted({code for code in item.get("languages") or []
                            if isinstance(code, str) and LANGUAGE_CODE.fullmatch(code)})
        for name, kept, given in (("hours", hours, item.get("hours")),
                                  ("prices", prices, item.get("prices")),
                                  ("payment", payment, item.get("payment")),
                                  ("languages", languages, item.get("languages"))):
            if len(kept) < len(set(map(repr, given or [])) if name in ("payment", "languages")
                               else given or []):
                self.count(f"field/{name}/invalid")
        item["hours"], item["prices"], item["payment"], item["languages"] = (
            hours, prices, payment, languages)
        for flag in FLAGS:
            value = item.get(flag)
            item[flag] = value if isinstance(value, bool) else None

    def _resource(self, item) -> None:
        for key in ("title", "summary", "author"):
            item[key] = clean_text(item.get(key))
        item["url"] = self._checked("url", item.get("url"),
                                    lambda raw: normalise_url(raw, item.get("source_url")))
        published = item.get("published")
        item["published"] = self._checked("published", published,
                                          lambda raw: raw if DATE.match(str(raw)) else None)

    def _checked(self, field: str, raw, normalise):
        """The normalised value; counts `field/<name>/missing` or `/invalid`."""
        if raw in (None, ""):
            self.count(f"field/{field}/missing")
            return None
        value = normalise(raw)
        if value is None:
            self.count(f"field/{field}/invalid")
        return value

    def _website(self, raw, page_url: str | None, own_site: bool) -> str | None:
        scheme = url_scheme(raw) if raw else None
        if scheme and scheme not in ("http", "https"):
            self.count(f"field/website/dropped_{scheme}")
            raw = None
        website = website_for(raw, page_url or "", own_site=own_site)
        if raw and website is None:
            self.count("field/website/dropped_same_site")
        if website is None:
            self.count("field/website/missing")
        return website

    def _coordinates(self, lat, lon) -> tuple[float | None, float | None]:
        if lat is None or lon is None:
            return None, None
        found = coordinates(lat, lon)
        if found is None:
            self.count("field/geo/invalid")
            return None, None
        return found

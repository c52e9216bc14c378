"""The records a page would yield, after the same pipelines as a crawl (`reliefmap extract`)."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass

from scrapy.exceptions import DropItem

from crawler.extract import extract_clinics, extract_resources
from crawler.items import ClinicItem
from crawler.pipelines.classify import ClassifyPipeline
from crawler.pipelines.geocode import GeocodePipeline
from crawler.pipelines.normalise import NormalisePipeline
from crawler.pipelines.validate import ValidatePipeline
from reliefmap.config import Source
from reliefmap.errors import UserError

PIPELINES = (NormalisePipeline, GeocodePipeline, ClassifyPipeline, ValidatePipeline)
DETAIL_FIELDS = ("hours", "prices", "payment", "telehealth", "accepting_new_patients",
                 "referral_required", "languages")


class PreviewStats:
    """Crawl stats for a run outside a crawl."""

    def __init__(self):
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] = self.values.get(key, start) + count


@dataclass
class PreviewSpider:
    """What pipelines read from a spider: its source and the taxonomy."""

    source: Source
    taxonomy: dict


@dataclass
class PreviewCrawler:
    """What pipelines read from a crawler: the spider and the stats."""

    spider: PreviewSpider
    stats: PreviewStats


def fetch(url: str, user_agent: str, timeout: float,
          max_bytes: int) -> tuple[bytes, str | None, str]:
    """Body, content type and final URL (after redirects) of a plain HTTP GET."""
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(max_bytes + 1)
            content_type = response.headers.get("Content-Type")
            final_url = response.geturl()
    except urllib.error.HTTPError as exc:
        exc.close()
        raise UserError(f"cannot fetch {url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UserError(f"cannot fetch {url}: {reason}") from None
    if len(body) > max_bytes:
        raise UserError(f"cannot fetch {url}: the response is larger than {max_bytes} bytes")
    return body, content_type, final_url


def run_pipelines(items: list, crawler: PreviewCrawler) -> list:
    """The items that survive normalise, geocode, classify and validate, in that order."""
    pipelines = [pipeline.from_crawler(crawler) for pipeline in PIPELINES]
    kept = []
    for item in items:
        try:
            for pipeline in pipelines:
                item = pipeline.process_item(item)
        except DropItem:
            continue
        kept.append(item)
    return kept


def record(item) -> dict:
    """The printed form of an item (the record conventions of the architecture)."""
    if isinstance(item, ClinicItem):
        geo = {"lat": item["lat"], "lon": item["lon"]} if item.get("lat") is not None else None
        return {
            "name": item.get("name"), "phone": item.get("phone"), "website": item.get("website"),
            "email": item.get("email"),
            "address": {key: item.get(key) for key in ("street", "locality", "region",
                                                       "postal_code", "country")},
            "geo": geo, "treatments": item.get("treatments", []),
            "conditions": item.get("conditions", []),
            **{key: item.get(key) for key in DETAIL_FIELDS}, "description": item.get("description"),
            "source_url": item.get("source_url"),
        }
    return {key: item.get(key) for key in ("title", "url", "kind", "summary", "author",
                                           "published", "conditions", "treatments")}


def preview(body: bytes, url: str, kind: str, country: str, config,
            content_type: str | None = None, selectors: dict | None = None) -> list[dict]:
    """The records a page yields after the pipelines, as printed by `reliefmap extract`."""
    if kind == "clinics":
        charset = re.search(r"charset=([\w.:-]+)", content_type or "", re.I)
        items = extract_clinics(body, url, selectors=selectors, country=country,
                                encoding=charset.group(1) if charset else None)
    else:
        items = extract_resources(body, url, content_type=content_type)
    source = Source(name="preview", kind=kind, schedule="0 0 * * *", start_urls=[url],
                    country=country, selectors=selectors or {})
    crawler = PreviewCrawler(PreviewSpider(source, config.taxonomy), PreviewStats())
    return [record(item) for item in run_pipelines(items, crawler)]

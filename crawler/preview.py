"""`reliefmap extract`: show the records a page would yield, after the same pipelines as a crawl."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import click
from scrapy.exceptions import DropItem

from crawler.extract import extract_clinics, extract_resources
from crawler.items import ClinicItem
from crawler.pipelines.classify import ClassifyPipeline
from crawler.pipelines.geocode import GeocodePipeline
from crawler.pipelines.normalise import NormalisePipeline
from crawler.pipelines.validate import ValidatePipeline
from reliefmap.config import Source
from reliefmap.errors import UserError
from reliefmap.selectors import SelectorError

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


@click.command("extract")
@click.argument("target", metavar="URL_OR_FILE")
@click.option("--url", "base_url", help="The URL a local file was saved from (its base URL).")
@click.option("--kind", type=click.Choice(["clinics", "resources", "details"]),
              default="clinics", show_default=True,
              help="What to look for on the page (details: with --score, the clinics' hours, "
                   "prices, payment and the like).")
@click.option("--country", default="US", show_default=True,
              help="Country (ISO alpha-2) assumed for phones and addresses that do not say.")
@click.option("--score", is_flag=True,
              help="TARGET is a folder of saved pages with expected records: print the accuracy.")
@click.option("--misses", is_flag=True, help="With --score: list every field that was wrong.")
@click.option("--fail-under", type=click.FloatRange(0, 100), metavar="PERCENT",
              help="With --score: exit 1 when the overall accuracy is below PERCENT.")
@click.pass_context
def extract_command(ctx, target, base_url, kind, country, score, misses, fail_under):
    """Print, one JSON object per line, the records a page or feed would yield."""
    from reliefmap.config import load_config

    config = ctx.obj or load_config()
    if score:
        print_score(target, kind, config, misses, fail_under)
        return
    if kind == "details":
        raise UserError("--kind details is for --score; a page's details are in its clinic "
                        "records (--kind clinics)")
    country = country.upper()
    content_type = None
    if target.startswith(("http://", "https://")):
        crawler = config.crawler
        body, content_type, final_url = fetch(target, crawler.user_agent,
                                              crawler.download_timeout, crawler.max_download_bytes)
        url = base_url or final_url
    else:
        path = Path(target)
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise UserError(f"cannot read {target}: {exc.strerror}") from None
        if kind == "resources" and not base_url:
            raise UserError(f"give --url with the address {target} was saved from: "
                            "a resource needs a web address")
        url = base_url or path.resolve().as_uri()
    try:
        records = preview(body, url, kind, country, config, content_type)
    except SelectorError as exc:
        raise UserError(str(exc)) from None
    for found in records:
        click.echo(json.dumps(found, ensure_ascii=False))


def print_score(folder: str, kind: str, config, misses: bool, fail_under: float | None) -> None:
    """`--score`: the accuracy table of a folder of saved pages, and the misses if asked."""
    from crawler.scoring import score_folder

    try:
        result = score_folder(Path(folder), kind, config)
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"cannot score {folder}: {exc}") from None
    if not result.pages:
        raise UserError(f"{folder} holds no page with expected {kind} (NAME.html + NAME.json)")
    click.echo(result.table())
    if misses:
        click.echo("\n".join(result.misses))
    if fail_under is not None and result.accuracy * 100 < fail_under:
        click.echo(f"accuracy {result.accuracy:.1%} is under {fail_under:g}%", err=True)
        raise SystemExit(1)

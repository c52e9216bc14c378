"""Spiders import, and the generic spider extracts and follows links offline from saved pages."""

import asyncio
import importlib
import pkgutil
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

import crawler.spiders
from crawler.items import ClinicItem
from crawler.scrapy_settings import scrapy_settings
from crawler.spiders.source import SourceSpider, sitemap_lastmod
from reliefmap.config import load_config
from reliefmap.sample_server import SAMPLE_SITES

BASE = "https://directory.example"


def test_every_spider_module_imports():
    names = [m.name for m in pkgutil.iter_modules(crawler.spiders.__path__)]
    assert "source" in names
    for name in names:
        importlib.import_module(f"crawler.spiders.{name}")


def spider_for(add_source, config_file, monkeypatch, **lists):
    add_source("offline", start_urls=[f"{BASE}/index.html"], **lists)
    settings = scrapy_settings(load_config(config_file))
    return get_crawler(SourceSpider, settings)._create_spider(source="offline")


def page(path: str) -> HtmlResponse:
    body = (SAMPLE_SITES / "clinic-directory" / path).read_bytes()
    url = f"{BASE}/{path}"
    return HtmlResponse(url, body=body, encoding="utf-8", request=Request(url))


def test_listing_page_follows_wanted_links_only(add_source, config_file, monkeypatch):
    spider = spider_for(add_source, config_file, monkeypatch, follow=[r"/page/\d+\.html$"],
                        extract=["/clinics/"])
    results = list(spider.parse(page("index.html")))
    urls = [r.url for r in results if isinstance(r, Request)]
    assert f"{BASE}/page/2.html" in urls and f"{BASE}/clinics/golden-gate-ketamine.html" in urls
    assert f"{BASE}/about.html" not in urls
    assert not [r for r in results if isinstance(r, ClinicItem)]  # listings are not extracted


def test_links_to_files_are_not_followed(add_source, config_file, monkeypatch):
    spider = spider_for(add_source, config_file, monkeypatch)
    links = ["brochure.PDF", "photos/team.jpg", "files/forms.tar.gz", "intake.pdf;v=2",
             "contact.html", "pdf-guide/", "jpg.html?photo=a.jpg"]
    body = "".join(f'<a href="{link}">{link}</a>' for link in links)
    response = HtmlResponse(f"{BASE}/index.html", body=f"<html><body>{body}</body></html>",
                            encoding="utf-8", request=Request(f"{BASE}/index.html"))
    urls = [r.url for r in spider.parse(response) if isinstance(r, Request)]
    assert urls == [f"{BASE}/contact.html", f"{BASE}/pdf-guide/", f"{BASE}/jpg.html?photo=a.jpg"]


def test_clinic_page_yields_keyed_items(add_source, config_file, monkeypatch):
    spider = spider_for(add_source, config_file, monkeypatch, extract=["/clinics/"])
    items = [r for r in spider.parse(page("clinics/sunshine-ketamine.html"))
             if isinstance(r, ClinicItem)]
    keys = sorted(item["extras"]["record_key"] for item in items)
    assert keys == [f"{BASE}/clinics/sunshine-ketamine.html#sunshine-ketamine-centers-miami",
                    f"{BASE}/clinics/sunshine-ketamine.html#sunshine-ketamine-centers-tampa"]


def test_page_cap_stops_new_requests(add_source, config_file, monkeypatch):
    spider = spider_for(add_source, config_file, monkeypatch)
    spider.max_pages = 3

    async def start():
        return [request async for request in spider.start()]

    # In a thread of its own: a session-wide browser may keep an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert len(pool.submit(asyncio.run, start()).result()) == 1
    followed = [r for r in spider.parse(page("index.html")) if isinstance(r, Request)]
    assert len(followed) == 2 and spider.requested == 3


def test_sitemap_lastmod_is_naive_utc_and_a_bare_date_lasts_all_day():
    assert sitemap_lastmod("2026-01-15T10:30:00+02:00") == datetime(2026, 1, 15, 8, 30)
    assert sitemap_lastmod("2026-01-15T10:30:00Z") == datetime(2026, 1, 15, 10, 30)
    assert sitemap_lastmod(" 2026-01-15 ") == datetime(2026, 1, 16)
    assert sitemap_lastmod("last tuesday") is None
    assert sitemap_lastmod(None) is None


def test_the_spider_reads_the_configuration_its_crawl_settings_carry(add_source, config_file,
                                                                     monkeypatch):
    """config.toml is parsed once per crawl: the spider and the pipelines read the object in the
    crawler's settings, not the file (here the file is gone by the time the spider starts)."""
    add_source("offline", start_urls=[f"{BASE}/index.html"])
    crawler = get_crawler(SourceSpider, scrapy_settings(load_config(config_file)))
    config_file.unlink()
    spider = crawler._create_spider(source="offline")
    assert spider.config is crawler.settings["RELIEFMAP_CONFIG"]
    assert spider.source.start_urls == [f"{BASE}/index.html"]

"""The crawl's HTTP cache storage: one file per page, read back whole or not at all."""

import os
import time

import pytest
from scrapy import Spider
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.httpcache import PageCacheStorage


@pytest.fixture
def storage(tmp_path):
    crawler = get_crawler(Spider, {"HTTPCACHE_DIR": str(tmp_path / "cache")})
    spider = Spider(name="source")
    spider.crawler = crawler
    storage = PageCacheStorage(crawler.settings)
    storage.open_spider(spider)
    return storage, spider


def page(url="https://clinic.example/a.html") -> HtmlResponse:
    return HtmlResponse(url, body="<html><body>Café</body></html>".encode(), status=200,
                        headers={"ETag": '"v1"', "Content-Type": "text/html; charset=utf-8",
                                 "Last-Modified": "Sat, 21 Nov 2026 10:00:00 GMT"})


def test_a_stored_page_comes_back_with_its_validators_in_one_file(storage, tmp_path):
    storage, spider = storage
    request = Request("https://clinic.example/a.html")
    assert storage.retrieve_response(spider, request) is None
    storage.store_response(spider, request, page())

    cached = storage.retrieve_response(spider, Request("https://clinic.example/a.html"))
    assert isinstance(cached, HtmlResponse)
    assert (cached.url, cached.status, cached.text) == (page().url, 200, page().text)
    assert cached.headers["ETag"] == b'"v1"' and cached.headers["Last-Modified"]
    files = [path for path in (tmp_path / "cache").rglob("*") if path.is_file()]
    assert files == [storage.path(spider, request)] and files[0].suffix == ".page"


def test_an_expired_or_damaged_page_is_not_cached(storage):
    storage, spider = storage
    request = Request("https://clinic.example/a.html")
    storage.store_response(spider, request, page())
    storage.expiration_secs = 60
    assert storage.retrieve_response(spider, request) is not None
    path = storage.path(spider, request)
    two_minutes_ago = time.time() - 120
    os.utime(path, (two_minutes_ago, two_minutes_ago))
    assert storage.retrieve_response(spider, request) is None

    storage.expiration_secs = 0
    path.write_bytes(path.read_bytes()[:40])  # as if a crash cut it short
    assert storage.retrieve_response(spider, request) is None

"""The crawl's HTTP cache storage: one SQLite file per spider, pages written in batches, each
read back whole or not at all."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from scrapy import Spider
from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler

from crawler import httpcache
from crawler.httpcache import PageCacheStorage, prune_pages


def open_storage(folder) -> tuple[PageCacheStorage, Spider]:
    crawler = get_crawler(Spider, {"HTTPCACHE_DIR": str(folder)})
    spider = Spider(name="source")
    spider.crawler = crawler
    storage = PageCacheStorage(crawler.settings)
    storage.open_spider(spider)
    return storage, spider


@pytest.fixture
def storage(tmp_path):
    storage, spider = open_storage(tmp_path / "cache")
    yield storage, spider
    storage.close_spider(spider)


def page(url="https://clinic.example/a.html") -> HtmlResponse:
    return HtmlResponse(url, body="<html><body>Café</body></html>".encode(), status=200,
                        headers={"ETag": '"v1"', "Content-Type": "text/html; charset=utf-8",
                                 "Last-Modified": "Sat, 21 Nov 2026 10:00:00 GMT"})


def test_a_stored_page_comes_back_with_its_validators_from_one_file(storage, tmp_path):
    storage, spider = storage
    request = Request("https://clinic.example/a.html")
    assert storage.retrieve_response(spider, request) is None
    storage.store_response(spider, request, page())
    assert storage.retrieve_response(spider, request).text == page().text  # before its batch
    storage.close_spider(spider)

    storage, spider = open_storage(tmp_path / "cache")
    cached = storage.retrieve_response(spider, Request("https://clinic.example/a.html"))
    assert isinstance(cached, HtmlResponse)
    assert (cached.url, cached.status, cached.text) == (page().url, 200, page().text)
    assert cached.headers["ETag"] == b'"v1"' and cached.headers["Last-Modified"]
    files = sorted(path.name for path in (tmp_path / "cache").iterdir())
    assert files[0] == "source.pages.sqlite" and len(files) <= 3  # with its -wal and -shm


def test_a_stored_page_is_revalidated_and_a_304_keeps_it(storage):
    storage, spider = storage
    stale = page().replace(headers={**page().headers.to_unicode_dict(),
                                    "Cache-Control": "max-age=0"})
    storage.store_response(spider, Request("https://clinic.example/a.html"), stale)
    storage.flush()
    policy = RFC2616Policy(spider.crawler.settings)
    request = Request("https://clinic.example/a.html")
    cached = storage.retrieve_response(spider, request)
    assert not policy.is_cached_response_fresh(cached, request)
    assert request.headers["If-None-Match"] == b'"v1"'
    assert request.headers["If-Modified-Since"] == b"Sat, 21 Nov 2026 10:00:00 GMT"
    assert policy.is_cached_response_valid(cached, Response(request.url, status=304), request)


def test_an_expired_or_damaged_page_is_not_cached(storage):
    storage, spider = storage
    request = Request("https://clinic.example/a.html")
    storage.store_response(spider, request, page())
    storage.flush()
    storage.expiration_secs = 60
    assert storage.retrieve_response(spider, request) is not None
    with storage.connection:
        storage.connection.execute("UPDATE pages SET stored = stored - 120")
    assert storage.retrieve_response(spider, request) is None

    storage.expiration_secs = 0
    with storage.connection:  # as if the row were damaged
        storage.connection.execute("UPDATE pages SET data = substr(data, 1, 40)")
    assert storage.retrieve_response(spider, request) is None


def test_a_file_that_is_no_database_starts_a_new_cache(tmp_path):
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / f"source{httpcache.SUFFIX}").write_bytes(b"not a database" * 100)
    storage, spider = open_storage(tmp_path / "cache")
    storage.store_response(spider, Request("https://clinic.example/a.html"), page())
    storage.close_spider(spider)
    storage, spider = open_storage(tmp_path / "cache")
    assert storage.retrieve_response(spider, Request("https://clinic.example/a.html"))


KILLED_WRITER = """
import os, signal, sys
from scrapy import Spider
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from crawler import httpcache

crawler = get_crawler(Spider, {"HTTPCACHE_DIR": sys.argv[1]})
spider = Spider(name="source")
spider.crawler = crawler
storage = httpcache.PageCacheStorage(crawler.settings)
storage.open_spider(spider)
connection = storage.connection


class Dying:
    # The connection, but its third batch kills the process half-way through its rows.
    batches = 0

    def __enter__(self):
        return connection.__enter__()

    def __exit__(self, *exc):
        return connection.__exit__(*exc)

    def execute(self, *args):
        return connection.execute(*args)

    def executemany(self, sql, rows):
        Dying.batches += 1
        def rows_then_kill():
            for number, row in enumerate(rows):
                if Dying.batches == 3 and number == httpcache.BATCH // 2:
                    os.kill(os.getpid(), signal.SIGKILL)
                yield row
        return connection.executemany(sql, rows_then_kill())


storage.connection = Dying()
for n in range(3 * httpcache.BATCH):
    url = f"https://clinic.example/{n}.html"
    storage.store_response(spider, Request(url), HtmlResponse(
        url, body=f"<html><body>{'page %d ' % n * 200}</body></html>".encode()))
"""


def test_a_crawl_killed_while_writing_leaves_whole_pages_and_no_half_batch(tmp_path):
    cache = tmp_path / "cache"
    process = subprocess.run([sys.executable, "-c", textwrap.dedent(KILLED_WRITER), str(cache)],
                             cwd=os.path.dirname(os.path.dirname(__file__)), capture_output=True)
    assert process.returncode == -signal.SIGKILL, process.stderr.decode()[-2000:]

    storage, spider = open_storage(cache)
    try:
        assert storage.connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        found = [storage.retrieve_response(spider, Request(f"https://clinic.example/{n}.html"))
                 for n in range(3 * httpcache.BATCH)]
        whole = [n for n, response in enumerate(found) if response is not None]
        assert whole == list(range(2 * httpcache.BATCH))  # the third batch is absent, all of it
        assert all(found[n].text.count(f"page {n} ") == 200 for n in whole)
    finally:
        storage.close_spider(spider)


def test_pruning_deletes_only_the_pages_older_than_the_limit(storage, tmp_path):
    storage, spider = storage
    for name in ("old", "new"):
        storage.store_response(spider, Request(f"https://clinic.example/{name}.html"),
                               page(f"https://clinic.example/{name}.html"))
    storage.flush()
    with storage.connection:
        storage.connection.execute("UPDATE pages SET stored = stored - 30 * 86400 "
                                   "WHERE rowid = (SELECT min(rowid) FROM pages)")
    assert prune_pages(tmp_path / "cache", 14 * 86400) == 1
    assert storage.retrieve_response(spider, Request("https://clinic.example/old.html")) is None
    assert storage.retrieve_response(spider, Request("https://clinic.example/new.html"))

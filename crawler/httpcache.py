"""The HTTP cache storage of the crawls: one SQLite database per spider, written in batches.

Scrapy's FilesystemCacheStorage writes a folder and seven files per page, and even one file per
page cost a crawl about 0.6 ms a page to create. Here a crawl's pages go into one database file,
BATCH pages to a transaction. A transaction commits whole or not at all, so a killed crawl leaves
no half page: only the pages of its last batch are not cached, and are fetched in full next
time. WAL mode and a busy timeout let the crawls of other sources, which share the file, read and
write beside it. The RFC 2616 policy reads the stored headers (ETag, Last-Modified) to
revalidate, so an unchanged page still costs a 304. Housekeeping prunes pages by age
(`prune_pages`).
"""

from __future__ import annotations

import pickle
import sqlite3
from pathlib import Path
from time import time

from scrapy.utils.project import data_path
from scrapy.utils.response import response_from_dict

SUFFIX = ".pages.sqlite"
BATCH = 100  # pages written in one transaction
SCHEMA = "CREATE TABLE IF NOT EXISTS pages (key TEXT PRIMARY KEY, stored REAL NOT NULL, " \
         "data BLOB NOT NULL)"


def connect(path: Path) -> sqlite3.Connection:
    """The cache database at `path`; a file that is no database (a damaged cache) starts anew."""
    try:
        return _open(path)
    except sqlite3.DatabaseError:
        for damaged in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            damaged.unlink(missing_ok=True)
        return _open(path)


def _open(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=30)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        # A kill never tears a WAL transaction; only a power cut may lose the last ones.
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(SCHEMA)
    except sqlite3.DatabaseError:
        connection.close()
        raise
    return connection


class PageCacheStorage:
    """HTTPCACHE_STORAGE: the pages of `HTTPCACHE_DIR/<spider>.pages.sqlite`, keyed by request
    fingerprint."""

    def __init__(self, settings):
        self.cachedir = Path(data_path(settings["HTTPCACHE_DIR"]))
        self.expiration_secs = settings.getint("HTTPCACHE_EXPIRATION_SECS")
        self.pending: dict[str, tuple[float, bytes]] = {}  # the batch not yet written

    def open_spider(self, spider) -> None:
        self.fingerprinter = spider.crawler.request_fingerprinter
        self.cachedir.mkdir(parents=True, exist_ok=True)
        self.path = self.cachedir / f"{spider.name}{SUFFIX}"
        self.connection = connect(self.path)

    def close_spider(self, spider) -> None:
        self.flush()
        self.connection.close()

    def key(self, request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def retrieve_response(self, spider, request):
        """The cached response, or None when there is none, it expired or cannot be read."""
        key = self.key(request)
        found = self.pending.get(key) or self.connection.execute(
            "SELECT stored, data FROM pages WHERE key = ?", (key,)).fetchone()
        if found is None:
            return None
        stored, data = found
        if 0 < self.expiration_secs < time() - stored:
            return None
        try:
            page = pickle.loads(data)  # noqa: S301 (our own rows, in our own file)
        except Exception:  # a damaged row reads as none
            return None
        request.meta["cache_timestamp"] = stored
        return response_from_dict(page)

    def store_response(self, spider, request, response) -> None:
        self.pending[self.key(request)] = (
            time(), pickle.dumps(response.to_dict(), protocol=pickle.HIGHEST_PROTOCOL))
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the waiting pages in one transaction."""
        if not self.pending:
            return
        with self.connection:
            self.connection.executemany(
                "INSERT OR REPLACE INTO pages (key, stored, data) VALUES (?, ?, ?)",
                ((key, stored, data) for key, (stored, data) in self.pending.items()))
        self.pending.clear()


def is_cache_database(path: Path) -> bool:
    """A cache database or its WAL and shared-memory files."""
    return path.name.endswith((SUFFIX, f"{SUFFIX}-wal", f"{SUFFIX}-shm"))


def prune_pages(folder: Path, max_age_seconds: float) -> int:
    """Delete the pages stored longer ago than `max_age_seconds` from the cache databases in
    `folder`; the number deleted."""
    removed = 0
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        connection = connect(path)
        try:
            with connection:
                removed += connection.execute("DELETE FROM pages WHERE stored < ?",
                                              (time() - max_age_seconds,)).rowcount
        finally:
            connection.close()
    return removed

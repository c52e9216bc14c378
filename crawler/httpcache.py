"""The HTTP cache storage of the crawls: one file per page.

Scrapy's FilesystemCacheStorage writes a folder and seven files per page, which cost a crawl
more than its extraction did; here a page is one pickle, written to a temporary file and renamed
into place, so a killed crawl or a crawl of another source reading the same page never sees half
of it. The RFC 2616 policy reads the stored headers (ETag, Last-Modified) to revalidate, so an
unchanged page still costs a 304. Housekeeping prunes these files by age like any others.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from time import time

from scrapy.utils.project import data_path
from scrapy.utils.response import response_from_dict

SUFFIX = ".page"


class PageCacheStorage:
    """HTTPCACHE_STORAGE: `HTTPCACHE_DIR/<spider>/<2 hex>/<request fingerprint>.page`."""

    def __init__(self, settings):
        self.cachedir = Path(data_path(settings["HTTPCACHE_DIR"]))
        self.expiration_secs = settings.getint("HTTPCACHE_EXPIRATION_SECS")
        self.folders: set[Path] = set()  # made by this process: no mkdir per page

    def open_spider(self, spider) -> None:
        self.fingerprinter = spider.crawler.request_fingerprinter

    def close_spider(self, spider) -> None:
        pass

    def path(self, spider, request) -> Path:
        key = self.fingerprinter.fingerprint(request).hex()
        return self.cachedir / spider.name / key[:2] / f"{key}{SUFFIX}"

    def retrieve_response(self, spider, request):
        """The cached response, or None when there is none, it expired or cannot be read."""
        path = self.path(spider, request)
        try:
            if 0 < self.expiration_secs < time() - path.stat().st_mtime:
                return None
            with path.open("rb") as fh:
                data = pickle.load(fh)  # noqa: S301 (our own files, in our own folder)
        except (OSError, EOFError, pickle.UnpicklingError):
            return None
        request.meta["cache_timestamp"] = data.pop("timestamp")
        return response_from_dict(data)

    def store_response(self, spider, request, response) -> None:
        path = self.path(spider, request)
        data = {**response.to_dict(), "timestamp": time()}
        if path.parent not in self.folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(path.parent)
        # Named after the page and this process: no other writer uses it (mkstemp's random
        # names cost more than the write).
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with temporary.open("wb") as fh:
                pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

"""The generic spider: everything it does comes from a source's entry in config.toml."""

from __future__ import annotations

import gc
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse, urlsplit

import scrapy
from scrapy.http import HtmlResponse, TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS, LinkExtractor
from scrapy.spiders import SitemapSpider

from crawler.extract import extract_clinics, extract_resources
from crawler.extract.resources import is_feed
from reliefmap.config import Config
from reliefmap.normalise import fold

# Sent when a page came back unchanged from the HTTP cache (a 304), or was not requested because
# its sitemap lastmod predates its last fetch: the store only moves last_seen.
page_unchanged = object()
# Links to files no crawl reads (Scrapy's list: archives, images, media, documents), tested in
# one call per link: Scrapy's link extractor tries its ~100 extensions one at a time.
FILE_EXTENSIONS = tuple(f".{extension}" for extension in IGNORED_EXTENSIONS)


def links_to_a_file(url: str) -> bool:
    """Whether the URL's path ends with the extension of a file no crawl reads."""
    return urlparse(url).path.lower().endswith(FILE_EXTENSIONS)


def sitemap_lastmod(value: str | None) -> datetime | None:
    """A sitemap lastmod as naive UTC (a bare date counts as its last moment); None if unusable."""
    try:
        moment = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    if "T" not in value:
        moment += timedelta(days=1)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


class UnknownSource(ValueError):
    """A source name that is not in the config."""


class SourceSpider(SitemapSpider):
    """Fetch a source's start pages, sitemaps and feeds; follow its link patterns; extract."""

    name = "source"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        """The spider, given the configuration its crawl was started with."""
        return super().from_crawler(crawler, *args, config=crawler.settings["RELIEFMAP_CONFIG"],
                                    **kwargs)

    def __init__(self, source: str | None = None, run_id: str | None = None,
                 trigger: str = "manual", max_pages: str | None = None, *, config: Config,
                 **kwargs):
        super().__init__(**kwargs)
        self.config = config
        if source not in self.config.sources:
            known = ", ".join(sorted(self.config.sources)) or "none configured"
            raise UnknownSource(f"unknown source '{source}' (known: {known})")
        self.source = self.config.sources[source]
        self.taxonomy = self.config.taxonomy
        self.run_id = int(run_id) if run_id else None
        self.trigger = trigger
        self.max_pages = int(max_pages) if max_pages else self.source.max_pages
        self.follow_patterns = [re.compile(p) for p in self.source.follow]
        self.extract_patterns = [re.compile(p) for p in self.source.extract]
        self.hosts = {urlsplit(url).hostname for url in
                      self.source.start_urls + self.source.sitemap_urls + self.source.feed_urls}
        self.requested = 0  # page requests handed to Scrapy, capped at max_pages
        self.pages = 0
        self.failures: list[str] = []
        # Pages with stored records -> their oldest fetch: skip them when unchanged.
        self.known_urls: dict[str, datetime] = {}
        self.requested_urls: set[str] = set()
        self.unmodified: set[str] = set()  # skipped by sitemap lastmod; not requested by links
        self.links = LinkExtractor(deny_extensions=())  # links_to_a_file tells them apart

    async def start(self):
        # What was loaded before the crawl lives as long as it: keep it out of the collector's
        # passes over the objects a crawl makes and drops.
        gc.freeze()
        for url in self.source.sitemap_urls:
            yield self.page_request(url, self._parse_sitemap)
        for url in self.source.feed_urls:
            yield self.page_request(url, self.parse_feed)
        for url in self.source.start_urls:
            yield self.page_request(url, self.parse)

    def take_page(self, url: str) -> bool:
        """Count a page against the cap; False once the cap is reached."""
        if self.requested >= self.max_pages:
            self.crawler.stats.inc_value("reliefmap/capped")
            return False
        self.requested += 1
        self.requested_urls.add(url)
        return True

    def page_request(self, url: str, callback, **kwargs) -> scrapy.Request | None:
        """A request for a page of this source, or None once the page cap is reached."""
        if not self.take_page(url):
            return None
        return scrapy.Request(url, callback=callback, errback=self.failed, **kwargs)

    def unseen(self, url: str) -> bool:
        """Neither requested in this crawl nor skipped as unmodified: a page that repeats a link
        costs nothing of the page cap."""
        return url not in self.requested_urls and url not in self.unmodified

    def wanted(self, url: str) -> bool:
        """Same site, and matching a follow or extract pattern (any link when none are given)."""
        if urlsplit(url).hostname not in self.hosts:
            return False
        patterns = self.follow_patterns + self.extract_patterns
        return not patterns or any(p.search(url) for p in patterns)

    def extracts(self, url: str) -> bool:
        return not self.extract_patterns or any(p.search(url) for p in self.extract_patterns)

    def parse(self, response):
        """Extract from the page when it matches `extract`, then follow its wanted links."""
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("reliefmap/pages/not_text")
            return
        self.pages += 1
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        if is_feed(response.body, content_type):
            yield from self.feed_results(response, content_type)
            return
        if self.extracts(response.url):
            yield from self.page_items(response, content_type)
        for link in self.links.extract_links(response):
            if (self.wanted(link.url) and self.unseen(link.url)
                    and not links_to_a_file(link.url)):
                request = self.page_request(link.url, self.parse)
                if request is None:
                    return
                yield request

    def page_items(self, response, content_type: str):
        if "cached" in response.flags and response.url in self.known_urls:
            self.crawler.signals.send_catch_log(page_unchanged, url=response.url)
            return
        if self.source.kind == "clinics":
            # Scrapy's parse of the page, which the link extractor reads too: parsed once.
            tree = response.selector.root if isinstance(response, HtmlResponse) else None
            items = extract_clinics(response.text, response.url, selectors=self.source.selectors,
                                    country=self.source.country, tree=tree)
        else:
            items = extract_resources(response.body, response.url, content_type=content_type)
        yield from self.keyed(items, response.url)

    def keyed(self, items: list, url: str, suffix: str = ""):
        """Give each item its record key: the page URL, plus the name when a page lists several."""
        for item in items:
            extras = dict(item.get("extras") or {})
            if suffix:  # a feed entry: keyed by the entry's link, apart from its page's record
                key = f"{item.get('url') or url}{suffix}"
            elif len(items) > 1:
                name = fold(item.get("name") or item.get("title") or "")
                key = f"{url}#{name.replace(' ', '-')}"
            else:
                key = url
            extras["record_key"] = key
            item["extras"] = extras
            yield item

    def parse_feed(self, response):
        self.pages += 1
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        yield from self.feed_results(response, content_type)

    def feed_results(self, response, content_type: str):
        """A feed's entries as resource records, and the same-site article pages they link to."""
        items = extract_resources(response.body, response.url, content_type=content_type)
        if self.source.kind == "resources":
            yield from self.keyed(items, response.url, suffix="#feed")
        for item in items:
            link = item.get("url")
            if (link and urlsplit(link).hostname in self.hosts and self.extracts(link)
                    and self.unseen(link)):
                request = self.page_request(link, self.parse)
                if request is None:
                    return
                yield request

    def sitemap_filter(self, entries):
        """Scrapy's SitemapSpider asks which entries of a sitemap to request: of an index, its
        sitemaps; of a urlset, the wanted pages not yet requested and changed since their last
        fetch (says their lastmod), while the page cap allows."""
        urlset = getattr(entries, "type", None) != "sitemapindex"
        for entry in entries:
            url = entry.get("loc", "")
            if urlset and (not self.unseen(url) or self.skip_unmodified(url, entry.get("lastmod"))
                           or not self.wanted(url)):
                continue
            if not self.take_page(url):
                return
            yield entry

    def _parse_sitemap(self, response):
        # SitemapSpider's requests, with the errback that records their failures in the run.
        self.pages += 1
        for request in super()._parse_sitemap(response):
            yield request.replace(errback=self.failed)

    def skip_unmodified(self, url: str, lastmod: str | None) -> bool:
        """Whether the sitemap says the page has not changed since its fetch (then its records
        are only seen again)."""
        if not self.unchanged_since_fetch(url, lastmod):
            return False
        self.unmodified.add(url)
        self.crawler.stats.inc_value("reliefmap/skipped_unmodified")
        self.crawler.signals.send_catch_log(page_unchanged, url=url)
        return True

    def unchanged_since_fetch(self, url: str, lastmod: str | None) -> bool:
        """A page with stored records, last modified (says the sitemap) before it was fetched."""
        fetched = self.known_urls.get(url)
        if fetched is None or not self.wanted(url):
            return False
        modified = sitemap_lastmod(lastmod)
        return modified is not None and modified <= fetched

    def failed(self, failure):
        """Keep the first failures for the run record, in one line each."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        reason = failure.getErrorMessage().strip().splitlines()[0] if failure.getErrorMessage() \
            else failure.type.__name__
        if hasattr(failure.value, "response") and failure.value.response is not None:
            reason = f"HTTP {failure.value.response.status}"
        self.crawler.stats.inc_value(f"reliefmap/request_errors/{failure.type.__name__}")
        self.crawler.stats.inc_value("reliefmap/request_errors")
        if len(self.failures) < 20:
            self.failures.append(f"{url}: {reason}")
        self.logger.warning("Cannot fetch %s: %s", url, reason)

"""Item pipelines, one job each; their order lives only in ITEM_PIPELINES."""

from reliefmap.config import Source


class CountingPipeline:
    """Base of the pipelines: keeps the crawler, reads the spider's source, counts in stats."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def source(self) -> Source | None:
        return getattr(self.crawler.spider, "source", None)

    def count(self, key: str, by: int = 1) -> None:
        self.crawler.stats.inc_value(key, by)

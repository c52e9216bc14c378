"""A live progress line on the terminal: pages, items and errors so far."""

import sys

from scrapy import signals
from twisted.internet.task import LoopingCall

COUNTED = ("new", "changed", "unchanged")


class Progress:
    """Every few seconds: one updating line on a terminal, a plain line otherwise."""

    def __init__(self, crawler, interval: float, stream=None):
        self.crawler = crawler
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.task = LoopingCall(self.show)
        self.interval = interval
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getfloat("RELIEFMAP_PROGRESS_INTERVAL", 2.0))

    def line(self) -> str:
        values = self.crawler.stats.get_stats()
        spider = self.crawler.spider
        items = ", ".join(f"{values.get(f'reliefmap/items/{name}', 0)} {name}"
                          for name in COUNTED)
        return (f"{spider.source.name}: {spider.pages} pages, {items}, "
                f"{values.get('item_dropped_count', 0)} rejected, "
                f"{values.get('reliefmap/request_errors', 0)} errors")

    def show(self):
        if self.tty:
            self.stream.write("\r\033[K" + self.line())
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def opened(self, spider):
        self.task.start(self.interval, now=False)

    def closed(self, spider, reason):
        if self.task.running:
            self.task.stop()
        if self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()

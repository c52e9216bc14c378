"""The baseline: a bare Scrapy spider that only fetches pages and follows links (no extraction,
no pipelines, no database). Prints the number of pages it fetched."""

import sys

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor


class BareSpider(scrapy.Spider):
    name = "bare"
    links = LinkExtractor()
    pages = 0

    async def start(self):
        yield scrapy.Request(self.start_url)

    def parse(self, response):
        BareSpider.pages += 1
        for link in self.links.extract_links(response):
            yield response.follow(link.url)


if __name__ == "__main__":
    # The Scrapy settings of `reliefmap crawl` in the bench (crawler/settings.py with its
    # relaxed politeness), but for what the pipeline itself needs (the HTTP cache).
    process = CrawlerProcess({"LOG_LEVEL": "WARNING", "CONCURRENT_REQUESTS": 16,
                              "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "DOWNLOAD_DELAY": 0,
                              "ROBOTSTXT_OBEY": True, "TELNETCONSOLE_ENABLED": False,
                              "COOKIES_ENABLED": False, "DEPTH_LIMIT": 0,
                              "CONCURRENT_ITEMS": 8})
    process.crawl(BareSpider, start_url=sys.argv[1])
    process.start()
    print(BareSpider.pages)

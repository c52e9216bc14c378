"""Scrapy extensions: they run inside the crawl process, so Scrapyd runs are recorded too."""

"""Scrapy settings, with politeness and limits from the [crawler] section of config.toml.

`scrapy crawl source -a source=NAME` (and Scrapyd, which runs the same command) reads this module;
`reliefmap crawl` uses it too. The order of the item pipelines lives only here.
"""

from reliefmap.config import load_config

_config = load_config()
_crawler = _config.crawler

BOT_NAME = "reliefmap"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = _crawler.user_agent
ROBOTSTXT_OBEY = _crawler.obey_robots
CONCURRENT_REQUESTS = 16
# Items processed at once per response. Scrapy starts this many asyncio tasks for every
# callback's output (default 100); a page yields a handful of records, so 100 tasks per page
# were 14% of a crawl's CPU.
CONCURRENT_ITEMS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = _crawler.concurrent_requests_per_domain
DOWNLOAD_DELAY = _crawler.download_delay
AUTOTHROTTLE_ENABLED = _crawler.autothrottle
AUTOTHROTTLE_START_DELAY = max(_crawler.download_delay, 1.0)
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = _crawler.download_timeout
# Scrapy applies the limit to the decompressed body too, so a gzip bomb stops here.
DOWNLOAD_MAXSIZE = _crawler.max_download_bytes
DOWNLOAD_WARNSIZE = _crawler.max_download_bytes // 4
REDIRECT_MAX_TIMES = _crawler.max_redirects
RETRY_TIMES = _crawler.retry_times
DEPTH_LIMIT = _crawler.max_depth
DNS_TIMEOUT = 10
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Conditional requests: an unchanged page costs a 304 and no extraction.
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.RFC2616Policy"
HTTPCACHE_STORAGE = "crawler.httpcache.PageCacheStorage"
HTTPCACHE_DIR = str(_config.resolve_path(_crawler.http_cache_dir).resolve())
HTTPCACHE_IGNORE_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

ITEM_PIPELINES = {
    "crawler.pipelines.normalise.NormalisePipeline": 100,
    "crawler.pipelines.geocode.GeocodePipeline": 200,
    "crawler.pipelines.classify.ClassifyPipeline": 300,
    "crawler.pipelines.validate.ValidatePipeline": 400,
    "crawler.pipelines.deduplicate.DeduplicatePipeline": 500,
    "crawler.pipelines.store.StorePipeline": 600,
}
EXTENSIONS = {
    "crawler.extensions.run_recorder.RunRecorder": 100,
}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

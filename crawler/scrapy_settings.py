"""The project's Scrapy settings, made from the loaded configuration: politeness and limits from
its [crawler] section, and the configuration itself under RELIEFMAP_CONFIG, from which the
spiders and pipelines read it. The order of the item pipelines lives only here."""

from __future__ import annotations

from reliefmap.config import Config


def scrapy_settings(config: Config) -> dict:
    crawler = config.crawler
    return {
        "RELIEFMAP_CONFIG": config,
        "BOT_NAME": "reliefmap",
        "SPIDER_MODULES": ["crawler.spiders"],
        "NEWSPIDER_MODULE": "crawler.spiders",
        "USER_AGENT": crawler.user_agent,
        "ROBOTSTXT_OBEY": crawler.obey_robots,
        "CONCURRENT_REQUESTS": 16,
        # Items processed at once per response. Scrapy starts this many asyncio tasks for every
        # callback's output (default 100); a page yields a handful of records, so 100 tasks per
        # page were 14% of a crawl's CPU.
        "CONCURRENT_ITEMS": 8,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawler.concurrent_requests_per_domain,
        "DOWNLOAD_DELAY": crawler.download_delay,
        "AUTOTHROTTLE_ENABLED": crawler.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(crawler.download_delay, 1.0),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_TIMEOUT": crawler.download_timeout,
        # Scrapy applies the limit to the decompressed body too, so a gzip bomb stops here.
        "DOWNLOAD_MAXSIZE": crawler.max_download_bytes,
        "DOWNLOAD_WARNSIZE": crawler.max_download_bytes // 4,
        "REDIRECT_MAX_TIMES": crawler.max_redirects,
        "RETRY_TIMES": crawler.retry_times,
        "DEPTH_LIMIT": crawler.max_depth,
        "DNS_TIMEOUT": 10,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        # Conditional requests: an unchanged page costs a 304 and no extraction.
        "HTTPCACHE_ENABLED": True,
        "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.RFC2616Policy",
        "HTTPCACHE_STORAGE": "crawler.httpcache.PageCacheStorage",
        "HTTPCACHE_DIR": str(config.resolve_path(crawler.http_cache_dir).resolve()),
        "HTTPCACHE_IGNORE_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "ITEM_PIPELINES": {
            "crawler.pipelines.normalise.NormalisePipeline": 100,
            "crawler.pipelines.geocode.GeocodePipeline": 200,
            "crawler.pipelines.classify.ClassifyPipeline": 300,
            "crawler.pipelines.validate.ValidatePipeline": 400,
            "crawler.pipelines.deduplicate.DeduplicatePipeline": 500,
            "crawler.pipelines.store.StorePipeline": 600,
        },
        "EXTENSIONS": {"crawler.extensions.run_recorder.RunRecorder": 100},

        "LOG_LEVEL": "INFO",
        "FEED_EXPORT_ENCODING": "utf-8",
    }

"""The settings module that `scrapy crawl source -a source=NAME` and Scrapyd read (scrapy.cfg
names it): config.toml loaded once, made into the project's Scrapy settings. `reliefmap crawl`
makes the same settings from the configuration it has already loaded."""

from crawler.scrapy_settings import scrapy_settings
from reliefmap.config import load_config

globals().update(scrapy_settings(load_config()))

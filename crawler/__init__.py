"""Crawling: spiders, extraction of records from pages, and the item pipelines."""

"""Spiders: one generic, config-driven `SourceSpider`, and small subclasses for sites that need
code (`spider = "name"` in a source's config)."""

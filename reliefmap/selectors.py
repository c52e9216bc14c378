"""A source's CSS or XPath selectors (a value starting with / or ( is XPath): the fields they may
name, and their parsing, which config loading checks before any crawl."""

from __future__ import annotations

from lxml.cssselect import CSSSelector
from lxml.etree import XPath, XPathError

SELECTOR_KEYS = ("name", "street", "locality", "region", "postal_code", "country", "phone",
                 "email", "website", "address", "description")


class SelectorError(ValueError):
    """A selector in a source's config that cannot be parsed."""


def compile_selector(selector: str):
    """A callable that finds the selector's matches in a tree; SelectorError if it cannot parse."""
    try:
        if selector.startswith(("/", "(")):
            return XPath(selector)
        return CSSSelector(selector)
    except (XPathError, SyntaxError, ValueError) as exc:
        raise SelectorError(f"invalid selector {selector!r}: {exc}") from None

"""Fields picked by a source's CSS or XPath selectors."""

from __future__ import annotations

from lxml.etree import XPathError

from crawler.extract.lines import page_lines
from reliefmap.selectors import SELECTOR_KEYS, SelectorError, compile_selector

LINK_KEYS = ("website", "email", "phone")


def _matches(tree, selector: str) -> list:
    try:
        return compile_selector(selector)(tree)
    except XPathError as exc:
        raise SelectorError(f"invalid selector {selector!r}: {exc}") from None


def _value(found, key: str) -> str | None:
    """Text of a node (lines kept apart for addresses), its link for link fields, or a string."""
    if isinstance(found, str):
        return found.strip() or None
    if key in LINK_KEYS and found.get("href"):
        return found.get("href")
    separator = "\n" if key == "address" else " "
    return separator.join(line.text for line in page_lines(found)) or None


def select_fields(tree, selectors: dict[str, str] | None) -> dict[str, str]:
    """The first non-empty value of each configured selector."""
    fields: dict[str, str] = {}
    for key, selector in (selectors or {}).items():
        if key not in SELECTOR_KEYS or not selector:
            continue
        for found in _matches(tree, selector):
            value = _value(found, key)
            if value:
                fields[key] = value
                break
    return fields

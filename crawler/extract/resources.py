"""Resource records from feeds (one per entry) and article-like pages (one per page)."""

from __future__ import annotations

import re
import time
from datetime import datetime

import feedparser
import trafilatura

from crawler.extract.page import decode
from crawler.extract.structured import ARTICLE_TYPES, first, page_nodes, parse_tree, type_names
from crawler.items import ResourceItem
from crawler.normalise import clean_text, normalise_url

SUMMARY_LIMIT = 400
# Schema.org nodes that describe the site around a resource, not the resource itself.
PAGE_FURNITURE = {"WebSite", "BreadcrumbList", "WebPage", "ImageObject", "Person",
                  "SiteNavigationElement", "SearchAction"}
FEED_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b",
                        re.S | re.I)
TYPE_KINDS = [
    ({"VideoObject", "Movie", "Clip"}, "video"),
    ({"DiscussionForumPosting", "Forum", "QAPage"}, "forum"),
    ({"NGO", "Organization", "MedicalOrganization", "NonprofitOrganization", "Corporation",
      "OnlineBusiness"}, "organization"),
    ({"Article", "NewsArticle", "BlogPosting", "MedicalScholarlyArticle", "ScholarlyArticle",
      "Report"}, "article"),
]
# Cues in a title, URL or category, strongest first.
CUE_KINDS = [
    (re.compile(r"\bvideos?\b|\bwebinars?\b|\bwatch\b|youtube\.com|vimeo\.com", re.I), "video"),
    (re.compile(r"\bforums?\b|\bmessage boards?\b|\bdiscussion boards?\b", re.I), "forum"),
    (re.compile(r"\bsupport groups?\b|\bpeer support\b|\bmeet-?ups?\b", re.I), "support-group"),
    (re.compile(r"\b(?:patient|my|her|his|their|personal)(?: \w+){0,2} (?:story|stories|journey)\b|"
                r"/stor(?:y|ies)/|\bstories\b", re.I), "story"),
    (re.compile(r"\b(?:association|foundation|society|alliance|non-?profit|charity|"
                r"501\(c\)\(3\))\b", re.I), "organization"),
]
BYLINE = re.compile(
    r"\bBy\s+(?P<author>[A-Z][\w.'’\-]+(?:\s+[A-Z][\w.'’\-]+){0,3})\s*(?:[,|•·–—-]|\bon\b)\s*"
    r"(?P<date>(?:[A-Z][a-z]+\.? \d{1,2},? \d{4})|(?:\d{1,2} [A-Z][a-z]+ \d{4})|\d{4}-\d{2}-\d{2})"
)
DATE_FORMATS = ("%B %d, %Y", "%B %d %Y", "%b %d, %Y", "%b. %d, %Y", "%d %B %Y", "%d %b %Y",
                "%Y-%m-%d")


def is_feed(body: bytes, content_type: str | None) -> bool:
    """Whether a response is an RSS or Atom feed rather than a page."""
    kind = (content_type or "").lower()
    if "rss" in kind or "atom" in kind:
        return True
    return bool(FEED_START.match(body[:2048]))


def _date(value) -> str | None:
    """YYYY-MM-DD from an ISO timestamp, a written date or a time struct."""
    if isinstance(value, time.struct_time):
        return time.strftime("%Y-%m-%d", value)
    text = clean_text(value)
    if not text:
        return None
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        return "-".join(match.groups())
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).strftime("%Y-%m-%d")
        except ValueError:
            continue
    return None


def kind_of(types: set[str], og_type: str, cues: str) -> str:
    """article, support-group, organization, video, story or forum."""
    if og_type.startswith("video"):
        return "video"
    for cue, kind in CUE_KINDS:
        if kind in ("support-group", "story", "forum") and cue.search(cues):
            return kind
    for wanted, kind in TYPE_KINDS:
        if types & wanted:
            return kind
    for cue, kind in CUE_KINDS:
        if cue.search(cues):
            return kind
    return "article"


def _summary(text: str | None) -> str | None:
    text = clean_text(text)
    if text and len(text) > SUMMARY_LIMIT:
        text = text[:SUMMARY_LIMIT].rsplit(" ", 1)[0] + "…"
    return text


def _lead(text: str | None, title: str) -> str | None:
    """The first real paragraph of an article's text (not its title or dateline)."""
    paragraphs = [line.removeprefix(title).strip() for line in (text or "").splitlines()]
    paragraphs = [line for line in paragraphs if len(line.split()) >= 12]
    return paragraphs[0] if paragraphs else None


def feed_items(body: bytes, url: str) -> list[ResourceItem]:
    """One record per feed entry."""
    feed = feedparser.parse(body)
    items = []
    for entry in feed.entries:
        link = normalise_url(entry.get("link"), url)
        categories = " ".join(tag.get("term", "") for tag in entry.get("tags", []))
        summary = entry.get("summary") or entry.get("description")
        content = " ".join(part.get("value", "") for part in entry.get("content", []))
        items.append(ResourceItem(
            title=clean_text(entry.get("title")),
            url=link,
            kind=kind_of(set(), "", f"{entry.get('title', '')} {categories} {link or ''}"),
            summary=_summary(summary),
            author=clean_text(entry.get("author")),
            published=_date(entry.get("published_parsed") or entry.get("updated_parsed")),
            conditions=[],
            treatments=[],
            source_url=url,
            text=clean_text(f"{entry.get('title', '')}\n{summary or ''}\n{content}"),
            extras={"categories": categories.split()} if categories else {},
        ))
    return items


def _author(value) -> str | None:
    if isinstance(value, list):
        names = [_author(item) for item in value]
        return ", ".join(name for name in names if name) or None
    return clean_text(first(value))


def page_item(html_text: str, url: str) -> ResourceItem | None:
    """The one record an article-like page yields."""
    tree = parse_tree(html_text)
    nodes = page_nodes(tree, html_text, url)
    # The node the page is about: an article, video or forum post, else the first that is not
    # the site's furniture (a WordPress graph also names the site's Organization).
    content_types = {kind for types, _ in TYPE_KINDS[:2] for kind in types} | ARTICLE_TYPES
    main = (next((node for node in nodes if type_names(node) & content_types), None)
            or next((node for node in nodes if type_names(node) - PAGE_FURNITURE), {}))

    def meta(xpath: str) -> str | None:
        return clean_text(tree.xpath(f"string({xpath})"))

    document = trafilatura.bare_extraction(
        html_text, url=url, with_metadata=True, include_comments=False,
        date_extraction_params={"extensive_search": False, "original_date": True,
                                "outputformat": "%Y-%m-%d"})
    found = document.as_dict() if document is not None else {}
    byline = BYLINE.search(" ".join(tree.xpath("//body//text()")))
    title = (clean_text(first(main.get("headline")))
             or meta('//meta[@property="og:title"]/@content')
             or clean_text(first(main.get("name"))) or clean_text(found.get("title"))
             or meta("//title"))
    if not title:
        return None
    published = (_date(first(main.get("datePublished")) or first(main.get("uploadDate")))
                 or _date(meta('//meta[@property="article:published_time"]/@content'))
                 or _date(tree.xpath("string((//article//time|//time)[1]/@datetime)"))
                 or (_date(byline.group("date")) if byline else None)
                 or _date(found.get("date")))
    author = (_author(main.get("author"))
              or meta('//meta[@name="author"]/@content')
              or meta('(//*[@rel="author" or contains(@class, "author")])[1]')
              or (byline.group("author") if byline else None)
              or clean_text(found.get("author")))
    summary = (meta('//meta[@name="description"]/@content')
               or meta('//meta[@property="og:description"]/@content')
               or clean_text(first(main.get("description"))) or _lead(found.get("text"), title))
    og_type = (meta('//meta[@property="og:type"]/@content') or "").lower()
    types = type_names(main)
    cues = f"{title} {url} {meta('//h1')}"
    text = "\n".join(part for part in (title, summary, found.get("text")) if part)
    return ResourceItem(
        title=title, url=url,
        kind=kind_of(types, og_type, cues), summary=_summary(summary), author=author,
        published=published, conditions=[], treatments=[], source_url=url, text=text,
        extras={"types": sorted(types)},
    )


def extract_resources(body: str | bytes, url: str, *,
                      content_type: str | None = None) -> list[ResourceItem]:
    """Resource records: one per feed entry, or one for an article-like page."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if is_feed(raw, content_type):
        return feed_items(raw, url)
    item = page_item(decode(body), url)
    return [item] if item else []

"""Resource records from feeds (one per entry) and from pages that are one resource each.

A page is a resource only when it is one article, story, video, support group, organisation or
forum thread (see `page_kinds.is_one_resource`); its date is the date as the page states it,
in its own time zone.
"""

from __future__ import annotations

import re
from datetime import date
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import feedparser
import trafilatura

from crawler.extract.page import Page
from crawler.extract.page_kinds import is_one_resource
from crawler.extract.structured import ARTICLE_TYPES, first, type_names
from crawler.items import ResourceItem
from reliefmap.normalise import clean_text, fold, normalise_url

SUMMARY_LIMIT = 400
# Schema.org nodes that describe the site around a resource, not the resource itself.
PAGE_FURNITURE = {"WebSite", "BreadcrumbList", "WebPage", "ImageObject", "Person",
                  "SiteNavigationElement", "SearchAction", "CollectionPage", "Organization",
                  "LocalBusiness"}
FEED_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b",
                        re.S | re.I)
TYPE_KINDS = [
    ({"VideoObject", "Movie", "Clip"}, "video"),
    ({"DiscussionForumPosting", "Forum", "QAPage"}, "forum"),
    ({"Article", "NewsArticle", "BlogPosting", "MedicalScholarlyArticle", "ScholarlyArticle",
      "Report"}, "article"),
]
ORGANIZATION_TYPES = {"NGO", "Organization", "MedicalOrganization", "NonprofitOrganization",
                      "Corporation", "OnlineBusiness"}
# Cues in a title, URL or category, strongest first.
CUE_KINDS = [
    (re.compile(r"\bvideos?\b|\bwebinars?\b|\bwatch\b|youtube\.com|vimeo\.com", re.I), "video"),
    (re.compile(r"\bforums?\b|\bmessage boards?\b|\bdiscussion boards?\b", re.I), "forum"),
    (re.compile(r"\bsupport groups?\b|\bpeer support\b|\bmeet-?ups?\b|\bmeetings?\b", re.I),
     "support-group"),
    (re.compile(r"\b(?:patient|my|her|his|their|personal)(?: \w+){0,2} (?:story|stories|journey|"
                r"narrative)\b|/stor(?:y|ies)/|\bstories\b|\bhow i\b", re.I), "story"),
]
ORGANIZATION_CUE = re.compile(r"\b(?:association|foundation|society|alliance|non-?profit|charity|"
                              r"501\(c\)\(3\))\b", re.I)
ABOUT_PATH = re.compile(r"^/?$|/about(?:-us)?/?(?:index\.\w+)?$|/who-we-are", re.I)
FIRST_PERSON = re.compile(r"\b(?:i|i'm|i’m|i've|i’ve|my|me|myself)\b", re.I)
WORD = re.compile(r"\b\w+\b")
BYLINE = re.compile(
    r"\bBy\s+(?P<author>[A-Z][\w.'’\-]+(?:\s+[A-Z][\w.'’\-]+){0,3})\s*(?:[,|•·–—-]|\bon\b)\s*"
    r"(?P<date>(?:[A-Z][a-z]+\.? \d{1,2},? \d{4})|(?:\d{1,2} [A-Z][a-z]+ \d{4})|\d{4}-\d{2}-\d{2})"
)
TITLE_SEPARATOR = re.compile(r"\s+[|–—·•:-]\s+")
DOMAIN_NAME = re.compile(r"[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}", re.I)


def is_feed(body: bytes, content_type: str | None) -> bool:
    """Whether a response is an RSS or Atom feed rather than a page."""
    kind = (content_type or "").lower()
    if "rss" in kind or "atom" in kind:
        return True
    return bool(FEED_START.match(body[:2048]))


def stated_date(value) -> str | None:
    """YYYY-MM-DD as written, in the writer's own time zone ("2024-04-02T23:30-07:00" is
    2024-04-02), from an ISO timestamp, a mail-style date or a written one."""
    text = clean_text(value)
    if not text:
        return None
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        return _valid(*map(int, match.groups()))
    try:
        return parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    import dateparser  # large; only written dates need it

    parsed = dateparser.parse(text[:60], settings={"RETURN_AS_TIMEZONE_AWARE": True,
                                                   "PREFER_DAY_OF_MONTH": "first",
                                                   "REQUIRE_PARTS": ["day", "month", "year"]})
    return parsed.date().isoformat() if parsed else None


def _valid(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def kind_of(types: set[str], og_type: str, cues: str) -> str:
    """article, support-group, video, story or forum from types and cues (organisation aside)."""
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
        title = clean_text(entry.get("title"))
        items.append(ResourceItem(
            title=title,
            url=link,
            kind=kind_of(set(), "", f"{entry.get('title', '')} {categories} {link or ''}"),
            summary=_summary(summary),
            author=clean_text(entry.get("author")),
            published=stated_date(entry.get("published") or entry.get("updated")),
            conditions=[],
            treatments=[],
            source_url=url,
            text=clean_text(f"{summary or ''}\n{content}"),
            lead=title,
            extras={"categories": categories.split()} if categories else {},
        ))
    return items


def _author(value) -> str | None:
    if isinstance(value, list):
        names = [_author(item) for item in value]
        return ", ".join(name for name in names if name) or None
    return clean_text(first(value))


def main_node(page: Page) -> dict:
    """The node the page is about: an article, video or forum post, else the first that is not
    the site's furniture (a WordPress graph also names the site's Organization)."""
    content_types = {kind for types, _ in TYPE_KINDS for kind in types} | ARTICLE_TYPES
    return (next((node for node in page.nodes if type_names(node) & content_types), None)
            or next((node for node in page.nodes if type_names(node) - PAGE_FURNITURE), {}))


def without_site_name(title: str | None, page: Page) -> str | None:
    """A title without the site's name after a separator ("Pacing – No Spoons Wasted")."""
    if not title:
        return None
    parts = TITLE_SEPARATOR.split(title)
    site = {fold(name) for name in page.site_names}
    kept = [part for part in parts if fold(part) not in site and "." not in part.split()[-1]]
    if len(parts) > 1 and kept and len(kept) < len(parts):
        return " – ".join(kept)
    return title


def title_of(page: Page, main: dict, found: dict) -> str | None:
    """The headline: the data's (an organisation's name), the page's one h1, og:title, the
    title's first part ("Pacing | No Spoons Wasted"), without the site's name; never the site's
    own name or domain."""
    organisation = type_names(main) & ORGANIZATION_TYPES
    # The page's one h1, unless it greets ("Hi, I'm Nicolas."): a site's masthead, not a title.
    headings = [heading for heading in page.headings if heading and not heading.endswith(".")]
    candidates = [clean_text(first(main.get("headline"))),
                  clean_text(first(main.get("name"))) if organisation else None,
                  headings[0] if len(set(headings)) == 1 else None,
                  _meta(page, '//meta[@property="og:title"]/@content'),
                  page.titles[0] if page.titles else None, clean_text(found.get("title"))]
    site = {fold(name) for name in page.site_names}
    for title in candidates:
        title = without_site_name(title, page)
        if title and fold(title) not in site and not DOMAIN_NAME.fullmatch(title):
            return title
    return None


def _meta(page: Page, xpath: str) -> str | None:
    return clean_text(page.tree.xpath(f"string({xpath})"))


def published_of(page: Page, main: dict, byline, found: dict) -> str | None:
    """The date the page states for the resource, in its own time zone."""
    for value in (first(main.get("datePublished")) or first(main.get("uploadDate")),
                  _meta(page, '//meta[@property="article:published_time"]/@content'),
                  page.tree.xpath("string((//article//time|//time)[1]/@datetime)"),
                  byline.group("date") if byline else None, found.get("date")):
        found_date = stated_date(value)
        if found_date:
            return found_date
    return None


def resource_kind(page: Page, main: dict, title: str, body: str) -> str:
    """The kind of resource the page is."""
    og_type = (_meta(page, '//meta[@property="og:type"]/@content') or "").lower()
    types = type_names(main)
    cues = f"{title} {page.url} {' '.join(page.headings)}"
    kind = kind_of(types, og_type, cues)
    if kind != "article":
        return kind
    words = WORD.findall(body)
    if words and len(FIRST_PERSON.findall(body)) / len(words) >= 0.03:
        return "story"  # a person's own account
    about_site = ABOUT_PATH.search(page.url.split("?")[0].split("//", 1)[-1].partition("/")[2]
                                   or "/")
    site = " ".join(page.site_names + [title])
    if (types & ORGANIZATION_TYPES and not types & ARTICLE_TYPES) or (
            about_site and ORGANIZATION_CUE.search(site)):
        return "organization"
    return kind


def canonical_url(page: Page) -> str:
    """The URL the page names as its own (`<link rel="canonical">`): a syndicated copy names the
    original, so both are one resource. A canonical link to a site's home page is a template's
    mistake, not a claim, and is ignored."""
    canonical = normalise_url(_meta(page, '//link[@rel="canonical"]/@href'), page.url)
    if canonical and urlsplit(canonical).path.strip("/"):
        return canonical
    return page.url


def page_item(page: Page) -> ResourceItem | None:
    """The one record a page that is one resource yields."""
    if not is_one_resource(page):
        return None
    main = main_node(page)
    document = trafilatura.bare_extraction(
        page.html, url=page.url, with_metadata=True, include_comments=False,
        date_extraction_params={"extensive_search": False, "original_date": True})
    found = document.as_dict() if document is not None else {}
    title = title_of(page, main, found)
    if not title:
        return None
    byline = BYLINE.search(" ".join(line.text for line in page.content[:30]))
    author = (_author(main.get("author"))
              or _meta(page, '//meta[@name="author"]/@content')
              or _meta(page, '(//*[@rel="author" or contains(@class, "author")])[1]')
              or (byline.group("author") if byline else None)
              or clean_text(found.get("author")))
    body = found.get("text") or page.text
    described = (_meta(page, '//meta[@name="description"]/@content')
                 or _meta(page, '//meta[@property="og:description"]/@content')
                 or clean_text(first(main.get("description"))))
    summary = described or _lead(body, title)
    return ResourceItem(
        title=title, url=canonical_url(page), kind=resource_kind(page, main, title, body),
        summary=_summary(summary), author=author, published=published_of(page, main, byline,
                                                                         found),
        conditions=[], treatments=[], source_url=page.url, text=body,
        lead="\n".join([title, described or "", *page.headings]),
        extras={"types": sorted(type_names(main))},
    )


def extract_resources(body: str | bytes, url: str, *, content_type: str | None = None,
                      encoding: str | None = None) -> list[ResourceItem]:
    """Resource records: one per feed entry, or one for a page that is one resource."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if is_feed(raw, content_type):
        return feed_items(raw, url)
    item = page_item(Page(body, url, encoding))
    return [item] if item else []

"""Resource records from feeds and article-like pages."""

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, TextResponse

from crawler.extract import extract_resources

HUB = Path(__file__).resolve().parent.parent / "sample_sites" / "resource-hub"
BASE = "http://127.0.0.1:8001"


def hub_page(path: str):
    response = HtmlResponse(url=f"{BASE}/{path}", body=(HUB / path).read_bytes())
    [item] = extract_resources(response.body, response.url)
    return item


def test_rss_feed_gives_one_item_per_entry():
    body = (HUB / "feed.xml").read_text().replace("{{BASE}}", BASE).encode()
    response = TextResponse(url=f"{BASE}/feed.xml", body=body,
                            headers={"Content-Type": "application/rss+xml"})
    items = extract_resources(response.body, response.url,
                              content_type=response.headers.get("Content-Type").decode())
    assert [item["title"] for item in items] == [
        "What to expect from a ketamine infusion for CRPS",
        "Lidocaine or ketamine? Comparing infusions for neuropathic pain",
        "My CRPS journey: five years on",
        "Video: mirror therapy at home",
    ]
    assert [item["url"] for item in items] == [
        f"{BASE}/articles/ketamine-for-crps.html", f"{BASE}/articles/lidocaine-vs-ketamine.html",
        f"{BASE}/stories/my-crps-journey.html", f"{BASE}/videos/mirror-therapy.html"]
    assert [item["published"] for item in items] == [
        "2025-01-13", "2025-02-04", "2025-03-21", "2025-04-02"]
    assert [item["author"] for item in items] == [
        "Dr. Priya Natarajan", "Tom Becker", "Alex Morgan", None]
    assert [item["kind"] for item in items] == ["article", "article", "story", "video"]
    assert items[0]["summary"] == ("A step-by-step guide to ketamine infusions for complex "
                                   "regional pain syndrome.")


def test_atom_feed_is_recognised_without_a_content_type():
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Fibro Forum</title>
<entry><title>Weekly fibromyalgia chat</title><link href="/forum/weekly-chat"/>
<updated>2024-12-01T18:00:00Z</updated><author><name>Mod Team</name></author>
<summary>Our weekly forum thread.</summary></entry></feed>"""
    [item] = extract_resources(atom, "https://fibro.example/atom.xml")
    assert item["title"] == "Weekly fibromyalgia chat"
    assert item["url"] == "https://fibro.example/forum/weekly-chat"
    assert item["published"] == "2024-12-01"
    assert item["author"] == "Mod Team"
    assert item["kind"] == "forum"


@pytest.mark.parametrize(("path", "title", "author", "published", "kind"), [
    # Dates and authors given in meta tags.
    ("articles/ketamine-for-crps.html", "What to expect from a ketamine infusion for CRPS",
     "Dr. Priya Natarajan", "2025-01-13", "article"),
    # ...in JSON-LD.
    ("articles/lidocaine-vs-ketamine.html",
     "Lidocaine or ketamine? Comparing infusions for neuropathic pain", "Tom Becker",
     "2025-02-04", "article"),
    # ...in a visible byline "By Jane Doe, March 3, 2025".
    ("articles/pacing-fibromyalgia.html", "Pacing with fibromyalgia", "Jane Doe", "2025-03-03",
     "article"),
    # ...in <time datetime> and an author element.
    ("articles/nerve-blocks-explained.html", "Nerve blocks explained", "Dr. Sam Lee",
     "2024-11-18", "article"),
    ("groups/crps-support-group-seattle.html", "Seattle CRPS Support Group", None, None,
     "support-group"),
    ("orgs/crps-alliance.html", "CRPS Alliance", None, None, "organization"),
    ("videos/mirror-therapy.html", "Mirror therapy at home", "CRPS Resource Hub", "2025-04-02",
     "video"),
    ("stories/my-crps-journey.html", "My CRPS journey: five years on", "Alex Morgan",
     "2025-03-21", "story"),
])
def test_pages(path, title, author, published, kind):
    item = hub_page(path)
    assert (item["title"], item["author"], item["published"], item["kind"]) == (
        title, author, published, kind)
    assert item["url"] == f"{BASE}/{path}"
    assert item["summary"]
    assert item["text"]


def test_summary_prefers_the_description_then_the_first_paragraph():
    assert hub_page("groups/crps-support-group-seattle.html")["summary"].startswith(
        "A free peer support group")
    assert hub_page("articles/pacing-fibromyalgia.html")["summary"].startswith(
        "Pacing means splitting activities")


def test_text_excludes_navigation():
    item = hub_page("articles/ketamine-for-crps.html")
    assert "Spinal cord stimulation" not in item["text"]
    assert "five daily infusions" in item["text"]


def test_page_without_a_title_yields_nothing():
    assert extract_resources(b"<html><body></body></html>", "https://x.example/") == []


def test_undated_page_gets_no_guessed_date():
    html = (b"<html><head><title>About pacing</title></head>"
            b"<body><p>Copyright 2019</p></body></html>")
    [item] = extract_resources(html, "https://x.example/pacing")
    assert item["published"] is None


YOAST = """<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
  %s
  {"@type": "WebPage", "@id": "https://crpsfriends.example/p/#webpage", "name": "Page"},
  {"@type": "Organization", "@id": "https://crpsfriends.example/#org", "name": "CRPS Friends",
   "description": "A charity for people with CRPS."},
  {"@type": "Person", "@id": "https://crpsfriends.example/#/person/1", "name": "Lee Park"},
  {"@type": "WebSite", "@id": "https://crpsfriends.example/#website", "name": "CRPS Friends"}]}
</script>"""


def test_wordpress_graph_on_a_plain_page_is_not_the_organization():
    head = (YOAST % "") + '<meta property="og:title" content="Monthly CRPS support group">'
    html = f"<html><head>{head}</head><body><h1>Monthly CRPS support group</h1></body></html>"
    [item] = extract_resources(html.encode(), "https://crpsfriends.example/support-group/")
    assert item["title"] == "Monthly CRPS support group"
    assert item["kind"] == "support-group"


def test_wordpress_graph_on_a_post():
    article = ('{"@type": "Article", "headline": "Mirror boxes on a budget", '
               '"author": {"@id": "https://crpsfriends.example/#/person/1"}, '
               '"datePublished": "2024-10-02T08:00:00+00:00"},')
    html = f"<html><head>{YOAST % article}</head><body><p>Text.</p></body></html>"
    [item] = extract_resources(html.encode(), "https://crpsfriends.example/mirror-boxes/")
    assert (item["title"], item["author"], item["published"], item["kind"]) == (
        "Mirror boxes on a budget", "Lee Park", "2024-10-02", "article")


BLOG = Path(__file__).resolve().parent.parent / "sample_sites" / "patient-blog"


@pytest.mark.parametrize("path", ["index.html", "page/2/index.html", "category/crps/index.html",
                                  "tag/pacing/index.html", "author/sam/index.html"])
def test_listings_are_no_resources(path):
    assert extract_resources((BLOG / path).read_bytes(), f"https://blog.example/{path}") == []


@pytest.mark.parametrize("url", ["https://blog.example/archive-of-things",
                                 "https://blog.example/p?id=7"])
def test_a_listing_is_told_by_its_structure_not_its_url(url):
    teasers = "".join(f'<article><h2><a href="/post-{n}">Post {n}</a></h2><p>Teaser.</p>'
                      f'<a href="/post-{n}">Read more</a></article>' for n in range(3))
    html = f"<html><head><title>Things</title></head><body><main>{teasers}</main></body></html>"
    assert extract_resources(html.encode(), url) == []


@pytest.mark.parametrize("html", [
    '<script type="application/ld+json">{"@type": "CollectionPage", "name": "All guides"}</script>'
    "<h1>All guides</h1><p>Guides for patients.</p>",
    "<h1>Category: CRPS</h1><article><h2><a href='/one'>One</a></h2></article>",
])
def test_archive_pages_are_no_resources(html):
    assert extract_resources(html.encode(), "https://blog.example/guides") == []


@pytest.mark.parametrize("path", ["contact/", "book-an-appointment/", "locations/"])
def test_a_sites_own_pages_are_no_resources(path):
    html = b"<html><head><title>Contact us</title></head><body><h1>Write to us</h1></body></html>"
    assert extract_resources(html, f"https://crps.example/{path}") == []


@pytest.mark.parametrize(("written", "expected"), [
    ("2024-04-02T23:30:00-07:00", "2024-04-02"),      # its own day, not UTC's
    ("Tue, 02 Apr 2024 23:30:00 -0700", "2024-04-02"),
    ("April 2, 2024", "2024-04-02"),
    ("2 avril 2024", "2024-04-02"),
    ("2024-02-30", None),
    ("soon", None),
])
def test_dates_are_read_as_stated(written, expected):
    from crawler.extract.resources import stated_date

    assert stated_date(written) == expected


def test_a_feed_entry_keeps_the_date_of_its_own_time_zone():
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title><item>
<title>Late</title><link>https://blog.example/late</link>
<pubDate>Tue, 02 Apr 2024 23:30:00 -0700</pubDate></item></channel></rss>"""
    [item] = extract_resources(rss, "https://blog.example/feed")
    assert item["published"] == "2024-04-02"

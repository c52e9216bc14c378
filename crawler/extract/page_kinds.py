"""What kind of page this is: articles, news, legal notices and searches are never a clinic's
page, whatever site-wide data or footer they carry."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawler.extract.page import Page
from crawler.extract.structured import is_article
from crawler.normalise import clean_text

# Blog posts, news and press releases live under paths like these; they are never clinic pages.
ARTICLE_PATH = re.compile(r"/(?:blog|blogs|news|newsroom|articles?|posts?|press|press-releases?|"
                          r"media-releases?|stories)/"
                          r"[^/]+|/(?:19|20)\d{2}/\d{2}/", re.I)
# Pages every clinic site has that say nothing about the clinic: legal notices, search forms.
OTHER_PATH = re.compile(
    r"/(?:privacy(?:-policy|-notice)?|notice-of-privacy-practices|hipaa[\w-]*|terms[\w-]*|"
    r"cookie[\w-]*|disclaimer|accessibility[\w-]*|nondiscrimination[\w-]*|legal|search|"
    r"find-an?-(?:doctor|provider|physician|specialist)s?)(?:[/.]|$)"
    r"|/(?:events?|careers?|jobs?)/[^/]+", re.I)
OTHER_HEADING = re.compile(
    r"^(?:privacy (?:policy|notice)|notice of privacy practices|terms (?:of|and) \w+|"
    r"cookie policy|disclaimer|accessibility statement|search results?|"
    r"find an? (?:doctor|provider|physician|specialist)s?)\b", re.I)
RELEASE_LINE = re.compile(r"^(?:press release|news release|media release|for immediate release|"
                          r"media contacts?|media inquiries)\s*:?$", re.I)
# What a search that found nothing says: "No providers match your filters", "0 results".
NO_RESULTS = re.compile(r"^(?:sorry,? )?(?:no|0) (?:results?|matches|doctors|providers|"
                        r"physicians|specialists|clinics|locations)\b", re.I)
# A story's byline or dateline near its top: "By Marcus Reed, Staff Writer", "Posted: 06/03/2024".
BYLINE = re.compile(r"^(?:(?:written |story |words )?by\s+(?!appointment|referral)"
                    r"(?-i:[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){1,3})(?:$|,|\s[|·•–—]|\s+on\s)"
                    r"|(?:posted|published)(?: on)?:?\s+(?:\w+\.? )?\d"
                    r"|(?:medically |clinically )?reviewed by:?\s+(?-i:[A-Z]))",
                    re.I)


def not_a_clinic_page(page: Page) -> bool:
    """Articles, news, press releases, legal notices and search pages."""
    path = urlsplit(page.url).path
    if is_article(page.nodes, page.tree) or ARTICLE_PATH.search(path) or OTHER_PATH.search(path):
        return True
    heading = clean_text(page.tree.xpath("string((//h1)[1])")) or ""
    content = page.content
    return bool(OTHER_HEADING.match(heading)) or any(
        RELEASE_LINE.match(line.text) or NO_RESULTS.match(line.text)
        for line in content[:40]) or any(BYLINE.match(line.text) for line in content[:15])

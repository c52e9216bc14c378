"""What kind of page this is: articles, news, legal notices and searches are never a clinic's
page, whatever site-wide data or footer they carry; listings and clinics' pages are never one
resource."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from crawler.extract.contacts import phones_in
from crawler.extract.page import Page
from crawler.extract.structured import clinic_records, is_article, type_names
from crawler.extract.text import text_records
from reliefmap.normalise import clean_text

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


# Schema.org types of pages that list others: archives, blogs, search results.
LISTING_TYPES = {"CollectionPage", "ItemList", "Blog", "SearchResultsPage"}
ARCHIVE_PATH = re.compile(r"/(?:tags?|categor(?:y|ies)|authors?|archives?|topics?|page/\d+|"
                          r"search)(?:/|$)|[?&](?:s|q|tag|category|paged?)=", re.I)
ARCHIVE_HEADING = re.compile(r"^(?:tag|tagged|category|categories|archives?|author|topic|"
                             r"posts? (?:tagged|in|by|about)|all (?:posts|articles|stories)|"
                             r"search results?|page \d+)\b|^(?:blog|news|articles|stories)$",
                             re.I)
READ_MORE = re.compile(r"^(?:read more|continue reading|read the (?:full )?(?:post|article|story)|"
                       r"keep reading|view (?:post|article)|lire la suite|leer m[aá]s)\b", re.I)


SITE_PAGE = re.compile(r"/(?:contact(?:-us)?|book(?:ing|-an-appointment)?|appointments?|"
                       r"request-an-appointment|locations?|directions|find-us|sitemap|login|"
                       r"cart)(?:[/.]|$)", re.I)
SITE_PAGE_HEADING = re.compile(r"^(?:contact(?: us)?|get in touch|book (?:an|your) appointment|"
                               r"request an appointment|our locations?|find us|directions|"
                               r"contactez-nous|cont[aá]ctanos)\b", re.I)
ORGANIZATION_TYPES = {"NGO", "Organization", "NonprofitOrganization", "MedicalOrganization"}
ORGANIZATION_NAME = re.compile(r"\b(?:association|foundation|society|alliance|charity|"
                               r"coalition|network|support|trust)\b", re.I)


LINKED_SHARE = 0.7
# A date alone on a line near the top: an article's dateline.
DATE_LINE = re.compile(r"^(?:posted|published|updated)?(?: on)?:?\s*(?:[A-Z][a-z]+\.? \d{1,2},? "
                       r"\d{4}|\d{1,2} [A-Z][a-z]+ \d{4}|\d{4}-\d{2}-\d{2})$", re.I)
APPOINTMENT = re.compile(r"\b(?:appointments?|schedule|book|consultation|new patients?|call us|"
                         r"call today|rendez-vous|cita)\b", re.I)


def teasers(page: Page) -> int:
    """How many other pages of the site the content announces by a linked heading or a "read
    more" link: a listing's teasers."""
    host = urlsplit(page.url).hostname
    own = page.url.split("#")[0]
    targets = set()
    for line in page.content:
        for href, text in line.links:
            target = urljoin(page.url, href).split("#")[0]
            if target == own or urlsplit(target).hostname != host:
                continue
            if (line.heading and text == line.text) or READ_MORE.match(text or ""):
                targets.add(target)
    return len(targets)


def is_link_list(page: Page) -> bool:
    """A page of links ("Resources: the ACPA, the US Pain Foundation, ..."): most of its text is
    the text of at least three links."""
    linked = sum(len(text) for line in page.content for _, text in line.links if text)
    links = sum(1 for line in page.content for _, text in line.links if text)
    total = sum(len(line.text) for line in page.content)
    return links >= 3 and total > 0 and linked / total >= LINKED_SHARE


def is_listing(page: Page) -> bool:
    """A home, archive, category, tag, author, search or pagination page of a blog or site,
    told by its structure: the data says so, or its content is teasers of other pages or a
    list of links."""
    if any(type_names(node) & LISTING_TYPES for node in page.nodes) or is_link_list(page):
        return True
    count = teasers(page)
    path = urlsplit(page.url).path
    archive = bool(ARCHIVE_PATH.search(page.url) or (page.headings and ARCHIVE_HEADING.match(
        page.headings[0])) or page.tree.xpath('//link[@rel="next" or @rel="prev"]'))
    if count >= 3 or (count and (archive or path in ("", "/"))):
        return True
    return archive and not is_article(page.nodes, page.tree)


def is_clinic_page(page: Page) -> bool:
    """A clinic's own page (its contact, services or home page), not an article of its: the
    site names itself as a clinic, its data or text gives a clinic's address, or it asks
    patients to call for an appointment."""
    if is_article(page.nodes, page.tree) or any(BYLINE.match(line.text) or DATE_LINE.match(
            line.text) for line in page.content[:15]):
        return False
    if page.is_clinic_site or offers_appointments(page):
        return True
    if any(any(record.get(key) for key in ("street", "postal_code", "address"))
           for record in clinic_records(page.nodes)):
        return True
    return any(record["name"] for record in text_records(page, "US"))


def offers_appointments(page: Page) -> bool:
    """"Call (559) 432-6807 to schedule your consultation": a practice's page, not an article."""
    return any(APPOINTMENT.search(line.text) and phones_in([line], "US")
               for line in page.content)


def is_site_page(page: Page) -> bool:
    """A site's contact, appointment or locations page, legal notices and search forms, and its
    home page unless it is an organisation's own: never one resource."""
    path = urlsplit(page.url).path
    heading = page.headings[0] if page.headings else ""
    if SITE_PAGE.search(path) or SITE_PAGE_HEADING.match(heading) or OTHER_PATH.search(path):
        return True
    if path.strip("/") in ("", "index.html", "index.php", "home"):
        organisation = any(type_names(node) & ORGANIZATION_TYPES for node in page.nodes)
        return not (organisation or any(ORGANIZATION_NAME.search(name)
                                        for name in page.brands))
    return False


def is_one_resource(page: Page) -> bool:
    """One article, story, video, support group, organisation or forum thread: not a listing
    of other pages, not a site's contact or home page, not a clinic's own page."""
    return not (is_listing(page) or is_site_page(page) or is_clinic_page(page))

"""What a clinic page yields: schema.org data, then a source's selectors, then visible text."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from w3lib.encoding import html_to_unicode

from crawler.extract import heuristics, structured
from crawler.extract.heuristics import Line
from crawler.extract.selectors import select_fields
from crawler.items import ClinicItem
from crawler.normalise import (
    clean_text,
    fold,
    home_url,
    looks_like_own_site,
    normalise_email,
    normalise_phone,
    normalise_postal_code,
    normalise_region,
)

ADDRESS_FIELDS = ("street", "locality", "region", "postal_code", "country")
COMPARED_FIELDS = ("phone", "email", "postal_code")
# Pages where a site's footer address is the clinic's own: home, contact and location pages.
CONTACT_PATH = re.compile(r"^/?$|contact|location|find-us|directions|visit|about|office", re.I)
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
                    r"|(?:posted|published)(?: on)?:?\s+(?:\w+\.? )?\d)",
                    re.I)
WELCOME = re.compile(r"^welcome to\s+(?:the\s+)?", re.I)
POSTAL_COUNTRY = [
    ("CA", re.compile(r"^[A-Z]\d[A-Z] ?\d[A-Z]\d$", re.I)),
    ("GB", re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$", re.I)),
    ("US", re.compile(r"^\d{5}(?:-\d{4})?$")),
]


def decode(body: str | bytes, encoding: str | None = None) -> str:
    """Unicode text of a page, from the given encoding, its BOM or its meta charset."""
    if isinstance(body, str):
        return body
    header = f"text/html; charset={encoding}" if encoding else None
    return html_to_unicode(header, body)[1]


def parse_address(text: str | None) -> dict:
    """Street, locality, region, postal code and country from a written address."""
    if not text:
        return {}
    parts = [part for part in re.split(r"\s*(?:\n|<br\s*/?>)\s*", text) if part.strip()]
    blocks = heuristics.address_blocks([Line(clean_text(part) or "") for part in parts])
    if not blocks:
        return {}
    block = blocks[0]
    return {"street": block.street, "locality": block.locality, "region": block.region,
            "postal_code": block.postal_code, "country": block.country}


def country_of(record: dict, default: str) -> str:
    """The written country, else the one the postcode's shape gives, else the default."""
    if record.get("country"):
        return record["country"]
    postal_code = (record.get("postal_code") or "").strip()
    for country, pattern in POSTAL_COUNTRY:
        if pattern.match(postal_code):
            return country
    if re.fullmatch(r"\d{4}", postal_code) and normalise_region(record.get("region"), "AU"):
        return "AU"
    return default


def _page_name(tree, site_name: str | None) -> str | None:
    """The clinic name a single-clinic page gives in its heading, site name or title.

    A heading that names an institution ("Pain Management Service") wins; one that only names a
    topic ("Ketamine Infusion Therapy", "Relief Is Possible") yields to the site's own name.
    """
    candidates = tree.xpath("//h1//text()[normalize-space()]/ancestor::h1[1]")
    headings = [WELCOME.sub("", clean_text(h.text_content()) or "") for h in candidates]
    title = clean_text(tree.xpath("string(//title)")) or ""
    names = ([h for h in headings if heuristics.INSTITUTION_WORDS.search(h)] + [site_name]
             + headings + [part.strip() for part in re.split(r"\s[|–—\-:]\s", title)])
    return next((name for name in names if heuristics.is_clinic_name(name)), None)


def site_name_of(tree, url: str) -> str | None:
    """Whose site this is: og:site_name, else the text of the brand link to the home page."""
    return (clean_text(tree.xpath('string(//meta[@property="og:site_name"]/@content)'))
            or _home_link_text(tree, url))


def _home_link_text(tree, url: str) -> str | None:
    """The text of the site's own brand link (to "/"), which names whose site this is."""
    home = home_url(url) if url.startswith("http") else None
    for link in tree.xpath("//a[@href]"):
        if link.get("href") in ("/", home, home and home.rstrip("/")):
            text = clean_text(link.text_content()) or clean_text(link.xpath("string(.//img/@alt)"))
            if text and text.lower() != "home":
                return text
    return None


def _segments(lines: list[Line], blocks) -> list[tuple[int, int, str | None]]:
    """(first line, end line, name) of the stretch of text that belongs to each address."""
    starts, names = [], []
    previous_end = 0
    for block in blocks:
        name = heuristics.name_before(lines, block.start, previous_end)
        index = next((i for i in range(block.start - 1, previous_end - 1, -1)
                      if name and name in lines[i].text), block.start)
        starts.append(index)
        names.append(name)
        previous_end = block.end + 1
    ends = starts[1:] + [len(lines)]
    return list(zip(starts, ends, names, strict=True))


def heuristic_records(tree, url: str, country: str, own_content: list[Line] | None = None,
                      own_blocks: list | None = None) -> list[dict]:
    """One record per address block with a clinic-like name in the page's visible text."""
    body = _body(tree)
    if own_content is None:
        own_content = heuristics.page_lines(body, skip_chrome=True)
    content = own_content
    blocks = heuristics.address_blocks(content) if own_blocks is None else own_blocks
    if not blocks and CONTACT_PATH.search(urlsplit(url).path):
        content = heuristics.page_lines(body)
        blocks = heuristics.address_blocks(content)
    if not blocks:
        return []
    # Classification reads the page's own content, never the header, menus or footer.
    own_text = "\n".join(line.text for line in own_content)
    site_name = site_name_of(tree, url)
    page_name = _page_name(tree, site_name)
    single = len(blocks) == 1
    own_site = looks_like_own_site(page_name, url, site_name)
    records = []
    segments = _segments(content, blocks)
    # On a clinic's own site, what a page says before its first location applies to each one.
    intro = content[:segments[0][0]] if own_site and not single else []
    for (start, end, name), block in zip(segments, blocks, strict=True):
        segment = content if single else content[start:end]
        segment_start = 0 if single else start
        near = content[max(segment_start, block.start - 3):min(block.end + 8, end)]
        # Several addresses under one page name: branches of a clinic on its own site only.
        named = bool(name)
        if single:
            # The name at the address may spell out the page's ("Bow Valley Ketamine" + "Clinic").
            longer = name and page_name and fold(page_name) in fold(name)
            name = name if longer else (page_name or name)
        else:
            name = name or (page_name if own_site else None)
        if not name:
            continue
        phones = (heuristics.phones_in(near, block.country)
                  or heuristics.phones_in(segment, block.country))
        emails = heuristics.emails_in(near) or heuristics.emails_in(segment)
        links = heuristics.website_links(segment)
        coordinates = (None, None) if single else heuristics.link_coordinates(segment)
        records.append({
            "name": name, "named": named, "street": block.street, "locality": block.locality,
            "region": block.region, "postal_code": block.postal_code, "country": block.country,
            "phone": phones[0] if phones else None, "email": emails[0] if emails else None,
            "website": links[0] if links else None,
            "lat": coordinates[0], "lon": coordinates[1],
            "text": own_text if content is not own_content or single
            else "\n".join(line.text for line in intro + segment),
        })
    if single and records:
        if not records[0]["phone"] and looks_like_own_site(records[0]["name"], url, site_name):
            # A clinic's own header or footer gives its line; a directory's gives the directory's.
            phones = heuristics.phones_in(heuristics.page_lines(body), blocks[0].country)
            records[0]["phone"] = phones[0] if phones else None
        if not records[0]["email"]:
            emails = heuristics.emails_in(content) + heuristics.cloudflare_emails(tree)
            records[0]["email"] = emails[0] if emails else None
        coordinates = heuristics.map_coordinates(tree)
        if coordinates:
            records[0]["lat"], records[0]["lon"] = coordinates
    return records


def _selector_record(tree, selectors: dict | None) -> dict:
    fields = select_fields(tree, selectors)
    if "address" in fields:
        for key, value in parse_address(fields.pop("address")).items():
            fields.setdefault(key, value)
    return fields


def _same(field: str, first, second, country: str) -> bool:
    if field == "phone":
        return normalise_phone(first, country) == normalise_phone(second, country)
    if field == "email":
        return normalise_email(first) == normalise_email(second)
    return normalise_postal_code(first, country) == normalise_postal_code(second, country)


def _fill(record: dict, other: dict, country: str) -> list[str]:
    """Fill the record's gaps from another reading; list the fields where the two disagree."""
    disagreements = []
    for key, value in other.items():
        if value in (None, ""):
            continue
        if not record.get(key):
            record[key] = value
        elif key in COMPARED_FIELDS and not _same(key, record[key], value, country):
            disagreements.append(key)
    return disagreements


def _matching(record: dict, candidates: list[dict], alone: bool) -> dict | None:
    """The visible-text reading of the same clinic as a structured record.

    A page with one clinic in each reading pairs them; otherwise the postcode must match.
    """
    if alone and len(candidates) == 1:
        return candidates[0]
    wanted = (record.get("postal_code") or "").replace(" ", "").upper()
    return next((c for c in candidates
                 if wanted and (c.get("postal_code") or "").replace(" ", "").upper() == wanted),
                None)


def _postcode_key(postal_code: str | None) -> str:
    return (postal_code or "").replace(" ", "").upper()


def not_a_clinic_page(tree, url: str, nodes: list[dict], own_content: list[Line]) -> bool:
    """Articles, news, press releases, legal notices and search pages: never a clinic's page,
    whatever site-wide data or footer they carry."""
    path = urlsplit(url).path
    if structured.is_article(nodes, tree) or ARTICLE_PATH.search(path) or OTHER_PATH.search(path):
        return True
    heading = clean_text(tree.xpath("string((//h1)[1])")) or ""
    return bool(OTHER_HEADING.match(heading)) or any(
        RELEASE_LINE.match(line.text) or NO_RESULTS.match(line.text)
        for line in own_content[:40]) or any(BYLINE.match(line.text) for line in own_content[:15])


def _body(tree):
    return tree.find("body") if tree.find("body") is not None else tree


def extract_clinics(html: str | bytes, url: str, *, selectors: dict | None = None,
                    country: str = "US", encoding: str | None = None) -> list[ClinicItem]:
    """The clinic records a page yields; none for articles and pages without a clinic address."""
    text = decode(html, encoding)
    tree = structured.parse_tree(text)
    nodes = structured.page_nodes(tree, text, url)
    own_content = heuristics.page_lines(_body(tree), skip_chrome=True)
    if not_a_clinic_page(tree, url, nodes, own_content):
        return []
    found = [(record, "structured") for record in structured.clinic_records(nodes)]
    for record, _ in found:
        if record.get("address") and not record.get("street"):
            record.update({k: v for k, v in parse_address(record.pop("address")).items()
                           if not record.get(k)})
        record.pop("address", None)
    by_selectors = _selector_record(tree, selectors) if selectors else {}
    own_blocks = heuristics.address_blocks(own_content)
    by_text = heuristic_records(tree, url, country, own_content, own_blocks)
    if len(found) > 1:
        # Site-wide data lists every branch; a page that shows some of them is about those.
        shown = {_postcode_key(block.postal_code) for block in own_blocks}
        found = [pair for pair in found
                 if _postcode_key(pair[0].get("postal_code")) in shown] or found
    if not found and by_selectors.get("name") and (by_selectors.get("street")
                                                   or by_selectors.get("postal_code")):
        found = [(by_selectors, "selectors")]
        by_selectors = {}
    located = [pair for pair in found if any(pair[0].get(k) for k in ADDRESS_FIELDS[:4])]
    if len(located) < len(found) and len(by_text) > 1:
        found = located  # clinic data without an address cannot say which visible clinic it is
    if not found:
        found = [(record, "heuristics") for record in by_text]
        by_text = []
    elif len(own_blocks) > 1:
        # The page shows more clinics than its data describes (a site-wide LocalBusiness on a
        # locations page): each visible clinic with a name of its own is a record too.
        described = {_postcode_key(record.get("postal_code")) for record, _ in found}
        shown = [record for record in by_text if record["named"]
                 and _postcode_key(record["postal_code"]) not in described]
        found += [(record, "heuristics") for record in shown]
        by_text = [record for record in by_text if record not in shown]
    description = clean_text(tree.xpath('string(//meta[@name="description"]/@content)'))
    site_name = site_name_of(tree, url)
    text_of_page = "\n".join(line.text for line in own_content)
    items = []
    for record, method in found:
        record_country = country_of(record, country)
        disagreements = []
        if by_selectors and len(found) == 1:
            disagreements += _fill(record, by_selectors, record_country)
        if method == "structured" and (len(found) == 1 or record.get("branch_of")):
            record["text"] = text_of_page  # what the page says applies to every branch
        other = _matching(record, by_text, alone=len(found) == 1)
        if other:
            disagreements += _fill(record, other, record_country)
        record["text"] = record.get("text") or record.get("description") or text_of_page
        record["country"] = country_of(record, country)
        items.append(_item(record, url, method, disagreements, description, site_name))
    return items


def _item(record: dict, url: str, method: str, disagreements: list[str],
          description: str | None, site_name: str | None) -> ClinicItem:
    name = clean_text(record.get("name"))
    return ClinicItem(
        name=name,
        phone=record.get("phone"),
        website=record.get("website"),
        email=record.get("email"),
        **{key: record.get(key) for key in ADDRESS_FIELDS},
        lat=record.get("lat"),
        lon=record.get("lon"),
        treatments=[],
        conditions=[],
        description=clean_text(record.get("description")) or description,
        source_url=url,
        text=record.get("text"),
        extras={
            "method": method,
            "types": record.get("types", []),
            "own_site": looks_like_own_site(name, url, site_name),
            "disagreements": sorted(set(disagreements)),
        },
    )

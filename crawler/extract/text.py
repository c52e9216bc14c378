"""Clinic records from a page's visible text: one per address block with a clinic to name it.

An address in the page's own content counts wherever it is. An address only in the site's
header or footer counts on the clinic's own site (any page of it), named by the site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from crawler.extract.addresses import (
    AddressBlock,
    address_blocks,
    distinct_blocks,
    place_key,
    street_blocks,
    town_lines,
)
from crawler.extract.contacts import (
    cloudflare_emails,
    emails_in,
    link_coordinates,
    map_coordinates,
    phones_in,
    website_links,
)
from crawler.extract.lines import Line
from crawler.extract.names import (
    is_clinic_name,
    is_name_like,
    is_not_clinic,
    is_person,
    is_topic,
)
from crawler.extract.names import name_before as heading_before
from crawler.extract.page import Page
from reliefmap.normalise import fold

CONTACT_PATH = re.compile(r"^/?$|contact|location|find-us|directions|visit|about|office", re.I)


@dataclass
class Segment:
    """The stretch of lines that belongs to one address, and the name found for it."""

    start: int
    end: int
    name: str | None
    block: AddressBlock


def segments(lines: list[Line], blocks: list[AddressBlock]) -> list[Segment]:
    """Each address with the lines from its name (or its first line) to the next one's."""
    found = []
    previous_end = 0
    for block in blocks:
        name = heading_before(lines, block.start, previous_end) or _card_title(
            lines, block.start, previous_end)
        index = next((i for i in range(block.start - 1, previous_end - 1, -1)
                      if name and name in lines[i].text), block.start)
        found.append(Segment(index, 0, name, block))
        previous_end = block.end + 1
    for segment, following in zip(found, found[1:] + [None], strict=True):
        segment.end = following.start if following else len(lines)
    return found


def _card_title(lines: list[Line], start: int, stop: int) -> str | None:
    """A card's own heading right above its address ("YourGP@Crace", "Dr. Carl Becker")."""
    for index in range(start - 1, max(stop, start - 3) - 1, -1):
        line = lines[index]
        titled = any(link_text == line.text for _, link_text in line.links)
        if line.heading and is_name_like(line.text, titled=titled):
            return line.text
    return None


def blocks_of(page: Page, country: str) -> tuple[list[Line], list[AddressBlock], bool]:
    """The lines read, their address blocks, and whether they came from the site's chrome.

    The chrome's address is read on a clinic's or practice's site (it names itself as one), on
    the contact, home and
    location pages of any site, and wherever it is under a clinic's name that the domain spells
    (a support group's footer address is no clinic).
    """
    written = street_blocks(page.content, country)
    blocks = distinct_blocks(written)
    cards = card_towns(page.content, blocks, country, {block.end for block in written})
    if blocks or cards:
        return page.content, sorted(blocks + cards, key=lambda block: block.start), False
    blocks = address_blocks(page.lines, country)
    if not (page.brand or page.is_clinic_site or CONTACT_PATH.search(urlsplit(page.url).path)):
        # Elsewhere only a footer that names a clinic the site's domain spells.
        blocks = [block for block in blocks
                  if page.own_site(heading_before(page.lines, block.start, 0))]
    return page.lines, blocks, True


def card_towns(lines: list[Line], blocks: list[AddressBlock], country: str,
               street_ends: set[int]) -> list[AddressBlock]:
    """Directory cards that give a town and postcode but no street, each under its own title:
    on a page of several such cards, or under a title that names a clinic. `street_ends`: the
    lines that end a street address."""
    taken = {index for block in blocks for index in range(block.start, block.end + 1)}
    cards = []
    for town in town_lines(lines, street_ends, country):
        if town.start in taken:
            continue
        title = _card_title(lines, town.start, max(0, town.start - 3))
        if title and not is_not_clinic(title):
            cards.append(town)
    if len(cards) == 1 and not is_clinic_name(_card_title(lines, cards[0].start, 0)):
        return []
    return cards


def text_records(page: Page, country: str) -> list[dict]:
    """One record per address block in the page's visible text; `name` is None where no clinic
    could be named (the address still tells which of a site's branches the page shows)."""
    lines, blocks, from_chrome = blocks_of(page, country)
    if not blocks:
        return []
    parts = _without_repeats(segments(lines, blocks))
    single = len(parts) == 1
    records = [_record(page, lines, segment, _name(page, segment, single, from_chrome), single)
               for segment in parts]
    named = [record for record in records if record["name"]]
    if single and named:
        _fill_from_page(page, records[0], country, single=True)
        coordinates = map_coordinates(page.tree)
        if coordinates:
            records[0]["lat"], records[0]["lon"] = coordinates
    elif named and page.own_site(named[0]["name"]):
        # On a clinic's own site, what a page says before its first branch applies to each.
        intro = "\n".join(line.text for line in lines[:parts[0].start] if not line.chrome)
        for record in named:
            _fill_from_page(page, record, country, single=False)
            record["text"] = f"{intro}\n{record['text']}"
    return records


def _without_repeats(found: list[Segment]) -> list[Segment]:
    """An address the page gives again (in an hours table, a footer) without a name of its own
    is the same place, not another clinic; two clinics may share a building under two names."""
    kept: list[Segment] = []
    for segment in found:
        same = next((other for other in kept
                     if place_key(other.block) == place_key(segment.block)), None)
        if same is None or (segment.name and segment.name != same.name):
            kept.append(segment)
    return kept


def _name(page: Page, segment: Segment, single: bool, from_chrome: bool) -> str | None:
    """The clinic an address belongs to (None for a support group's meeting or an event)."""
    name = segment.name
    if name and is_not_clinic(name):
        return None
    if from_chrome:
        return _site_clinic(page, name)
    if single:
        return _page_clinic(page, name)
    return _card_clinic(page, name)


def _site_clinic(page: Page, name: str | None) -> str | None:
    """An address only in the site's chrome is the site's own: the clinic the site is."""
    if page.brand or page.is_clinic_site:
        return page.brand or page.name
    return next((candidate for candidate in (name, page.name)
                 if candidate and page.own_site(candidate)), None)


def _page_clinic(page: Page, name: str | None) -> str | None:
    """A lone address is the page's clinic; the name at the address may spell it out further
    ("Bow Valley Ketamine" + "Clinic")."""
    page_name = page.name
    longer = name and page_name and fold(page_name) in fold(name)
    return name if longer or not page_name else page_name


def _card_clinic(page: Page, name: str | None) -> str | None:
    """A card titled with its own name is that clinic; on a clinic's own site, a card titled by
    a doctor's name or a service ("PHYSICAL THERAPY") is a branch of the site's clinic."""
    if name and not (is_person(name) or is_topic(name)):
        return name
    if page.brand:
        return page.brand
    return name if name and is_clinic_name(name) else None


def _record(page: Page, lines: list[Line], segment: Segment, name: str | None,
            single: bool) -> dict:
    block = segment.block
    part = lines if single else lines[segment.start:segment.end]
    near = lines[max(0 if single else segment.start, block.start - 3):
                 min(block.end + 8, segment.end)]
    phones = phones_in(near, block.country) or phones_in(part, block.country)
    emails = emails_in(near) or emails_in(part)
    # On a clinic's own page the site is its website; the sites it links to are others'.
    websites = [] if single and page.own_site(name) else website_links(part)
    coordinates = (None, None) if single else link_coordinates(part)
    return {
        "name": name, "named": bool(segment.name), "street": block.street,
        "locality": block.locality, "region": block.region, "postal_code": block.postal_code,
        "country": block.country, "phone": phones[0] if phones else None,
        "email": emails[0] if emails else None, "website": websites[0] if websites else None,
        "lat": coordinates[0], "lon": coordinates[1],
        "text": page.text if single else "\n".join(line.text for line in part
                                                   if not line.chrome),
    }


def _fill_from_page(page: Page, record: dict, country: str, single: bool) -> None:
    """On a clinic's own site, its header or footer gives its line and e-mail; a directory's
    gives the directory's, so elsewhere only the page's own content counts."""
    own = page.own_site(record["name"])
    if not record["phone"] and own:
        phones = page.phones(record["country"] or country)
        record["phone"] = phones[0] if phones else None
    if not record["email"] and (own or single):
        emails = page.emails if own else emails_in(page.content) + cloudflare_emails(page.tree)
        record["email"] = emails[0] if emails else None

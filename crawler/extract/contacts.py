"""Contacts in visible lines: phone numbers, e-mail addresses, website links, map coordinates."""

from __future__ import annotations

import re
from urllib.parse import unquote

import phonenumbers

from crawler.extract.lines import Line
from reliefmap.normalise import NANP_NUMBER, NOT_CLINIC_PHONE, coordinates

# North American toll-free numbers spelled in letters: "1-800-RELIEF-1", "(888) KETAMINE".
VANITY = re.compile(r"(?<![\w-])(?:1[-. ])?(?:\(8(?:00|33|44|55|66|77|88)\) ?|"
                    r"8(?:00|33|44|55|66|77|88)[-.])"
                    r"(?=[\dA-Z-]{0,8}[A-Z]{2})[\dA-Z](?:[-. ]?[\dA-Z]){6}")
OBFUSCATED_EMAIL = re.compile(
    r"([\w.+\-]+)\s*(?:\[\s*at\s*\]|\(\s*at\s*\)|\{\s*at\s*\}|\s+at\s+)\s*([\w\-]+(?:\s*"
    r"(?:\[\s*dot\s*\]|\(\s*dot\s*\)|\{\s*dot\s*\}|\s+dot\s+|\.)\s*[\w\-]+)+)",
    re.I,
)
EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
AT_WORD = re.compile(r"[\[({]\s*at\s*[\])}]|\sat\s", re.I)
DOT = re.compile(r"\s*(?:\[\s*dot\s*\]|\(\s*dot\s*\)|\{\s*dot\s*\}|\s+dot\s+|\.)\s*", re.I)
WEBSITE_TEXT = re.compile(r"\b(?:website|web site|visit site|official site|homepage|home page|"
                          r"visit (?:their|our|the) (?:site|website)|site web|sitio web)\b|"
                          r"^(?:https?://|www\.)|^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}/?(?:\s|$)",
                          re.I)
MAP_HOST = re.compile(r"google\.[a-z.]+/maps|maps\.google|goo\.gl/maps|openstreetmap\.org|"
                      r"maps\.apple\.com|bing\.com/maps", re.I)
MAP_COORDINATES = [
    re.compile(r"!3d(?P<lat>-?\d+\.\d+)!4d(?P<lon>-?\d+\.\d+)"),
    re.compile(r"!2d(?P<lon>-?\d+\.\d+)!3d(?P<lat>-?\d+\.\d+)"),
    re.compile(r"[?&](?:q|ll|center|daddr|destination|query|sll)=(?P<lat>-?\d+\.\d+)"
               r"(?:,|%2C)\s*(?P<lon>-?\d+\.\d+)", re.I),
    re.compile(r"@(?P<lat>-?\d+\.\d+),(?P<lon>-?\d+\.\d+)"),
    re.compile(r"mlat=(?P<lat>-?\d+\.\d+)&(?:amp;)?mlon=(?P<lon>-?\d+\.\d+)"),
    re.compile(r"marker=(?P<lat>-?\d+\.\d+)(?:,|%2C)(?P<lon>-?\d+\.\d+)"),
    re.compile(r"#map=\d+/(?P<lat>-?\d+\.\d+)/(?P<lon>-?\d+\.\d+)"),
]



def phones_in(lines: list[Line], country: str) -> list[str]:
    """Phone numbers of the lines in order, `tel:` links first; fax and switchboards skipped."""
    found: list[str] = []
    for index, line in enumerate(lines):
        found += _tel_links(line)
        for start, number in _numbers(line.text, country):
            context = line.text[max(0, start - 40):start]
            if not context.strip() and index > 0 and len(lines[index - 1].text) < 30:
                context = f"{lines[index - 1].text} {context}"  # "Fax:" in the cell before
            if not NOT_CLINIC_PHONE.search(_last_label(context)):
                found.append(number)
    return found


def _tel_links(line: Line) -> list[str]:
    """The numbers of a line's `tel:` links, unless labelled as a fax or switchboard."""
    found = []
    for href, text in line.links:
        if href.lower().startswith(("tel:", "callto:")):
            context = _label_before(line.text, text) or (text if not line.text else "")
            if not NOT_CLINIC_PHONE.search(context or ""):
                found.append(unquote(href.split(":", 1)[1]))
    return found


def _numbers(text: str, country: str) -> list[tuple[int, str]]:
    """(position, number) of each phone number written in a text."""
    digits = sum(map(str.isdigit, text))
    if digits < 3:
        return []  # a phone number has more digits (even "1-800-RELIEF-1")
    matches = []
    if country in ("US", "CA"):
        matches = [(match.start(), match.group()) for pattern in (NANP_NUMBER, VANITY)
                   for match in pattern.finditer(text)]
    if digits >= 6 and (not matches or "+" in text):
        # Numbers written otherwise (international forms, other countries' own).
        matches += [(match.start, match.raw_string)
                    for match in phonenumbers.PhoneNumberMatcher(
                        text, country, leniency=phonenumbers.Leniency.VALID)
                    if not any(start == match.start for start, _ in matches)]
    return sorted(matches)


def _label_before(text: str, anchor: str) -> str:
    position = text.find(anchor) if anchor else -1
    return _last_label(text[max(0, position - 40):position]) if position > 0 else ""


def _last_label(context: str) -> str:
    """The label right before a number: "Fax:" in "Tel: 555 0100 Fax:" applies, "Tel:" not."""
    pieces = re.split(r"\d[\d\s().\-]{5,}\d", context)
    return pieces[-1]


def emails_in(lines: list[Line]) -> list[str]:
    """Addresses from `mailto:` links, plain text and "name [at] host [dot] com" forms."""
    found: list[str] = []
    for line in lines:
        for href, _ in line.links:
            if href.lower().startswith("mailto:"):
                found.append(unquote(href[7:]).split("?")[0].strip())
        if "@" in line.text:
            found.extend(EMAIL.findall(line.text))
        if not AT_WORD.search(line.text):
            continue
        for match in OBFUSCATED_EMAIL.finditer(line.text):
            host = DOT.sub(".", match.group(2))
            if "." in host:
                found.append(f"{match.group(1)}@{host}")
    return found


def cloudflare_emails(tree) -> list[str]:
    """Addresses hidden by Cloudflare's email protection (`data-cfemail`)."""
    found = []
    for encoded in tree.xpath("//@data-cfemail"):
        try:
            data = bytes.fromhex(encoded)
        except ValueError:
            continue
        if data:
            found.append(bytes(b ^ data[0] for b in data[1:]).decode("utf-8", "ignore"))
    return found


def map_link_coordinates(url: str) -> tuple[float, float] | None:
    """Latitude and longitude a Google, OpenStreetMap, Apple or Bing map URL points at."""
    if not MAP_HOST.search(url or ""):
        return None
    for pattern in MAP_COORDINATES:
        match = pattern.search(url)
        if match:
            found = coordinates(match.group("lat"), match.group("lon"))
            if found:
                return found
    return None


def link_coordinates(lines: list[Line]) -> tuple[float, float] | tuple[None, None]:
    """Where the first map link in the lines points ("Get directions" on a location card)."""
    for line in lines:
        for href, _ in line.links:
            found = map_link_coordinates(href)
            if found:
                return found
    return None, None


def map_coordinates(tree) -> tuple[float, float] | None:
    """Latitude and longitude from an embedded map, a map link or data-lat/data-lng."""
    sources = tree.xpath("//iframe/@src | //iframe/@data-src | //a/@href | //img/@src")
    for source in sources:
        found = map_link_coordinates(source)
        if found:
            return found
    for element in tree.xpath("//*[@data-lat and (@data-lng or @data-lon)]"):
        found = coordinates(element.get("data-lat"),
                            element.get("data-lng") or element.get("data-lon"))
        if found:
            return found
    return None


def website_links(lines: list[Line]) -> list[str]:
    """Links the lines label as a website ("Visit website", a bare domain)."""
    found = []
    for line in lines:
        for href, text in line.links:
            label = f"{text} {line.text if len(line.text) < 40 else ''}"
            if WEBSITE_TEXT.search(text or "") or WEBSITE_TEXT.search(label):
                if not href.lower().startswith(("tel:", "mailto:", "#")):
                    found.append(href)
    return found

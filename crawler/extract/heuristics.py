"""Clinic records from visible text: address blocks, phone and email links, map embeds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

import phonenumbers

from crawler.normalise import NANP_NUMBER, clean_text

BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
}
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "dt", "th"}
SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "head", "iframe", "select",
             "button", "option", "title", "meta", "link"}
# Site chrome: never part of what a page says about a clinic's care (nor are patients' reviews,
# which mention whatever they like). A class or id is chrome when
# it is one of these words or starts or ends with one ("site-header", "menu-item"), not when the
# word sits inside a page builder's name ("elementor-widget-container" is content). Page builders
# call every content block a widget ("elementor-widget"), so "widget" counts only as a prefix.
CHROME_WORDS = (
    "nav|navbar|navigation|menu|menus|breadcrumb|breadcrumbs|sidebar|cookie|"
    "cookies|footer|header|masthead|skip-link|social|share|sharing|related|comment|comments|"
    "newsletter|popup|modal|recent|latest|posts|review|reviews|testimonial|testimonials"
)
CHROME = re.compile(rf"^(?:{CHROME_WORDS}|widget|widgets)(?:$|[-_])|[-_](?:{CHROME_WORDS})$",
                    re.I)
CHROME_TAGS = {"nav", "header", "footer", "aside", "form"}

US_STATES = ("AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|"
             "NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR")
US_STATE_WORDS = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|"
    "Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|"
    "Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|"
    "New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|"
    "Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|"
    "West Virginia|Wisconsin|Wyoming|Ala\\.|Ariz\\.|Ark\\.|Calif\\.|Cal\\.|Colo\\.|Conn\\.|"
    "Del\\.|Fla\\.|Ga\\.|Ill\\.|Ind\\.|Kan\\.|Ky\\.|La\\.|Md\\.|Mass\\.|Mich\\.|Minn\\.|Miss\\.|"
    "Mo\\.|Mont\\.|Neb\\.|Nev\\.|N\\.H\\.|N\\.J\\.|N\\.M\\.|N\\.Y\\.|N\\.C\\.|N\\.D\\.|Okla\\.|"
    "Ore\\.|Pa\\.|R\\.I\\.|S\\.C\\.|S\\.D\\.|Tenn\\.|Tex\\.|Vt\\.|Va\\.|Wash\\.|W\\.Va\\.|"
    "Wis\\.|Wyo\\.|D\\.C\\."
)
CA_PROVINCES = (
    "AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT|B\\.C\\.|Alberta|British Columbia|Manitoba|"
    "New Brunswick|Newfoundland and Labrador|Newfoundland|Nova Scotia|Ontario|Ont\\.|"
    "Prince Edward Island|Qu[ée]bec|Qu[ée]\\.|Saskatchewan|Yukon|Alta\\.|Man\\.|Sask\\."
)
AU_STATES = ("NSW|VIC|QLD|SA|WA|TAS|NT|ACT|Vic|Qld|Tas|New South Wales|Victoria|Queensland|"
             "South Australia|Western Australia|Tasmania|Northern Territory|"
             "Australian Capital Territory")
# A town: up to four words of letters ("Coeur d'Alene", "Winston-Salem", "St. Louis"), no digits
# ("Suite 4 Springfield" is not a town).
TOWN_WORD = r"[^\W\d_]+(?:['’\-][^\W\d_]+)*\.?"
LOCALITY = rf"(?P<locality>(?=[A-ZÀ-Ý]){TOWN_WORD}(?: {TOWN_WORD}){{0,3}}?)"
ADDRESS_PATTERNS = [
    ("CA", re.compile(LOCALITY + rf"(?:,\s*|\s+\(?)(?P<region>{CA_PROVINCES})\)?,?\s+"
                      r"(?P<postal_code>[A-Z]\d[A-Z] ?\d[A-Z]\d)\b")),
    ("AU", re.compile(LOCALITY + rf",?\s+(?P<region>{AU_STATES}),?\s+(?P<postal_code>\d{{4}})\b")),
    ("US", re.compile(LOCALITY + rf",?\s+(?P<region>{US_STATES}|{US_STATE_WORDS}),?\s+"
                      r"(?P<postal_code>\d{5}(?:-\d{4})?)\b")),
    ("GB", re.compile(r"(?:" + LOCALITY + r",?\s+)?"
                      r"(?P<postal_code>(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[A-Z]{2})\b")),
]
COUNTRY_WORDS = re.compile(r"^(?:USA|U\.S\.A?\.?|United States(?: of America)?|Canada|"
                           r"United Kingdom|UK|U\.K\.|England|Scotland|Wales|Northern Ireland|"
                           r"Australia)\.?$", re.I)
MAX_ADDRESS_LINE = 140
SPLIT_LINE = 40  # the longest line an address split over several lines is read from
# Footers join name, address and phone on one line: "Clinic · 12 Main St, Town, ST 00000 · Call".
LINK_BAR_REST = re.compile(r"[\s|·•/,\-–—]+")
SEPARATOR = re.compile(r"\s+[·•|]\s+")
UK_COUNTY = re.compile(
    r"^(?:\w+shire|(?:greater|west|east|north|south) \w+|county \w+|co\. \w+|surrey|kent|essex|"
    r"middlesex|sussex|devon|cornwall|dorset|somerset|norfolk|suffolk|cumbria|merseyside|"
    r"tyne and wear|northumberland|midlothian|lothian|fife|glamorgan|gwent|powys|rutland)$", re.I)
PO_BOX = re.compile(r"^(?:p\.?\s?o\.?\s?box|post office box|gpo box|locked bag)\b[^,]*$", re.I)
HOUSE_NUMBER = re.compile(r"\d+[A-Za-z]?(?:[-–/]\d+[A-Za-z]?)?")  # "1250, rue Sherbrooke"
AFTER_ADDRESS = re.compile(r"^(?:[|·•–—(+]|\d|(?:tel|phone|call|ph|t|p|website|directions|"
                           r"map|get directions|view)\b)", re.I)
STREET_WORDS = (
    r"street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|way|place|pl|court|ct|"
    r"parkway|pkwy|highway|hwy|square|sq|terrace|circle|cir|crescent|cres|plaza|trail|row|"
    r"close|mews|gardens|walk|grove|hill|park|pike|turnpike|broadway|rue|chemin|boul|"
    r"promenade|parade|esplanade|quay|wharf"
)
STREET = re.compile(
    rf"^(?:\d+[A-Za-z]?(?:[-–/]\d+[A-Za-z]?)?,?\s+\S|(?:suite|ste\.?|unit|apt\.?|#\s?\d|level|"
    rf"floor|fl\.|building|bldg\.?|room|rm\.?|shop|office|p\.?\s?o\.? box|po box|"
    rf"\d+(?:st|nd|rd|th) floor)\b|.*\b(?:{STREET_WORDS})\.?(?:,|$|\s+(?:suite|ste|unit|#)))",
    re.I,
)
UNIT = re.compile(r"^(?:suite|ste\.?|unit|bureau|apt\.?|#\s?\d|level|floor|fl\.|room|rm\.?|"
                  r"\d+(?:st|nd|rd|th) floor|building|bldg)", re.I)
ADDRESS_LABEL = re.compile(r"^(?:address|location|our address|visit us|find us|office|"
                           r"clinic address|mailing address|street address)\s*:?\s*", re.I)
# Words that name an institution ("... Clinic", "Dr. ...") and words that only name a topic.
INSTITUTION_WORDS = re.compile(
    r"\b(?:clinic|clinics|clinique|center|centre|centers|centres|medical|medicine|health|"
    r"healthcare|wellness|institute|hospital|practice|associates|physicians?|group|partners|"
    r"md|m\.d\.|do|dr\.?|doctors?|infirmary|specialists?|lounge|lab|service|services|"
    r"unit|department|rehab\w*|therapeutics|chiropractic|osteopathy|"
    r"physiotherapy|psychiatry|neurology|an(?:a)?esthesi\w*|surgery|surgical|care)\b",
    re.I,
)
TOPIC_WORDS = re.compile(
    r"\b(?:pain|ketamine|infusions?|therapy|therapies|treatment|relief|recovery|integrative|"
    r"functional|spine|neuro\w*|physio\w*|psychiatr\w*|mental|management|osteopath\w*)\b",
    re.I,
)
# A topic-only heading is a name only if it reads like one: "Front Range Spine & Pain", not
# "Ketamine Infusions in Denver".
LINKING_WORDS = re.compile(r"\b(?:in|for|with|to|of|the|your|a|an|at|from|and|near|is|are)\b")
# Events meet somewhere and directories, charities and publications have offices: no clinics.
NOT_CLINIC_WORDS = re.compile(
    r"\b(?:support groups?|meetings?|meet-?ups?|events?|conferences?|webinars?|workshops?|"
    r"seminars?|walks?|fundraisers?|galas?|forums?|directory|finder|locator|guide|association|"
    r"foundation|society|alliance|coalition|charity|magazine|news|blog|journal|podcast|hub)\b",
    re.I)
LISTING_TITLE = re.compile(r"\b(?:clinics|centers|centres|doctors|providers|specialists|"
                           r"physicians|practices)\s+(?:in|near|for|around)\b|\bnear me\b|"
                           r"^(?:best|top|find|search|browse|list of)\b", re.I)
NOT_A_NAME = re.compile(r"^(?:contact(?: us)?|home|about(?: us)?|location[s]?|our locations?|"
                        r"address|directions|hours|office hours|get in touch|find us|visit us|"
                        r"welcome|menu|phone|email|book(?: an)? appointment|services|visit|call|"
                        r"meet|schedule|request|make an appointment)\b", re.I)
SENTENCE_LIKE = re.compile(r"(?<!\bDr)(?<!\bSt)(?<!\bMt)(?<!\bJr)[.!?]\s|:|\d{3}|"
                           r"^(?:how|what|why|when|where|who|understanding|living|is|are|do|"
                           r"does|can|should|welcome to)\b", re.I)
# North American toll-free numbers spelled in letters: "1-800-RELIEF-1", "(888) KETAMINE".
VANITY = re.compile(r"(?<![\w-])(?:1[-. ])?(?:\(8(?:00|33|44|55|66|77|88)\) ?|"
                    r"8(?:00|33|44|55|66|77|88)[-.])"
                    r"(?=[\dA-Z-]{0,8}[A-Z]{2})[\dA-Z](?:[-. ]?[\dA-Z]){6}")
NOT_CLINIC_PHONE = re.compile(r"\b(?:fax|facsimile|switchboard|main hospital|hospital main|"
                              r"operator|general enquiries line)\b|(?:^|[\s|/])F\s*[:.]", re.I)
OBFUSCATED_EMAIL = re.compile(
    r"([\w.+\-]+)\s*(?:\[\s*at\s*\]|\(\s*at\s*\)|\{\s*at\s*\}|\s+at\s+)\s*([\w\-]+(?:\s*"
    r"(?:\[\s*dot\s*\]|\(\s*dot\s*\)|\{\s*dot\s*\}|\s+dot\s+|\.)\s*[\w\-]+)+)",
    re.I,
)
EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
AT_WORD = re.compile(r"[\[({]\s*at\s*[\])}]|\sat\s", re.I)
SPACE = re.compile(r"\s+")
DOT = re.compile(r"\s*(?:\[\s*dot\s*\]|\(\s*dot\s*\)|\{\s*dot\s*\}|\s+dot\s+|\.)\s*", re.I)
WEBSITE_TEXT = re.compile(r"\b(?:website|web site|visit site|official site|homepage|home page|"
                          r"visit (?:their|our|the) (?:site|website))\b|^(?:https?://|www\.)",
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


@dataclass
class Line:
    """One visible line of a page, with the links and headings it holds."""

    text: str
    heading: bool = False
    links: list[tuple[str, str]] = field(default_factory=list)


def is_chrome(element) -> bool:
    """Navigation, headers, footers, menus and sidebars."""
    if not isinstance(element.tag, str) or element.tag in ("html", "body", "main", "article"):
        return False
    if element.tag == "header" and element.xpath("ancestor::*[self::article or self::main "
                                                 "or self::section]"):
        return False  # the heading of an article or a card, not the site's banner
    if element.tag in CHROME_TAGS or element.get("role") in ("navigation", "banner",
                                                              "contentinfo"):
        return True
    names = f"{element.get('class', '')} {element.get('id', '')}".split()
    return any(CHROME.search(name) for name in names)


def _plain(text: str) -> str:
    """Text nodes are plain already: collapse spaces; only escaped markup needs cleaning."""
    return (clean_text(text) or "") if "<" in text else SPACE.sub(" ", text).strip()


def _link_bar(text: str, links: list[tuple[str, str]]) -> bool:
    """A line of nothing but links and separators ("Home | Nerve Blocks | Contact"): a menu."""
    if len(links) < 3:
        return False
    for _, link_text in links:
        text = text.replace(link_text, "", 1)
    return not LINK_BAR_REST.sub("", text)


def page_lines(root, skip_chrome: bool = False) -> list[Line]:
    """The visible lines of an element: blocks and `<br>` break lines, table cells too."""
    lines: list[Line] = []
    current = Line("")

    def flush():
        nonlocal current
        text = _plain(current.text)
        if skip_chrome and _link_bar(text, current.links):
            text = ""
            current.links = []
        if text:
            current.text = text
            lines.append(current)
        elif current.links and lines:
            lines[-1].links.extend(current.links)
        current = Line("")

    def walk(element, in_heading: bool):
        tag = element.tag if isinstance(element.tag, str) else ""
        hidden = (element.get("hidden") is not None
                  or "display:none" in (element.get("style") or "").replace(" ", ""))
        if not tag or tag in SKIP_TAGS or hidden or (skip_chrome and is_chrome(element)):
            if element.tail:
                current.text += " " + element.tail
            return
        block = tag in BLOCK_TAGS
        heading = in_heading or tag in HEADING_TAGS
        if block:
            flush()
        if heading and not in_heading and not current.text.strip():
            current.heading = True
        if tag == "a" and element.get("href"):
            current.links.append((element.get("href"), _plain(element.text_content())))
        if element.text:
            current.text += element.text
        for child in element:
            walk(child, heading)
        if block:
            flush()
        if element.tail:
            current.text += element.tail

    walk(root, False)
    flush()
    return lines


@dataclass
class AddressBlock:
    """An address found in the lines, with where it starts and ends."""

    start: int
    end: int
    country: str
    street: str | None
    locality: str | None
    region: str | None
    postal_code: str


def _street_part(text: str) -> bool:
    """A piece of a street address, not of a sentence ("located at 12 Main St" is prose)."""
    if UNIT.match(text) or (text[:1].isdigit() and STREET.match(text)):
        return True
    return bool(STREET.match(text)) and not LINKING_WORDS.search(text)


def _from_first_street(parts: list[str]) -> list[str]:
    """Address parts from the first street part on: a building or clinic name may lead."""
    parts = [part.strip() for part in parts if part.strip()]
    first = next((i for i, part in enumerate(parts)
                  if _street_part(part) or HOUSE_NUMBER.fullmatch(part)), len(parts))
    return parts[first:]


def _street_split(prefix: str) -> tuple[str, str]:
    """Split "123 Main St Springfield" written without commas into street and locality."""
    words = prefix.split()
    for index in range(len(words) - 2, -1, -1):
        if re.fullmatch(rf"(?:{STREET_WORDS})\.?", words[index], re.I):
            return " ".join(words[:index + 1]), " ".join(words[index + 1:])
    return "", prefix


def _match_line(text: str):
    if not re.search(r"\d", text):
        return None  # every postcode has a digit
    for country, pattern in ADDRESS_PATTERNS:
        for match in pattern.finditer(text):
            rest = text[match.end():].strip(" ,.")
            if rest and not (COUNTRY_WORDS.match(rest) or AFTER_ADDRESS.match(rest)):
                continue  # the postcode ends the line, or the country or a phone follows
            return country, match
    return None


def _split_match(lines: list[Line], index: int):
    """An address whose town, region and postcode sit on short lines of their own.

    "Calgary, Alberta / T2P 1J9", "Chatswood / NSW / 2067": the lines ending at `index` are read
    as one, shortest run first. Returns (match, first line, joined text) or (None, index, "").
    """
    if len(lines[index].text) > SPLIT_LINE or not re.search(r"\d", lines[index].text):
        return None, index, ""
    for first in range(index - 1, max(index - 4, -1), -1):
        if len(lines[first].text) > SPLIT_LINE:
            break
        text = ", ".join(ADDRESS_LABEL.sub("", line.text).strip(" ,")
                         for line in lines[first:index + 1])
        found = _match_line(text)
        if found:
            return found, first, text
    return None, index, ""


def address_blocks(lines: list[Line]) -> list[AddressBlock]:
    """Every street address written in the lines (a paragraph of prose holds none)."""
    blocks: list[AddressBlock] = []
    for index, line in enumerate(lines):
        text = ADDRESS_LABEL.sub("", line.text)
        if len(text) > MAX_ADDRESS_LINE:
            continue
        found, first = _match_line(text), index
        if not found:
            found, first, text = _split_match(lines, index)
        if not found:
            continue
        country, match = found
        locality = match.group("locality")
        prefix = SEPARATOR.sub(", ", text[:match.start()])
        joined = prefix.strip() and not prefix.rstrip().endswith(",")
        if locality and country != "GB" and joined and _street_split(locality)[0]:
            # "4545 N 44th St Phoenix, AZ": the locality match began inside the street.
            street_end, locality = _street_split(locality)
            prefix = f"{prefix}{street_end}"
        parts = _from_first_street(prefix.split(","))
        start = first
        if country == "GB" and not locality and index > 0 and not STREET.match(
                lines[index - 1].text):
            locality = lines[index - 1].text.strip(" ,")
            start -= 1
            if UK_COUNTY.match(locality) and start > 0 and not STREET.match(lines[start - 1].text):
                locality = lines[start - 1].text.strip(" ,")  # "Guildford / Surrey / GU1 3AA"
                start -= 1
        if country == "GB" and locality and UK_COUNTY.match(locality) and parts:
            locality = parts.pop()  # "10 High St, Guildford, Surrey GU1 3AA"
        before = []
        while start > 0 and len(before) < 3:
            candidate = SEPARATOR.sub(", ", ADDRESS_LABEL.sub("", lines[start - 1].text))
            candidate = candidate.strip(" ,")
            if not candidate or not (STREET.match(candidate) or UNIT.match(candidate)):
                break
            if lines[start - 1].heading and not candidate[0].isdigit():
                break
            before.insert(0, candidate)
            start -= 1
        street_parts = _from_first_street(", ".join(before).split(",")) + parts if before \
            else parts
        if country == "GB" and len(street_parts) > 1 and not locality:
            locality = street_parts.pop()
        if not street_parts or PO_BOX.match(", ".join(street_parts)):
            continue  # a post-office box receives mail; no clinic is there
        region = match.group("region") if "region" in match.groupdict() else None
        blocks.append(AddressBlock(start, index, country, ", ".join(street_parts),
                                   locality.strip(" ,") if locality else None, region,
                                   match.group("postal_code")))
    return _distinct(blocks)


def _distinct(blocks: list[AddressBlock]) -> list[AddressBlock]:
    seen, kept = set(), []
    for block in blocks:
        key = (block.postal_code.replace(" ", "").upper(), re.sub(r"\W", "", block.street or "")
               .lower()[:12])
        if key not in seen:
            seen.add(key)
            kept.append(block)
    return kept


def phones_in(lines: list[Line], country: str) -> list[str]:
    """Phone numbers of the lines in order, `tel:` links first; fax and switchboards skipped."""
    found: list[str] = []
    for index, line in enumerate(lines):
        for href, text in line.links:
            if href.lower().startswith(("tel:", "callto:")):
                context = _label_before(line.text, text) or (text if not line.text else "")
                if not NOT_CLINIC_PHONE.search(context or ""):
                    found.append(unquote(href.split(":", 1)[1]))
        matches = [(match.start, match.raw_string) for match in phonenumbers.PhoneNumberMatcher(
            line.text, country, leniency=phonenumbers.Leniency.VALID)]
        if country in ("US", "CA"):
            matches += [(match.start(), match.group()) for pattern in (VANITY, NANP_NUMBER)
                        for match in pattern.finditer(line.text)
                        if not any(start == match.start() for start, _ in matches)]
            matches.sort()
        for start, number in matches:
            context = line.text[max(0, start - 40):start]
            if not context.strip() and index > 0 and len(lines[index - 1].text) < 30:
                context = f"{lines[index - 1].text} {context}"  # "Fax:" in the cell before
            if NOT_CLINIC_PHONE.search(_last_label(context)):
                continue
            found.append(number)
    return found


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
            lat, lon = float(match.group("lat")), float(match.group("lon"))
            if -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0.0, 0.0):
                return lat, lon
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
        try:
            lat = float(element.get("data-lat"))
            lon = float(element.get("data-lng") or element.get("data-lon"))
        except ValueError:
            continue
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
    return None


def is_clinic_name(text: str | None) -> bool:
    """A short line that reads like the name of a clinic or practice."""
    if not text or len(text) > 90 or len(text) < 3 or NOT_A_NAME.match(text):
        return False
    if NOT_CLINIC_WORDS.search(text) or LISTING_TITLE.search(text):
        return False
    if SENTENCE_LIKE.search(text) or len(text.split()) > 9 or text.endswith((".", "?")):
        return False  # sentences, titles of articles and lines with numbers are not names
    if INSTITUTION_WORDS.search(text):
        return True
    return bool(TOPIC_WORDS.search(text)) and not LINKING_WORDS.search(text)


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


def name_before(lines: list[Line], start: int, stop: int) -> str | None:
    """The closest clinic-like heading at or above an address block, not above `stop`."""
    for index in range(start - 1, max(stop, start - 12) - 1, -1):
        line = lines[index]
        text = re.sub(r"^(?:name|clinic|practice)\s*:\s*", "", line.text, flags=re.I)
        title_link = any(link_text == line.text for _, link_text in line.links)
        if (line.heading or title_link or index == start - 1) and is_clinic_name(text):
            return text
    return None

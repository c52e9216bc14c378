"""Street addresses written in a page's visible lines.

An address is found by its last line: a town with its region and postcode in the form each
country writes them ("Denver, CO 80209", "Calgary, AB T2P 1J9", "Chatswood NSW 2067",
"Leeds LS1 4AP", "75006 Paris"). The street, suite and unit lines above it complete it; a
building's, centre's or host hospital's name in front of the street is not part of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from crawler.extract.lines import Line
from crawler.extract.names import LINKING_WORDS
from reliefmap.normalise import clean_text, fold, normalise_region, region_pattern, zip_towns
from reliefmap.postcodes import country_of_postcode, postcode, whole_postcode

US_STATES = region_pattern("US")
CA_PROVINCES = region_pattern("CA")
AU_STATES = region_pattern("AU")
# A town: up to four words of letters ("Coeur d'Alene", "Winston-Salem", "St. Louis"), no digits
# ("Suite 4 Springfield" is not a town).
TOWN_WORD = r"[^\W\d_]+(?:['’\-][^\W\d_]+)*\.?"
TOWN = rf"(?=[A-ZÀ-Ý]){TOWN_WORD}(?: {TOWN_WORD}){{0,3}}?"
LOCALITY = rf"(?P<locality>{TOWN})"
# Where the postcode follows the town (and region): tried on every page.
POSTCODE_LAST = [
    ("CA", re.compile(LOCALITY + rf"(?:,\s*|\s+\(?)(?P<region>{CA_PROVINCES})\)?,?\s+"
                      rf"(?P<postal_code>{postcode('CA')})\b")),
    ("AU", re.compile(LOCALITY + rf",?\s+(?P<region>{AU_STATES}),?\s+"
                      rf"(?P<postal_code>{postcode('AU')})\b")),
    ("US", re.compile(LOCALITY + rf",?\s+(?P<region>{US_STATES}),?\s+"
                      rf"(?P<postal_code>{postcode('US')})\b")),
    ("GB", re.compile(r"(?:" + LOCALITY + r",?\s+)?"
                      rf"(?P<postal_code>{postcode('GB')})\b")),
    ("SG", re.compile(r"(?P<locality>Singapore)\s+(?P<postal_code>\d{6})\b")),
]
# Where the postcode comes first ("28036 Madrid", "75006 Paris"): only on pages of a country that
# writes it so, since "12345 Main Street" is a house number elsewhere.
# Forms a country's own pages use that would be ambiguous elsewhere: "Scarborough 6019".
HOME_FORMS = {
    "AU": re.compile(LOCALITY + rf",?\s+(?P<postal_code>{postcode('AU')})$"),
}
POSTCODE_FIRST = {
    country: re.compile(rf"(?:C\.?P\.?\s*)?(?P<postal_code>\d{{5}})\s+{LOCALITY}"
                        rf"(?:\s*\((?P<region>[^)]{{2,30}})\))?")
    for country in ("FR", "ES", "DE", "IT", "MX")
}
POSTCODE_HINT = re.compile(rf"\d{{4,6}}\b|\b(?:{postcode('CA')}|{postcode('GB')})\b", re.I)
# A US town and state without a ZIP ("Idaho Falls, ID"), believed only under a street line.
TOWN_STATE = re.compile(rf"^{LOCALITY},\s*(?P<region>{US_STATES})\.?$")
COUNTRY_WORDS = re.compile(r"^(?:USA|U\.S\.A?\.?|United States(?: of America)?|Canada|"
                           r"United Kingdom|UK|U\.K\.|England|Scotland|Wales|Northern Ireland|"
                           r"Australia|Singapore|France|Espa[ñn]a|Spain|M[ée]xico|Deutschland|"
                           r"Germany|Italia|Italy)\.?$", re.I)
MAX_ADDRESS_LINE = 140
SPLIT_LINE = 40  # the longest line an address split over several lines is read from
# Footers join name, address and phone on one line: "Clinic · 12 Main St, Town, ST 00000 · Call".
SEPARATOR = re.compile(r"\s*[·•|]\s*")
UK_COUNTY = re.compile(
    r"^(?:\w+shire|(?:greater|west|east|north|south) \w+|county \w+|co\. \w+|surrey|kent|essex|"
    r"middlesex|sussex|devon|cornwall|dorset|somerset|norfolk|suffolk|cumbria|merseyside|"
    r"tyne and wear|northumberland|midlothian|lothian|fife|glamorgan|gwent|powys|rutland)$", re.I)
PO_BOX = re.compile(r"^(?:p\.?\s?o\.?\s?box|post office box|gpo box|locked bag|apartado)\b[^,]*$",
                    re.I)
HOUSE_NUMBER = re.compile(r"(?:n[º°o]\.?\s*)?\d+[A-Za-z]?(?:[-–/]\d+[A-Za-z]?)?")
AFTER_ADDRESS = re.compile(r"^(?:[|·•–—(+]|\d|(?:tel|phone|call|ph|t|p|website|directions|"
                           r"map|get directions|view|t[ée]l[ée]?fono|t[ée]l)\b)", re.I)
STREET_WORDS = (
    r"street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|way|place|pl|court|ct|"
    r"parkway|pkwy|highway|hwy|square|sq|terrace|circle|cir|crescent|cres|plaza|trail|row|"
    r"close|mews|gardens|walk|grove|hill|park|pike|turnpike|broadway|rue|chemin|boul|"
    r"promenade|parade|esplanade|quay|wharf|vista|cross"
)
STREET_WORD = re.compile(rf"\b(?:{STREET_WORDS})\b\.?", re.I)
# Street types written before the name ("Calle Mayor 4", "rue de Rivoli", "Avenida Juárez").
STREET_FIRST = re.compile(
    r"^(?:calle|c/|avda\.?|avenida|av\.|paseo|plaza|pza\.?|ronda|camino|carretera|traves[ií]a|"
    r"glorieta|rue|avenue|boulevard|bd|chemin|place|all[ée]e|impasse|quai|cours|route|"
    r"via|viale|piazza|corso|stra(?:ss|ß)e)\b", re.I)
STREET = re.compile(
    rf"^(?:\d+[A-Za-z]?(?:[-–/]\d+[A-Za-z]?)?,?\s+\S|(?:suite|ste\.?|unit|apt\.?|#\s?\d|level|"
    rf"floor|fl\.|building|bldg\.?|room|rm\.?|shop|office|p\.?\s?o\.? box|po box|"
    rf"\d+(?:st|nd|rd|th) floor)\b|.*\b(?:{STREET_WORDS})\.?(?:,|$|\s+(?:suite|ste|unit|#)))",
    re.I,
)
UNIT = re.compile(r"^(?:suite|ste\b\.?|unit|bureau|apt\b\.?|#\s?\d|level|floor|fl\.|room|rm\b\.?|"
                  r"\d+(?:st|nd|rd|th) floor|building|bldg|ground floor|first floor|"
                  r"(?:\w+ )?wing\b|local|piso|planta|[ée]tage|\d+(?:er|e|[ºª]) (?:[ée]tage|piso))",
                  re.I)
ADDRESS_LABEL = re.compile(r"^(?:address|location|our address|visit us|find us|office|"
                           r"clinic address|mailing address|street address|direcci[oó]n|"
                           r"adresse|ubicaci[oó]n)\s*:?\s*", re.I)
# "(Physical) 302 North Main St", "(Mail) PO Box 70": a label in brackets before a line.
BRACKET_LABEL = re.compile(r"^\((?:[^)\d]{2,20})\)\s*")
# Where patients do not go: a mailing, postal or billing address.
MAIL_LABEL = re.compile(r"^\(?\s*(?:mail|mailing|postal|billing|remit)\b", re.I)
# Link labels that sit beside an address: "(View Map)", "Get directions".
MAP_LABEL = re.compile(r"\(?\b(?:view (?:on )?(?:a )?map|map it|show map|get directions|"
                       r"directions|view larger map|google maps?)\b\)?", re.I)
PHONE_LIKE = re.compile(r"^[+()\d\s.\-]{8,}$")


@dataclass
class AddressBlock:
    """An address found in the lines, with where it starts and ends."""

    start: int
    end: int
    country: str
    street: str | None
    locality: str | None
    region: str | None
    postal_code: str | None


def address_text(line: Line) -> str:
    """A line as an address reads: no label in front ("Address:", "(Physical)"), no "(View
    Map)" link label."""
    return _address_text(line.text)


@lru_cache(maxsize=4096)  # each line is read as the end of an address and as a line above one
def _address_text(text: str) -> str:
    text = ADDRESS_LABEL.sub("", BRACKET_LABEL.sub("", text))
    if MAP_LABEL.search(text):
        text = MAP_LABEL.sub("", text)
    return text.strip(" ,")


def _street_part(text: str) -> bool:
    """A piece of a street address, not of a sentence ("located at 12 Main St" is prose)."""
    if UNIT.match(text) or STREET_FIRST.match(text) or (text[:1].isdigit() and STREET.match(text)):
        return True
    return bool(STREET.match(text)) and not LINKING_WORDS.search(text)


def _lead_cut(part: str) -> str:
    """A street part without the names in front of its house number: "Ohio County Hospital 1215
    Old Main Street" -> "1215 Old Main Street" (units and street-first forms stay)."""
    if UNIT.match(part) or STREET_FIRST.match(part):
        return part
    match = re.match(r"^(?P<lead>[^\d]*[^\W\d][^\d]*?)\s+(?P<street>\d+[A-Za-z]?(?:[-–/]\d+)?"
                     r"\s+[^\d\s].*)$", part)
    if match and STREET_WORD.search(match.group("street")) and not UNIT.search(
            match.group("lead")):
        return match.group("street")
    return part


def _is_noise(part: str) -> bool:
    """Pieces a street never holds: a phone number, a stray letter or icon."""
    return bool(PHONE_LIKE.match(part)) or (len(part) <= 2 and not re.search(r"\d", part))


def street_parts(parts: list[str]) -> list[str]:
    """The street and its suite or unit from an address's leading parts.

    A building or clinic name may lead ("Old Penarthians RFC, St Marks Rd") and is dropped; a
    building named between a unit and its street stays ("1st Floor, Florina Building, Garema
    Place"); after the numbered street only units and house numbers follow ("90 Good Drive
    Suite 302, Regency Square Business Park" keeps the first part).
    """
    parts = [part.strip() for part in parts if part.strip() and not _is_noise(part.strip())]
    first = next((i for i, part in enumerate(parts)
                  if _street_part(part) or HOUSE_NUMBER.fullmatch(part)), None)
    if first is None:
        return []
    kept = [_lead_cut(parts[first])]
    street_found = not UNIT.match(kept[0])
    for index, part in enumerate(parts[first + 1:], first + 1):
        if _continues_street(part, kept[-1], street_found):
            kept.append(part)
            street_found = street_found or not UNIT.match(part)
        elif not street_found and any(_street_part(later) for later in parts[index + 1:]):
            kept.append(part)  # a building between the unit and the street
        else:
            break
    return kept


def _continues_street(part: str, previous: str, street_found: bool) -> bool:
    """Whether a part after `previous` still belongs to the street line."""
    if UNIT.match(part) or HOUSE_NUMBER.fullmatch(part):
        return True
    if HOUSE_NUMBER.fullmatch(previous) and (_street_part(part) or STREET_FIRST.match(part)):
        return True  # "1250, rue Sherbrooke Ouest"
    if not street_found and _street_part(part):
        return True
    return bool(re.match(r"^\d", part) and STREET.match(part))  # "Unit 8C, 450 Westheights Dr"


def _street_split(prefix: str) -> tuple[str, str]:
    """Split "123 Main St Springfield" written without commas into street and locality."""
    words = prefix.split()
    for index in range(len(words) - 2, -1, -1):
        if re.fullmatch(rf"(?:{STREET_WORDS})\.?", words[index], re.I):
            return " ".join(words[:index + 1]), " ".join(words[index + 1:])
    return "", prefix


def _patterns(country: str):
    yield from POSTCODE_LAST
    for forms in (POSTCODE_FIRST, HOME_FORMS):
        if country in forms:
            yield country, forms[country]


@lru_cache(maxsize=4096)  # a page's lines are read for blocks and for cards; footers repeat
def _match_line(text: str, country: str):
    """(country, match) of a town-region-postcode ending the line (or followed by a country or
    a phone), or None."""
    if not POSTCODE_HINT.search(text):
        return None  # no postcode of any form: a cheap test before the patterns
    for place, pattern in _patterns(country):
        for match in pattern.finditer(text):
            rest = text[match.end():].strip(" ,.")
            if rest and not (COUNTRY_WORDS.match(rest) or AFTER_ADDRESS.match(rest)):
                continue  # the postcode ends the line, or the country or a phone follows
            return place, match
    return None


def _split_match(lines: list[Line], index: int, country: str):
    """An address whose town, region and postcode sit on short lines of their own.

    "Calgary, Alberta / T2P 1J9", "Chatswood / NSW / 2067": the lines ending at `index` are read
    as one, shortest run first. Returns (match, first line, joined text) or (None, index, "").
    """
    if len(lines[index].text) > SPLIT_LINE or not re.search(r"\d", lines[index].text):
        return None, index, ""
    for first in range(index - 1, max(index - 4, -1), -1):
        if len(lines[first].text) > SPLIT_LINE:
            break
        text = ", ".join(address_text(line) for line in lines[first:index + 1])
        found = _match_line(text, country)
        if found:
            return found, first, text
    return None, index, ""


def _known_town(locality: str, place: str, postal_code: str) -> str | None:
    """The end of the words read as the town that names the town of the US ZIP code ("Kelnor
    Dr Grove City" ends with "Grove City"; "Unit J London" with "London")."""
    if place != "US" or not postal_code:
        return None
    words = locality.split()
    for town in zip_towns(postal_code[:5]):
        size = len(town.split())
        if len(words) > size and fold(" ".join(words[-size:])) == fold(town):
            return " ".join(words[-size:])
    return None


def _locality_and_prefix(text: str, match, place: str) -> tuple[str | None, str]:
    """The town the match read and the text before it (where the street is)."""
    locality = match.group("locality")
    prefix = text[:match.start()]
    town = _known_town(locality, place, match.group("postal_code")) if locality else None
    if town:
        return town, f"{prefix}{locality[:-len(town)].rstrip()}"
    joined = prefix.strip() and not prefix.rstrip().endswith(",")
    if locality and place not in ("GB", "SG") and joined and _street_split(locality)[0]:
        # "4545 N 44th St Phoenix, AZ": the locality match began inside the street.
        street_end, locality = _street_split(locality)
        prefix = f"{prefix}{street_end}"
    return locality, prefix


def _uk_town_above(lines: list[Line], start: int) -> tuple[str | None, int]:
    """The post town on the line(s) above a UK postcode written alone ("Guildford / Surrey")."""
    if start == 0 or STREET.match(lines[start - 1].text):
        return None, start
    locality = address_text(lines[start - 1])
    start -= 1
    if UK_COUNTY.match(locality) and start > 0 and not STREET.match(lines[start - 1].text):
        locality = address_text(lines[start - 1])
        start -= 1
    return locality, start


def _street_lines_above(lines: list[Line], start: int,
                        units_only: bool = False) -> tuple[list[str], int]:
    """Up to three street, suite or unit lines right above the town line (only a suite or unit
    when the town line holds its street)."""
    above: list[str] = []
    while start > 0 and len(above) < 3:
        line = lines[start - 1]
        candidate = address_text(line)
        if units_only and not UNIT.match(candidate):
            break
        if not candidate or not (STREET.match(candidate) or UNIT.match(candidate)
                                 or STREET_FIRST.match(candidate)):
            # a name line may hold the street too: "Ohio County Hospital 1215 Old Main St"
            cut = _lead_cut(candidate) if candidate else ""
            if cut != candidate and not above and not line.heading:
                above.insert(0, cut)
                start -= 1
            break
        if line.heading and not candidate[0].isdigit():
            break
        if candidate not in above:  # a line a page repeats (a hidden copy) counts once
            above.insert(0, candidate)
        start -= 1
    return above, start


def _block_ending_at(lines: list[Line], index: int, country: str) -> AddressBlock | None:
    """The address whose town, region and postcode are on line `index`, if any."""
    text = address_text(lines[index])
    if len(text) > MAX_ADDRESS_LINE:
        return None
    found, first = _match_line(text, country), index
    if not found:
        found, first, text = _split_match(lines, index, country)
    if not found:
        return _town_state_block(lines, index)
    place, match = found
    locality, prefix = _locality_and_prefix(text, match, place)
    start, street, locality = _street_and_town(lines, first, prefix, place, locality)
    if not street or PO_BOX.match(", ".join(street)) or any(
            MAIL_LABEL.match(line.text) for line in lines[start:index + 1]):
        return None  # a post-office box or mailing address receives mail; no clinic is there
    return AddressBlock(start, index, place, ", ".join(street),
                        locality.strip(" ,") if locality else None,
                        match.groupdict().get("region"), match.group("postal_code"))


def _street_and_town(lines: list[Line], first: int, prefix: str, place: str,
                     locality: str | None) -> tuple[int, list[str], str | None]:
    """Where the address starts, its street parts and its town, from the text before the town
    on its line and the street, suite and unit lines above it."""
    parts = [part for part in SEPARATOR.sub(", ", prefix).split(",") if part.strip()]
    start = first
    if place == "GB" and not locality and not parts:
        locality, start = _uk_town_above(lines, start)
    if place == "GB" and locality and UK_COUNTY.match(locality) and parts:
        locality = parts.pop().strip()  # "10 High St, Guildford, Surrey GU1 3AA"
    has_street = any(re.search(r"\d", part) and _street_part(part.strip()) for part in parts)
    above, start = _street_lines_above(lines, start, units_only=has_street)
    street = street_parts(_pieces(above) + parts)
    if place == "GB" and not locality:
        locality = _uk_locality_after_street(above + parts, street)
    return start, street, locality


def _pieces(lines: list[str]) -> list[str]:
    """Comma- or separator-delimited pieces of address lines."""
    return [piece for line in lines for piece in SEPARATOR.sub(", ", line).split(",")]


def _uk_locality_after_street(parts: list[str], street: list[str]) -> str | None:
    """"13 High Street, Highworth, SN6 7AG": the part after the street is the town."""
    pieces = [piece.strip() for part in parts for piece in part.split(",") if piece.strip()]
    after = [piece for piece in pieces if piece not in street and not re.search(r"\d", piece)
             and not UK_COUNTY.match(piece)]
    return after[0] if after else None


def _town_state_block(lines: list[Line], index: int) -> AddressBlock | None:
    """"3715 Woodking Dr. / Idaho Falls, ID": a US town and state under a numbered street."""
    match = TOWN_STATE.match(address_text(lines[index]))
    if not match or index == 0 or (index + 1 < len(lines)
                                   and re.match(r"^\d{5}\b", lines[index + 1].text)):
        return None
    street = address_text(lines[index - 1])
    if not (street[:1].isdigit() and STREET.match(street)):
        return None
    above, start = _street_lines_above(lines, index)
    parts = street_parts(_pieces(above))
    if not parts:
        return None
    return AddressBlock(start, index, "US", ", ".join(parts), match.group("locality"),
                        match.group("region"), None)


def town_lines(lines: list[Line], street_ends: set[int],
               country: str = "US") -> list[AddressBlock]:
    """Lines that are only a town with its region and postcode ("Tucson, AZ 85704") and end no
    street address: the whole address a directory's card may give. Whose they are is for the
    caller to say. `street_ends`: the lines that end a street address (the ends of
    `street_blocks`)."""
    found = []
    for index, line in enumerate(lines):
        text = address_text(line)
        if len(text) > SPLIT_LINE:
            continue
        matched = _match_line(text, country)
        if (not (matched and matched[1].start() == 0 and matched[1].group("locality"))
                or index in street_ends):
            continue
        place, match = matched
        found.append(AddressBlock(index, index, place, None, match.group("locality"),
                                  match.groupdict().get("region"), match.group("postal_code")))
    return found


def street_blocks(lines: list[Line], country: str = "US") -> list[AddressBlock]:
    """Every street address written in the lines, each time it is written (a paragraph of
    prose holds none)."""
    blocks = [_block_ending_at(lines, index, country) for index in range(len(lines))]
    return [block for block in blocks if block is not None]


def address_blocks(lines: list[Line], country: str = "US") -> list[AddressBlock]:
    """Every street address written in the lines, once each."""
    return distinct_blocks(street_blocks(lines, country))


def distinct_blocks(blocks: list[AddressBlock]) -> list[AddressBlock]:
    """Each address once as written; one without a postcode only if no other block has its
    street (the same place written twice, differently, is for the caller to tell apart)."""
    seen, kept = set(), []
    with_postcode = {place_key(block)[1] for block in blocks if block.postal_code}
    for block in blocks:
        key = ((block.postal_code or block.locality or "").replace(" ", "").upper(),
               re.sub(r"\W", "", block.street or "").lower())
        if key in seen or (not block.postal_code and place_key(block)[1] in with_postcode):
            continue
        seen.add(key)
        kept.append(block)
    return kept


def place_key(block: AddressBlock) -> tuple[str, str, str]:
    """Postcode, house number and suite: the same place however its street is spelled
    ("3333 Blvd Graham #220" / "3333 Graham Blvd #220"), not another suite of the building."""
    street = block.street or ""
    number = re.match(r"\D*?(\d+)", street)
    unit = re.search(r"(?:suite|ste\.?|unit|#|bureau|room|floor|level)\s*#?\s*(\w+)", street, re.I)
    return ((block.postal_code or block.locality or "").replace(" ", "").upper(),
            number.group(1) if number else re.sub(r"\W", "", street).lower()[:12],
            unit.group(1).lower() if unit else "")


def parse_address(text: str | None, country: str = "US") -> dict:
    """Street, locality, region, postal code and country from a written address."""
    if not text:
        return {}
    parts = [part for part in re.split(r"\s*(?:\n|<br\s*/?>)\s*", text) if part.strip()]
    blocks = address_blocks([Line(clean_text(part) or "") for part in parts], country)
    if not blocks:
        return {}
    block = blocks[0]
    return {"street": block.street, "locality": block.locality, "region": block.region,
            "postal_code": block.postal_code, "country": block.country}


def clean_street(street: str | None) -> str | None:
    """A street as the record keeps it: no building or clinic name in front, no town after."""
    if not street:
        return street
    kept = street_parts(street.split(","))
    return ", ".join(kept) if kept else street


def country_of(record: dict, default: str) -> str:
    """The written country, else the one the postcode's shape gives, else the default."""
    if record.get("country"):
        return record["country"]
    postal_code = (record.get("postal_code") or "").strip()
    if default not in ("US", "CA", "GB", "AU"):
        return default
    country = country_of_postcode(postal_code)
    if country:
        return country
    if whole_postcode("AU").match(postal_code) and normalise_region(record.get("region"), "AU"):
        return "AU"
    return default

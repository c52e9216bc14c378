"""Turn what pages write into canonical values: E.164 phones, ISO codes, postcodes, URLs, text."""

from __future__ import annotations

import re
import string
import unicodedata
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

import phonenumbers
import pycountry
import tldextract
from email_validator import EmailNotValidError, validate_email
from phonenumbers import ValidationResult
from rapidfuzz import fuzz
from w3lib.html import remove_comments, remove_tags, remove_tags_with_content, replace_entities

from reliefmap.postcodes import SHAPES, whole_postcode
from reliefmap.zips import us_zip

SPACE = re.compile(r"\s+")
# The public suffix list that ships with tldextract (no download); a github.io or netlify.app
# site is a site of its own.
DOMAINS = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None,
                                include_psl_private_domains=True)
IS_POSSIBLE = ValidationResult.IS_POSSIBLE  # a whole number, not a local one
TRACKING_PARAMETER = re.compile(r"^(?:utm_\w+|gclid|fbclid|msclkid|ref)$", re.I)
# Labels of numbers patients should not call: fax lines, switchboards, operators.
NOT_CLINIC_PHONE = re.compile(r"\b(?:fax|facsimile|switchboard|main hospital|hospital main|"
                              r"operator|general enquiries line)\b|(?:^|[\s|/])F\s*[:.]", re.I)
# A North American number written in full: "(555) 123-4567", "555.123.4567", "+1 555 123 4567".
# Fictional and unassigned area codes fail phonenumbers' validity check, yet are what pages say.
NANP_NUMBER = re.compile(r"(?<![\w+.-])(?:\+?1[-. ]?)?(?:\(\d{3}\) ?|\d{3}[-. ])\d{3}[-. ]\d{4}"
                         r"(?![\w-])")

COUNTRY_ALIASES = {
    "usa": "US", "us": "US", "united states of america": "US", "america": "US",
    "uk": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "united kingdom": "GB",
    "canada": "CA", "australia": "AU",
}

# How pages write states and provinces beyond their ISO codes and names: AP-style and postal
# abbreviations, French names. Read when normalising a region and when finding an address in
# text; the regions of the UK we keep are its nations.
REGION_SPELLINGS = {
    "US": {
        "Ala.": "AL", "Ariz.": "AZ", "Ark.": "AR", "Calif.": "CA", "Cal.": "CA", "Ca.": "CA",
        "Colo.": "CO", "Conn.": "CT", "Del.": "DE", "Fla.": "FL", "Ga.": "GA", "Ill.": "IL",
        "Ind.": "IN", "Kan.": "KS", "Kans.": "KS", "Ky.": "KY", "La.": "LA", "Md.": "MD",
        "Mass.": "MA", "Mich.": "MI", "Minn.": "MN", "Miss.": "MS", "Mo.": "MO", "Mont.": "MT",
        "Neb.": "NE", "Nebr.": "NE", "Nev.": "NV", "Okla.": "OK", "Ore.": "OR", "Oreg.": "OR",
        "Pa.": "PA", "Penn.": "PA", "Tenn.": "TN", "Tex.": "TX", "Vt.": "VT", "Va.": "VA",
        "Wash.": "WA", "W.Va.": "WV", "Wis.": "WI", "Wisc.": "WI", "Wyo.": "WY",
        "N.H.": "NH", "N.J.": "NJ", "N.M.": "NM", "N.Y.": "NY", "N.C.": "NC", "N.D.": "ND",
        "R.I.": "RI", "S.C.": "SC", "S.D.": "SD", "D.C.": "DC", "Washington DC": "DC",
        "Washington D.C.": "DC", "Washington D. C.": "DC",
    },
    "CA": {
        "B.C.": "BC", "Ont.": "ON", "Que.": "QC", "Qué.": "QC", "Québec": "QC", "P.Q.": "QC",
        "Alta.": "AB", "Man.": "MB", "Sask.": "SK", "Nfld.": "NL", "Newfoundland": "NL",
        "P.E.I.": "PE", "Yuk.": "YT", "N.W.T.": "NT", "Colombie-Britannique": "BC",
        "Nouvelle-Écosse": "NS", "Nouveau-Brunswick": "NB", "Terre-Neuve-et-Labrador": "NL",
        "Île-du-Prince-Édouard": "PE",
    },
    "AU": {"Vic": "VIC", "Qld": "QLD", "Tas": "TAS"},
    "GB": {"England": "ENG", "Scotland": "SCT", "Wales": "WLS", "Cymru": "WLS",
           "Northern Ireland": "NIR"},
}

CA_POSTAL_FIRST_LETTER = {
    "A": "NL", "B": "NS", "C": "PE", "E": "NB", "G": "QC", "H": "QC", "J": "QC", "K": "ON",
    "L": "ON", "M": "ON", "N": "ON", "P": "ON", "R": "MB", "S": "SK", "T": "AB", "V": "BC",
    "X": "NT", "Y": "YT",
}
GB_SCOTLAND = {"AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA",
               "PH", "TD", "ZE"}
GB_WALES = {"CF", "LD", "LL", "NP", "SA"}
# Postcode districts that cross the border: (area, first district, last district, nation).
GB_CROSS_BORDER = [("TD", 15, 15, "ENG"), ("SY", 15, 25, "WLS"), ("CH", 5, 8, "WLS")]

# A Spanish postcode's first two digits number its province (INE order); ISO 3166-2 codes.
ES_PROVINCES = (
    "VI AB A AL AV BA PM B BU CC CA CS CR CO C CU GI GR GU SS H HU J LE L LO LU M MA MU NA OR "
    "O P GC PO SA TF S SG SE SO T TE TO V VA BI ZA Z CE ML"
).split()


def clean_text(raw) -> str | None:
    """Plain text: entities decoded, then tags and scripts stripped, whitespace collapsed."""
    if raw is None:
        return None
    # Entities first, every layer of them: encoded markup ("&amp;lt;b&amp;gt;") is markup once
    # decoded, so stripping before the last decoding would let it through. Then tags until none
    # is left, since removing one can join the pieces of another ("<<b>b onclick=...>").
    # Each round shortens the text or ends the loop; the bound stops pathological nesting.
    rounds = 8
    text = str(raw)
    if "<" not in text and "&" not in text:
        rounds = 0  # no entity, no tag: most text a page holds
    for _ in range(rounds):
        decoded = replace_entities(text)
        if decoded == text:
            break
        text = decoded
    for _ in range(rounds):
        stripped = remove_tags(remove_tags_with_content(remove_comments(text),
                                                        which_ones=("script", "style")))
        if stripped == text:
            break
        text = stripped
    text = SPACE.sub(" ", text.replace("\u00a0", " ")).strip()
    return text or None


# Every letter that re.I matches to a letter a-z or é, to that letter: A-Z, É, and the Kelvin
# sign, long s and Turkish dotted and dotless i.
LOWER_CASE = str.maketrans(string.ascii_uppercase + "É\u212aſİı", string.ascii_lowercase + "éksii")


def lower_case(text: str) -> str:
    """The text lower-cased letter for letter, the same length and offsets, for patterns written
    in lower case to scan without re.I: at every position a case-blind comparison costs more,
    and patterns that try every position of a whole text (a leading \\b, no literal prefix) pay
    it for each. They find the same spans re.I would in the text as written."""
    # str.lower is exactly the table on ASCII text (most text), and many times faster.
    return text.lower() if text.isascii() else text.translate(LOWER_CASE)


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits only, for comparing names ("Québec" -> "quebec")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return SPACE.sub(" ", re.sub(r"[^a-z0-9]+", " ", ascii_text.lower())).strip()


def coordinates(lat, lon) -> tuple[float, float] | None:
    """(latitude, longitude) as numbers, or None unless they are a point on Earth; (0, 0), where
    bad data puts what it cannot place, is none."""
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0.0, 0.0):
        return lat, lon
    return None


@lru_cache(maxsize=8192)  # a crawl reads a site's main line on every page
def normalise_phone(raw, country: str = "US") -> str | None:
    """An E.164 number, or None for junk, fax lines and switchboards labelled as such."""
    text = clean_text(raw)
    if not text or NOT_CLINIC_PHONE.search(text):
        return None
    text = re.sub(r"^(tel|phone|callto):", "", unquote(text), flags=re.I)
    region = (country or "US").upper()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        # "(212) 555-0142 / 0143", "Call 212-555-0142 today": the first number written.
        number = _written_nanp(text, region)
        if number is None:
            found = next(iter(phonenumbers.PhoneNumberMatcher(text, region)), None)
            number = found.number if found is not None else None
        if number is None:
            return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _written_nanp(text: str, region: str):
    """A North American number written with its area code, valid or not (see NANP_NUMBER), or
    the text as a whole when it is a possible number of ten digits."""
    match = NANP_NUMBER.search(text)
    written = match.group() if match else text.strip()
    if not (region in ("US", "CA") or written.lstrip().startswith("+1")):
        return None
    try:
        number = phonenumbers.parse(written, "US")
    except phonenumbers.NumberParseException:
        return None
    possible = phonenumbers.is_possible_number_with_reason(number) == IS_POSSIBLE
    return number if number.country_code == 1 and (match or possible) else None


def normalise_email(raw) -> str | None:
    """A lower-case address without `mailto:` or query, or None if it is not one."""
    text = clean_text(raw)
    if not text:
        return None
    text = unquote(re.sub(r"^mailto:", "", text, flags=re.I)).split("?")[0].strip().lower()
    try:
        address = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return None
    # "walk at all. I..." reads as walk@all.i: a real address ends in a public suffix, or in
    # .example, the name RFC 2606 keeps for examples.
    real = DOMAINS(address.domain).suffix or address.domain.endswith(".example")
    return address.normalized if real else None


@lru_cache(maxsize=4096)
def normalise_country(raw) -> str | None:
    """ISO 3166-1 alpha-2 from a code or a name ("USA", "U.S.", "England" -> GB)."""
    text = clean_text(raw)
    if not text:
        return None
    key = fold(text.replace(".", ""))
    if key in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[key]
    try:
        return pycountry.countries.lookup(text.replace(".", "").strip()).alpha_2
    except LookupError:
        return None


@lru_cache(maxsize=64)
def _subdivision_names(country: str) -> dict[str, str]:
    """Folded name or code -> ISO 3166-2 code, for one country."""
    names: dict[str, str] = {}
    if country == "GB":  # the region we keep for the UK is the nation
        return {fold(name): f"GB-{code}" for name, code in REGION_SPELLINGS["GB"].items()}
    for sub in pycountry.subdivisions.get(country_code=country) or []:
        names[fold(sub.name)] = sub.code
        names[fold(sub.code.split("-", 1)[1])] = sub.code
    for spelling, code in REGION_SPELLINGS.get(country, {}).items():
        names[fold(spelling.replace(".", ""))] = f"{country}-{code}"
    return names


@lru_cache(maxsize=16)
def region_pattern(country: str) -> str:
    """A country's states or provinces as pages write them, as a regular expression (case as
    written): ISO codes ("NY"), names ("New York") and the spellings above ("N.Y.", "Calif.")."""
    written = set(REGION_SPELLINGS.get(country, {}))
    for sub in pycountry.subdivisions.get(country_code=country) or []:
        if sub.parent_code is None:
            written |= {sub.code.split("-", 1)[1], sub.name}
    return "|".join(re.escape(spelling) for spelling in sorted(written, key=lambda w: (-len(w), w)))


def normalise_region(raw, country: str | None, postal_code: str | None = None) -> str | None:
    """ISO 3166-2 from a code, name or abbreviation; inferred from the postcode when missing."""
    country = (country or "").upper()
    text = clean_text(raw)
    if text and country:
        key = fold(text.replace(".", ""))
        if key.startswith(fold(country) + " "):  # already "US-NY"
            key = key[len(country) + 1:]
        found = _subdivision_names(country).get(key)
        if found:
            return found
    return region_from_postal_code(postal_code, country) if postal_code else None


def region_from_postal_code(raw, country: str) -> str | None:
    """The state, province or UK nation a postcode belongs to."""
    postal_code = normalise_postal_code(raw, country)
    if not postal_code:
        return None
    if country == "US":
        return _zip_state(postal_code[:5])
    if country == "CA":
        code = CA_POSTAL_FIRST_LETTER.get(postal_code[0])
        return f"CA-{code}" if code else None
    if country == "AU":
        return _au_state(int(postal_code))
    if country == "GB":
        return _uk_nation(postal_code)
    if country == "FR":
        return _top_subdivision(_french_department(postal_code))
    if country == "ES":
        number = int(postal_code[:2])
        return _top_subdivision(f"ES-{ES_PROVINCES[number - 1]}") if 1 <= number <= 52 else None
    return None


def _french_department(postal_code: str) -> str | None:
    """The ISO code of the department a French postcode is in (Corsica: 2A and 2B)."""
    department = postal_code[:3] if postal_code.startswith("97") else postal_code[:2]
    if department == "20":
        department = "2A" if postal_code < "20200" else "2B"
    for code in (f"FR-{department}", f"FR-{department}C", f"FR-{department}M"):
        if pycountry.subdivisions.get(code=code) is not None:
            return code
    return None


def _top_subdivision(code: str | None) -> str | None:
    """The region a province or department belongs to (ES-AV -> ES-CL, FR-75C -> FR-IDF)."""
    subdivision = pycountry.subdivisions.get(code=code) if code else None
    while subdivision is not None and subdivision.parent_code:
        subdivision = pycountry.subdivisions.get(code=subdivision.parent_code)
    return subdivision.code if subdivision is not None else None


def _zip_state(zip5: str) -> str | None:
    found = us_zip(zip5)
    return f"US-{found.state}" if found else None


def zip_towns(zip5: str) -> list[str]:
    """The towns a US ZIP code's mail goes to ("43123": Grove City, Darbydale, Urbancrest)."""
    found = us_zip(zip5)
    return list(found.towns) if found else []


def _au_state(number: int) -> str | None:
    ranges = [((200, 299), "ACT"), ((2600, 2618), "ACT"), ((2900, 2920), "ACT"),
              ((800, 999), "NT"), ((1000, 2999), "NSW"), ((3000, 3999), "VIC"),
              ((8000, 8999), "VIC"), ((4000, 4999), "QLD"), ((9000, 9999), "QLD"),
              ((5000, 5999), "SA"), ((6000, 6999), "WA"), ((7000, 7999), "TAS")]
    for (low, high), state in ranges:
        if low <= number <= high:
            return f"AU-{state}"
    return None


def _uk_nation(postal_code: str) -> str:
    match = re.match(r"([A-Z]{1,2})(\d+)", postal_code)
    area, district = match.group(1), int(match.group(2))
    if area == "BT":
        return "GB-NIR"
    for cross_area, low, high, nation in GB_CROSS_BORDER:
        if area == cross_area and low <= district <= high:
            return f"GB-{nation}"
    if area in GB_SCOTLAND:
        return "GB-SCT"
    if area in GB_WALES:
        return "GB-WLS"
    return "GB-ENG"


def normalise_postal_code(raw, country: str | None) -> str | None:
    """A postcode in its national form, or None if it does not look like one."""
    text = clean_text(raw)
    if not text:
        return None
    text = text.upper().strip(" ,.")
    country = (country or "").upper()
    if country not in SHAPES:
        return text
    pattern = whole_postcode(country)
    if country == "US" and re.fullmatch(r"\d{3,4}", text):
        text = text.zfill(5)  # a ZIP stored as a number lost its leading zeros (02110 -> 2110)
    match = pattern.match(text) or pattern.match(text.replace(" ", ""))
    if not match:
        # A UK outward code alone ("EH1") still locates a clinic roughly.
        if country == "GB" and whole_postcode("GB", area_alone=True).match(text):
            return text
        return None
    parts = [part for part in match.groups() if part]
    return ("-" if country == "US" else " ").join(parts) if country != "AU" else parts[0]


def normalise_url(raw, base: str | None = None) -> str | None:
    """An absolute http(s) URL, or None for script, data, mail and other schemes."""
    text = clean_text(raw)
    if not text:
        return None
    text = re.sub(r"[\x00-\x20]", "", text)
    url = urljoin(base, text) if base else text
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def url_scheme(raw) -> str | None:
    """The scheme a link names ("javascript"), to count why a link was dropped."""
    text = re.sub(r"[\x00-\x20]", "", clean_text(raw) or "")
    match = re.match(r"^([a-z][a-z0-9+.\-]*):", text, re.I)
    return match.group(1).lower() if match else None


def home_url(url: str) -> str:
    """scheme://host/ of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


@lru_cache(maxsize=4096)
def _domain_parts(url_or_host: str) -> tuple[str, str]:
    """(label, suffix) of the registered domain; a reserved name (".example") counts as one."""
    parts = DOMAINS(url_or_host)
    if parts.suffix or not parts.subdomain:
        return parts.domain, parts.suffix
    return parts.subdomain.rsplit(".", 1)[-1], parts.domain


@lru_cache(maxsize=4096)
def registered_domain(url_or_host: str) -> str:
    """The domain a site registered: "clinic.co.uk" for https://www.clinic.co.uk/contact."""
    return ".".join(part for part in _domain_parts(url_or_host) if part)


def domain_spells(name: str | None, url_or_host: str) -> bool:
    """Whether a domain spells a name: hornsbychiropractor.com.au spells "Hornsby Chiropractor"."""
    if not name:
        return False
    label = _domain_parts(url_or_host)[0].replace("-", "").lower()
    wanted = fold(name).replace(" ", "")
    return len(label) >= 4 and fuzz.partial_ratio(label, wanted) >= 85


def looks_like_own_site(name: str | None, page_url: str, site_name: str | None = None) -> bool:
    """Whether a page seems to be on the clinic's own site: its domain or site name echo it."""
    if domain_spells(name, page_url):
        return True
    return bool(name and site_name) and fuzz.token_set_ratio(fold(site_name), fold(name)) >= 90


def without_tracking(url: str | None) -> str | None:
    """A URL without campaign parameters (utm_*, gclid, fbclid) that directories add."""
    if not url:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not TRACKING_PARAMETER.match(k)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _redirect_target(url: str) -> str | None:
    """The outside http(s) URL a redirect link carries in its query, if any."""
    host = urlsplit(url).hostname
    for _, value in parse_qsl(urlsplit(url).query):
        target = normalise_url(value)
        if target and urlsplit(target).hostname != host:
            return without_tracking(target)
    return None


def website_for(link, page_url: str, *, own_site: bool) -> str | None:
    """The clinic's own site: the link given for it, else the home URL of a page on its own site.

    A link back into the same host is the page's own navigation (a directory profile, a
    location page): it counts only when that host is the clinic's own site.
    """
    url = without_tracking(normalise_url(link, page_url))
    same_host = url and urlsplit(url).hostname == urlsplit(page_url).hostname
    if same_host:
        url = _redirect_target(url) or url  # a directory's "/out?url=https://clinic..." link
        same_host = urlsplit(url).hostname == urlsplit(page_url).hostname
    if url and not same_host:
        return url
    if own_site and normalise_url(page_url):
        return home_url(page_url)
    return None

"""Clinic records from schema.org data: JSON-LD (leniently parsed), microdata and RDFa."""

from __future__ import annotations

import html
import json
import re

import extruct
from lxml import html as lxml_html

from crawler.extract.contacts import map_link_coordinates
from reliefmap.normalise import coordinates

CLINIC_TYPES = {
    "MedicalClinic", "MedicalBusiness", "MedicalOrganization", "Physician", "IndividualPhysician",
    "PhysiciansOffice", "Hospital", "LocalBusiness", "Dentist", "Optician", "Pharmacy",
    "PhysicalTherapy", "DiagnosticLab", "MedicalCenter",
    # MedicalBusiness's kinds, and the businesses practices describe themselves as.
    "CommunityHealth", "Dermatology", "DietNutrition", "Emergency", "Geriatric", "Gynecologic",
    "Midwifery", "Nursing", "Obstetric", "Oncologic", "Optometric", "Otolaryngologic",
    "Pediatric", "Physiotherapy", "PlasticSurgery", "Podiatric", "PrimaryCare", "Psychiatric",
    "PublicHealth", "HealthAndBeautyBusiness", "ProfessionalService", "Chiropractic",
    "Chiropractor", "Osteopath", "MedicalSpa",
}
ARTICLE_TYPES = {
    "Article", "NewsArticle", "BlogPosting", "Report", "ScholarlyArticle",
    "MedicalScholarlyArticle",
    "OpinionNewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "LiveBlogPosting",
}
# Pages about an event or a job: the clinic they name is where it happens, not what they are.
OTHER_PAGE_TYPES = {"Event", "EducationEvent", "SocialEvent", "BusinessEvent", "JobPosting"}
# Where one entity lists its own places: one record each.
CHILD_KEYS = ("location", "department", "subOrganization")
# Where a page nests the entities it is about: ItemList items, a WebPage's main entity.
NESTING_KEYS = ("itemListElement", "item", "mainEntity", "about")
TRAILING_COMMA = re.compile(r",\s*([}\]])")
SCHEMA_IRI = re.compile(r"^https?://schema\.org/")
HTML_COMMENT = re.compile(r"<!--|-->|<!\[CDATA\[|\]\]>")
# Hand-written JSON-LD gets the case wrong ("medicalclinic"); the types we act on are known.
KNOWN_TYPES = {name.lower(): name for name in CLINIC_TYPES | ARTICLE_TYPES | OTHER_PAGE_TYPES}


def type_names(node: dict) -> set[str]:
    """Short schema.org type names of a node ("http://schema.org/Physician" -> "Physician")."""
    raw = node.get("@type") or []
    raw = raw if isinstance(raw, list) else [raw]
    names = (str(name).strip().rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1] for name in raw)
    return {KNOWN_TYPES.get(name.lower(), name) for name in names}


def load_json_lenient(text: str) -> list:
    """JSON-LD as pages write it: comments, trailing commas, raw newlines, several objects."""
    text = HTML_COMMENT.sub("", text).strip().rstrip(";")
    if text.startswith("{&quot;") or text.startswith("[{&quot;"):
        text = html.unescape(text)  # a template that escaped the whole script
    for candidate in (text, TRAILING_COMMA.sub(r"\1", text)):
        try:
            return [json.loads(candidate, strict=False)]
        except ValueError:
            pass
    found, decoder, index = [], json.JSONDecoder(strict=False), 0
    text = TRAILING_COMMA.sub(r"\1", text)
    while index < len(text):
        start = text.find("{", index)
        if start < 0:
            break
        try:
            value, index = decoder.raw_decode(text, start)
        except ValueError:
            break
        found.append(value)
    return found


def json_ld_nodes(tree) -> list[dict]:
    """Every top-level JSON-LD node of a page, with `@graph` and lists flattened."""
    nodes: list[dict] = []
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        for value in load_json_lenient(script.text_content() or ""):
            nodes.extend(_flatten(value))
    return nodes


def _flatten(value) -> list[dict]:
    if isinstance(value, list):
        return [node for item in value for node in _flatten(item)]
    if not isinstance(value, dict):
        return []
    if "@graph" in value:
        return _flatten(value["@graph"])
    return [value]


def _compact(value):
    """Short schema.org property names for full IRIs ("https://schema.org/name" -> "name")."""
    if isinstance(value, list):
        return [_compact(item) for item in value]
    if not isinstance(value, dict):
        return value
    return {SCHEMA_IRI.sub("", key): _compact(item) for key, item in value.items()}


def _resolve(value, by_id: dict, depth: int = 0):
    """Replace {"@id": ...} references by the nodes they name."""
    if depth > 6:
        return value
    if isinstance(value, list):
        return [_resolve(item, by_id, depth + 1) for item in value]
    if isinstance(value, dict):
        if set(value) == {"@id"} and value["@id"] in by_id:
            value = by_id[value["@id"]]
        return {key: _resolve(item, by_id, depth + 1) if key != "@id" else item
                for key, item in value.items()}
    return value


def page_nodes(tree, html_text: str, url: str) -> list[dict]:
    """All schema.org nodes of a page, references resolved, from JSON-LD, microdata and RDFa."""
    nodes = json_ld_nodes(tree)
    # Parsing RDFa is slow: only pages that use microdata or RDFa attributes pay for it.
    syntaxes = [syntax for syntax, xpath in (("microdata", "//*[@itemscope]"),
                                             ("rdfa", "//*[@typeof]"))
                if tree.xpath(xpath)]
    # Microdata is read from the page's tree; RDFa needs extruct's own DOM parse of the text.
    source = tree if syntaxes == ["microdata"] else html_text
    try:
        data = extruct.extract(source, base_url=url, syntaxes=syntaxes, uniform=True,
                               errors="ignore") if syntaxes else {}
    except Exception:  # extruct raises whatever its parsers raise on broken markup
        data = {}
    for syntax in ("microdata", "rdfa"):
        nodes.extend(_compact(node) for item in data.get(syntax) or [] for node in _flatten(item))
    by_id = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    return [_resolve(node, by_id) for node in nodes]


def first(value):
    """The first plain value of a property that may be a list, a dict with @value, or a string."""
    while isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name") or value.get("@id")
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _address(value) -> dict:
    """Street, locality, region, postal code and country of a PostalAddress (or a string)."""
    while isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str):
        return {"address": value}
    if not isinstance(value, dict):
        return {}
    if "address" in value and "streetAddress" not in value:  # a Place wrapping the address
        return _address(value["address"])
    street = value.get("streetAddress")
    if isinstance(street, list):
        street = ", ".join(filter(None, (first(part) for part in street)))
    street = re.sub(r"\s*(?:<br\s*/?>|\n)\s*", ", ", str(street)) if street else None
    return {
        "street": street,
        "locality": first(value.get("addressLocality")),
        "region": first(value.get("addressRegion")),
        "postal_code": first(value.get("postalCode")),
        "country": first(value.get("addressCountry")),
    }


def _geo(node: dict) -> dict:
    """Coordinates from `geo`, else from a `hasMap` link."""
    geo = node.get("geo")
    if geo is None and first(node.get("hasMap")):
        found = map_link_coordinates(first(node.get("hasMap")))
        return {"lat": found[0], "lon": found[1]} if found else {}
    while isinstance(geo, list):
        geo = geo[0] if geo else None
    if not isinstance(geo, dict):
        return {}
    found = coordinates(first(geo.get("latitude")), first(geo.get("longitude")))
    return {"lat": found[0], "lon": found[1]} if found else {}


def _record(node: dict, parent: dict | None = None) -> dict:
    """The flat fields of one clinic node; a department inherits its parent's address and site."""
    record = {
        "name": first(node.get("name")) or first(node.get("legalName")),
        "phone": first(node.get("telephone")),
        "email": first(node.get("email")),
        "website": first(node.get("url")),
        "description": first(node.get("description")),
        **_address(node.get("address")),
        **_geo(node),
        "types": sorted(type_names(node)),
        "node": node,  # for the details the data gives (hours, payment, languages)
    }
    place = node.get("location")
    if isinstance(place, dict):
        if not record.get("street") and not record.get("address"):
            record.update({k: v for k, v in _address(place).items() if v})
        if "lat" not in record:
            record.update(_geo(place))
    if parent:
        for key in ("street", "address", "locality", "region", "postal_code", "country", "lat",
                    "lon", "website", "email"):
            if not record.get(key) and parent.get(key):
                record[key] = parent[key]
        if not record["name"]:
            record["name"] = parent.get("name")
        record["branch_of"] = parent.get("name")
    return record


def _children(node: dict) -> list[dict]:
    children = []
    for key in CHILD_KEYS:
        value = node.get(key)
        items = value if isinstance(value, list) else [value]
        children.extend(item for item in items if isinstance(item, dict) and
                        (item.get("address") or type_names(item) & CLINIC_TYPES))
    # A single `location` is just where the clinic is, not another clinic.
    if len(children) == 1 and node.get("location") is not None and not node.get("department"):
        return []
    return children


def _with_nested(nodes: list[dict]) -> list[dict]:
    """The nodes and those they hold as a list's items or a page's main entity."""
    found: list[dict] = []
    pending = list(nodes)
    while pending:
        node = pending.pop(0)
        found.append(node)
        for key in NESTING_KEYS:
            value = node.get(key)
            pending.extend(item for item in (value if isinstance(value, list) else [value])
                           if isinstance(item, dict))
    return found


def _addresses(node: dict) -> list[dict]:
    """The addresses of a clinic that lists several (none when it lists one)."""
    addresses = node.get("address")
    if not isinstance(addresses, list) or len(addresses) < 2:
        return []
    return [address for address in addresses if isinstance(address, dict)]


def clinic_records(nodes: list[dict]) -> list[dict]:
    """One record per clinic location stated in the page's schema.org nodes."""
    nodes = _with_nested(nodes)
    records: list[dict] = []
    child_ids = set()
    for node in nodes:
        for child in _children(node) if type_names(node) & CLINIC_TYPES else []:
            child_ids.add(id(child))
    for node in nodes:
        if not type_names(node) & CLINIC_TYPES or id(node) in child_ids:
            continue
        children = _children(node)
        if children:
            parent = _record(node)
            records.extend(_record(child, parent) for child in children)
        elif _addresses(node):
            # One clinic at several addresses: the same name and line, a record per place.
            record = _record(node)
            records.extend({**record, **_address(address), "lat": None, "lon": None}
                           for address in _addresses(node))
        else:
            records.append(_record(node))
    return _unique(records)


def _place_key(record: dict) -> tuple[str, str]:
    return ((record.get("name") or "").lower(),
            (record.get("postal_code") or record.get("street") or record.get("address")
             or "").lower().replace(" ", ""))


def _same_place(first: dict, second: dict) -> bool:
    """The same clinic named and placed alike, or two nodes at one street (a site's
    LocalBusiness and its Hospital under two names); departments share their organisation's
    street and stay apart."""
    if _place_key(first) == _place_key(second):
        return True
    if first.get("branch_of") or second.get("branch_of"):
        return False
    street = re.sub(r"\W", "", (first.get("street") or "").lower())
    return bool(street) and street == re.sub(r"\W", "", (second.get("street") or "").lower())


def _unique(records: list[dict]) -> list[dict]:
    """Drop repeats (the same clinic in JSON-LD and microdata), merged into the fuller one."""
    kept: list[dict] = []
    for record in records:
        index = next((i for i, other in enumerate(kept) if _same_place(record, other)), None)
        if index is None:
            kept.append(record)
            continue
        fuller, other = sorted((record, kept[index]), key=lambda r: -sum(map(bool, r.values())))
        kept[index] = {**{k: v for k, v in other.items() if v},
                       **{k: v for k, v in fuller.items() if v}}
    return kept


def is_article(nodes: list[dict], tree) -> bool:
    """Whether the page presents itself as an article, news story, blog post, event or job.

    og:type and article:published_time are not enough without an author: WordPress SEO plugins
    put them on every page; WordPress itself says which pages are posts (body class
    "single-post").
    """
    for node in nodes:
        if type_names(node) & (ARTICLE_TYPES | OTHER_PAGE_TYPES):
            return True
    body_class = f" {tree.xpath('string(//body/@class)')} "
    if " single-post " in body_class:
        return True
    if " page " in body_class or " page-template-default " in body_class:
        return False
    og_type = tree.xpath('string(//meta[@property="og:type"]/@content)').strip().lower()
    if og_type not in ("article", "news") and not tree.xpath(
            '//meta[@property="article:published_time"]'):
        return False
    return bool(tree.xpath('//meta[@name="author" or @property="article:author"]'
                           ' | //*[@rel="author"] | //*[contains(@class, "byline")]'
                           ' | //article//time'))


XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def parse_tree(html_text: str):
    """An lxml tree of a page (an empty one for an empty page).

    An XHTML page's XML declaration goes first: lxml refuses one that names an encoding in
    text that is already decoded.
    """
    try:
        return lxml_html.document_fromstring(XML_DECLARATION.sub("", html_text, count=1))
    except Exception:  # lxml raises ParserError on documents with no elements
        return lxml_html.document_fromstring("<html><body></body></html>")

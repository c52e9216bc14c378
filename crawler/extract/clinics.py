"""What a clinic page yields, in named steps: schema.org data, a source's selectors, the
visible text, then the readings reconciled into one record per clinic location."""

from __future__ import annotations

from crawler.extract import structured
from crawler.extract.addresses import parse_address
from crawler.extract.contacts import emails_in, phones_in
from crawler.extract.details import details_from_node, details_from_text, hours_in, merged
from crawler.extract.page import Page
from crawler.extract.page_kinds import not_a_clinic_page
from crawler.extract.reconcile import Department, Reading, as_department, reconcile
from crawler.extract.selectors import select_fields
from crawler.extract.text import text_records
from crawler.items import ClinicItem
from reliefmap.normalise import clean_text

ADDRESS_FIELDS = ("street", "locality", "region", "postal_code", "country")
DETAIL_FIELDS = ("hours", "prices", "payment", "telehealth", "accepting_new_patients",
                 "referral_required", "languages")


def selector_record(page: Page, selectors: dict | None, country: str) -> dict:
    """The fields a source's selectors pick, a written address split into its parts."""
    fields = select_fields(page.tree, selectors) if selectors else {}
    if "address" in fields:
        for key, value in parse_address(fields.pop("address"), country).items():
            fields.setdefault(key, value)
    return fields


def extract_clinics(html: str | bytes, url: str, *, selectors: dict | None = None,
                    country: str = "US", encoding: str | None = None,
                    tree=None) -> list[ClinicItem]:
    """The clinic records a page yields; none for articles and pages without a clinic address.
    `tree` is the page's lxml tree when the caller parsed it already."""
    page = Page(html, url, encoding, tree)
    if not_a_clinic_page(page):
        return []
    readings = reconcile(
        structured.clinic_records(page.nodes),
        selector_record(page, selectors, country),
        text_records(page, country),
        country,
        page.text,
    )
    as_department(readings, page.headings[0] if page.headings else None,
                  lambda: department_of(page, country))
    for reading in readings:
        fill_from_own_site(reading.record, page, country)
        add_details(reading.record, page, country, alone=len(readings) == 1)
    share_page_hours([reading.record for reading in readings], page)
    return [clinic_item(reading, page) for reading in readings]


def add_details(record: dict, page: Page, country: str, alone: bool) -> None:
    """Hours, prices, payment, telehealth, new patients, referral and languages: the data's,
    else the clinic's text (on its own site a lone clinic's header and footer count too)."""
    node = record.pop("node", None)
    own = alone and page.own_site(record.get("name"))
    lines = [line.text for line in page.lines] if own else (record.get("text") or "").split("\n")
    details = details_from_text(lines, record.get("country") or country)
    if node:
        details = merged(details_from_node(node, record.get("country") or country), details)
    record.update(details)


def share_page_hours(records: list[dict], page: Page) -> None:
    """A practice's own page that lists its offices and states its hours once, in one block
    ("Hours of Operation: Mon-Thu 8-5, Fri 8-12"): its offices that state none keep those.
    Hours stated in several places belong to the offices that state them."""
    own = [record for record in records if page.own_site(record.get("name"))]
    if len(own) < 2:
        return
    lines = [line.text for line in page.content]
    stating = [index for index, line in enumerate(lines) if hours_in([line])]
    if not stating or stating[-1] - stating[0] >= len(stating) + 1:
        return
    hours = hours_in(lines[stating[0]:stating[-1] + 1])
    if any(record.get("hours") not in ([], None, hours) for record in records):
        return
    for record in own:
        record["hours"] = record.get("hours") or hours


def fill_from_own_site(record: dict, page: Page, country: str) -> None:
    """On a clinic's own site, the phone and e-mail its header or footer give are its own."""
    if (record.get("phone") and record.get("email")) or not page.own_site(record.get("name")):
        return
    if not record.get("phone"):
        phones = page.phones(record.get("country") or country)
        record["phone"] = phones[0] if phones else None
    if not record.get("email"):
        record["email"] = page.emails[0] if page.emails else None


def department_of(page: Page, country: str) -> Department:
    """The first phone and e-mail the page's own content gives."""
    phones = phones_in(page.content, country)
    emails = emails_in(page.content)
    return Department(phones[0] if phones else None, emails[0] if emails else None)


def clinic_item(reading: Reading, page: Page) -> ClinicItem:
    """The item a reading becomes; `extras` says how it was read and whose site it is on."""
    record = reading.record
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
        description=clean_text(record.get("description")) or page.description,
        **{key: record.get(key) for key in DETAIL_FIELDS},
        source_url=page.url,
        text=record.get("text"),
        extras={
            "method": reading.method,
            "types": record.get("types", []),
            "own_site": page.own_site(name),
            "disagreements": sorted(set(reading.disagreements)),
        },
    )

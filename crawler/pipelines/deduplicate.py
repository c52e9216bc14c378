"""One clinic, however many pages or sources list it: same phone, same website domain, or a
near-identical name at the same postal code. Marks each item with the entry it belongs to."""

import re

from rapidfuzz import fuzz
from sqlalchemy import select

from crawler.items import ClinicItem
from crawler.pipelines import CountingPipeline
from models import Database
from models.directory import MERGED, REJECTED, Clinic, Location
from models.duplicates import website_domain
from reliefmap.normalise import fold

NUMBER = re.compile(r"\d+")
NAME_SIMILARITY = 90  # token_set_ratio of folded names at the same postal code


class ClinicIndex:
    """Identities by phone, website domain and postal code; an identity is "clinic:ID" for a
    stored clinic or "record:KEY" for a record first seen in this crawl."""

    def __init__(self):
        self.by_phone: dict[str, str] = {}
        self.by_domain: dict[str, str] = {}
        # (postal code, the numbers in the name) -> [(folded name, identity)]: "Clinic 2" is not
        # "Clinic 3", so only names with the same numbers are compared, not the whole postcode.
        self.by_place: dict[tuple[str, tuple[str, ...]], list[tuple[str, str]]] = {}

    def add(self, identity: str, phone, website, postal_code, name) -> None:
        if phone:
            self.by_phone.setdefault(phone, identity)
        if domain := website_domain(website):
            self.by_domain.setdefault(domain, identity)
        if postal_code and name:
            folded = fold(name)
            self.by_place.setdefault((postal_code, tuple(NUMBER.findall(folded))), []).append(
                (folded, identity))

    def find(self, phone, website, postal_code, name) -> str | None:
        if phone and phone in self.by_phone:
            return self.by_phone[phone]
        if (domain := website_domain(website)) and domain in self.by_domain:
            return self.by_domain[domain]
        folded = fold(name or "")
        if not folded:
            return None
        for other, identity in self.by_place.get((postal_code, tuple(NUMBER.findall(folded))), []):
            if fuzz.token_set_ratio(folded, other) >= NAME_SIMILARITY:
                return identity
        return None


class DeduplicatePipeline(CountingPipeline):
    """Set `extras["same_as"]` on a clinic that is already known, in the database or this crawl."""

    def open_spider(self):
        self.stored = ClinicIndex()
        self.crawled = ClinicIndex()
        database = Database(self.crawler.spider.config.database_url)
        try:
            with database.read_session() as session:
                rows = session.execute(
                    select(Clinic.id, Clinic.phone, Clinic.website, Clinic.name,
                           Location.postal_code)
                    .outerjoin(Location, Location.clinic_id == Clinic.id)
                    .where(Clinic.state.not_in([MERGED, REJECTED])))
                for clinic_id, phone, website, name, postal_code in rows:
                    self.stored.add(f"clinic:{clinic_id}", phone, website, postal_code, name)
        finally:
            database.dispose()

    def process_item(self, item):
        if not isinstance(item, ClinicItem):
            return item
        keys = (item.get("phone"), item.get("website"), item.get("postal_code"), item.get("name"))
        extras = item["extras"]
        identity = self.crawled.find(*keys)
        if identity:
            self.count("dedupe/same_as_crawled")
        else:
            identity = self.stored.find(*keys)
            if identity:
                self.count("dedupe/same_as_stored")
        if identity:
            extras["same_as"] = identity
        self.crawled.add(identity or f"record:{extras['record_key']}", *keys)
        return item

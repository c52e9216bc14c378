"""Fixtures for the editor workspace: accounts, an `auth` helper that logs in through the real
form (CSRF on), and crawl data shaped exactly as the store pipeline writes it."""

import hashlib
import json
import re

import lxml.html
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from models import PENDING, Clinic, CrawlRun, ReviewItem, Source, SourceRecord, User, accounts
from models.base import utcnow
from models.entries import apply_clinic_fields, clinic_fields, clinic_fields_from_record, field_diff
from models.review import record_provenance
from models.staging import CHANGE, NEW, OPEN, SUPERSEDED

PASSWORD = "tidal-lantern-harbour-42"
SOURCE = "fixture-directory"
GOLDEN = "/clinics/golden-gate-ketamine.html"  # a page of the sample clinic directory

HUDSON = {
    "name": "Hudson Ketamine Center", "phone": "+15185550100",
    "website": "https://hudson-ketamine.example/", "email": "care@hudson-ketamine.example",
    "description": "IV ketamine infusions for CRPS and fibromyalgia.",
    "address": {"street": "12 State St, Suite 4", "locality": "Albany", "region": "US-NY",
                "postal_code": "12207", "country": "US"},
    "geo": {"lat": 42.65, "lon": -73.75},
    "treatments": ["ketamine-iv-infusion"], "conditions": ["crps", "fibromyalgia"],
}


def make_user(session, username: str, role: str = "editor", active: bool = True) -> User:
    user = User(username=username, role=role, active=active)
    user.set_password(PASSWORD)
    session.add(user)
    session.flush()
    return user


def ensure_source(session, name: str = SOURCE, kind: str = "clinics") -> Source:
    source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        source = Source(name=name, kind=kind)
        session.add(source)
        session.flush()
    return source


def _store_record(session, source: Source, url: str, record: dict) -> SourceRecord:
    """Insert or update the source record, under a fresh finished crawl run."""
    now = utcnow()
    run = CrawlRun(source=source, trigger="schedule", status="succeeded", finished_at=now,
                   pages=1)
    session.add(run)
    row = session.scalar(select(SourceRecord).where(SourceRecord.source_id == source.id,
                                                    SourceRecord.record_key == url))
    if row is None:
        row = SourceRecord(source=source, record_key=url, url=url, entry_type="clinic",
                           first_seen=now)
        session.add(row)
    row.payload = record
    row.fingerprint = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()
    row.crawl_run, row.fetched_at, row.last_seen = run, now, now
    session.flush()
    return row


def crawl_clinic(session, record: dict, source: str = SOURCE,
                 url: str | None = None) -> ReviewItem:
    """A clinic a source listed for the first time: pending entry, source record, "new" item."""
    slug = re.sub(r"[^a-z0-9]+", "-", record["name"].lower()).strip("-")
    url = url or f"https://{source}.example/clinics/{slug}"
    row = _store_record(session, ensure_source(session, source), url, record)
    fields = clinic_fields_from_record(record)
    clinic = Clinic(slug=f"{slug}-{row.id}", name=fields["name"], state=PENDING)
    session.add(clinic)
    apply_clinic_fields(session, clinic, fields)
    session.flush()
    row.clinic, row.location_id = clinic, clinic.locations[0].id
    clinic.provenance = {name: record_provenance(row) for name, value in fields.items()
                         if value not in (None, [])}
    item = ReviewItem(kind=NEW, origin="crawl", entry_type="clinic", clinic=clinic,
                      source_record=row)
    session.add(item)
    session.flush()
    return item


def recrawl_clinic(session, clinic: Clinic, record: dict, source: str = SOURCE,
                   url: str | None = None) -> ReviewItem | None:
    """A known clinic crawled again: the record is updated and the difference in what it states
    is proposed, replacing the clinic's older open proposal (as the store pipeline does)."""
    if url is None:
        url = next(r.url for r in clinic.source_records if r.source.name == source)
    row = _store_record(session, ensure_source(session, source), url, record)
    row.clinic = clinic
    stated = {name: value for name, value in clinic_fields_from_record(record).items()
              if value not in (None, "", [])}
    diff = field_diff(clinic_fields(clinic), stated)
    if not diff:
        return None
    for older in session.scalars(select(ReviewItem).where(
            ReviewItem.clinic_id == clinic.id, ReviewItem.kind == CHANGE,
            ReviewItem.state == OPEN, ReviewItem.origin == "crawl")):
        older.state = SUPERSEDED
    payload = {"location_id": row.location_id, "provenance": record_provenance(row)}
    item = ReviewItem(kind=CHANGE, origin="crawl", entry_type="clinic", clinic=clinic,
                      source_record=row, diff=diff, payload=payload)
    session.add(item)
    session.flush()
    return item


def form_values(html: str, action: str) -> dict:
    """What a browser would submit from the page's form posting to `action`, minus the token."""
    form = next(form for form in lxml.html.fromstring(html).forms if form.action == action)
    values: dict = {}
    for name, value in form.form_values():
        if name in values:
            values[name] = [*([values[name]] if isinstance(values[name], str)
                              else values[name]), value]
        else:
            values[name] = value
    values.pop("csrf_token", None)
    return values


class AuthActions:
    """Log in and out through the real forms, and post forms with their CSRF token."""

    def __init__(self, client):
        self.client = client

    def csrf_token(self, url: str = "/login") -> str:
        html = self.client.get(url, follow_redirects=True).get_data(as_text=True)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def login(self, username: str = "edna", password: str = PASSWORD, **kwargs):
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": self.csrf_token()}, **kwargs)

    def logout(self):
        return self.post("/logout")

    def post(self, url: str, data: dict | None = None, **kwargs):
        data = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.client.post(url, data=data, **kwargs)


@pytest.fixture
def fast_hashing(monkeypatch):
    """Real argon2id with light parameters: the default costs about a second on a busy CI box."""
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture
def users(app, fast_hashing):
    """An editor "edna", an admin "ada" and a disabled editor "dora"."""
    with app.extensions["database"].write_session.begin() as session:
        make_user(session, "edna")
        make_user(session, "ada", role="admin")
        make_user(session, "dora", active=False)


@pytest.fixture
def auth(client, users):
    return AuthActions(client)


@pytest.fixture
def golden_source(add_source, sample_server) -> str:
    """One clinic page of the sample directory as a source; request it before `app`."""
    add_source("golden", start_urls=[sample_server.url + GOLDEN], extract=["/clinics/golden"])
    return "golden"


@pytest.fixture
def db_write(app):
    """Run a function in one write transaction on the app's database; returns its result."""
    def run(function, *args, **kwargs):
        with app.extensions["database"].write_session.begin() as session:
            return function(session, *args, **kwargs)

    return run


def browser_login(page, base_url: str, username: str = "edna") -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

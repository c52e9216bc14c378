"""Atom feeds of clinic searches, resource lists and guides: valid against the Atom schema of
RFC 4287, linked from their pages, built from validated parameters and the configured address,
and the same for every reader."""

from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import rnc2rng
from lxml import etree
from sqlalchemy import select

from models import Clinic, revise_guide
from models.review import edit_entry
from tests.editor_fixtures import make_user

ATOM_RNC = Path(__file__).parent / "atom" / "atom.rnc"
NS = {"a": "http://www.w3.org/2005/Atom"}
FEEDS = ["/clinics/feed.atom?condition=crps&near=10001",
         "/clinics/feed.atom?payment=medicare&telehealth=true&open=Mo&language=es",
         "/clinics/feed.atom?treatment=ketamine-iv-infusion&region=US-NY",
         "/clinics/feed.atom",
         "/resources/feed.atom?kind=support-group&condition=crps",
         "/resources/feed.atom?treatment=ketamine-iv-infusion",
         "/conditions/crps/feed.atom?near=10001",
         "/conditions/crps/feed.atom",
         "/treatments/nerve-block/feed.atom"]


@pytest.fixture(scope="module")
def atom_schema():
    """RFC 4287's RELAX NG schema (compact syntax, converted by rnc2rng) for lxml. rnc2rng
    declares the schema's empty `local` namespace as a prefix, which XML forbids; the rules
    themselves name it by `ns=""`, so the declaration goes."""
    grammar = rnc2rng.dumps(rnc2rng.load(str(ATOM_RNC))).replace(' xmlns:local=""', "")
    return etree.RelaxNG(etree.fromstring(grammar.encode()))


def parse(response, schema) -> etree._Element:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/atom+xml"
    document = etree.fromstring(response.get_data())
    assert schema.validate(document), schema.error_log
    return document


def titles(document) -> list[str]:
    return document.xpath("a:entry/a:title/text()", namespaces=NS)


@pytest.mark.parametrize("url", FEEDS)
def test_every_feed_is_valid_atom(client, directory, atom_schema, url):
    document = parse(client.get(url), atom_schema)
    assert document.xpath("a:link[@rel='self']/@href", namespaces=NS)


def test_the_schema_refuses_a_feed_without_an_id(atom_schema):
    broken = etree.fromstring(b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>'
                              b"<updated>2026-01-01T00:00:00Z</updated></feed>")
    assert not atom_schema.validate(broken)


def test_the_crps_guide_feed_near_10001_holds_its_clinics_and_resources(client, directory,
                                                                        atom_schema):
    document = parse(client.get("/conditions/crps/feed.atom?near=10001"), atom_schema)
    found = titles(document)
    assert "Manhattan Ketamine Center" in found and "CRPS Support Circle" in found
    assert "Pending Ketamine Place" not in found and "Pending CRPS Article" not in found
    assert "Los Angeles Ketamine Clinic" not in found


def test_a_guide_description_is_an_entry_of_its_feed(client, database, directory, atom_schema):
    with database.write_session.begin() as session:
        revise_guide(session, "crps", "A pain that outlasts its injury.", False, None)
    document = parse(client.get("/conditions/crps/feed.atom"), atom_schema)
    assert titles(document)[0].startswith("About ")  # the guide itself comes first
    assert "A pain that outlasts its injury." in document.xpath(
        "a:entry/a:summary/text()", namespaces=NS)


def test_pages_link_their_feed_visibly_and_for_feed_readers(client, directory):
    for page_url, feed_path in (("/clinics?condition=crps&near=10001", "/clinics/feed.atom"),
                                ("/resources/?kind=article", "/resources/feed.atom"),
                                ("/conditions/crps?near=10001", "/conditions/crps/feed.atom")):
        page = client.get(page_url).get_data(as_text=True)
        assert '<link rel="alternate" type="application/atom+xml"' in page
        assert ">Follow this" in page
        href = page.split('type="application/atom+xml"', 1)[1].split('href="', 1)[1]
        href = href.split('"', 1)[0].replace("&amp;", "&")
        assert urlsplit(href).path == feed_path
    follow = client.get("/clinics?condition=crps&near=10001").get_data(as_text=True)
    href = follow.split('type="application/atom+xml"', 1)[1].split('href="', 1)[1]
    query = parse_qs(urlsplit(href.split('"', 1)[0].replace("&amp;", "&")).query)
    assert query["condition"] == ["crps"] and query["near"] == ["10001"]


def test_feed_urls_come_from_the_configured_address_never_from_request_headers(client,
                                                                               directory):
    for headers in ({"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"}):
        for url in ("/conditions/crps?near=10001", "/conditions/crps/feed.atom?near=10001",
                    "/clinics/feed.atom?condition=crps"):
            body = client.get(url, headers=headers).get_data(as_text=True)
            assert "evil.example" not in body
    feed = client.get("/clinics/feed.atom?condition=crps&utm_x=<script>").get_data(
        as_text=True)
    assert "utm_x" not in feed and "<script>" not in feed  # only validated parameters


def test_a_feed_is_the_same_for_every_reader_and_sets_no_cookie(app, directory):
    bodies = set()
    for number in range(2):
        reader = app.test_client()
        reader.set_cookie("session", f"reader-{number}")
        response = reader.get("/conditions/crps/feed.atom", headers={
            "User-Agent": f"reader-{number}", "X-Forwarded-For": f"10.0.0.{number}"})
        assert "Set-Cookie" not in response.headers
        bodies.add(response.get_data())
    assert len(bodies) == 1 and b"reader-" not in bodies.pop()


@pytest.mark.parametrize("url", ["/clinics/feed.atom?near=Nowhereville-Zzz",
                                 "/clinics/feed.atom?payment=gold-bars",
                                 "/clinics/feed.atom?radius=-3",
                                 "/resources/feed.atom?kind=nonsense",
                                 "/conditions/crps/feed.atom?near=" + "x" * 300])
def test_odd_feed_parameters_are_a_400(client, directory, url):
    assert client.get(url).status_code == 400


def test_an_unknown_guide_has_no_feed(client, directory):
    assert client.get("/conditions/nothing/feed.atom").status_code == 404
    assert client.get("/treatments/crps/feed.atom").status_code == 404


def _updated(document, title: str) -> str:
    return document.xpath(f"a:entry[a:title='{title}']/a:updated/text()", namespaces=NS)[0]


def test_a_material_change_moves_an_entry_up_and_a_recrawl_that_finds_it_the_same_does_not(
        client, database, directory, atom_schema):
    url = "/clinics/feed.atom?country=US"
    with database.write_session.begin() as session:
        for clinic in session.scalars(select(Clinic)):
            clinic.published_at = datetime(2026, 1, 1)
    first = parse(client.get(url), atom_schema)
    with database.write_session.begin() as session:
        buffalo = session.scalar(select(Clinic).where(Clinic.name == "Buffalo Nerve Block Clinic"))
        buffalo.last_verified = datetime(2026, 12, 1)  # seen again, nothing changed
    again = parse(client.get(url), atom_schema)
    assert titles(again) == titles(first)
    assert _updated(again, "Buffalo Nerve Block Clinic") == _updated(
        first, "Buffalo Nerve Block Clinic")
    with database.write_session.begin() as session:
        editor = make_user(session, "fay")
        buffalo = session.scalar(select(Clinic).where(Clinic.name == "Buffalo Nerve Block Clinic"))
        edit_entry(session, buffalo, editor, {"phone": "+17165550199"})
    changed = parse(client.get(url), atom_schema)
    assert titles(changed)[0] == "Buffalo Nerve Block Clinic"
    assert _updated(changed, "Buffalo Nerve Block Clinic") > _updated(
        first, "Buffalo Nerve Block Clinic")


def test_a_search_with_details_follows_them_in_its_feed(client, directory):
    page = client.get("/clinics?condition=crps&telehealth=true&payment=medicare").get_data(
        as_text=True)
    href = page.split('type="application/atom+xml"', 1)[1].split('href="', 1)[1]
    query = parse_qs(urlsplit(href.split('"', 1)[0].replace("&amp;", "&")).query)
    assert query == {"condition": ["crps"], "payment": ["medicare"], "telehealth": ["true"]}

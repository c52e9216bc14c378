"""The editor's whole flow in Debian's Chromium, against a live server and the real crawler."""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from models import Clinic
from tests.editor_fixtures import GOLDEN, PASSWORD


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [violation["id"] for violation in results.response["violations"]
            if violation["impact"] in ("serious", "critical")]


def test_crawl_review_approve_publish_edit_and_recrawl_in_a_browser(
        golden_source, site, run_cli, app, users, live_server, page):
    assert run_cli("crawl", golden_source).returncode == 0

    page.goto(live_server + "/editor/")
    expect(page).to_have_url(re.compile(r"/login\?next=/editor/$"))
    page.get_by_label("Username").fill("edna")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    expect(page.get_by_text("(1 open)")).to_be_visible()
    assert serious_violations(page) == []

    page.get_by_role("link", name="Golden Gate Ketamine Clinic").click()
    expect(page.get_by_role("heading", name=re.compile("New entry"))).to_be_visible()
    phone_row = page.get_by_role("row", name=re.compile(r"^phone"))
    expect(phone_row).to_contain_text("Changed")
    expect(phone_row).to_contain_text("+14155550100")
    expect(phone_row).to_contain_text("golden")
    assert serious_violations(page) == []
    assert phone_row.evaluate("row => getComputedStyle(row).backgroundColor") == \
        "rgb(255, 243, 196)"  # the stylesheet loads under the site's CSP
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved #")).to_be_visible()
    expect(page.get_by_text("(0 open)")).to_be_visible()

    with app.extensions["database"].read_session() as session:
        clinic = session.scalar(select(Clinic))
    page.goto(f"{live_server}/clinics/{clinic.slug}")
    expect(page.get_by_role("heading", name="Golden Gate Ketamine Clinic")).to_be_visible()

    page.goto(f"{live_server}/editor/clinic/{clinic.id}")
    page.get_by_label("Phone").fill("+1 415 555 0123")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved and locked: phone.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^phone"))).to_contain_text("Locked")
    assert serious_violations(page) == []

    golden = site / GOLDEN.lstrip("/")
    golden.write_text(golden.read_text().replace("555-0100", "555-0177")
                      .replace("hello@goldengateketamine", "care@goldengateketamine"))
    assert run_cli("crawl", golden_source).returncode == 0

    page.goto(live_server + "/editor/")
    page.get_by_role("link", name="Golden Gate Ketamine Clinic").click()
    expect(page.get_by_role("heading", name=re.compile("Proposed change"))).to_be_visible()
    expect(page.get_by_text("Locked by an editor: phone.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^email"))).to_contain_text("care@")
    expect(page.get_by_role("button", name="Unlock phone")).to_be_visible()

    page.goto(f"{live_server}/clinics/{clinic.slug}")  # held back until approved
    expect(page.get_by_text("hello@goldengateketamine.example").first).to_be_visible()
    assert "care@goldengateketamine" not in page.content()
    assert "555-0177" not in page.content()
    page.goto(live_server + "/editor/")  # and a clinic nobody crawled, added by hand
    page.get_by_role("link", name="a clinic", exact=True).click()
    expect(page.get_by_role("heading", name="Add a clinic")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("Name").fill("Mission Nerve Clinic")
    page.get_by_label("Postal code").fill("94110")
    page.get_by_label("Country (ISO 3166-1)").fill("US")
    page.get_by_role("button", name="Add and publish").click()
    expect(page.get_by_text("Added and published clinic #")).to_be_visible()
    page.goto(f"{live_server}/clinics/mission-nerve-clinic")
    expect(page.get_by_role("heading", name="Mission Nerve Clinic")).to_be_visible()

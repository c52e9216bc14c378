"""An editor corrects a clinic's opening hours in Debian's Chromium and sees them saved."""

import re

from playwright.sync_api import expect

from tests.editor_fixtures import browser_login, crawl_clinic
from tests.test_browser_editor import serious_violations
from tests.test_editor_details import HUDSON_DETAILS


def test_an_editor_corrects_the_hours_and_sees_them_saved(db_write, users, live_server, page):
    def published(session):
        item = crawl_clinic(session, HUDSON_DETAILS)
        item.clinic.state, item.state = "published", "approved"
        return item.clinic.id

    clinic_id = db_write(published)
    browser_login(page, live_server)
    page.goto(f"{live_server}/editor/clinic/{clinic_id}")
    hours_row = page.get_by_role("row", name=re.compile(r"^hours"))
    expect(hours_row).to_contain_text("Mo-Fr 09:00-17:00")
    hours = page.get_by_label("Opening hours")
    expect(hours).to_have_value(re.compile(r"^\s*Mo-Fr 09:00-17:00\s*$"))
    assert serious_violations(page) == []

    hours.fill("Mo-Fr 9-5")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("write times as 24-hour HH:MM")).to_be_visible()
    expect(page.get_by_label("Opening hours")).to_have_value("Mo-Fr 9-5")

    page.get_by_label("Opening hours").fill("Mo-Th 08:00-16:00\nFr 08:00-12:00\nSa closed")
    page.get_by_role("group", name="Telehealth").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved and locked: hours, telehealth.")).to_be_visible()
    hours_row = page.get_by_role("row", name=re.compile(r"^hours"))
    expect(hours_row).to_contain_text("Mo-Th 08:00-16:00")
    expect(hours_row).to_contain_text("Fr 08:00-12:00")
    expect(hours_row).to_contain_text("Locked")
    expect(hours_row).to_contain_text("set by editor edna")
    expect(page.get_by_role("row", name=re.compile(r"^telehealth"))).to_contain_text("no")

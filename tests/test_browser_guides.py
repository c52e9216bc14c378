"""Guide pages in a real browser (Debian's Chromium) at phone and desktop widths: from a clinic's
term chip to its guide, a place for the nearest clinics, the follow link; axe-core on each."""

import re

import pytest
from playwright.sync_api import expect

from tests.test_browser_public import accessibility_problems

WIDTHS = {"phone": 390, "desktop": 1280}


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_from_a_clinic_chip_to_the_guide_then_the_nearest_clinics(page, live_server,
                                                                  directory, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server}/clinics/toronto-pain-centre")
    page.get_by_role("link", name="Complex regional pain syndrome (CRPS)", exact=True).click()
    expect(page).to_have_url(f"{live_server}/conditions/crps")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("CRPS"))
    expect(page.get_by_role("link", name="Follow this guide")).to_be_visible()
    assert accessibility_problems(page) == []

    page.get_by_label("Near (postal code or city)").fill("10001")
    page.get_by_role("button", name="Find the nearest").click()
    expect(page).to_have_url(f"{live_server}/conditions/crps?near=10001")
    clinics = page.locator("#clinics ~ ol .card-title")
    expect(clinics.first).to_have_text("Manhattan Ketamine Center")
    expect(page.get_by_role("heading", name="Support groups and organisations")).to_be_visible()
    expect(page.get_by_role("link", name="CRPS Support Circle")).to_be_visible()
    expect(page.get_by_role("link", name="Living with CRPS: a practical guide")).to_be_visible()
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert accessibility_problems(page) == []

    feed = page.get_by_role("link", name="Follow this guide").get_attribute("href")
    assert feed.endswith("/conditions/crps/feed.atom?near=10001")


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_a_treatment_guide_from_the_home_page(page, live_server, directory, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server)
    page.get_by_role("link", name="Nerve block", exact=True).click()
    expect(page).to_have_url(f"{live_server}/treatments/nerve-block")
    expect(page.get_by_role("link", name=re.compile("^see them all"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert accessibility_problems(page) == []

"""The public site in a real browser (Debian's Chromium) at phone width: browsing, filtering,
searching near a place, a clinic page, a report; and axe-core on every page."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from models import ReviewItem

SERIOUS = ("serious", "critical")


def accessibility_problems(page) -> list[str]:
    """axe-core's serious and critical violations (axe.min.js comes from the local package)."""
    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})"
            for v in results.response["violations"] if v["impact"] in SERIOUS]


def test_browse_by_region_down_to_a_town(page, live_server, directory):
    page.goto(live_server)
    page.get_by_role("link", name="New York", exact=True).click()
    expect(page).to_have_url(f"{live_server}/regions/US-NY")
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinics in New York")
    page.get_by_role("link", name="Brooklyn", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinics in Brooklyn, New York")
    expect(page.locator(".card-title")).to_have_text(["Brooklyn Nerve Pain Relief"])


def test_filter_by_condition_and_treatment(page, live_server, directory):
    page.goto(f"{live_server}/clinics")
    page.get_by_text("Filter and sort").click()
    page.get_by_label("Condition").select_option("crps")
    page.get_by_label("Treatment").select_option("ketamine-iv-infusion")
    page.get_by_role("button", name="Apply").click()
    assert "condition=crps" in page.url and "treatment=ketamine-iv-infusion" in page.url
    expect(page.locator(".card-title")).to_have_text(
        ["Los Angeles Ketamine Clinic", "Manhattan Ketamine Center", "Toronto Pain Centre"])
    expect(page.get_by_role("heading", name="3 clinics")).to_be_visible()


def test_search_near_a_postal_code_then_open_a_clinic_and_report_a_problem(
        page, live_server, directory, database):
    page.goto(live_server)
    page.get_by_label("Near (postal code or city)").fill("10001")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Clinics near New York"))
    expect(page.locator(".card-title")).to_have_text(
        ["Manhattan Ketamine Center", "Brooklyn Nerve Pain Relief", "Newark Infusion Suite"])
    expect(page.locator(".distance").first).to_contain_text("km")

    page.get_by_role("link", name="Manhattan Ketamine Center").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Manhattan Ketamine Center")
    expect(page.get_by_role("link", name=re.compile(r"^Call \+1 212"))).to_have_attribute(
        "href", "tel:+12125550101")

    page.get_by_label("What is wrong?").select_option("phone")
    page.get_by_label("Details").fill("The phone number goes to a fax.")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("status")).to_contain_text("an editor will check your report")
    with database.read_session() as session:
        (item,) = session.scalars(select(ReviewItem))
        assert (item.kind, item.origin, item.payload["problem"]) == ("report", "public", "phone")
        assert item.payload["details"] == "The phone number goes to a fax."


def test_a_report_without_details_comes_back_with_a_message(page, live_server, directory):
    page.goto(f"{live_server}/clinics/{directory['Toronto Pain Centre']}")
    page.get_by_label("Your email").fill("pat@example.org")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields")
    expect(page.get_by_text("Please say what is wrong")).to_be_visible()
    expect(page.get_by_label("Your email")).to_have_value("pat@example.org")


@pytest.mark.parametrize("path", [
    "/", "/clinics", "/clinics?near=10001&radius=50", "/clinics?near=Torronto",
    "/clinics?near=10001&radius=10&condition=fibromyalgia", "/regions", "/regions/US-NY",
    "/clinics/manhattan-ketamine-center", "/resources/", "/resources/rsdsa", "/suggest",
])
def test_pages_have_no_serious_accessibility_problems(page, live_server, directory, path):
    page.goto(live_server + path)
    details = page.locator("details.filter-panel")
    if details.count():
        details.locator("summary").click()  # check the filters too
    assert accessibility_problems(page) == []


def test_a_refused_suggestion_is_accessible(page, live_server, directory):
    page.goto(f"{live_server}/suggest")
    page.get_by_label("Web address").fill("javascript:alert(1)")
    page.get_by_role("button", name="Send the suggestion").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert accessibility_problems(page) == []


def test_the_accessibility_check_catches_problems_under_our_policy(page, live_server):
    page.goto(live_server)
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', "
                  "'<img src=\"/static/site.css\">')")
    problems = accessibility_problems(page)
    assert any(problem.startswith("image-alt") for problem in problems)

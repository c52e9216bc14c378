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


def test_a_suggestion_with_a_www_address_goes_through_in_a_browser(page, live_server, directory,
                                                                   database):
    page.goto(f"{live_server}/suggest")
    page.get_by_label("Name or title").fill("Example Pain Clinic")
    page.get_by_label("Web address").fill("www.example.org")
    page.get_by_role("button", name="Send the suggestion").click()
    expect(page.get_by_role("status")).to_contain_text("an editor will look at your suggestion")
    with database.read_session() as session:
        (item,) = session.scalars(select(ReviewItem))
        assert item.payload["url"] == "https://www.example.org"


def test_the_accessibility_check_catches_problems_under_our_policy(page, live_server):
    page.goto(live_server)
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', "
                  "'<img src=\"/static/site.css\">')")
    problems = accessibility_problems(page)
    assert any(problem.startswith("image-alt") for problem in problems)


PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


@pytest.fixture(params=[PHONE, DESKTOP], ids=["phone", "desktop"])
def sized_page(browser, request):
    """A page at phone size, then at desktop size."""
    context = browser.new_context(viewport=request.param)
    yield context.new_page()
    context.close()


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_a_patient_filters_accepts_medicare_and_telehealth(sized_page, live_server,
                                                          details_directory):
    page = sized_page
    page.goto(f"{live_server}/clinics")
    page.get_by_text("Filter and sort").click()
    page.get_by_role("checkbox", name=re.compile(r"^Medicare\b")).check()
    page.get_by_role("checkbox", name=re.compile(r"^Offers telehealth\b")).check()
    page.get_by_role("button", name="Apply").click()
    assert "payment=medicare" in page.url and "telehealth=true" in page.url
    # Manhattan accepts Medicare without telehealth, Toronto offers telehealth without Medicare.
    expect(page.locator(".card-title")).to_have_text(
        ["Brooklyn Nerve Pain Relief", "Los Angeles Ketamine Clinic"])
    chips = page.get_by_role("list", name="Active filters")
    expect(chips).to_contain_text("Accepts Medicare")
    assert not scrolls_sideways(page)
    chips.get_by_role("link", name=re.compile("Offers telehealth")).click()
    expect(page.locator(".card-title")).to_have_text(
        ["Brooklyn Nerve Pain Relief", "Los Angeles Ketamine Clinic",
         "Manhattan Ketamine Center"])


def test_a_clinic_page_shows_today_s_hours_and_the_cost_per_infusion_with_its_source(
        sized_page, app, live_server, details_directory):
    from datetime import UTC, datetime

    app.config["NOW"] = lambda: datetime(2026, 12, 4, 17, 30, tzinfo=UTC)  # Fri 09:30 in LA
    page = sized_page
    page.goto(f"{live_server}/clinics/{details_directory['Los Angeles Ketamine Clinic']}")
    today = page.locator(".hours-today")
    expect(today).to_have_text(re.compile(
        r"Today, Friday:\s+09:00–12:00, 13:00–17:00\s+Open now · closes 12:00"))
    expect(page.get_by_role("row", name=re.compile("Friday"))).to_have_attribute(
        "aria-current", "date")
    expect(page.get_by_role("cell", name="Closed").first).to_be_visible()
    costs = page.locator(".prices + .provenance")
    expect(page.get_by_text("$450 per infusion · Ketamine IV infusion")).to_be_visible()
    expect(costs.get_by_role("link", name=re.compile("^sample-directory"))).to_have_attribute(
        "href", "https://la-ketamine.example/fees")
    expect(costs).to_contain_text("20 Nov 2026")
    assert not scrolls_sideways(page)
    assert accessibility_problems(page) == []


def test_the_detail_filters_have_no_serious_accessibility_problems(page, live_server,
                                                                  details_directory):
    page.goto(f"{live_server}/clinics?payment=medicare&open=Mo&language=es")
    page.locator("details.filter-panel summary").click()
    assert accessibility_problems(page) == []
    assert not scrolls_sideways(page)

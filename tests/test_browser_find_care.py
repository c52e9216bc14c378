"""Finding care near you, in Debian's Chromium at phone and desktop size: place names as people
type them, the nearest clinics when none is close, "Use my location", the server-drawn maps,
results on the first phone screen, and no request leaving the site."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.test_browser_public import accessibility_problems

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
TWO_FILTERS_AND_A_PLACE = "/clinics?condition=crps&treatment=ketamine-iv-infusion&near=10001"
NOTHING_WITHIN_50_KM = ("/clinics?condition=crps&treatment=ketamine-iv-infusion&near=14201"
                        "&radius=50")  # Buffalo, NY: Toronto is ~100 km away
# Times Square; the button rounds it to 40.75, -73.99 (about a kilometre).
POSITION = {"latitude": 40.758896, "longitude": -73.985130}


class Watched:
    """A browser context that records every request and every console error, and refuses any
    request to another host (so that a leak fails loudly instead of waiting on the network)."""

    def __init__(self, browser, viewport, **options):
        self.requests, self.errors = [], []
        self.context = browser.new_context(viewport=viewport, **options)
        self.context.route(re.compile(r"^(?!http://127\.0\.0\.1:)"), lambda route: route.abort())
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda message: message.type == "error"
                     and self.errors.append(message.text))

    def hosts(self) -> set[str]:
        return {urlsplit(url).hostname for url in self.requests if not url.startswith("data:")}


@pytest.fixture(params=[PHONE, DESKTOP], ids=["phone", "desktop"])
def watched(browser, request):
    watched = Watched(browser, request.param)
    yield watched
    watched.context.close()


@pytest.fixture(params=[PHONE, DESKTOP], ids=["phone", "desktop"])
def located(browser, live_server, request):
    """A browser that knows where it is and lets this site ask."""
    watched = Watched(browser, request.param, geolocation=POSITION,
                      permissions=["geolocation"])
    yield watched
    watched.context.close()


def test_new_york_typed_as_people_type_it_finds_manhattan(watched, live_server, directory):
    page = watched.page
    page.goto(live_server)
    page.get_by_label("Near (postal code or city)").fill("New York")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinics near New York City, NY")
    expect(page.locator(".card-title")).to_contain_text(["Brooklyn Nerve Pain Relief",
                                                          "Manhattan Ketamine Center"])
    assert watched.hosts() == {"127.0.0.1"} and watched.errors == []


def test_an_ambiguous_name_offers_its_places_and_one_click_searches_there(watched, live_server,
                                                                          directory):
    page = watched.page
    page.goto(f"{live_server}/clinics?near=Springfield")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Several places are called “Springfield”")
    expect(alert.get_by_role("link").first).to_have_text("Springfield, MO")
    alert.get_by_role("link", name="Springfield, IL").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinics near Springfield, IL")


def test_near_me_in_the_words_asks_for_the_place(watched, live_server, directory):
    page = watched.page
    page.goto(live_server)
    page.get_by_label("What are you looking for?").fill("ketamine near me")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status").filter(has_text="Near where?")).to_be_visible()
    expect(page.get_by_label("What are you looking for?")).to_have_value("ketamine")
    near = page.get_by_label("Near (postal code or city)")
    expect(near).to_be_visible()
    near.fill("Toronto")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".card-title").first).to_have_text("Toronto Pain Centre")


def test_with_nothing_within_50_km_the_nearest_clinics_show_with_distances(watched, live_server,
                                                                          directory):
    page = watched.page
    page.goto(live_server + NOTHING_WITHIN_50_KM)
    expect(page.get_by_role("heading", name="0 clinics")).to_be_visible()
    nearest = page.get_by_role("heading", name=re.compile(r"^The nearest: 3 clinics, \d+–[\d,]+ "
                                                          r"mi away$"))
    expect(nearest).to_be_visible()
    section = page.locator("section.nearest")
    expect(section.locator(".card-title").first).to_have_text("Toronto Pain Centre")
    expect(section.locator(".distance").first).to_have_text(re.compile(r"^\d+\.\d mi \(\d+"))
    expect(section.get_by_role("img", name=re.compile("^Map: 3 clinics around Buffalo"))) \
        .to_be_visible()
    assert accessibility_problems(page) == []


def test_the_first_result_starts_on_the_first_phone_screen(watched, live_server, directory):
    page = watched.page
    page.goto(live_server + TWO_FILTERS_AND_A_PLACE)
    card = page.locator(".card").first
    expect(card).to_be_visible()
    assert card.bounding_box()["y"] < 600
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    # The search form is folded away, a tap opens it; the chips take a filter off.
    near = page.get_by_label("Near (postal code or city)")
    expect(near).to_be_hidden()
    page.get_by_text("Edit search").click()
    expect(near).to_have_value("10001")
    chips = page.get_by_role("list", name="Active filters")
    chips.get_by_role("link", name=re.compile("remove this filter")).nth(1).click()
    assert "treatment=" not in page.url and "condition=crps" in page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinics near New York, NY 10001")


def test_use_my_location_fills_the_place_rounded_and_searches_this_site(located, live_server,
                                                                        directory):
    page = located.page
    page.goto(live_server)
    page.get_by_role("button", name="Use my location").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Clinics near New York City, NY (40.76, -73.99)")
    assert "near=40.76%2C+-73.99" in page.url  # two decimals: about a kilometre
    expect(page.locator(".card-title").first).to_have_text("Manhattan Ketamine Center")
    assert located.hosts() == {"127.0.0.1"} and located.errors == []


def test_without_javascript_there_is_no_button_and_the_form_works(browser, live_server,
                                                                  directory):
    watched = Watched(browser, PHONE, java_script_enabled=False)
    try:
        page = watched.page
        page.goto(live_server)
        expect(page.get_by_role("button", name="Use my location")).to_have_count(0)
        page.get_by_label("Near (postal code or city)").fill("Brooklyn")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Clinics near Brooklyn, NY")
    finally:
        watched.context.close()


def test_a_denied_location_says_so_and_the_form_stays(browser, live_server, directory):
    watched = Watched(browser, PHONE)  # no permission granted
    try:
        page = watched.page
        page.goto(live_server)
        page.get_by_role("button", name="Use my location").click()
        expect(page.locator(".locate-status")).to_contain_text("not available")
        expect(page).to_have_url(live_server + "/")
    finally:
        watched.context.close()


def test_the_maps_load_nothing_from_another_host(watched, live_server, directory):
    page = watched.page
    page.goto(f"{live_server}/clinics?near=10001&radius=50")
    results_map = page.get_by_role("img", name=re.compile(r"^Map: 3 clinics around New York"))
    expect(results_map).to_be_visible()
    box = results_map.bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    expect(page.locator(".map-dot")).to_have_count(3)
    assert accessibility_problems(page) == []
    page.get_by_role("link", name="Manhattan Ketamine Center").first.click()
    expect(page.get_by_role("img", name="Map: where Manhattan Ketamine Center is")) \
        .to_be_visible()
    assert accessibility_problems(page) == []
    assert watched.hosts() == {"127.0.0.1"}
    assert watched.errors == []  # no Content-Security-Policy violation either
    # The clinic page runs no script: its one script element is JSON-LD data.
    assert page.evaluate("[...document.scripts].map(s => s.src || s.type)") == [
        "application/ld+json"]


def test_a_leak_would_be_caught(watched, live_server, directory):
    """The checks above can fail: the policy refuses a request to another host (a console
    error), and a request that went out anyway is recorded."""
    page = watched.page
    page.goto(live_server)
    page.evaluate("fetch('http://example.org/').catch(() => null)")
    expect(page.locator("body")).to_be_visible()
    page.wait_for_timeout(300)
    assert any("Content Security Policy" in error for error in watched.errors)
    with pytest.raises(PlaywrightError):
        page.goto("http://example.org/")
    assert "example.org" in watched.hosts()

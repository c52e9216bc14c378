"""Every page of the editor and admin workspace at a phone's width and a desktop's, in Chromium:
no sideways scrolling (a wide table scrolls inside its own box), no serious axe violation."""

import pytest
from playwright.sync_api import expect

from models import PUBLISHED, CrawlRun, Resource
from models.base import utcnow
from tests.editor_fixtures import HUDSON, browser_login, crawl_clinic, ensure_source
from tests.test_browser_editor import serious_violations
from tests.test_editor_queue import seed

LOG = "\n".join(f"2026-01-0{n} 03:00:0{n} WARNING scrapy.core.scraper: Dropped: clinic "
                f"'Riverbend Pain Clinic' has no locatable address on a rather long line {n}"
                for n in range(1, 6))


def workspace(session) -> dict[str, str]:
    """Something on every page; the paths of the pages."""
    ids = seed(session)
    duplicate = crawl_clinic(session, {**HUDSON, "name": "Hudson Ketamine Centre",
                                       "email": "hello@hudson-ketamine.example"},
                             source="other-directory-with-a-long-name")
    first = session.get(type(duplicate), ids["old"]).clinic
    for clinic in (first, duplicate.clinic):
        clinic.state = PUBLISHED
    resource = Resource(slug="ketamine-for-crps", title="What to expect from a ketamine "
                        "infusion for CRPS", url="https://resource-hub.example/articles/"
                        "ketamine-for-crps-a-very-long-address-that-does-not-wrap.html",
                        kind="article", state=PUBLISHED)
    run = CrawlRun(source=ensure_source(session), trigger="schedule", status="succeeded",
                   finished_at=utcnow(), pages=4, items_new=2, items_rejected=1, log_tail=LOG,
                   stats={"downloader/response_status_count/200": 4,
                          "reliefmap/very_long_stat_name_without_any_break_in_it": 1},
                   rejections=[{"reason": "clinic 'Riverbend Pain Clinic' has no locatable "
                                          "address", "name": "Riverbend Pain Clinic",
                                "url": "http://127.0.0.1:8463/clinics/riverbend-pain-"
                                       "clinic-opening-soon.html"}],
                   failures=["http://127.0.0.1:8463/gone.html: HTTP 404"])
    session.add_all([resource, run])
    session.flush()
    return {
        "queue": "/editor/", "new entry": f"/editor/items/{ids['old']}",
        "proposed change": f"/editor/items/{ids['change']}",
        "report": f"/editor/items/{ids['report']}",
        "clinic": f"/editor/clinic/{first.id}",
        "clinic history": f"/editor/clinic/{first.id}/history",
        "resource": f"/editor/resource/{resource.id}",
        "add a clinic": "/editor/clinic/new", "add a resource": "/editor/resource/new",
        "changes": "/editor/changes", "duplicates": "/editor/duplicates",
        "merge": f"/editor/duplicates/{first.id}/{duplicate.clinic.id}",
        "crawls": "/editor/crawls", "run": f"/editor/crawls/{run.id}",
        "users": "/admin/users",
    }


def overflow(page) -> int:
    """How far the page is wider than the window, in CSS pixels."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def problems_of(page) -> tuple[int, list[str]] | None:
    """How far the page overflows the window, and its serious axe violations; None if neither."""
    expect(page.locator("h1")).to_be_visible()
    wider, violations = overflow(page), serious_violations(page)
    return (wider, violations) if wider > 0 or violations else None


@pytest.mark.parametrize("width", [390, 1366])
def test_every_workspace_page_fits_the_window_and_passes_axe(
        width, app, users, db_write, live_server, browser):
    paths = db_write(workspace)
    context = browser.new_context(viewport={"width": width, "height": 844 if width < 500 else 900})
    page = context.new_page()
    try:
        page.goto(live_server + "/login")
        problems = {"login": problems_of(page)}
        browser_login(page, live_server, "ada")
        for name, path in paths.items():
            page.goto(live_server + path)
            problems[name] = problems_of(page)
        page.goto(live_server + "/editor/")
        page.locator("input[name=item]").first.check()
        page.get_by_role("button", name="Approve selected…").click()
        expect(page).to_have_url(live_server + "/editor/bulk")
        problems["bulk confirm"] = problems_of(page)
        assert {name: found for name, found in problems.items() if found} == {}
    finally:
        context.close()


def test_the_entry_form_falls_into_sections_with_checkboxes_beside_their_labels(
        app, users, live_server, page):
    browser_login(page, live_server)
    page.goto(live_server + "/editor/clinic/new")
    for section in ("Name and contact", "Address", "Treatments and conditions"):
        expect(page.locator("fieldset.form-section > legend", has_text=section)).to_be_visible()
    box = page.get_by_label("Fibromyalgia").bounding_box()
    label = page.locator("label", has_text="Fibromyalgia").bounding_box()
    assert label["x"] > box["x"] + box["width"]
    assert abs((label["y"] + label["height"] / 2) - (box["y"] + box["height"] / 2)) < 8

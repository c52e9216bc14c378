"""The crawl dashboard, and the whole loop with the real `reliefmap crawl` against the sample
server: crawl, review, publish, edit, recrawl, and the edit survives."""

import re

import pytest
from sqlalchemy import select

from models import Clinic, CrawlRequest, CrawlRun, ReviewItem
from reliefmap.sample_server import SAMPLE_SITES, SampleServer
from tests.editor_fixtures import GOLDEN, form_values


def text(response) -> str:
    return response.get_data(as_text=True)


def test_dashboard_shows_sources_runs_and_queues_a_run_request(golden_source, run_cli, app,
                                                               client, auth):
    auth.login()
    page = text(client.get("/editor/crawls"))
    assert "golden" in page and "No runs yet." in page and "Run golden now" in page
    assert "schedule <code>0 3 * * 1</code>, next run" in page
    assert run_cli("crawl", golden_source).returncode == 0
    page = text(client.get("/editor/crawls"))
    assert re.search(r"<td>succeeded</td><td>1</td><td>1</td><td>0</td>", page)
    assert "Health: <strong>ok</strong>" in page
    auth.post("/editor/crawls/golden/run")
    response = auth.post("/editor/crawls/golden/run", follow_redirects=True)
    assert "already waiting for the scheduler" in text(response)
    assert "A crawl is waiting for the scheduler." in text(response)
    assert auth.post("/editor/crawls/nope/run").status_code == 404
    with app.extensions["database"].read_session() as session:
        [request] = session.scalars(select(CrawlRequest)).all()
        assert request.source_name == "golden" and request.requested_by_id and \
            request.picked_at is None


def test_crawl_review_publish_edit_and_recrawl(golden_source, sample_server, site, run_cli,
                                                app, client, auth):
    assert run_cli("crawl", golden_source).returncode == 0
    with app.extensions["database"].read_session() as session:
        item = session.scalar(select(ReviewItem).where(ReviewItem.kind == "new"))
        clinic_id, slug = item.clinic_id, item.clinic.slug
    assert client.get(f"/clinics/{slug}").status_code == 404
    auth.login()
    review = text(client.get(f"/editor/items/{item.id}"))
    assert "+14155550100" in review and sample_server.url + GOLDEN in review
    auth.post(f"/editor/items/{item.id}/approve")
    assert "Golden Gate Ketamine Clinic" in text(client.get(f"/clinics/{slug}"))

    edit_url = f"/editor/clinic/{clinic_id}/edit"
    form = form_values(text(client.get(f"/editor/clinic/{clinic_id}")), edit_url)
    assert form["treatments"] and form["phone"] == "+14155550100"
    response = auth.post(edit_url, {**form, "phone": "+1 415 555 0123"})
    assert "Saved and locked: phone." in text(client.get(response.headers["Location"]))

    page = site / GOLDEN.lstrip("/")
    page.write_text(page.read_text().replace("+1-415-555-0100", "+1-415-555-0177")
                    .replace("(415) 555-0100", "(415) 555-0177")
                    .replace("hello@goldengateketamine", "care@goldengateketamine"))
    assert run_cli("crawl", golden_source).returncode == 0
    with app.extensions["database"].read_session() as session:
        [change] = session.scalars(select(ReviewItem).where(ReviewItem.kind == "change",
                                                            ReviewItem.state == "open")).all()
        assert set(change.diff) == {"phone", "email"}
    public = text(client.get(f"/clinics/{slug}"))
    assert "hello@goldengateketamine" in public and "care@" not in public  # held back
    review = text(client.get(f"/editor/items/{change.id}"))
    assert "Locked by an editor: phone" in review
    auth.post(f"/editor/items/{change.id}/approve")
    with app.extensions["database"].read_session() as session:
        clinic = session.get(Clinic, clinic_id)
        assert clinic.phone == "+14155550123" and clinic.email.startswith("care@")
        assert clinic.provenance["phone"]["editor"] == "edna"
        assert clinic.provenance["email"]["source"] == "golden"


@pytest.fixture
def listings_source(add_source):
    """The sample site of new listings: two clinics, and one the crawl rejects (no address)."""
    with SampleServer(SAMPLE_SITES / "review-clinics") as server:
        add_source("listings", start_urls=[f"{server.url}/index.html"], extract=["/clinics/"])
        yield server


def test_run_page_and_runs_id_say_what_a_run_did_and_why_it_rejected_an_item(
        listings_source, run_cli, app, client, auth):
    assert run_cli("crawl", "listings").returncode == 0
    with app.extensions["database"].read_session() as session:
        [run] = session.scalars(select(CrawlRun)).all()
        assert (run.items_new, run.items_changed, run.items_rejected) == (2, 0, 1)
    riverbend = f"{listings_source.url}/clinics/riverbend-pain.html"
    reason = "clinic &#39;Riverbend Pain Clinic&#39; has no locatable address"
    auth.login()
    assert f'href="/editor/crawls/{run.id}"' in text(client.get("/editor/crawls"))
    page = text(client.get(f"/editor/crawls/{run.id}"))
    assert f"Run #{run.id} of listings" in page and "<strong>succeeded</strong>" in page
    assert "<dt>New items</dt><dd>2</dd>" in page and "<dt>Rejected items</dt><dd>1</dd>" in page
    assert reason in page and f'<a href="{riverbend}"' in page
    assert "Closing spider (finished)" in page  # the log tail
    assert "<dt>item_dropped_count</dt><dd>1</dd>" in page
    assert client.get("/editor/crawls/999").status_code == 404

    shown = run_cli("runs", "--id", str(run.id))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"Run #{run.id} of listings: succeeded: finished\n")
    assert "counts    pages 4, new 2, changed 0, unchanged 0, rejected 1, errors 0" in shown.stdout
    assert f"  clinic 'Riverbend Pain Clinic' has no locatable address\n    page {riverbend}" \
        in shown.stdout
    assert "  item_dropped_count: 1" in shown.stdout
    unknown = run_cli("runs", "--id", "999")
    assert unknown.returncode == 1 and "no run #999" in unknown.stderr


def test_the_run_page_says_what_a_failed_run_could_not_fetch(add_source, run_cli, app, client,
                                                              auth):
    add_source("gone", start_urls=["http://127.0.0.1:9/index.html"])
    run_cli("crawl", "gone")
    with app.extensions["database"].read_session() as session:
        run = session.scalar(select(CrawlRun))
    auth.login()
    page = text(client.get(f"/editor/crawls/{run.id}"))
    assert "<strong>failed</strong>: no page could be fetched" in page
    assert "http://127.0.0.1:9/index.html: " in page.split("<h2>Errors</h2>")[1]

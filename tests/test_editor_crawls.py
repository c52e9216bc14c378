"""The crawl dashboard, and the whole loop with the real `reliefmap crawl` against the sample
server: crawl, review, publish, edit, recrawl, and the edit survives."""

import re

from sqlalchemy import select

from models import Clinic, CrawlRequest, ReviewItem
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

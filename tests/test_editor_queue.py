"""The review queue: what waits, filters, the backlog count, bulk decisions with a confirm step."""

import re
from datetime import timedelta

from sqlalchemy import select

from models import Clinic, Resource, ReviewItem
from models.base import utcnow
from models.staging import FLAG, REPORT
from tests.editor_fixtures import HUDSON, crawl_clinic, recrawl_clinic


def text(response) -> str:
    return response.get_data(as_text=True)


def listed(response) -> list[int]:
    return [int(n) for n in re.findall(r'name="item" value="(\d+)"', text(response))]


def seed(session):
    """A new entry (3 days old), a change, a public report and a flag, in two regions."""
    old = crawl_clinic(session, HUDSON)
    old.created_at = utcnow() - timedelta(days=3)
    toronto = crawl_clinic(session, {**HUDSON, "name": "Toronto Pain Clinic", "phone": None,
                                     "address": {"locality": "Toronto", "region": "CA-ON",
                                                 "country": "CA"}}, source="other-directory")
    published = crawl_clinic(session, {**HUDSON, "name": "Published Clinic", "phone": None})
    published.clinic.state, published.state = "published", "approved"
    change = recrawl_clinic(session, published.clinic,
                            {**HUDSON, "name": "Published Clinic", "phone": "+15185550142"})
    report = ReviewItem(kind=REPORT, origin="public", entry_type="clinic",
                        clinic=published.clinic, note="The phone number is wrong")
    flag = ReviewItem(kind=FLAG, origin="system", entry_type="clinic", clinic=toronto.clinic,
                      note="dead link: https://toronto.example/")
    session.add_all([report, flag])
    session.flush()
    return {"old": old.id, "toronto": toronto.id, "change": change.id, "report": report.id,
            "flag": flag.id}


def test_queue_lists_open_items_oldest_first_and_marks_public_ones(client, auth, db_write):
    ids = db_write(seed)
    auth.login()
    response = client.get("/editor/")
    assert listed(response) == [ids["old"], ids["toronto"], ids["change"], ids["report"],
                                ids["flag"]]
    page = text(response)
    assert "(5 open)" in page and "Public report <strong>(from the public)</strong>" in page
    assert "changes phone" in page and "dead link" in page


def test_queue_filters_by_kind_source_region_and_age(client, auth, db_write):
    ids = db_write(seed)
    auth.login()
    assert listed(client.get("/editor/?kind=flag")) == [ids["flag"]]
    assert listed(client.get("/editor/?source=other-directory")) == [ids["toronto"]]
    assert listed(client.get("/editor/?region=CA-ON")) == [ids["toronto"], ids["flag"]]
    assert listed(client.get("/editor/?region=CA")) == [ids["toronto"], ids["flag"]]
    options = re.search(r'<select id="filter-region".*?</select>', text(client.get("/editor/")),
                        re.S).group(0)
    assert re.findall(r"<option>([^<]+)</option>", options) == ["CA", "CA-ON", "US", "US-NY"]
    assert listed(client.get("/editor/?age=1")) == [ids["old"]]
    page = text(client.get("/editor/?kind=nonsense&age=x"))  # unknown values filter nothing
    assert "5 open item(s) match" in page


def test_bulk_approve_goes_through_a_confirmation_page(app, client, auth, db_write):
    ids = db_write(seed)
    auth.login()
    chosen = [ids["old"], ids["change"], ids["report"]]
    confirm = auth.post("/editor/bulk", {"item": chosen, "action": "approve"})
    page = text(confirm)
    assert "Confirm: approve 3 item(s)" in page and "will be published" in page
    assert "will change phone" in page and "will be marked resolved" in page
    with app.extensions["database"].read_session() as session:  # nothing happened yet
        assert all(session.get(ReviewItem, n).state == "open" for n in chosen)
    done = auth.post("/editor/bulk/confirm", {"item": chosen, "action": "approve"},
                     follow_redirects=True)
    assert "3 item(s) approved." in text(done) and "(2 open)" in text(done)
    with app.extensions["database"].read_session() as session:
        assert all(session.get(ReviewItem, n).state == "approved" for n in chosen)
        assert session.scalar(select(Clinic).where(Clinic.name == "Published Clinic")
                              ).phone == "+15185550142"


def test_bulk_reject_needs_a_reason_on_the_confirmation_page(app, client, auth, db_write):
    ids = db_write(seed)
    auth.login()
    chosen = [ids["old"], ids["toronto"]]
    assert "will be rejected" in text(auth.post("/editor/bulk", {"item": chosen,
                                                                 "action": "reject"}))
    refused = auth.post("/editor/bulk/confirm", {"item": chosen, "action": "reject"})
    assert refused.status_code == 400
    assert 'id="reason-error">Give a reason for the rejection.' in text(refused)
    auth.post("/editor/bulk/confirm", {"item": chosen, "action": "reject",
                                       "reason": "not pain clinics"})
    with app.extensions["database"].read_session() as session:
        items = [session.get(ReviewItem, n) for n in chosen]
        assert [(i.state, i.decision_note, i.clinic.state) for i in items] == [
            ("rejected", "not pain clinics", "rejected")] * 2


def test_bulk_with_nothing_selected_says_so(client, auth, db_write):
    db_write(seed)
    auth.login()
    response = auth.post("/editor/bulk", {"action": "approve"}, follow_redirects=True)
    assert "Select at least one open item" in text(response)


def test_review_pages_of_reports_and_flags_resolve_or_dismiss(app, client, auth, db_write):
    ids = db_write(seed)
    auth.login()
    page = text(client.get(f"/editor/items/{ids['report']}"))
    assert "Sent by the public." in page and "Mark resolved" in page and "Dismiss" in page
    auth.post(f"/editor/items/{ids['report']}/approve", {"note": "called them"})
    auth.post(f"/editor/items/{ids['flag']}/reject", {"reason": "the link works"})
    with app.extensions["database"].read_session() as session:
        assert session.get(ReviewItem, ids["report"]).state == "approved"
        assert session.get(ReviewItem, ids["flag"]).decision_note == "the link works"


def test_a_public_suggestion_is_marked_and_its_links_are_not_trusted(client, auth, db_write):
    def suggest(session):
        item = ReviewItem(kind="suggestion", origin="public", entry_type="clinic",
                          payload={"name": "<b>Bay Pain</b>", "url": "javascript:alert(1)",
                                   "details": "They do ketamine"}, note="They do ketamine")
        session.add(item)
        session.flush()
        return item.id

    item_id = db_write(suggest)
    auth.login()
    queue = text(client.get("/editor/"))
    assert "Public suggestion <strong>(from the public)</strong>" in queue
    assert "&lt;b&gt;Bay Pain&lt;/b&gt;" in queue and "<b>Bay Pain" not in queue
    page = text(client.get(f"/editor/items/{item_id}"))
    assert "Sent by the public." in page and "javascript:alert(1)" in page
    assert 'href="javascript:' not in page


def test_a_resource_is_reviewed_field_by_field(app, client, auth, db_write):
    def crawl_resource(session):
        resource = Resource(slug="living-with-crps", title="Living with CRPS", kind="story",
                            url="https://blog.example/crps", state="pending")
        item = ReviewItem(kind="new", entry_type="resource", resource=resource)
        session.add(item)
        session.flush()
        return item.id

    item_id = db_write(crawl_resource)
    auth.login()
    page = text(client.get(f"/editor/items/{item_id}"))
    assert '<th scope="row">title</th>' in page and "Living with CRPS" in page
    auth.post(f"/editor/items/{item_id}/approve")
    with app.extensions["database"].read_session() as session:
        assert session.get(ReviewItem, item_id).resource.state == "published"

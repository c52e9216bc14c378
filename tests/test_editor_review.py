"""Reviewing through the web: the public sees only what an editor approved, locks hold, and every
decision lands in the audit log with who and when."""

import re

from sqlalchemy import select

from models import AuditEntry, Clinic, ReviewItem
from tests.editor_fixtures import GOLDEN, HUDSON, crawl_clinic, form_values, recrawl_clinic


def text(response) -> str:
    return response.get_data(as_text=True)


def first_clinic(app) -> tuple[int, str]:
    with app.extensions["database"].read_session() as session:
        clinic = session.scalar(select(Clinic).order_by(Clinic.id))
        return clinic.id, clinic.slug


def test_a_crawled_clinic_is_public_only_after_approval(app, client, auth, db_write):
    item_id = db_write(lambda s: crawl_clinic(s, HUDSON).id)
    _, slug = first_clinic(app)
    assert client.get(f"/clinics/{slug}").status_code == 404
    assert "Hudson" not in text(client.get("/clinics"))
    auth.login()
    review = text(client.get(f"/editor/items/{item_id}"))
    assert "New entry" in review and "+15185550100" in review
    assert "fixture-directory" in review and "crawl run #" in review  # provenance
    response = auth.post(f"/editor/items/{item_id}/approve")
    assert response.headers["Location"] == "/editor/"
    page = client.get(f"/clinics/{slug}")
    assert page.status_code == 200 and "Hudson Ketamine Center" in text(page)


def test_a_recrawl_is_held_back_until_an_editor_approves_it(app, client, auth, db_write):
    item_id = db_write(lambda s: crawl_clinic(s, HUDSON).id)
    auth.login()
    auth.post(f"/editor/items/{item_id}/approve")
    clinic_id, slug = first_clinic(app)
    change_id = db_write(lambda s: recrawl_clinic(s, s.get(Clinic, clinic_id), {
        **HUDSON, "phone": "+15185550199"}).id)
    assert "5550199" not in text(client.get(f"/clinics/{slug}"))
    assert "5550100" in text(client.get(f"/clinics/{slug}"))
    review = text(client.get(f"/editor/items/{change_id}"))
    row = re.search(r"<th scope=\"row\">phone</th>(.*?)</tr>", review, re.S).group(1)
    assert "Changed" in row and "+15185550100" in row and "+15185550199" in row
    assert "(1 open)" in review  # the backlog count in the header
    auth.post(f"/editor/items/{change_id}/approve")
    assert "5550199" in text(client.get(f"/clinics/{slug}"))


def test_an_edited_field_survives_recrawls_and_the_lock_is_shown_and_liftable(
        app, client, auth, db_write):
    item_id = db_write(lambda s: crawl_clinic(s, HUDSON).id)
    auth.login()
    auth.post(f"/editor/items/{item_id}/approve")
    clinic_id, slug = first_clinic(app)
    edit_url = f"/editor/clinic/{clinic_id}/edit"
    form = form_values(text(client.get(f"/editor/clinic/{clinic_id}")), edit_url)
    unchanged = auth.post(edit_url, form, follow_redirects=True)
    assert "Nothing changed." in text(unchanged)  # the form round-trips every value
    assert f'href="/clinics/{slug}">View on the public site' in text(unchanged)
    response = auth.post(edit_url, {**form, "phone": "(518) 555-0123"})
    assert response.status_code == 302, text(response)
    for _ in range(3):
        change_id = db_write(lambda s: recrawl_clinic(s, s.get(Clinic, clinic_id), HUDSON).id)
        review = text(client.get(f"/editor/items/{change_id}"))
        assert "Locked by an editor: phone" in review and "Unlock phone" in review
        auth.post(f"/editor/items/{change_id}/approve")
        assert "5550123" in text(client.get(f"/clinics/{slug}"))
    change_id = db_write(lambda s: recrawl_clinic(s, s.get(Clinic, clinic_id), HUDSON).id)
    auth.post(f"/editor/clinic/{clinic_id}/lock", {"field": "phone", "locked": "0",
                                                   "back": f"/editor/items/{change_id}"})
    assert "Locked by an editor" not in text(client.get(f"/editor/items/{change_id}"))
    auth.post(f"/editor/items/{change_id}/approve")
    assert "5550100" in text(client.get(f"/clinics/{slug}"))


def test_edit_and_approve_checks_values_and_ties_errors_to_fields(app, client, auth, db_write):
    item_id = db_write(lambda s: crawl_clinic(s, HUDSON).id)
    auth.login()
    response = auth.post(f"/editor/items/{item_id}/edit", {
        "name": "", "phone": "not a phone", "website": "javascript:alert(1)",
        "status": "active"})
    assert response.status_code == 400
    page = text(response)
    assert re.search(r'id="phone"[^>]*aria-describedby="phone-error"|'
                     r'aria-describedby="phone-error"[^>]*id="phone"', page)
    assert 'id="phone-error">Enter a phone number' in page
    assert 'id="name-error">Name is required.' in page
    assert 'id="website-error">Enter a web address' in page
    with app.extensions["database"].read_session() as session:
        assert session.get(ReviewItem, item_id).state == "open"


def test_edit_and_approve_publishes_with_the_corrections_locked(app, client, auth, db_write):
    item_id = db_write(lambda s: crawl_clinic(s, HUDSON).id)
    auth.login()
    edit_url = f"/editor/items/{item_id}/edit"
    form = form_values(text(client.get(f"/editor/items/{item_id}")), edit_url)
    response = auth.post(edit_url, {**form, "name": "Hudson Valley Ketamine Center"})
    assert response.status_code == 302, text(response)
    with app.extensions["database"].read_session() as session:
        clinic = session.scalar(select(Clinic))
        assert clinic.state == "published" and clinic.name == "Hudson Valley Ketamine Center"
        assert clinic.locked_fields == ["name"] and clinic.phone == HUDSON["phone"]


def test_reject_needs_a_reason(app, client, auth, db_write):
    item_id = db_write(lambda s: crawl_clinic(s, HUDSON).id)
    auth.login()
    response = auth.post(f"/editor/items/{item_id}/reject", {"reason": ""})
    assert response.status_code == 400
    assert 'id="reason-error">Give a reason for the rejection.' in text(response)
    auth.post(f"/editor/items/{item_id}/reject", {"reason": "not a pain clinic"})
    with app.extensions["database"].read_session() as session:
        item = session.get(ReviewItem, item_id)
        assert item.state == "rejected" and item.decision_note == "not a pain clinic"
        assert item.clinic.state == "rejected"


def test_approving_twice_says_it_was_already_decided(client, auth, db_write):
    item_id = db_write(lambda s: crawl_clinic(s, HUDSON).id)
    auth.login()
    auth.post(f"/editor/items/{item_id}/approve")
    response = auth.post(f"/editor/items/{item_id}/approve", follow_redirects=True)
    assert f"Nothing was changed: review item #{item_id} was already approved" in text(response)


def test_every_decision_is_in_the_audit_log_with_who_and_when(app, client, auth, db_write):
    first = db_write(lambda s: crawl_clinic(s, HUDSON).id)
    second = db_write(lambda s: crawl_clinic(s, {**HUDSON, "name": "Other"}).id)
    auth.login()
    auth.post(f"/editor/items/{first}/approve")
    auth.post(f"/editor/items/{second}/reject", {"reason": "spam"})
    clinic_id, _ = first_clinic(app)
    auth.post(f"/editor/clinic/{clinic_id}/lock", {"field": "email", "locked": "1"})
    with app.extensions["database"].read_session() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.action, e.user.username) for e in entries] == [
            ("approve", "edna"), ("reject", "edna"), ("lock", "edna")]
        assert all(e.at for e in entries)
    history = text(client.get(f"/editor/clinic/{clinic_id}/history"))
    assert history.count("<td>edna</td>") == 2 and "approve" in history and "lock" in history
    changes = text(client.get("/editor/changes"))
    assert changes.count("<td>edna</td>") == 3 and "spam" in changes


def test_two_editors_on_one_entry_never_undo_each_other(app, client, auth, db_write):
    """Editor A opens the form, editor B saves a change, A saves: A's change lands and B's
    stays; when both changed the same field, A is told and keeps what they typed."""
    item_id = db_write(lambda s: crawl_clinic(s, HUDSON).id)
    auth.login()
    auth.post(f"/editor/items/{item_id}/approve")
    clinic_id, _slug = first_clinic(app)
    edit_url = f"/editor/clinic/{clinic_id}/edit"
    seen_by_a = form_values(text(client.get(f"/editor/clinic/{clinic_id}")), edit_url)
    assert '"phone": "' in seen_by_a["seen"]  # the form says what it showed
    db_write(lambda s: setattr(s.get(Clinic, clinic_id), "email", "b@hudson.example"))

    saved = auth.post(edit_url, {**seen_by_a, "name": "Hudson Ketamine (A)"})
    assert saved.status_code == 302, text(saved)
    with app.extensions["database"].read_session() as session:
        clinic = session.get(Clinic, clinic_id)
        assert (clinic.name, clinic.email) == ("Hudson Ketamine (A)", "b@hudson.example")
        assert clinic.locked_fields == ["name"]

    db_write(lambda s: setattr(s.get(Clinic, clinic_id), "phone", "+15185550199"))
    clash = auth.post(edit_url, {**seen_by_a, "phone": "(518) 555-0111"})
    page = text(clash)
    assert clash.status_code == 409
    assert "Not saved: since you opened this page someone else changed phone" in page
    assert 'value="(518) 555-0111"' in page  # what A typed is still in the form
    with app.extensions["database"].read_session() as session:
        assert session.get(Clinic, clinic_id).phone == "+15185550199"
    again = form_values(page, edit_url)  # A saves again, having seen B's value
    assert auth.post(edit_url, again).status_code == 302
    with app.extensions["database"].read_session() as session:
        assert session.get(Clinic, clinic_id).phone == "+15185550111"


def test_a_form_left_open_for_hours_still_saves(app, client, auth, db_write, monkeypatch):
    from itsdangerous import TimestampSigner

    item_id = db_write(lambda s: crawl_clinic(s, HUDSON).id)
    auth.login()
    edit_url = f"/editor/items/{item_id}/edit"
    form = form_values(text(client.get(f"/editor/items/{item_id}")), edit_url)
    token = auth.csrf_token()
    later = TimestampSigner.get_timestamp(TimestampSigner("x")) + 3 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    response = client.post(edit_url, data={**form, "csrf_token": token,
                                           "name": "Hudson Ketamine, reviewed slowly"})
    assert response.status_code == 302, text(response)


def test_an_editor_adds_a_clinic_by_hand_published_geocoded_locked_and_audited(
        app, client, auth):
    auth.login()
    assert client.get("/editor/clinic/new").status_code == 200
    refused = client.post("/editor/clinic/new", data={"name": "No Token Clinic"})
    assert refused.status_code == 400  # CSRF
    empty = auth.post("/editor/clinic/new", {"name": "", "status": "active"})
    assert empty.status_code == 400 and 'id="name-error">Name is required.' in text(empty)
    added = auth.post("/editor/clinic/new", {
        "name": "Capitol Hill Ketamine", "phone": "(202) 555-0188", "status": "active",
        "street": "1 Independence Ave SE", "locality": "Washington", "region": "US-DC",
        "postal_code": "20003", "country": "US", "treatments": ["ketamine-iv-infusion"],
        "conditions": ["crps"]})
    assert added.status_code == 302, text(added)
    with app.extensions["database"].read_session() as session:
        clinic = session.scalar(select(Clinic).where(Clinic.name == "Capitol Hill Ketamine"))
        place = clinic.locations[0]
        assert (clinic.state, clinic.slug, clinic.phone) == (
            "published", "capitol-hill-ketamine", "+12025550188")
        assert abs(place.latitude - 38.88) < 0.1 and abs(place.longitude + 77.0) < 0.1
        assert {"name", "phone", "street", "treatments", "conditions"} <= set(
            clinic.locked_fields)
        assert clinic.provenance["name"]["editor"] == "edna"
        assert sorted(t.slug for t in clinic.terms) == ["crps", "ketamine-iv-infusion"]
    assert added.headers["Location"] == f"/editor/clinic/{clinic.id}"
    assert "Capitol Hill Ketamine" in text(client.get("/clinics/capitol-hill-ketamine"))
    assert "create" in text(client.get(f"/editor/clinic/{clinic.id}/history"))


def test_a_resource_added_by_hand_with_a_known_address_is_refused(app, client, auth):
    auth.login()
    form = {"title": "CRPS and ketamine: a guide", "url": "https://guide.example/crps",
            "kind": "article"}
    assert auth.post("/editor/resource/new", form).status_code == 302
    again = auth.post("/editor/resource/new", {**form, "title": "Same link"})
    assert again.status_code == 400 and "has this web address already" in text(again)


def test_a_suggestion_becomes_a_clinic_and_is_resolved_by_adding_it(app, client, auth,
                                                                     db_write):
    item_id = db_write(lambda s: _suggestion(s).id)
    auth.login()
    review = text(client.get(f"/editor/items/{item_id}"))
    link = f"/editor/clinic/new?suggestion={item_id}"
    assert f'href="{link}">Add it as a clinic' in review
    form = form_values(text(client.get(link)), link)
    assert (form["name"], form["website"], form["locality"]) == (
        "Lakeshore Ketamine Clinic", "https://lakeshore.example/", "Chicago")
    added = auth.post(link, {**form, "postal_code": "60601", "country": "US"})
    assert added.status_code == 302, text(added)
    with app.extensions["database"].read_session() as session:
        item = session.get(ReviewItem, item_id)
        assert item.state != "open" and item.clinic.name == "Lakeshore Ketamine Clinic"
        assert "added as clinic" in item.decision_note
    assert f"/editor/clinic/new?suggestion={item_id}" not in text(
        client.get(f"/editor/items/{item_id}"))


def _suggestion(session):
    item = ReviewItem(kind="suggestion", origin="public", entry_type="clinic",
                      payload={"name": "Lakeshore Ketamine Clinic",
                               "url": "https://lakeshore.example/", "place": "Chicago",
                               "details": "IV ketamine for CRPS", "contact": None})
    session.add(item)
    session.flush()
    return item


def test_a_withdrawn_clinic_leaves_the_site_for_good_even_when_recrawled(
        golden_source, site, run_cli, app, client, auth):
    assert run_cli("crawl", golden_source).returncode == 0
    auth.login()
    with app.extensions["database"].read_session() as session:
        item_id = session.scalar(select(ReviewItem.id))
    auth.post(f"/editor/items/{item_id}/approve")
    clinic_id, slug = first_clinic(app)
    assert client.get(f"/clinics/{slug}").status_code == 200
    withdraw_url = f"/editor/clinic/{clinic_id}/withdraw"
    no_reason = auth.post(withdraw_url, {"reason": " "}, follow_redirects=True)
    assert "Not withdrawn: give a reason." in text(no_reason)
    done = auth.post(withdraw_url, {"reason": "not a clinic: a marketing page"},
                     follow_redirects=True)
    assert f"Withdrew clinic #{clinic_id} from the public site." in text(done)
    assert client.get(f"/clinics/{slug}").status_code == 404
    history = text(client.get(f"/editor/clinic/{clinic_id}/history"))
    assert "withdraw" in history and "not a clinic: a marketing page" in history

    golden = site / GOLDEN.lstrip("/")
    golden.write_text(golden.read_text().replace("555-0100", "555-0177"))
    assert run_cli("crawl", golden_source).returncode == 0
    with app.extensions["database"].read_session() as session:
        assert session.get(Clinic, clinic_id).state == "rejected"
        assert session.scalar(select(ReviewItem).where(ReviewItem.state == "open")) is None
    assert client.get(f"/clinics/{slug}").status_code == 404

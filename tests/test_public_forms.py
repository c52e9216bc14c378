"""The public forms: report a problem and suggest an entry. CSRF, honeypot, rate limit, and
bad input that comes back with a clear message and nothing lost."""

import re
from html import unescape

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from models import ReviewItem


def csrf_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def review_items(database):
    with database.read_session() as session:
        return list(session.scalars(select(ReviewItem).order_by(ReviewItem.id)
                                    .options(selectinload(ReviewItem.clinic))))


def count(database) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(ReviewItem))


@pytest.fixture
def clinic_path(directory):
    return f"/clinics/{directory['Toronto Pain Centre']}"


def report(client, clinic_path, **fields):
    data = {"csrf_token": csrf_token(client, clinic_path), "problem": "phone",
            "details": "The number rings a fax machine.", "contact": "", "homepage": "",
            **fields}
    return client.post(f"{clinic_path}/report", data={k: v for k, v in data.items()
                                                      if v is not None})


def test_a_report_lands_in_the_editors_queue(client, database, clinic_path):
    response = report(client, clinic_path, contact="pat@example.org")
    assert response.status_code == 302 and response.headers["Location"].endswith("#report")
    (item,) = review_items(database)
    assert (item.kind, item.origin, item.entry_type, item.state) == (
        "report", "public", "clinic", "open")
    assert item.clinic.name == "Toronto Pain Centre"
    assert item.payload == {"problem": "phone", "details": "The number rings a fax machine.",
                            "contact": "pat@example.org"}
    assert "an editor will check your report" in client.get(clinic_path).get_data(as_text=True)


def test_a_missing_csrf_token_is_refused_and_the_text_kept(client, database, clinic_path):
    response = report(client, clinic_path, csrf_token=None)
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "This form expired" in page and "The number rings a fax machine." in page
    assert count(database) == 0


def test_a_filled_honeypot_is_refused(client, database, clinic_path):
    response = report(client, clinic_path, homepage="http://spam.example/")
    assert response.status_code == 400
    assert count(database) == 0


def test_bad_input_comes_back_with_a_clear_message_and_nothing_lost(client, database,
                                                                     clinic_path):
    response = report(client, clinic_path, details="", contact="not-an-email")
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Please say what is wrong" in page and "That email address looks incomplete." in page
    assert 'value="not-an-email"' in page and '<option selected value="phone">' in page
    assert count(database) == 0


def test_a_burst_beyond_the_rate_limit_is_refused(client, app, database, clinic_path):
    limit = app.extensions["public_form_limiter"].limit
    for _ in range(limit):
        assert report(client, clinic_path).status_code == 302
    response = report(client, clinic_path, details="One too many.")
    assert response.status_code == 429
    page = unescape(response.get_data(as_text=True))
    assert "Too many messages" in page and "One too many." in page
    assert count(database) == limit


def test_reporting_an_unpublished_clinic_is_not_found(client, database, directory, clinic_path):
    data = {"csrf_token": csrf_token(client, clinic_path), "problem": "other", "details": "x"}
    response = client.post(f"/clinics/{directory['Pending Ketamine Place']}/report", data=data)
    assert response.status_code == 404
    assert count(database) == 0


def suggest(client, **fields):
    data = {"csrf_token": csrf_token(client, "/suggest"), "kind": "clinic",
            "name": "Calgary Ketamine Clinic", "url": "https://calgary-ketamine.example/",
            "place": "Calgary", "details": "Treats CRPS.", "contact": "", "homepage": "",
            **fields}
    return client.post("/suggest", data={k: v for k, v in data.items() if v is not None})


def test_a_suggestion_lands_in_the_editors_queue(client, database, directory):
    response = suggest(client)
    assert response.status_code == 302
    (item,) = review_items(database)
    assert (item.kind, item.origin, item.entry_type) == ("suggestion", "public", "clinic")
    assert item.payload == {"name": "Calgary Ketamine Clinic",
                            "url": "https://calgary-ketamine.example/", "place": "Calgary",
                            "details": "Treats CRPS.", "contact": None}
    assert "an editor will look at your suggestion" in client.get("/suggest").get_data(
        as_text=True)


@pytest.mark.parametrize("fields, message", [
    ({"name": ""}, "Please give the name of the clinic"),
    ({"url": "javascript:alert(1)"}, "Please give a web address such as https://clinic.example"),
    ({"csrf_token": None}, "This form expired"),
    ({"homepage": "bot"}, "This form could not be sent"),
])
def test_refused_suggestions_keep_what_was_typed(client, database, directory, fields, message):
    response = suggest(client, **fields)
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert message in page and "Treats CRPS." in page
    assert count(database) == 0


def test_the_suggestion_form_is_rate_limited_too(client, app, database, directory):
    app.extensions["public_form_limiter"].limit = 2
    assert [suggest(client).status_code for _ in range(3)] == [302, 302, 429]
    assert count(database) == 2


def test_a_web_address_without_https_is_taken_as_https(client, database, directory):
    box = re.search(r'<input[^>]*name="url"[^>]*>', client.get("/suggest").get_data(as_text=True))
    assert 'type="text"' in box.group(0) and 'inputmode="url"' in box.group(0)
    assert suggest(client, url="www.example.org").status_code == 302
    (item,) = review_items(database)
    assert item.payload["url"] == "https://www.example.org"


def test_the_report_form_starts_with_no_problem_chosen(client, database, clinic_path):
    page = client.get(clinic_path).get_data(as_text=True)
    first = re.search(r'<select[^>]*name="problem"[^>]*>\s*<option([^>]*)>([^<]*)<', page)
    assert first.group(2) == "Choose one…" and "selected" not in first.group(1)
    response = report(client, clinic_path, problem="")
    assert response.status_code == 400
    assert "Please choose what is wrong." in response.get_data(as_text=True)
    assert count(database) == 0


def test_a_refused_report_keeps_its_own_text_and_never_reaches_the_next_visitor(
        client, app, database, clinic_path, directory):
    """The blank form is drawn once per process; a filled one is drawn for its sender only."""
    refused = report(client, clinic_path, details="", contact="not-an-address")
    assert refused.status_code == 400 and "not-an-address" in refused.get_data(as_text=True)
    other = f"/clinics/{directory['Vancouver CRPS Clinic']}"
    for path in (clinic_path, other):
        page = app.test_client().get(path).get_data(as_text=True)
        assert "not-an-address" not in page and 'name="details"' in page
        assert 'class="error"' not in page

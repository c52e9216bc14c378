"""Clinic details in the editor workspace: hours, prices, payment, the three flags and languages
are read, corrected, diffed, merged and kept in the history like any other field."""

import re

from sqlalchemy import select

from models import Clinic
from tests.editor_fixtures import HUDSON, crawl_clinic, form_values, recrawl_clinic


def text(response) -> str:
    return response.get_data(as_text=True)


WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr")
HUDSON_DETAILS = {
    **HUDSON,
    "hours": [{"day": day, "opens": "09:00", "closes": "17:00"} for day in WEEKDAYS],
    "prices": [{"amount": 450, "currency": "USD", "per": "infusion",
                "treatment": "ketamine-iv-infusion"},
               {"amount": 2400, "currency": "USD", "per": "series", "treatment": None}],
    "payment": ["hsa-fsa", "self-pay"], "telehealth": True, "accepting_new_patients": False,
    "referral_required": None, "languages": ["es"],
}


def published_clinic(db_write) -> int:
    def run(session):
        item = crawl_clinic(session, HUDSON_DETAILS)
        item.clinic.state, item.state = "published", "approved"
        return item.clinic.id

    return db_write(run)


def row(page: str, name: str) -> str:
    return re.search(rf'<th scope="row">{name}</th>(.*?)</tr>', page, re.S).group(1)


def test_the_entry_page_shows_details_as_text_and_the_form_round_trips_them(
        app, client, auth, db_write):
    clinic_id = published_clinic(db_write)
    auth.login()
    page = text(client.get(f"/editor/clinic/{clinic_id}"))
    assert "Mo-Fr 09:00-17:00" in row(page, "hours")
    assert "450 USD per infusion ketamine-iv-infusion" in row(page, "prices")
    assert "HSA or FSA card" in row(page, "payment") and "Spanish (es)" in row(page, "languages")
    assert "not stated" in row(page, "referral_required") and "{" not in row(page, "hours")
    edit_url = f"/editor/clinic/{clinic_id}/edit"
    form = form_values(page, edit_url)
    assert form["hours"].strip() == "Mo-Fr 09:00-17:00" and form["telehealth"] == "yes"
    assert form["payment"] == ["self-pay", "hsa-fsa"] and form["languages"] == "es"
    assert "Nothing changed." in text(auth.post(edit_url, form, follow_redirects=True))

    saved = auth.post(edit_url, {
        **form, "hours": "Mo-Th 08:00-16:00\nFr 08:00-12:00", "payment": ["medicare"],
        "prices": "450 USD per infusion ketamine-iv-infusion\n2,200 usd per series",
        "telehealth": "no", "accepting_new_patients": "unstated", "languages": "Spanish, fr"},
        follow_redirects=True)
    assert ("Saved and locked: accepting_new_patients, hours, languages, payment, prices, "
            "telehealth.") in text(saved)
    with app.extensions["database"].read_session() as session:
        clinic = session.get(Clinic, clinic_id)
        assert {(h["day"], h["opens"], h["closes"]) for h in clinic.locations[0].hours} == {
            *((day, "08:00", "16:00") for day in WEEKDAYS[:4]), ("Fr", "08:00", "12:00")}
        assert clinic.prices[1] == {"amount": 2200, "currency": "USD", "per": "series",
                                    "treatment": None}
        assert (clinic.payment, clinic.telehealth, clinic.accepting_new_patients,
                clinic.languages) == (["medicare"], False, None, ["es", "fr"])
        assert clinic.is_locked("hours") and clinic.provenance["hours"]["editor"] == "edna"
    history = text(client.get(f"/editor/clinic/{clinic_id}/history"))
    assert "Mo-Fr 09:00-17:00" in history and "Mo-Th 08:00-16:00" in history
    assert "Medicare" in history and "&#39;day&#39;" not in history


def test_bad_details_get_one_line_errors_and_keep_what_the_editor_typed(
        app, client, auth, db_write):
    clinic_id = published_clinic(db_write)
    auth.login()
    edit_url = f"/editor/clinic/{clinic_id}/edit"
    form = form_values(text(client.get(f"/editor/clinic/{clinic_id}")), edit_url)
    response = auth.post(edit_url, {**form, "name": "Hudson Valley Ketamine",
                                    "hours": "Mo-Fr 9am-5pm", "prices": "$450 an infusion",
                                    "languages": "Klingon"})
    assert response.status_code == 400
    page = text(response)
    assert 'id="hours-error">Hours line 1, &#34;Mo-Fr 9am-5pm&#34;: write times as 24-hour ' \
           'HH:MM, like Mo-Fr 09:00-17:00' in page
    assert 'id="prices-error">Price line 1, &#34;$450 an infusion&#34;: write the amount' in page
    assert 'id="languages-error">Languages: &#34;Klingon&#34; is not a language we know' in page
    kept = form_values(page, edit_url)
    assert (kept["name"], kept["hours"].strip(), kept["prices"].strip()) == (
        "Hudson Valley Ketamine", "Mo-Fr 9am-5pm", "$450 an infusion")
    with app.extensions["database"].read_session() as session:
        assert session.get(Clinic, clinic_id).name == "Hudson Ketamine Center"


def test_a_proposed_change_shows_hours_and_prices_added_and_removed(app, client, auth, db_write):
    clinic_id = published_clinic(db_write)
    change_id = db_write(lambda s: recrawl_clinic(s, s.get(Clinic, clinic_id), {
        **HUDSON_DETAILS,
        "hours": [*HUDSON_DETAILS["hours"][:4], {"day": "Fr", "opens": "09:00", "closes": "12:00"},
                  {"day": "Sa", "opens": "09:00", "closes": "12:00"}],
        "prices": [{"amount": 495, "currency": "USD", "per": "infusion",
                    "treatment": "ketamine-iv-infusion"}, HUDSON_DETAILS["prices"][1]]}).id)
    auth.login()
    page = text(client.get(f"/editor/items/{change_id}"))
    hours = row(page, "hours")
    assert "Changed" in hours and "<del>Mo-Fr 09:00-17:00</del>" in hours
    assert "<ins>Mo-Th 09:00-17:00</ins>" in hours and "<ins>Fr-Sa 09:00-12:00</ins>" in hours
    prices = row(page, "prices")
    assert "<del>450 USD per infusion ketamine-iv-infusion</del>" in prices
    assert "<ins>495 USD per infusion ketamine-iv-infusion</ins>" in prices
    assert "2400 USD per series<" in prices and "<ins>2400" not in prices  # unchanged line
    assert "Changed" not in row(page, "payment")


def test_hostile_crawled_details_are_escaped(client, auth, db_write):
    clinic_id = published_clinic(db_write)
    change_id = db_write(lambda s: recrawl_clinic(s, s.get(Clinic, clinic_id), {
        **HUDSON_DETAILS, "languages": ["<script>alert(1)</script>"],
        "prices": [{"amount": 1, "currency": "<b>X</b>", "per": None,
                    "treatment": "<img src=x onerror=alert(1)>"}]}).id)
    auth.login()
    page = text(client.get(f"/editor/items/{change_id}"))
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "<b>X" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_merge_page_offers_the_details_readably(app, client, auth, db_write):
    first = published_clinic(db_write)

    def second_clinic(session):
        item = crawl_clinic(session, {**HUDSON_DETAILS, "name": "Hudson Ketamine Centre",
                                      "hours": [{"day": "Sa", "opens": "10:00",
                                                 "closes": "14:00"}]},
                            source="other-directory")
        item.clinic.state, item.state = "published", "approved"
        return item.clinic.id

    second = db_write(second_clinic)
    auth.login()
    screen = text(client.get(f"/editor/duplicates/{first}/{second}"))
    assert "Mo-Fr 09:00-17:00" in screen and "Sa 10:00-14:00" in screen
    assert 'name="pick-hours" value="other"' in screen
    assert re.search(r"languages: the same on both, <[^>]+>Spanish \(es\)<", screen)
    auth.post(f"/editor/duplicates/{first}/{second}", {"pick-hours": "other"})
    with app.extensions["database"].read_session() as session:
        survivor = session.scalar(select(Clinic).where(Clinic.id == first))
        assert survivor.locations[0].hours == [{"day": "Sa", "opens": "10:00", "closes": "14:00"}]


def test_edit_and_approve_locks_only_the_corrected_detail(app, client, auth, db_write):
    item_id = db_write(lambda s: crawl_clinic(s, HUDSON_DETAILS).id)
    auth.login()
    edit_url = f"/editor/items/{item_id}/edit"
    form = form_values(text(client.get(f"/editor/items/{item_id}")), edit_url)
    response = auth.post(edit_url, {**form, "hours": "Mo-Fr 09:00-17:00\nSa 09:00-12:00"})
    assert response.status_code == 302, text(response)
    with app.extensions["database"].read_session() as session:
        clinic = session.scalar(select(Clinic))
        assert clinic.state == "published" and clinic.locked_fields == ["hours"]
        assert {"day": "Sa", "opens": "09:00", "closes": "12:00"} in clinic.locations[0].hours
        assert clinic.prices == HUDSON_DETAILS["prices"] and clinic.telehealth is True

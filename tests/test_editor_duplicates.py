"""Duplicate candidates and the merge screen."""

from sqlalchemy import select

from models import Clinic
from tests.editor_fixtures import HUDSON, crawl_clinic


def text(response) -> str:
    return response.get_data(as_text=True)


def two_sources(session):
    first = crawl_clinic(session, HUDSON)
    second = crawl_clinic(session, {**HUDSON, "name": "Hudson Ketamine Centre",
                                    "email": "hello@hudson-ketamine.example"},
                          source="other-directory")
    unrelated = crawl_clinic(session, {**HUDSON, "name": "Seattle Nerve Clinic",
                                       "phone": "+12065550100", "website": None,
                                       "address": {"street": "1 Pine St", "locality": "Seattle",
                                                   "region": "US-WA", "country": "US"}})
    for item in (first, second, unrelated):
        item.clinic.state, item.state = "published", "approved"
    return first.clinic.id, second.clinic.id


def test_duplicates_page_lists_pairs_across_sources_with_reasons(client, auth, db_write):
    first, second = db_write(two_sources)
    auth.login()
    page = text(client.get("/editor/duplicates"))
    assert "same phone, same website domain, near-identical name and address" in page
    assert "fixture-directory, other-directory" in page
    assert f"/editor/duplicates/{first}/{second}" in page
    assert "Seattle" not in page


def test_merge_keeps_both_sources_provenance_and_leaves_one_public_entry(
        app, client, auth, db_write):
    first, second = db_write(two_sources)
    auth.login()
    screen = text(client.get(f"/editor/duplicates/{first}/{second}"))
    assert "hello@hudson-ketamine.example" in screen and "other-directory" in screen
    assert 'name="pick-email" value="other"' in screen
    response = auth.post(f"/editor/duplicates/{first}/{second}", {"pick-email": "other",
                                                                   "pick-name": "keep"})
    assert response.headers["Location"] == f"/editor/clinic/{first}"
    with app.extensions["database"].read_session() as session:
        survivor, loser = session.get(Clinic, first), session.get(Clinic, second)
        assert (loser.state, loser.merged_into_id) == ("merged", first)
        assert survivor.email == "hello@hudson-ketamine.example"
        assert survivor.provenance["email"]["source"] == "other-directory"
        assert survivor.provenance["phone"]["source"] == "fixture-directory"
        assert {r.source.name for r in survivor.source_records} == {"fixture-directory",
                                                                   "other-directory"}
        public = session.scalars(select(Clinic.id).where(Clinic.state == "published",
                                                         Clinic.name.like("Hudson%"))).all()
        assert public == [first]
    assert client.get(f"/clinics/{survivor.slug}").status_code == 200
    # The merged entry's old address leads to the survivor, on the site and in the API.
    visitor = app.test_client(use_cookies=False)
    moved = visitor.get(f"/clinics/{loser.slug}")
    assert (moved.status_code, moved.headers["Location"]) == (301, f"/clinics/{survivor.slug}")
    moved = visitor.get(f"/api/v1/clinics/{loser.slug}")
    assert (moved.status_code, moved.headers["Location"]) == (
        301, f"/api/v1/clinics/{survivor.slug}")
    assert visitor.get("/clinics/no-such-clinic").status_code == 404
    assert "No possible duplicates" in text(client.get("/editor/duplicates"))
    history = text(client.get(f"/editor/clinic/{first}/history"))
    assert "merge" in history and f"merged clinic #{second}" in history


def test_merging_a_merged_clinic_is_refused_with_a_message(client, auth, db_write):
    first, second = db_write(two_sources)
    auth.login()
    auth.post(f"/editor/duplicates/{first}/{second}")
    response = auth.post(f"/editor/duplicates/{first}/{second}", follow_redirects=True)
    assert f"Nothing was changed: clinic #{second} was merged" in text(response)


def test_a_pair_marked_different_leaves_the_list_for_good_and_is_audited(client, auth,
                                                                          db_write):
    first, second = db_write(two_sources)
    auth.login()
    without_token = client.post(f"/editor/duplicates/{first}/{second}/different")
    assert without_token.status_code == 400  # CSRF
    assert f"/editor/duplicates/{first}/{second}" in text(client.get("/editor/duplicates"))
    response = auth.post(f"/editor/duplicates/{second}/{first}/different",
                         follow_redirects=True)
    assert f"Clinics #{second} and #{first} are marked as different clinics." in text(response)
    assert "No possible duplicates" in text(response)
    again = auth.post(f"/editor/duplicates/{first}/{second}/different", follow_redirects=True)
    assert f"Nothing was changed: clinics #{first} and #{second} are already marked" in text(
        again)
    for clinic_id, other in ((first, second), (second, first)):
        history = text(client.get(f"/editor/clinic/{clinic_id}/history"))
        assert "not-duplicate" in history and f"not the same clinic as #{other}" in history

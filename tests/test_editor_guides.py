"""The workspace's guides: editors write, lock and revise a term's description, with history;
login and a form token are needed; the public guide shows the change on the next request."""

from sqlalchemy import select

from models import TermGuideRevision


def test_guides_need_a_login(client, users):
    response = client.get("/editor/guides/crps")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_post_without_its_form_token_is_refused(client, auth):
    auth.login()
    response = client.post("/editor/guides/crps", data={"description": "No token."})
    assert response.status_code == 400


def test_write_lock_and_revise_a_description_with_history(client, auth, database, directory):
    auth.login()
    assert "Empty" in client.get("/editor/guides/").get_data(as_text=True)
    saved = auth.post("/editor/guides/crps", {"description": "First words.", "locked": "y"})
    assert saved.status_code == 302
    assert "First words." in client.get("/conditions/crps").get_data(as_text=True)

    refused = auth.post("/editor/guides/crps", {"description": "Changed.", "locked": "y"})
    assert refused.status_code == 409 and "locked" in refused.get_data(as_text=True)
    assert "Changed." not in client.get("/conditions/crps").get_data(as_text=True)

    assert auth.post("/editor/guides/crps", {"description": "First words."}).status_code == 302
    assert auth.post("/editor/guides/crps", {"description": "Second words."}).status_code == 302
    public = client.get("/conditions/crps").get_data(as_text=True)
    assert "Second words." in public and "First words." not in public
    page = client.get("/editor/guides/crps").get_data(as_text=True)
    assert page.index("Second words.") < page.index("First words.")  # newest first
    with database.read_session() as session:
        revisions = session.scalars(select(TermGuideRevision).order_by(TermGuideRevision.id))
        assert [(r.description, r.locked) for r in revisions] == [
            ("First words.", True), ("First words.", False), ("Second words.", False)]


def test_an_unknown_term_has_no_guide_to_edit(client, auth):
    auth.login()
    assert client.get("/editor/guides/no-such-term").status_code == 404

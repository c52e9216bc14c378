"""/api/v1/terms/<slug>: a guide's description, counts and links."""

from models import revise_guide


def test_a_condition_with_its_description_counts_and_links(client, database, directory):
    with database.write_session.begin() as session:
        revise_guide(session, "crps", "Pain that <outlasts> its injury.", True, None)
    response = client.get("/api/v1/terms/crps")
    assert response.status_code == 200
    assert "<outlasts>" not in response.get_data(as_text=True)  # JSON-escaped as all crawl text
    body = response.get_json()
    assert body["kind"] == "condition" and body["description"] == "Pain that <outlasts> its injury."
    assert body["description_locked"] is True
    assert body["parents"] == ["neuropathic-pain"]
    assert body["counts"]["clinics"] == 5 and body["counts"]["resources"] == 3
    assert body["counts"]["regions"]["US-NY"] == 1
    assert {"slug": "ketamine-iv-infusion", "clinics": 3} in body["also_offered"]
    assert body["links"]["guide"] == "/conditions/crps"
    assert body["links"]["feed"] == "/conditions/crps/feed.atom"
    for name in ("clinics", "resources", "api_clinics", "api_resources"):
        assert client.get(body["links"][name]).status_code == 200


def test_a_treatment_without_description_and_an_unknown_term(client, directory):
    body = client.get("/api/v1/terms/nerve-block").get_json()
    assert body["kind"] == "treatment" and body["description"] is None
    assert body["counts"]["clinics"] == 2 and body["links"]["guide"] == "/treatments/nerve-block"
    missing = client.get("/api/v1/terms/nothing")
    assert missing.status_code == 404 and "taxonomy" in missing.get_json()["error"]

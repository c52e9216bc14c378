"""Bad parameters and control characters: a one-line 400 (JSON under /api/), never a 500, on the
pages, the API, the public forms and the editor workspace."""

import re
from html import unescape

import pytest

from tests.editor_fixtures import PASSWORD

HUGE = "99999999999999999999"
BIGINT = "9223372036854775807"


def message(response) -> str:
    """The one line an error answer says."""
    if response.mimetype == "application/json":
        return response.get_json()["error"]
    return unescape(re.search(r'<p class="lead">(.*?)</p>', response.get_data(as_text=True),
                              re.S).group(1))


@pytest.mark.parametrize("url, expected", [
    ("/clinics?near=10001&radius=nan", "radius must be a number of kilometres, got 'nan'"),
    ("/clinics?near=10001&radius=inf", "radius must be a number of kilometres, got 'inf'"),
    ("/clinics?near=10001&radius=0", "radius must be more than 0 and at most 500 km, got 0"),
    ("/api/v1/clinics?near=10001&radius=nan", "radius must be a number of kilometres, got 'nan'"),
    ("/resources/?page=%C2%B2", "page must be a whole number, got '²'"),
    ("/clinics?page=-1", "page must be between 1 and 2147483647, got -1"),
    (f"/clinics?page={HUGE}", f"page must be between 1 and 2147483647, got {HUGE}"),
    (f"/clinics?page={BIGINT}", f"page must be between 1 and 2147483647, got {BIGINT}"),
    (f"/clinics?near=10001&page={HUGE}", f"page must be between 1 and 2147483647, got {HUGE}"),
    (f"/resources/?page={BIGINT}", f"page must be between 1 and 2147483647, got {BIGINT}"),
    (f"/regions/US-NY?page={HUGE}", f"page must be between 1 and 2147483647, got {HUGE}"),
    (f"/api/v1/clinics?page={HUGE}", f"page must be between 1 and 2147483647, got {HUGE}"),
    (f"/api/v1/resources?page={BIGINT}", f"page must be between 1 and 2147483647, got {BIGINT}"),
    ("/clinics?q=" + "x" * 201, "q must be at most 200 characters long"),
    ("/clinics/%00", "The address contains a control character; remove it and try again."),
    ("/clinics?locality=%00", "The address contains a control character; remove it and try "
                              "again."),
    ("/api/v1/clinics?locality=%00", "The address contains a control character; remove it and "
                                     "try again."),
    ("/api/v1/clinics?q=%1b%5b2J", "The address contains a control character; remove it and "
                                   "try again."),
])
def test_a_bad_parameter_is_a_one_line_400(client, api_directory, url, expected):
    response = client.get(url)
    assert response.status_code == 400
    assert response.mimetype == ("application/json" if url.startswith("/api/") else "text/html")
    assert message(response) == expected


@pytest.mark.parametrize("url", [
    f"/sitemap-clinics-{HUGE}.xml", f"/sitemap-clinics-{BIGINT}.xml",
    "/sitemap-clinics-" + "9" * 5000 + ".xml",
])
def test_a_number_in_a_path_beyond_32_bits_names_nothing(client, api_directory, url):
    assert client.get(url).status_code == 404


def test_a_control_character_in_a_login_is_refused(client, auth):
    token = auth.csrf_token()
    response = client.post("/login", data={"username": "edna\x00", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 400
    assert message(response) == ("The form field 'username' contains a control character; "
                                 "remove it and send the form again.")
    assert client.get("/editor/").status_code == 302


def test_a_control_character_in_a_report_is_refused(client, api_directory):
    path = "/clinics/" + api_directory["Toronto Pain Centre"]
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(path + "/report", data={
        "csrf_token": token, "problem": "phone", "details": "It rings\x00 a fax.\r\n\tReally."})
    assert response.status_code == 400 and "'details'" in message(response)
    fine = client.post(path + "/report", data={
        "csrf_token": token, "problem": "phone", "details": "It rings a fax.\r\n\tReally."})
    assert fine.status_code == 302  # line breaks and tabs are text


@pytest.mark.parametrize("target", ["/editor/changes\nSet-Cookie: x=1", "/editor/\r\n",
                                    "/editor/\t", "/editor/\x00"])
def test_a_next_with_control_characters_leads_to_the_queue(client, auth, target):
    response = client.post("/login", data={"username": "edna", "password": PASSWORD,
                                           "csrf_token": auth.csrf_token(), "next": target})
    if "\x00" in target:
        assert response.status_code == 400  # refused at the boundary: no login
    else:
        assert response.status_code == 302 and response.headers["Location"] == "/editor/"


@pytest.mark.parametrize("url", [f"/editor/?page={HUGE}", f"/editor/?page={BIGINT}",
                                 f"/editor/clinic/new?suggestion={HUGE}"])
def test_bad_numbers_in_the_workspace_are_a_400(client, auth, url):
    auth.login()
    response = client.get(url)
    assert response.status_code == 400 and " must be between 1 and 2147483647" in message(
        response)


@pytest.mark.parametrize("path", [f"/editor/items/{HUGE}", f"/editor/clinic/{BIGINT}",
                                  f"/editor/duplicates/1/{HUGE}"])
def test_ids_beyond_32_bits_in_the_workspace_are_not_found(client, auth, path):
    auth.login()
    assert client.get(path).status_code == 404


def test_bad_item_numbers_in_a_bulk_decision_are_a_400(client, auth):
    auth.login()
    token = auth.csrf_token("/editor/")
    for items in ([HUGE], ["1", "two"]):
        response = client.post("/editor/bulk", data={"csrf_token": token, "action": "approve",
                                                     "item": items})
        assert response.status_code == 400 and message(response).startswith("item must be")


@pytest.mark.parametrize("url", [
    "/clinics?_scheme=javascript", "/clinics?_external=1&q=pain", "/clinics?_anchor=x",
    "/regions/US-NY?code=GB", "/regions/us-ny?code=GB", "/regions/us-ny?_scheme=javascript",
    "/resources/?_method=POST&kind=article",
])
def test_query_keys_that_url_building_reserves_are_plain_parameters(client, api_directory, url):
    response = client.get(url)
    assert response.status_code in (200, 301)
    assert "javascript:" not in response.get_data(as_text=True)
    assert "://localhost" not in response.get_data(as_text=True)


def test_a_back_link_with_a_line_break_leads_to_the_entry(client, auth, api_directory):
    auth.login()
    response = auth.post("/editor/clinic/1/lock", {"field": "name", "locked": "1",
                                                   "back": "/editor/\nSet-Cookie: x=1"})
    assert response.status_code == 302 and response.headers["Location"] == "/editor/clinic/1"

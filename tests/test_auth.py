"""Logging in and out, throttling, roles, CSRF and the login wall around every editor URL."""

import dataclasses
import re

import pytest
from sqlalchemy import func, select

from models import LoginAttempt, User
from tests.editor_fixtures import PASSWORD, AuthActions
from web import create_app


def protected_urls(app):
    """Every editor and admin URL, with sample values for its arguments."""
    samples = {"entry_type": "clinic", "name": "fixture-directory"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in ("editor", "admin"):
            values = {arg: samples.get(arg, 1) for arg in rule.arguments}
            with app.test_request_context():
                from flask import url_for

                yield url_for(rule.endpoint, **values), rule.methods - {"HEAD", "OPTIONS"}


def test_login_and_logout(client, auth):
    response = auth.login()
    assert response.status_code == 302 and response.headers["Location"] == "/editor/"
    response = client.get("/editor/")
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "Review queue" in page and "Log out edna" in page and "(0 open)" in page
    assert auth.logout().headers["Location"] == "/login"
    assert client.get("/editor/").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(client, auth):
    cookie = auth.login().headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_when_configured(config, database):
    config = dataclasses.replace(config, web=dataclasses.replace(config.web,
                                                                 secure_cookies=True))
    app = create_app({"TESTING": True, "SECRET_KEY": "k"}, config=config)
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
    finally:
        app.extensions["database"].dispose()


def test_wrong_password_is_refused_with_a_clear_message(auth):
    response = auth.login(password="not-the-password")
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)
    unknown = auth.login(username="nobody")
    assert "Wrong username or password." in unknown.get_data(as_text=True)


def test_a_disabled_account_cannot_log_in(auth):
    response = auth.login(username="dora")
    assert response.status_code == 401 and "disabled" in response.get_data(as_text=True)


def test_repeated_wrong_passwords_lock_the_account_from_any_address(app, auth):
    for n in range(5):
        assert auth.login(password="wrong", environ_base={
            "REMOTE_ADDR": f"10.0.0.{n}"}).status_code == 401
    response = auth.login(environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert response.status_code == 429
    assert re.search(r"locked for about 1[45] more minute", response.get_data(as_text=True))
    assert auth.login(username="ada").status_code == 302  # other accounts are unaffected
    with app.extensions["database"].read_session() as session:
        # Attempts during a lockout are not recorded, so the lockout ends on time.
        assert session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == "edna")) == 5


def test_repeated_failures_from_one_address_lock_that_address(auth):
    for n in range(5):
        auth.login(username=f"guess{n}", password="wrong",
                   environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert auth.login(environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 429
    assert auth.login(environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 302


def test_a_success_resets_the_account_count(auth):
    for _ in range(4):
        auth.login(password="wrong")
    assert auth.login().status_code == 302
    auth.logout()
    for _ in range(4):
        auth.login(password="wrong", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert auth.login(environ_base={"REMOTE_ADDR": "10.1.1.2"}).status_code == 302


@pytest.mark.parametrize("target, expected", [
    ("/editor/changes", "/editor/changes"),
    ("//evil.example/", "/editor/"),
    ("https://evil.example/", "/editor/"),
    ("/\\evil.example", "/editor/"),
])
def test_next_must_be_a_local_path(client, auth, target, expected):
    token = auth.csrf_token()
    response = client.post("/login", data={"username": "edna", "password": PASSWORD,
                                            "csrf_token": token, "next": target})
    assert response.headers["Location"] == expected


def test_every_editor_and_admin_url_sends_logged_out_visitors_to_login(app, client, auth):
    urls = list(protected_urls(app))
    assert len(urls) >= 20
    token = auth.csrf_token()
    for url, methods in urls:
        for method in methods:
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 302, (method, url)
            location = response.headers["Location"]
            assert location.startswith("/login?next="), (method, url, location)


def test_an_editor_gets_403_on_every_admin_page(app, client, auth):
    auth.login()
    token = auth.csrf_token("/editor/")
    admin_urls = [(url, methods) for url, methods in protected_urls(app)
                  if url.startswith("/admin/")]
    assert admin_urls
    for url, methods in admin_urls:
        for method in methods:
            assert client.open(url, method=method,
                               data={"csrf_token": token}).status_code == 403, (method, url)


def test_a_post_without_a_valid_csrf_token_is_refused(app, client, auth):
    auth.login()
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/editor/").status_code == 200  # still logged in
    assert client.post("/login", data={"username": "edna",
                                       "password": PASSWORD}).status_code == 400


def test_a_password_reset_ends_the_accounts_other_sessions(app, client, auth):
    auth.login()
    with app.extensions["database"].write_session.begin() as session:
        session.scalar(select(User).where(User.username == "edna")).set_password(
            "another-long-passphrase-7")
    assert client.get("/editor/").status_code == 302


def test_disabling_an_account_ends_its_open_sessions(app, client, auth):
    auth.login()
    assert client.get("/editor/").status_code == 200
    with app.extensions["database"].write_session.begin() as session:
        session.scalar(select(User).where(User.username == "edna")).active = False
    assert client.get("/editor/").headers["Location"] == "/login?next=/editor/"


def test_a_session_cookie_copied_before_logout_is_refused_after_it(app, client, auth):
    auth.login()
    copied = client.get_cookie("session").value
    elsewhere = app.test_client()
    AuthActions(elsewhere).login()  # the same account on another device
    auth.logout()
    client.set_cookie("session", copied)
    assert client.get("/editor/").headers["Location"] == "/login?next=/editor/"
    assert elsewhere.get("/editor/").status_code == 200  # a logout ends its own login only


def test_enabling_an_account_again_does_not_revive_its_old_sessions(app, client, auth):
    auth.login()
    admin = AuthActions(app.test_client())
    admin.login("ada")
    with app.extensions["database"].read_session() as session:
        edna = session.scalar(select(User.id).where(User.username == "edna"))
    admin.post(f"/admin/users/{edna}/active")
    admin.post(f"/admin/users/{edna}/active")
    assert client.get("/editor/").headers["Location"] == "/login?next=/editor/"
    assert auth.login().status_code == 302 and client.get("/editor/").status_code == 200


@pytest.fixture
def behind_one_proxy(config_file):
    text = config_file.read_text()
    assert "proxy_hops = 0" in text
    config_file.write_text(text.replace("proxy_hops = 0", "proxy_hops = 1"))


def test_behind_a_proxy_each_forwarded_client_is_throttled_on_its_own(behind_one_proxy, auth):
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for n in range(5):
        auth.login(username=f"guess{n}", password="wrong", environ_base=proxy,
                   headers={"X-Forwarded-For": "192.0.2.7"})
    locked = auth.login(environ_base=proxy, headers={"X-Forwarded-For": "192.0.2.7"})
    assert locked.status_code == 429
    other = auth.login(environ_base=proxy, headers={"X-Forwarded-For": "192.0.2.8"})
    assert other.status_code == 302

"""Fixtures for the web app: `app`, `client`, a `live_server` on 127.0.0.1 and a Chromium `page`."""

import threading

import pytest
from werkzeug.serving import make_server

from web import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def app(config, database):
    """The app on the test database (migrated, taxonomy loaded), CSRF on as in production."""
    from models.setup import sync_config

    with database.write_session.begin() as session:
        sync_config(session, config)
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, config=config)
    yield app
    app.extensions["database"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def whole_bodies(app):
    """The app with each response read whole and closed before the server sends it. Werkzeug's
    server skips closing the response when the client drops the connection while it sends
    (Chromium leaving a page as its favicon arrives): the open static file then failed the
    test it ended with as an unraisable ResourceWarning, now and then."""

    def serve(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return serve


@pytest.fixture
def live_server(app):
    """The app served by a real HTTP server on 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, whole_bodies(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page, phone-sized like most patients' screens."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    yield page
    context.close()

"""Error answers: pages in the site's look with a way on, JSON under /api/, and a 503 with
Retry-After (not a failure page) when the database cannot be reached."""

import socket

import pytest

from web import create_app


def test_a_missing_page_offers_the_search_box_and_keeps_the_security_headers(client):
    response = client.get("/no-such-page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "We could not find that page" in page and 'role="search"' in page
    assert "default-src" in response.headers["Content-Security-Policy"]


def test_a_missing_api_path_answers_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert "/api/v1/openapi.json" in response.get_json()["error"]


def test_a_wrong_method_says_which_are_allowed(client):
    response = client.delete("/regions")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert "Method Not Allowed" in response.get_data(as_text=True)


def test_a_failure_is_a_plain_500_page_without_a_traceback(config):
    app = create_app({"SECRET_KEY": "test-secret"}, config=config)  # not TESTING: as deployed

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in page and "secret internals" not in page
    app.extensions["database"].dispose()


@pytest.mark.parametrize("path", ["/", "/clinics?q=ketamine", "/api/v1/clinics"])
def test_an_unreachable_database_answers_503_with_retry_after(config, path):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/reliefmap"
    app = create_app({"SECRET_KEY": "test-secret", "DATABASE_URL": url}, config=config)
    response = app.test_client().get(path)
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "briefly unavailable" in response.get_data(as_text=True)
    app.extensions["database"].dispose()


def test_a_request_line_too_long_for_the_server_gets_the_sites_own_414_page(app):
    import threading

    from werkzeug.serving import make_server

    from web.serving import SiteRequestHandler

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=SiteRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as sock:
            sock.sendall(f"GET /clinics?q={'x' * 100_000} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    finally:
        server.shutdown()
        thread.join(timeout=5)
    head, _, body = answer.decode().partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 414 ") or head.startswith("HTTP/1.0 414 ")
    assert "Content-Security-Policy" in head and "text/html" in head
    assert "<h1>Request URI Too Long</h1>" in body and "Shorten the words you searched for" in body
    assert "/static/site.css" in body

"""Security headers on every response, pages, errors and static files alike."""

import pytest

from web.security import HEADERS


@pytest.mark.parametrize("path", ["/", "/clinics?near=10001", "/regions", "/resources/",
                                  "/suggest", "/no-such-page", "/static/site.css",
                                  "/sitemap.xml", "/robots.txt"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    response.close()  # static files are streamed from an open file
    for name, value in HEADERS.items():
        assert response.headers[name] == value, name
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("no-referrer", "same-origin")
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_load_nothing_from_another_site(client, directory):
    import re

    for path in ["/", "/clinics?near=10001", f"/clinics/{directory['Toronto Pain Centre']}",
                 "/resources/", "/suggest"]:
        page = client.get(path).get_data(as_text=True)
        loaded = re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="([^"]+)"', page)
        assert all(url.startswith("/") for url in loaded), (path, loaded)
        assert "<script>" not in page and "style=" not in page

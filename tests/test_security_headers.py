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
        # What a browser fetches: scripts, images, frames, style sheets and icons. A feed's
        # <link rel="alternate"> names an address for feed readers and is never fetched.
        tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", page)
        loaded = [re.search(r'(?:src|href)="([^"]+)"', tag).group(1) for tag in tags
                  if 'rel="alternate"' not in tag and re.search(r'(?:src|href)="', tag)]
        assert loaded and all(url.startswith("/") for url in loaded), (path, loaded)
        assert "<script>" not in page and "style=" not in page


def test_geolocation_is_allowed_to_this_site_only_and_its_script_sends_nothing_itself(client):
    response = client.get("/")
    assert "geolocation=(self)" in response.headers["Permissions-Policy"]
    assert "camera=()" in response.headers["Permissions-Policy"]
    script = client.get("/static/locate.js")
    source = script.get_data(as_text=True)
    script.close()
    assert script.status_code == 200 and "getCurrentPosition" in source
    # It only fills the form: no request of its own, no storage, no address of any host.
    for word in ("fetch(", "XMLHttpRequest", "sendBeacon", "localStorage", "http"):
        assert word not in source, word
    assert '<script src="/static/locate.js" defer></script>' in response.get_data(as_text=True)

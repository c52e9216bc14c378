"""The sample server: {{BASE}} substituted, conditional requests, the hostile routes."""

import gzip
import urllib.error
import urllib.request

import pytest

from reliefmap.sample_server import SAMPLE_SITES, SampleServer


def get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture(scope="module")
def server():
    with SampleServer(slow_seconds=0.2) as running:
        yield running


def test_substitutes_base_and_logs_requests(server):
    status, _, body = get(f"{server.url}/sitemap.xml", {"X-Test": "1"})
    assert status == 200 and f"{server.url}/clinics/".encode() in body and b"{{BASE}}" not in body
    assert server.requested("/sitemap.xml")[-1]["headers"]["X-Test"] == "1"


def test_etag_and_last_modified_give_304(server):
    status, headers, _ = get(f"{server.url}/index.html")
    assert status == 200
    assert get(f"{server.url}/index.html", {"If-None-Match": headers["ETag"]})[0] == 304
    assert get(f"{server.url}/index.html",
               {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert get(f"{server.url}/index.html", {"If-None-Match": '"other"'})[0] == 200


def test_hostile_routes(server):
    status, _, body = get(f"{server.url}/hostile/calendar/2025/12")
    assert status == 200 and b'href="/hostile/calendar/2026/1"' in body
    assert get(f"{server.url}/hostile/flaky.html")[0] == 500
    assert get(f"{server.url}/hostile/flaky.html")[0] == 200
    status, headers, body = get(f"{server.url}/hostile/bomb.html")
    assert headers["Content-Encoding"] == "gzip" and len(body) < 1_000_000
    assert len(gzip.decompress(body)) == 100_000_000
    assert get(f"{server.url}/../../etc/passwd")[0] == 404


def test_redirect_loop_never_ends(server):
    with pytest.raises(urllib.error.HTTPError, match="infinite loop"):
        urllib.request.urlopen(f"{server.url}/hostile/loop/a", timeout=10)


def test_module_entry_point_prints_its_url():
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-m", "reliefmap.sample_server"],
                               stdout=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert get(f"{url}/robots.txt")[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_a_versioned_site_moves_to_its_next_version_at_each_home_page_fetch():
    with SampleServer(SAMPLE_SITES / "changing-clinics") as changing:
        page = f"{changing.url}/clinics/front-range-pain.html"
        assert b"303-555-0141" in get(page)[2]  # before the first crawl: version 1
        phones = []
        for _ in range(4):
            assert get(f"{changing.url}/")[0] == 200
            phones.append(get(page)[2].split(b"Phone: ")[1][:12])
        assert phones == [b"303-555-0141", b"303-555-0148", b"303-555-0152", b"303-555-0152"]


def test_a_site_with_year_folders_beside_its_pages_is_no_versioned_site():
    with SampleServer(SAMPLE_SITES / "patient-blog") as blog:
        assert blog.versions == []
        assert get(f"{blog.url}/index.html")[0] == 200
        assert get(f"{blog.url}/index.html")[0] == 200  # still there after a home page fetch

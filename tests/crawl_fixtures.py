"""Fixtures for crawl tests: a sample site on 127.0.0.1 and sources that point at it."""

import re
import shutil
from pathlib import Path

import pytest

from reliefmap.sample_server import SAMPLE_SITES, SampleServer

# Fast, still polite to the one local server: no delay, one retry, and a timeout short of the
# slow page's 10 s yet long enough for every other page on a busy two-core machine.
TEST_CRAWLER = {"download_delay": "0", "autothrottle": "false",
                "concurrent_requests_per_domain": "8", "download_timeout": "4",
                "retry_times": "1"}


@pytest.fixture
def site(tmp_path):
    """A copy of the sample clinic directory that a test may edit."""
    folder = tmp_path / "site"
    shutil.copytree(SAMPLE_SITES / "clinic-directory", folder)
    return folder


@pytest.fixture
def sample_server(site):
    """The sample site served on a free port; `.requests` logs what crawlers asked for."""
    # The slow page answers long after the 4 s timeout, even on a busy machine.
    with SampleServer(site, slow_seconds=10.0) as server:
        yield server


def toml_list(values) -> str:
    return "[" + ", ".join(f"'{value}'" for value in values) + "]"


@pytest.fixture
def add_source(config_file, tmp_path):
    """Append a [[sources]] table to the test config (crawler settings made fast for tests)."""
    text = config_file.read_text()
    for key, value in {**TEST_CRAWLER,
                       "http_cache_dir": f'"{tmp_path / "httpcache"}"'}.items():
        text = re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
    config_file.write_text(text)

    def add(name: str, *, kind: str = "clinics", trust: str = "review", max_pages: int = 60,
            **lists) -> None:
        table = [f'\n[[sources]]\nname = "{name}"\nkind = "{kind}"\nschedule = "0 3 * * 1"',
                 f'trust = "{trust}"\nmax_pages = {max_pages}']
        table += [f"{key} = {toml_list(values)}" for key, values in lists.items()]
        with Path(config_file).open("a") as fh:
            fh.write("\n".join(table) + "\n")

    return add


@pytest.fixture
def directory_source(add_source, sample_server):
    """The sample directory as a source: listings are followed, clinic pages extracted."""
    base = sample_server.url
    add_source("sample-directory", start_urls=[f"{base}/index.html"],
               sitemap_urls=[f"{base}/sitemap.xml"], follow=[r"/page/\d+\.html$"],
               extract=["/clinics/"])
    return "sample-directory"


CLINIC_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{name}</title>
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "MedicalClinic",
 "name": "{name}", "telephone": "+1-312-555-{n:04d}", "address": {{"@type": "PostalAddress",
 "streetAddress": "{n} Lake St", "addressLocality": "Chicago", "addressRegion": "IL",
 "postalCode": "60601", "addressCountry": "US"}}}}</script></head>
<body><h1>{name}</h1><p>Ketamine infusions for CRPS and fibromyalgia.</p></body></html>"""


def add_clinic_pages(site: Path, base_url: str, count: int) -> list[str]:
    """`count` one-clinic pages under /many/ with a sitemap of their own; their URLs."""
    (site / "many").mkdir()
    urls = []
    for n in range(count):
        (site / "many" / f"{n}.html").write_text(CLINIC_PAGE.format(name=f"Lake Clinic {n}", n=n))
        urls.append(f"{base_url}/many/{n}.html")
    (site / "many" / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<url><loc>{url}</loc></url>" for url in urls) + "</urlset>\n")
    return urls

"""`reliefmap extract` on sample and realistic pages, and the pipelines it runs."""

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.cli import extract_command
from crawler.items import ClinicItem, ResourceItem
from crawler.pipelines.classify import ClassifyPipeline
from crawler.pipelines.geocode import GeocodePipeline
from crawler.pipelines.normalise import NormalisePipeline
from crawler.pipelines.validate import ValidatePipeline
from reliefmap.cli import main
from reliefmap.config import Source, load_config

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_sites"
PAGES = Path(__file__).resolve().parent / "pages"
EXPECTED = json.loads((PAGES / "expected.json").read_text(encoding="utf-8"))
BASE = "http://127.0.0.1:8000"
CLINIC_KEYS = {"name", "phone", "website", "email", "address", "geo", "treatments", "conditions",
               "hours", "prices", "payment", "telehealth", "accepting_new_patients",
               "referral_required", "languages", "description", "source_url"}
ADDRESS_KEYS = {"street", "locality", "region", "postal_code", "country"}
RESOURCE_KEYS = {"title", "url", "kind", "summary", "author", "published", "conditions",
                 "treatments"}


def run(*args):
    result = CliRunner().invoke(main, ["extract", *args])
    return result, [json.loads(line) for line in result.output.splitlines()
                    if line.startswith("{")]


def clinic(path: str):
    result, records = run(str(SAMPLES / "clinic-directory" / path), "--url", f"{BASE}/{path}")
    assert result.exit_code == 0, result.output
    return records


def test_command_is_registered():
    result = CliRunner().invoke(main, ["extract", "--help"])
    assert result.exit_code == 0
    assert "URL_OR_FILE" in result.output
    assert main.get_command(None, "extract") is extract_command


def test_clinic_record_shape():
    [record] = clinic("clinics/golden-gate-ketamine.html")
    assert set(record) == CLINIC_KEYS
    assert set(record["address"]) == ADDRESS_KEYS
    assert set(record["geo"]) == {"lat", "lon"}


@pytest.mark.parametrize(("path", "expected"), [
    ("clinics/golden-gate-ketamine.html", {
        "name": "Golden Gate Ketamine Clinic", "phone": "+14155550100",
        "website": "https://goldengateketamine.example/",
        "email": "hello@goldengateketamine.example",
        "address": {"street": "450 Sutter St, Suite 1200", "locality": "San Francisco",
                    "region": "US-CA", "postal_code": "94108", "country": "US"},
        "geo": {"lat": 37.7897, "lon": -122.4082},
        "treatments": ["esketamine-nasal-spray", "ketamine-iv-infusion"],
        "conditions": ["crps", "depression"]}),
    ("clinics/hudson-pain-relief.html", {
        "name": "Hudson Pain Relief Center", "phone": "+12125550142",
        "website": "https://hudsonpainrelief.example/",
        "address": {"street": "225 W 57th St, Floor 9", "locality": "New York",
                    "region": "US-NY", "postal_code": "10019", "country": "US"},
        "treatments": ["ketamine-iv-infusion", "nerve-block"],
        "conditions": ["post-herpetic-neuralgia", "trigeminal-neuralgia"]}),
    ("clinics/lone-star-infusion.html", {
        "name": "Lone Star Infusion Clinic", "phone": "+15125550177", "website": None,
        "address": {"street": "1100 Congress Ave, Ste. 210", "locality": "Austin",
                    "region": "US-TX", "postal_code": "78701", "country": "US"},
        "treatments": ["ketamine-iv-infusion", "lidocaine-infusion"],
        "conditions": ["crps", "fibromyalgia"]}),
    ("clinics/rocky-mountain-ketamine.html", {
        "name": "Rocky Mountain Ketamine Institute", "phone": "+17205550190",
        "address": {"street": "1600 Stout St, Unit 400", "locality": "Denver",
                    "region": "US-CO", "postal_code": "80202", "country": "US"},
        "treatments": ["ketamine-assisted-psychotherapy", "ketamine-iv-infusion"],
        "conditions": ["depression", "ptsd"]}),
    ("clinics/cascadia-pain.html", {
        "name": "Cascadia Pain Clinic", "phone": "+16045550123",
        "address": {"street": "555 W Hastings St, Suite 800", "locality": "Vancouver",
                    "region": "CA-BC", "postal_code": "V6B 4N6", "country": "CA"},
        "conditions": ["crps", "neuropathic-pain"]}),
    ("clinics/mont-royal.html", {
        "name": "Clinique de la douleur Mont-Royal", "phone": "+15145550147",
        "address": {"street": "1250, rue Sherbrooke Ouest, bureau 300", "locality": "Montréal",
                    "region": "CA-QC", "postal_code": "H3A 1A1", "country": "CA"}}),
    ("clinics/harley-street-pain.html", {
        "name": "Harley Street Pain Clinic", "phone": "+442079460321",
        "address": {"street": "10 Harley Street", "locality": "London", "region": "GB-ENG",
                    "postal_code": "W1G 9QD", "country": "GB"},
        "treatments": ["nerve-block"], "conditions": ["migraine", "trigeminal-neuralgia"]}),
    ("clinics/edinburgh-pain.html", {
        "name": "Edinburgh Neuropathic Pain Clinic", "phone": "+441314960123",
        "address": {"street": "12 Chester Street", "locality": "Edinburgh", "region": "GB-SCT",
                    "postal_code": "EH3 7RA", "country": "GB"}}),
    ("clinics/harbour-city-pain.html", {
        "name": "Harbour City Pain Clinic", "phone": "+61255501234",
        "address": {"street": "Level 5, 155 Macquarie Street", "locality": "Sydney",
                    "region": "AU-NSW", "postal_code": "2000", "country": "AU"}}),
    ("clinics/yarra-pain.html", {
        "name": "Yarra Pain Management Centre", "phone": "+61370104567",
        "address": {"street": "Suite 3, 20 Collins Street", "locality": "Melbourne",
                    "region": "AU-VIC", "postal_code": "3000", "country": "AU"},
        "treatments": ["physical-therapy"], "conditions": ["crps", "phantom-limb-pain"]}),
    ("clinics/safe-harbor.html", {
        "name": "Safe Harbor Pain Clinic", "phone": "+16175550111", "website": None}),
    ("clinics/mercy-general-pain.html", {
        "name": "Pain Management Center at Mercy General Hospital", "phone": "+19165550145",
        "treatments": ["nerve-block", "spinal-cord-stimulation"],
        "conditions": ["chronic-back-pain"]}),
    ("clinics/emerald-city-pain.html", {
        "phone": "+12065550118", "email": "care@emeraldcitypain.example",
        "geo": {"lat": 47.6087, "lon": -122.3343}}),
    ("clinics/peachtree-crps.html", {
        "phone": "+14045550131", "email": "info@peachtreecrps.example",
        "treatments": ["ketamine-iv-infusion", "nerve-block"], "conditions": ["crps"]}),
])
def test_sample_clinic_pages(path, expected):
    [record] = clinic(path)
    for key, value in expected.items():
        assert record[key] == value, key
    assert record["source_url"] == f"{BASE}/{path}"


def test_multi_location_page():
    records = clinic("clinics/sunshine-ketamine.html")
    assert [(r["name"], r["phone"], r["address"]["postal_code"]) for r in records] == [
        ("Sunshine Ketamine Centers – Miami", "+13055550120", "33131"),
        ("Sunshine Ketamine Centers – Tampa", "+18135550155", "33602")]
    assert all(r["conditions"] == ["depression", "ptsd"] for r in records)


@pytest.mark.parametrize("path", ["news/ketamine-study-boston.html", "about.html", "page/2.html",
                                  "page/3.html"])
def test_non_clinic_sample_pages_print_nothing(path):
    assert clinic(path) == []


def test_xss_output_is_plain_text():
    result, _ = run(str(SAMPLES / "clinic-directory/clinics/safe-harbor.html"))
    assert "<script" not in result.output and "onerror" not in result.output
    assert "javascript:" not in result.output


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_realistic_pages(page):
    """Pages in the styles of real clinic sites and directories, checked field by field."""
    expected = EXPECTED[page]
    result, records = run(str(PAGES / page), "--url", expected["url"])
    assert result.exit_code == 0, result.output
    assert len(records) == len(expected["records"])
    for record, wanted in zip(records, expected["records"], strict=True):
        assert set(record) == CLINIC_KEYS
        for key in ("name", "phone", "website", "email", "treatments", "conditions"):
            assert record[key] == wanted[key], (page, key)
        for key in ADDRESS_KEYS:
            assert record["address"][key] == wanted["address"][key], (page, key)
        assert (record["geo"] is None) == (wanted["geo"] is None)


@pytest.mark.parametrize(("page", "field", "value"), [
    ("wordpress-yoast-clinic.html", "website", "https://denverketaminewellness.com/"),
    ("squarespace-visible-only.html", "phone", "+17735550148"),     # not the F: number
    ("directory-profile.html", "website", "https://www.ketaminehealingphx.com/"),
    ("hospital-department.html", "phone", "+441174960412"),       # not the switchboard
    ("fax-numbers.html", "phone", "+13035550101"),
    ("negations.html", "conditions", ["crps", "depression"]),
    ("nav-every-treatment.html", "treatments", ["lidocaine-infusion"]),
    ("jsonld-disagrees.html", "phone", "+18595550140"),            # schema.org wins
    ("parramatta-one-line.html", "email", "info@wspc.example"),    # Cloudflare-protected
])
def test_realistic_pages_key_facts(page, field, value):
    """The facts each realistic page exists to test, stated by hand."""
    _, records = run(str(PAGES / page), "--url", EXPECTED[page]["url"])
    assert records[0][field] == value


@pytest.mark.parametrize("page", ["blog-post-with-city.html", "footer-phone-only.html",
                                  "support-group-event.html"])
def test_realistic_non_clinic_pages_print_nothing(page):
    _, records = run(str(PAGES / page), "--url", EXPECTED[page]["url"])
    assert records == []


def test_resources_from_a_feed(tmp_path):
    feed = (SAMPLES / "resource-hub/feed.xml").read_text().replace("{{BASE}}", BASE)
    (tmp_path / "feed.xml").write_text(feed)
    result, records = run(str(tmp_path / "feed.xml"), "--kind", "resources",
                          "--url", f"{BASE}/feed.xml")
    assert result.exit_code == 0
    assert len(records) == 4
    assert set(records[0]) == RESOURCE_KEYS
    assert records[0] == {
        "title": "What to expect from a ketamine infusion for CRPS",
        "url": f"{BASE}/articles/ketamine-for-crps.html", "kind": "article",
        "summary": "A step-by-step guide to ketamine infusions for complex regional pain syndrome.",
        "author": "Dr. Priya Natarajan", "published": "2025-01-13",
        "conditions": ["crps"], "treatments": ["ketamine-iv-infusion"]}


def test_resource_page():
    path = SAMPLES / "resource-hub/articles/ketamine-for-crps.html"
    result, [record] = run(str(path), "--kind", "resources", "--url", f"{BASE}/a.html")
    assert record["conditions"] == ["crps"]  # osteoarthritis is negated in the text
    assert record["treatments"] == ["ketamine-iv-infusion"]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def sample_server():
    handler = partial(QuietHandler, directory=str(SAMPLES / "clinic-directory"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_fetches_a_url(sample_server):
    result, [record] = run(f"{sample_server}/clinics/cascadia-pain.html")
    assert result.exit_code == 0
    assert record["name"] == "Cascadia Pain Clinic"
    assert record["source_url"] == f"{sample_server}/clinics/cascadia-pain.html"


def test_fetch_errors_are_one_line(sample_server):
    result, _ = run(f"{sample_server}/missing.html")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: cannot fetch {sample_server}/missing.html: HTTP 404 File not found"]


def test_network_error_is_one_line():
    result, _ = run("http://127.0.0.1:9/")
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "cannot fetch http://127.0.0.1:9/" in result.output
    assert "Traceback" not in result.output


def test_size_cap(sample_server, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text("[crawler]\nmax_download_bytes = 100\n")
    monkeypatch.setenv("RELIEFMAP_CONFIG", str(config))  # undone after the test, unlike --config
    result = CliRunner().invoke(main, ["extract", f"{sample_server}/index.html"])
    assert result.exit_code == 1
    assert "larger than 100 bytes" in result.output


def test_missing_file_is_one_line():
    result, _ = run("/no/such/page.html")
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: cannot read /no/such/page.html: No such file or directory")


def test_resources_from_a_file_need_a_url():
    result, _ = run(str(SAMPLES / "resource-hub/articles/ketamine-for-crps.html"),
                    "--kind", "resources")
    assert result.exit_code == 1
    assert "give --url" in result.output


# The pipelines in a Scrapy crawler: stats keys the crawl summary shows.

class SourceSpider(Spider):
    name = "test-source"


@pytest.fixture
def crawler():
    crawler = get_crawler(SourceSpider)
    crawler.spider = crawler._create_spider()
    crawler.spider.source = Source(name="test-source", kind="clinics", schedule="0 3 * * *",
                                   start_urls=["https://d.example/"], country="GB")
    crawler.spider.taxonomy = load_config().taxonomy
    return crawler


def through(crawler, item):
    for pipeline in (NormalisePipeline, GeocodePipeline, ClassifyPipeline, ValidatePipeline):
        item = pipeline.from_crawler(crawler).process_item(item)
    return item


def test_pipelines_normalise_geocode_classify(crawler):
    item = through(crawler, ClinicItem(
        name="<b>Leeds Pain Clinic</b>", phone="0113 496 0000", website="javascript:alert(1)",
        street="1 Park Row", locality="Leeds", postal_code="ls1 5ab", source_url="https://d.example/1",
        text="We treat fibromyalgia.", extras={"own_site": False, "disagreements": ["phone"]}))
    assert item["name"] == "Leeds Pain Clinic"
    assert item["phone"] == "+441134960000"  # the source's country, GB
    assert (item["country"], item["region"], item["postal_code"]) == ("GB", "GB-ENG", "LS1 5AB")
    assert item["website"] is None
    assert round(item["lat"]) == 54 and round(item["lon"]) == -2
    assert item["conditions"] == ["fibromyalgia"]
    assert "text" not in item
    stats = crawler.stats.get_stats()
    assert stats["field/website/dropped_javascript"] == 1
    assert stats["field/region/inferred"] == 1
    assert stats["field/geo/geocoded"] == 1
    assert stats["extract/disagreement/phone"] == 1
    assert stats["field/name/cleaned"] == 1


def test_pipelines_count_invalid_fields(crawler):
    through(crawler, ClinicItem(name="X Clinic", phone="12", postal_code="nope", locality="York",
                                street="1 High St", country="Narnia", region="Nowhere",
                                source_url="https://d.example/", extras={}))
    stats = crawler.stats.get_stats()
    assert stats["field/phone/invalid"] == 1
    assert stats["field/country/invalid"] == 1
    assert stats["field/postal_code/invalid"] == 1
    assert stats["field/region/invalid"] == 1


@pytest.mark.parametrize(("item", "reason"), [
    (ClinicItem(name=None, postal_code="LS1 5AB", extras={}), "clinic/no_name"),
    (ClinicItem(name="Nowhere Clinic", extras={}), "clinic/no_address"),
    # A town alone ("Lexington, KY") is no address: a street or a postcode must say where.
    (ClinicItem(name="Town Clinic", locality="Lexington", region="KY", extras={}),
     "clinic/no_address"),
    (ResourceItem(title=None, url="https://r.example/"), "resource/no_title"),
    (ResourceItem(title="A guide", url="javascript:void(0)"), "resource/no_url"),
])
def test_validate_drops_and_counts(crawler, item, reason):
    with pytest.raises(DropItem):
        through(crawler, item)
    assert crawler.stats.get_value(f"item/dropped/{reason}") == 1


@pytest.mark.parametrize("fields", [{"street": "1 Stonegate", "locality": "York"},
                                    {"locality": "York", "postal_code": "YO1 8AS"}])
def test_clinic_with_a_street_or_a_postcode_in_its_town_is_kept(crawler, fields):
    item = through(crawler, ClinicItem(name="Town Clinic", extras={}, **fields))
    assert item["country"] == "GB"
    assert item["lat"] is not None


def test_header_charset_decodes_the_page():
    from crawler.preview import preview

    body = ("<h1>Clinique Épée Pain Clinic</h1><p>1 Rue Main St<br>"
            "Montréal, QC H3A 1A1</p>").encode("cp1252")
    [record] = preview(body, "https://epee.example/", "clinics", "CA", load_config(),
                       content_type="text/html; charset=windows-1252")
    assert record["name"] == "Clinique Épée Pain Clinic"
    assert record["address"]["locality"] == "Montréal"

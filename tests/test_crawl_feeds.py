"""End to end: a crawl of a sample site on 127.0.0.1 publishes a clinic near 10001, and the
feed of the CRPS guide near 10001 picks it up on the next request."""

from lxml import etree

NS = {"a": "http://www.w3.org/2005/Atom"}
NEW_CLINIC = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Chelsea CRPS Clinic</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "MedicalClinic",
 "name": "Chelsea CRPS Clinic", "telephone": "+1-212-555-0177", "address": {"@type":
 "PostalAddress", "streetAddress": "200 W 24th St", "addressLocality": "New York",
 "addressRegion": "NY", "postalCode": "10011", "addressCountry": "US"}}</script></head>
<body><h1>Chelsea CRPS Clinic</h1>
<p>We treat complex regional pain syndrome (CRPS) with ketamine infusions.</p></body></html>"""
FEED = "/conditions/crps/feed.atom?near=10001"


def entry_titles(client) -> list[str]:
    response = client.get(FEED)
    assert response.status_code == 200
    return etree.fromstring(response.get_data()).xpath("a:entry/a:title/text()", namespaces=NS)


def test_a_feed_of_crps_near_10001_picks_up_a_clinic_published_by_a_crawl(
        client, directory, site, sample_server, add_source, run_cli):
    (site / "clinics" / "chelsea-crps.html").write_text(NEW_CLINIC)
    add_source("nyc", trust="auto", start_urls=[f"{sample_server.url}/clinics/chelsea-crps.html"],
               extract=["/clinics/"])
    before = entry_titles(client)
    assert "Manhattan Ketamine Center" in before and "Chelsea CRPS Clinic" not in before

    result = run_cli("crawl", "nyc")
    assert result.returncode == 0, result.stderr

    after = entry_titles(client)
    assert after[0] == "Chelsea CRPS Clinic"  # the newest first
    assert "Manhattan Ketamine Center" in after
    page = client.get("/conditions/crps?near=10001").get_data(as_text=True)
    assert "Chelsea CRPS Clinic" in page

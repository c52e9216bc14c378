"""Clinic records from schema.org data: JSON-LD, @graph, broken JSON-LD, microdata, RDFa."""

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.extract import extract_clinics
from crawler.extract.structured import load_json_lenient

SAMPLES = Path(__file__).resolve().parent.parent / "sample_sites" / "clinic-directory"


def clinics_from(html: str, url: str = "https://directory.example/clinic/1", **kwargs):
    response = HtmlResponse(url=url, body=html.encode("utf-8"), encoding="utf-8")
    return extract_clinics(response.body, response.url, encoding=response.encoding, **kwargs)


def sample(name: str, url: str | None = None):
    path = SAMPLES / "clinics" / name
    response = HtmlResponse(url=url or f"http://127.0.0.1:8000/clinics/{name}",
                            body=path.read_bytes())
    return extract_clinics(response.body, response.url)


def page(ld: str, body: str = "") -> str:
    return (f'<html><head><script type="application/ld+json">{ld}</script></head>'
            f"<body>{body}</body></html>")


def address_of(item):
    return tuple(item[key] for key in ("street", "locality", "region", "postal_code", "country"))


def test_json_ld_clinic():
    [item] = sample("golden-gate-ketamine.html")
    assert item["name"] == "Golden Gate Ketamine Clinic"
    assert item["phone"] == "+1-415-555-0100"
    assert item["email"] == "hello@goldengateketamine.example"
    assert item["website"] == "https://goldengateketamine.example/"
    assert address_of(item) == ("450 Sutter St, Suite 1200", "San Francisco", "CA", "94108", "US")
    assert (item["lat"], item["lon"]) == (37.7897, -122.4082)
    assert item["extras"]["method"] == "structured"
    assert "MedicalClinic" in item["extras"]["types"]
    # Classification reads the page's content, not its navigation menu.
    assert "ketamine infusion therapy" in item["text"]
    assert "Migraine" not in item["text"]


def test_json_ld_graph_with_references():
    [item] = sample("hudson-pain-relief.html")
    assert item["name"] == "Hudson Pain Relief Center"
    assert address_of(item) == ("225 W 57th St, Floor 9", "New York", "New York", "10019",
                                "United States")
    assert (item["lat"], item["lon"]) == (40.7651, -73.9803)
    assert item["website"] == "https://hudsonpainrelief.example/"


def test_broken_json_ld_is_read_leniently():
    [item] = sample("lone-star-infusion.html")
    assert item["name"] == "Lone Star Infusion Clinic"
    assert item["phone"] == "512-555-0177"
    assert item["description"] == (
        "Lidocaine and ketamine infusions for fibromyalgia and CRPS in Austin.")
    assert address_of(item)[:4] == ("1100 Congress Ave, Ste. 210", "Austin", "Texas", "78701")
    assert item["extras"]["method"] == "structured"


@pytest.mark.parametrize(("text", "expected"), [
    ('{"a": 1,}', [{"a": 1}]),
    ('<!-- {"a": [1, 2,],} -->', [{"a": [1, 2]}]),
    ('{"a": "two\nlines"}', [{"a": "two\nlines"}]),
    ('{"a": 1}{"b": 2}', [{"a": 1}, {"b": 2}]),
    ('<![CDATA[{"a": 1}]]>', [{"a": 1}]),
    ("not json at all", []),
])
def test_load_json_lenient(text, expected):
    assert load_json_lenient(text) == expected


def test_microdata():
    [item] = sample("lakeshore-neuropathy.html")
    assert item["name"] == "Lakeshore Neuropathic Pain Clinic"
    assert item["phone"] == "(312) 555-0163"
    assert address_of(item)[:4] == ("875 N Michigan Ave, Suite 3100", "Chicago", "IL", "60611")
    assert item["website"] == "https://lakeshoreneuro.example/"


def test_rdfa():
    [item] = sample("rocky-mountain-ketamine.html")
    assert item["name"] == "Rocky Mountain Ketamine Institute"
    assert item["phone"] == "720-555-0190"
    assert address_of(item)[:4] == ("1600 Stout St, Unit 400", "Denver", "CO", "80202")


def test_location_array_gives_one_record_per_location():
    items = sample("sunshine-ketamine.html")
    assert [item["name"] for item in items] == ["Sunshine Ketamine Centers – Miami",
                                                "Sunshine Ketamine Centers – Tampa"]
    assert [item["postal_code"] for item in items] == ["33131", "33602"]
    assert [item["phone"] for item in items] == ["305-555-0120", "813-555-0155"]
    # The organisation's site and what the page says apply to each branch.
    assert {item["website"] for item in items} == {"https://sunshineketamine.example/"}
    assert all("Spravato" in item["text"] for item in items)
    # Each branch is compared with its own visible address, not the other branch's.
    assert [item["extras"]["disagreements"] for item in items] == [[], []]


def test_graph_with_several_clinics():
    ld = """{"@context": "https://schema.org", "@graph": [
      {"@type": "Physician", "name": "Dr. Ana Ruiz Pain Practice", "telephone": "303-555-0111",
       "address": {"@type": "PostalAddress", "streetAddress": "1 Main St",
                   "addressLocality": "Denver", "addressRegion": "CO", "postalCode": "80202"}},
      {"@type": "Hospital", "name": "Mile High Hospital",
       "address": {"@type": "PostalAddress", "streetAddress": "2 Oak Ave",
                   "addressLocality": "Aurora", "addressRegion": "CO", "postalCode": "80012"}},
      {"@type": "WebPage", "name": "Our practices"}]}"""
    items = clinics_from(page(ld))
    assert [item["name"] for item in items] == ["Dr. Ana Ruiz Pain Practice", "Mile High Hospital"]


def test_department_inherits_the_address_but_not_the_switchboard():
    ld = """{"@context": "https://schema.org", "@type": "Hospital", "name": "Mercy General",
      "telephone": "916-555-0100",
      "address": {"@type": "PostalAddress", "streetAddress": "4001 J St",
                  "addressLocality": "Sacramento", "addressRegion": "CA", "postalCode": "95819"},
      "department": {"@type": "MedicalClinic", "name": "Mercy Pain Management Center",
                     "telephone": "916-555-0145"}}"""
    [item] = clinics_from(page(ld))
    assert item["name"] == "Mercy Pain Management Center"
    assert item["phone"] == "916-555-0145"
    assert address_of(item)[:4] == ("4001 J St", "Sacramento", "CA", "95819")


@pytest.mark.parametrize("schema_type", ["MedicalClinic", "MedicalBusiness", "Physician",
                                         "Hospital", "LocalBusiness", "MedicalOrganization",
                                         "http://schema.org/MedicalClinic", "Dentist"])
def test_clinic_kin_types(schema_type):
    ld = f"""{{"@context": "https://schema.org", "@type": "{schema_type}", "name": "Kin Clinic",
      "address": {{"streetAddress": "5 Elm St", "addressLocality": "Salem",
                   "addressRegion": "OR", "postalCode": "97301"}}}}"""
    assert [item["name"] for item in clinics_from(page(ld))] == ["Kin Clinic"]


@pytest.mark.parametrize("schema_type", ["Restaurant", "Organization", "Person", "Event"])
def test_other_types_are_not_clinics(schema_type):
    ld = f"""{{"@context": "https://schema.org", "@type": "{schema_type}", "name": "Not A Clinic",
      "address": {{"streetAddress": "5 Elm St", "addressLocality": "Salem",
                   "addressRegion": "OR", "postalCode": "97301"}}}}"""
    assert clinics_from(page(ld)) == []


def test_address_written_as_one_string():
    ld = """{"@context": "https://schema.org", "@type": "MedicalClinic", "name": "String Clinic",
      "address": "77 Pine St, Suite 4, Portland, OR 97204"}"""
    [item] = clinics_from(page(ld))
    assert address_of(item)[:4] == ("77 Pine St, Suite 4", "Portland", "OR", "97204")


def test_street_address_as_list_and_country_object():
    ld = """{"@context": "https://schema.org", "@type": "MedicalClinic", "name": "List Clinic",
      "address": {"streetAddress": ["12 Bay St", "Unit 5"], "addressLocality": "Toronto",
                  "addressRegion": "ON", "postalCode": "M5J 2R8",
                  "addressCountry": {"@type": "Country", "name": "CA"}}}"""
    [item] = clinics_from(page(ld))
    assert address_of(item) == ("12 Bay St, Unit 5", "Toronto", "ON", "M5J 2R8", "CA")


def test_country_is_inferred_from_the_postcode_when_missing():
    [item] = sample("edinburgh-pain.html")
    assert item["country"] == "GB"
    ld = """{"@type": "MedicalClinic", "name": "Toronto Clinic", "address": {
      "streetAddress": "1 King St W", "addressLocality": "Toronto", "postalCode": "M5H 1A1"}}"""
    assert clinics_from(page(ld))[0]["country"] == "CA"
    ld = """{"@type": "MedicalClinic", "name": "Sydney Clinic", "address": {
      "streetAddress": "1 George St", "addressLocality": "Sydney", "addressRegion": "NSW",
      "postalCode": 2000}}"""
    assert clinics_from(page(ld))[0]["country"] == "AU"


def test_structured_data_wins_and_disagreements_are_listed():
    ld = """{"@type": "MedicalClinic", "name": "Bluegrass Infusion Center",
      "telephone": "+1 859-555-0140",
      "address": {"streetAddress": "2201 Regency Rd", "addressLocality": "Lexington",
                  "addressRegion": "KY", "postalCode": "40503"}}"""
    body = ("<h1>Bluegrass Infusion Center</h1><p>2201 Regency Rd<br>Lexington, KY 40503</p>"
            "<p>Call: (859) 555-0199</p><p>Email: hello@bluegrass.example</p>")
    [item] = clinics_from(page(ld, body))
    assert item["phone"] == "+1 859-555-0140"
    assert item["email"] == "hello@bluegrass.example"  # filled in from the visible text
    assert item["extras"]["disagreements"] == ["phone"]


def test_agreeing_sources_are_not_disagreements():
    [item] = sample("golden-gate-ketamine.html")
    assert item["extras"]["disagreements"] == []


def test_xss_in_structured_name_is_stripped():
    [item] = sample("safe-harbor.html")
    assert item["name"] == "Safe Harbor Pain Clinic"
    assert item["website"] == "javascript:alert(1)"  # dropped, and counted, by NormalisePipeline


@pytest.mark.parametrize("article_type", ["Article", "BlogPosting", "NewsArticle"])
def test_article_pages_yield_no_clinic_even_with_clinic_data(article_type):
    ld = f"""{{"@context": "https://schema.org", "@graph": [
      {{"@type": "{article_type}", "headline": "Ketamine in Austin"}},
      {{"@type": "MedicalClinic", "name": "Hill Country Ketamine",
        "address": {{"streetAddress": "2501 S Lamar Blvd", "addressLocality": "Austin",
                     "addressRegion": "TX", "postalCode": "78704"}}}}]}}"""
    assert clinics_from(page(ld)) == []


def test_wordpress_og_type_article_alone_does_not_make_an_article():
    html = page('{"@type": "MedicalClinic", "name": "WP Clinic", "address": '
                '{"streetAddress": "1 A St", "addressLocality": "Reno", "addressRegion": "NV",'
                ' "postalCode": "89501"}}')
    html = html.replace("<head>", '<head><meta property="og:type" content="article">')
    assert [item["name"] for item in clinics_from(html)] == ["WP Clinic"]


def test_same_clinic_in_json_ld_and_microdata_is_one_record():
    html = page(
        '{"@type": "MedicalClinic", "name": "Twin Clinic", "telephone": "503-555-0100",'
        ' "address": {"streetAddress": "9 Oak St", "addressLocality": "Salem",'
        ' "addressRegion": "OR", "postalCode": "97301"}}',
        '<div itemscope itemtype="https://schema.org/MedicalClinic"><span itemprop="name">'
        'Twin Clinic</span><div itemprop="address" itemscope '
        'itemtype="https://schema.org/PostalAddress"><span itemprop="postalCode">97301</span>'
        "</div></div>")
    assert len(clinics_from(html)) == 1


def test_item_list_of_clinics():
    ld = """{"@context": "https://schema.org", "@type": "ItemList", "itemListElement": [
      {"@type": "ListItem", "position": 1, "item": {"@type": "MedicalClinic", "name": "One Clinic",
        "address": {"streetAddress": "1 A St", "addressLocality": "Reno", "addressRegion": "NV",
                    "postalCode": "89501"}}},
      {"@type": "ListItem", "position": 2, "item": {"@type": "MedicalClinic", "name": "Two Clinic",
        "address": {"streetAddress": "2 B St", "addressLocality": "Reno", "addressRegion": "NV",
                    "postalCode": "89502"}}}]}"""
    assert [item["name"] for item in clinics_from(page(ld))] == ["One Clinic", "Two Clinic"]


def test_web_page_main_entity():
    ld = """{"@type": "WebPage", "name": "Profile", "mainEntity": {"@type": "Physician",
      "name": "Dr. Ana Ruiz", "address": {"streetAddress": "1 A St", "addressLocality": "Reno",
      "addressRegion": "NV", "postalCode": "89501"}}}"""
    assert [item["name"] for item in clinics_from(page(ld))] == ["Dr. Ana Ruiz"]


def test_clinic_data_without_address_takes_it_from_the_visible_text():
    ld = '{"@type": "MedicalClinic", "name": "Addressless Clinic", "telephone": "775-555-0100"}'
    body = "<h1>Addressless Clinic</h1><p>3 C St<br>Reno, NV 89501</p>"
    [item] = clinics_from(page(ld, body))
    assert (item["name"], item["phone"]) == ("Addressless Clinic", "775-555-0100")
    assert address_of(item)[:4] == ("3 C St", "Reno", "NV", "89501")


def test_addressless_clinic_data_gives_way_to_a_visible_listing():
    ld = '{"@type": "MedicalOrganization", "name": "Reno Pain Network"}'
    body = ("<h2>North Reno Pain Clinic</h2><p>3 C St<br>Reno, NV 89501</p>"
            "<h2>South Reno Pain Clinic</h2><p>9 D St<br>Reno, NV 89502</p>")
    items = clinics_from(page(ld, body))
    assert [item["name"] for item in items] == ["North Reno Pain Clinic", "South Reno Pain Clinic"]


def test_several_addresses_give_one_record_each():
    ld = """{"@type": "MedicalClinic", "name": "Two Place Clinic", "telephone": "775-555-0100",
      "address": [{"streetAddress": "1 A St", "addressLocality": "Reno", "addressRegion": "NV",
                   "postalCode": "89501"},
                  {"streetAddress": "2 B St", "addressLocality": "Sparks", "addressRegion": "NV",
                   "postalCode": "89431"}]}"""
    items = clinics_from(page(ld))
    assert [(i["name"], i["phone"], i["street"], i["locality"]) for i in items] == [
        ("Two Place Clinic", "775-555-0100", "1 A St", "Reno"),
        ("Two Place Clinic", "775-555-0100", "2 B St", "Sparks")]


def test_has_map_gives_coordinates():
    ld = """{"@type": "MedicalClinic", "name": "Map Clinic",
      "hasMap": "https://www.google.com/maps?q=39.5296,-119.8138",
      "address": {"streetAddress": "1 A St", "addressLocality": "Reno", "addressRegion": "NV",
                  "postalCode": "89501"}}"""
    [item] = clinics_from(page(ld))
    assert (item["lat"], item["lon"]) == (39.5296, -119.8138)


def test_branches_are_not_filled_from_another_branchs_text():
    ld = """{"@type": "MedicalOrganization", "name": "Two Branch Clinics", "location": [
      {"@type": "MedicalClinic", "name": "Branch A", "address": {"streetAddress": "1 A St",
       "addressLocality": "Reno", "addressRegion": "NV", "postalCode": "89501"}},
      {"@type": "MedicalClinic", "name": "Branch B", "address": {"streetAddress": "2 B St",
       "addressLocality": "Sparks", "addressRegion": "NV", "postalCode": "89431"}}]}"""
    body = ("<h1>Branch A Clinic</h1><p>1 A St<br>Reno, NV 89501</p><p>Call 775-555-0100</p>"
            "<h2>Branch B</h2><p>2 B St<br>Sparks, NV 89431</p>")
    first_branch, second_branch = clinics_from(page(ld, body))
    assert first_branch["phone"] == "775-555-0100"
    assert second_branch["phone"] is None
    assert second_branch["extras"]["disagreements"] == []


def test_a_page_showing_one_branch_of_site_wide_data_yields_that_branch():
    ld = """{"@type": "MedicalOrganization", "name": "Two Branch Clinics", "location": [
      {"@type": "MedicalClinic", "name": "Branch A", "address": {"streetAddress": "1 A St",
       "addressLocality": "Reno", "addressRegion": "NV", "postalCode": "89501"}},
      {"@type": "MedicalClinic", "name": "Branch B", "address": {"streetAddress": "2 B St",
       "addressLocality": "Sparks", "addressRegion": "NV", "postalCode": "89431"}}]}"""
    shown = "<h1>Branch B</h1><p>2 B St<br>Sparks, NV 89431</p>"
    assert [item["name"] for item in clinics_from(page(ld, shown))] == ["Branch B"]
    unshown = "<h1>Our clinics</h1><p>Two clinics in northern Nevada.</p>"
    assert [item["name"] for item in clinics_from(page(ld, unshown))] == ["Branch A", "Branch B"]


def test_type_case_and_iri_forms_are_recognised():
    for written in ('"medicalclinic"', '"http://schema.org/MedicalClinic"', '" MedicalClinic "'):
        ld = ('{"@type": ' + written + ', "name": "Aspen Pain Clinic", "address": '
              '{"streetAddress": "1 A St", "addressLocality": "Reno", "addressRegion": "NV", '
              '"postalCode": "89501"}}')
        [item] = clinics_from(page(ld, "<h1>Welcome</h1>"))
        assert item["extras"]["method"] == "structured", written


def test_geo_of_the_place_a_clinic_is_located_in():
    ld = """{"@type": "MedicalClinic", "name": "Oak City Infusion Center",
      "address": {"streetAddress": "3100 Blue Ridge Rd", "addressLocality": "Raleigh",
                  "addressRegion": "NC", "postalCode": "27612"},
      "location": {"@type": "Place", "geo": {"latitude": "35.7898", "longitude": "-78.6772"}}}"""
    [item] = clinics_from(page(ld, "<h1>Ketamine</h1>"))
    assert (item["lat"], item["lon"]) == (35.7898, -78.6772)


@pytest.mark.parametrize("kind", ["Event", "JobPosting"])
def test_event_and_job_pages_yield_nothing(kind):
    ld = ('{"@type": "%s", "name": "Talk", "location": {"@type": "MedicalClinic", '
          '"name": "Rose City Pain Clinic", "address": {"streetAddress": "1 A St", '
          '"addressLocality": "Reno", "addressRegion": "NV", "postalCode": "89501"}}}')
    body = "<h1>Talk</h1><p>Rose City Pain Clinic<br>1 A St<br>Reno, NV 89501</p>"
    assert clinics_from(page(ld.replace("%s", kind), body)) == []


def test_departments_share_the_organisations_email():
    ld = """{"@type": "MedicalOrganization", "name": "Twin Clinics", "email": "hi@twin.example",
      "department": [{"@type": "MedicalClinic", "name": "North", "address": {"streetAddress":
      "1 A St", "addressLocality": "Reno", "addressRegion": "NV", "postalCode": "89501"}},
      {"@type": "MedicalClinic", "name": "South", "address": {"streetAddress": "2 B St",
      "addressLocality": "Sparks", "addressRegion": "NV", "postalCode": "89431"}}]}"""
    items = clinics_from(page(ld, "<h1>Twin Clinics</h1>"))
    assert [item["email"] for item in items] == ["hi@twin.example", "hi@twin.example"]


def test_json_ld_escaped_as_html_is_read():
    ld = ('{&quot;@type&quot;: &quot;MedicalClinic&quot;, &quot;name&quot;: &quot;Magnolia '
          'Infusion Clinic&quot;, &quot;address&quot;: {&quot;streetAddress&quot;: &quot;1 A '
          'St&quot;, &quot;addressLocality&quot;: &quot;Reno&quot;, &quot;postalCode&quot;: '
          '&quot;89501&quot;}}')
    [item] = clinics_from(page(ld, "<h1>Infusions in the Medical District</h1>"))
    assert item["name"] == "Magnolia Infusion Clinic"


def test_visible_clinics_the_data_leaves_out_are_records_too():
    ld = """{"@type": "MedicalClinic", "name": "Summit Pain Clinic", "address": {
      "streetAddress": "1 A St", "addressLocality": "Reno", "addressRegion": "NV",
      "postalCode": "89501"}}"""
    body = ("<h1>Locations</h1><h2>Summit Pain Clinic – Reno</h2><p>1 A St<br>Reno, NV 89501</p>"
            "<h2>Summit Pain Clinic – Sparks</h2><p>2 B St<br>Sparks, NV 89431</p>"
            "<p>Phone: (775) 555-0141</p><h2>Billing</h2><p>3 C St<br>Reno, NV 89502</p>")
    items = clinics_from(page(ld, body))
    assert [(item["name"], item["extras"]["method"]) for item in items] == [
        ("Summit Pain Clinic", "structured"), ("Summit Pain Clinic – Sparks", "text")]
    assert items[1]["phone"] == "(775) 555-0141"

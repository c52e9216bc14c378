"""Clinic records from visible text: address blocks, phones, emails, maps, listings, non-clinics."""

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.extract import extract_clinics
from crawler.extract.addresses import address_blocks
from crawler.extract.contacts import phones_in
from crawler.extract.lines import Line
from crawler.extract.names import is_clinic_name

SAMPLES = Path(__file__).resolve().parent.parent / "sample_sites" / "clinic-directory"


def clinics_from(body: str, url: str = "https://directory.example/clinic/1", head: str = "",
                 **kwargs):
    html = f"<html><head>{head}</head><body>{body}</body></html>"
    response = HtmlResponse(url=url, body=html.encode("utf-8"), encoding="utf-8")
    return extract_clinics(response.body, response.url, **kwargs)


def sample(path: str):
    file = SAMPLES / path
    response = HtmlResponse(url=f"http://127.0.0.1:8000/{path}", body=file.read_bytes())
    return extract_clinics(response.body, response.url)


def address_of(item):
    return tuple(item[key] for key in ("street", "locality", "region", "postal_code", "country"))


def lines(*texts):
    return [Line(text) for text in texts]


@pytest.mark.parametrize(("texts", "expected"), [
    (["1200 Main St", "Suite 300", "Springfield, IL 62701"],
     ("1200 Main St, Suite 300", "Springfield", "IL", "62701", "US")),
    (["1200 Main St, Suite 300, Springfield, IL 62701"],
     ("1200 Main St, Suite 300", "Springfield", "IL", "62701", "US")),
    (["1200 Main St Ste. 300", "Springfield, Ill. 62701-1234"],
     ("1200 Main St Ste. 300", "Springfield", "Ill.", "62701-1234", "US")),
    (["Address: 77 Pine St, #4", "Portland, Oregon 97204", "USA"],
     ("77 Pine St, #4", "Portland", "Oregon", "97204", "US")),
    (["555 W Hastings St, Suite 800", "Vancouver, BC V6B 4N6", "Canada"],
     ("555 W Hastings St, Suite 800", "Vancouver", "BC", "V6B 4N6", "CA")),
    (["1250, rue Sherbrooke Ouest, bureau 300", "Montréal (Québec) H3A 1A1"],
     ("1250, rue Sherbrooke Ouest, bureau 300", "Montréal", "Québec", "H3A 1A1", "CA")),
    (["620 Queen St W, Unit 2", "Toronto, Ontario M5V 2B7"],
     ("620 Queen St W, Unit 2", "Toronto", "Ontario", "M5V 2B7", "CA")),
    (["10 Harley Street", "London", "W1G 9QD", "United Kingdom"],
     ("10 Harley Street", "London", None, "W1G 9QD", "GB")),
    (["12 Chester Street, Edinburgh EH3 7RA"],
     ("12 Chester Street", "Edinburgh", None, "EH3 7RA", "GB")),
    (["Level 5, 155 Macquarie Street", "Sydney NSW 2000"],
     ("Level 5, 155 Macquarie Street", "Sydney", "NSW", "2000", "AU")),
    (["Suite 3, 20 Collins Street", "Melbourne Vic 3000", "Australia"],
     ("Suite 3, 20 Collins Street", "Melbourne", "Vic", "3000", "AU")),
    (["Mercy General Hospital, 4001 J St, Sacramento, CA 95819"],
     ("4001 J St", "Sacramento", "CA", "95819", "US")),
    (["4545 N 44th St Phoenix, AZ 85018"], ("4545 N 44th St", "Phoenix", "AZ", "85018", "US")),
    (["123 Main St Suite 4 Springfield, IL 62701"],
     ("123 Main St Suite 4", "Springfield", "IL", "62701", "US")),
    (["1 Main St, St. Louis, MO 63101"], ("1 Main St", "St. Louis", "MO", "63101", "US")),
    (["1 Main St", "Coeur d'Alene, ID 83814"], ("1 Main St", "Coeur d'Alene", "ID", "83814", "US")),
    (["1 Main St", "Winston-Salem, NC 27101"], ("1 Main St", "Winston-Salem", "NC", "27101", "US")),
    (["10 High Street", "Guildford", "Surrey", "GU1 3AA"],
     ("10 High Street", "Guildford", None, "GU1 3AA", "GB")),
    (["10 High St, Guildford, Surrey GU1 3AA"], ("10 High St", "Guildford", None, "GU1 3AA", "GB")),
    (["Weymouth House, 35 Weymouth Street, London, W1G 8BJ"],
     ("35 Weymouth Street", "London", None, "W1G 8BJ", "GB")),
    (["9 Smith St", "Bondi Junction NSW 2022"],
     ("9 Smith St", "Bondi Junction", "NSW", "2022", "AU")),
    (["Suite 200 – 1080 Howe Street", "Vancouver, B.C. V6Z 2T1"],
     ("Suite 200 – 1080 Howe Street", "Vancouver", "B.C.", "V6Z 2T1", "CA")),
    # Town, region and postcode each on a line of their own (Wix, Joomla, Drupal fields).
    (["Suite 200", "850 2 Street SW", "Calgary, Alberta", "T2P 1J9"],
     ("Suite 200, 850 2 Street SW", "Calgary", "Alberta", "T2P 1J9", "CA")),
    (["Level 3, 12 Help Street", "Chatswood", "NSW", "2067", "Australia"],
     ("Level 3, 12 Help Street", "Chatswood", "NSW", "2067", "AU")),
    (["1 Main St", "Springfield, IL", "62701"], ("1 Main St", "Springfield", "IL", "62701", "US")),
    # Footers run name, address and phone together with separators.
    (["North Shore Pain Centre · Level 3, 12 Help Street, Chatswood NSW 2067 · ABN 00 000"],
     ("Level 3, 12 Help Street", "Chatswood", "NSW", "2067", "AU")),
    (["650 Pennsylvania Ave SE, Suite 250 · Washington, DC 20003"],
     ("650 Pennsylvania Ave SE, Suite 250", "Washington", "DC", "20003", "US")),
    (["Acme Pain Clinic · 400 N Ashley Dr, Suite 1900", "Tampa, FL 33602 · (813) 555-0172"],
     ("400 N Ashley Dr, Suite 1900", "Tampa", "FL", "33602", "US")),
])
def test_address_formats(texts, expected):
    [block] = address_blocks(lines(*texts))
    country = {"CA": "CA", "GB": "GB", "AU": "AU", "US": "US"}[block.country]
    assert (block.street, block.locality, block.region, block.postal_code, country) == expected


@pytest.mark.parametrize("texts", [
    ["Springfield, IL 62701"],                      # no street: not an address block
    ["We have patients from Boston, MA 02110 and beyond, every day of the week."],
    ["Call 1-800-555-0100"],
    ["Copyright 2024 Acme Clinic"],
])
def test_not_address_blocks(texts):
    assert address_blocks(lines(*texts)) == []


@pytest.mark.parametrize(("name", "expected"), [
    ("Golden Gate Ketamine Clinic", True),
    ("Northside Pain & Wellness", True),
    ("Dr. Ana Ruiz, MD", True),
    ("Contact Us", False),
    ("Our Locations", False),
    ("Understanding central sensitization", False),
    ("We treat pain. Call now.", False),
    ("x" * 120 + " clinic", False),
    ("Front Range Spine & Pain", True),            # topic words, but written as a name
    ("Ketamine Infusions in Denver", False),       # a service page's heading
    ("Ketamine Therapy for Depression", False),
    ("Scranton Office", False),
    ("Pain Management Service", True),
    ("Clinique de la douleur Mont-Royal", True),
    ("Pain Clinic Finder", False),
    ("The CRPS Association", False),
    ("Chronic Pain Foundation", False),
    ("Ketamine Clinics in Ohio", False),
    ("CRPS Support Group", False),
])
def test_is_clinic_name(name, expected):
    assert is_clinic_name(name) is expected


def test_phones_skip_fax_and_switchboard():
    found = phones_in(lines("Hospital switchboard: (916) 555-0100", "Fax: (916) 555-0146",
                            "Direct line: (916) 555-0145"), "US")
    assert found == ["(916) 555-0145"]
    assert phones_in(lines("T: 773-555-0148 | F: 773-555-0149"), "US") == ["773-555-0148"]
    assert phones_in(lines("Fax: 303-555-0102 | Phone: 303-555-0101"), "US") == ["303-555-0101"]


def test_phones_in_every_north_american_form():
    assert phones_in(lines("Phone: (555) 123-4567", "Fax: (555) 123-4568"), "US") == [
        "(555) 123-4567"]
    assert phones_in(lines("555.123.4567 or +1 555 987 6543"), "US") == [
        "555.123.4567", "+1 555 987 6543"]
    assert phones_in(lines("Call toll-free 1-800-RELIEF-1"), "US") == ["1-800-RELIEF-1"]
    assert phones_in(lines("800 MAIN STREET, ZIP 80206-1234"), "US") == []


def test_fax_label_in_the_cell_before_is_read():
    assert phones_in(lines("Fax:", "(941) 555-0130", "Phone:", "(941) 555-0131"), "US") == [
        "(941) 555-0131"]


def test_tel_link_comes_first():
    line = Line("Call (720) 555-0134", links=[("tel:+17205550134", "(720) 555-0134")])
    assert phones_in([line], "US")[0] == "+17205550134"


@pytest.mark.parametrize(("sample_path", "expected"), [
    ("clinics/emerald-city-pain.html",
     ("Emerald City Pain Management", "(206) 555-0118", "care@emeraldcitypain.example",
      ("1301 5th Ave, Suite 2500", "Seattle", "WA", "98101", "US"))),
    ("clinics/peachtree-crps.html",
     ("Peachtree CRPS Center", "404.555.0131", "info@peachtreecrps.example",
      ("1718 Peachtree St NW, Suite 560", "Atlanta", "GA", "30309", "US"))),
    ("clinics/cascadia-pain.html",
     ("Cascadia Pain Clinic", "604-555-0123", None,
      ("555 W Hastings St, Suite 800", "Vancouver", "BC", "V6B 4N6", "CA"))),
    ("clinics/queen-west-ketamine.html",
     ("Queen West Ketamine Clinic", "416-555-0199", None,
      ("620 Queen St W, Unit 2", "Toronto", "Ontario", "M5V 2B7", "CA"))),
    ("clinics/mont-royal.html",
     ("Clinique de la douleur Mont-Royal", "514 555-0147", None,
      ("1250, rue Sherbrooke Ouest, bureau 300", "Montréal", "Québec", "H3A 1A1", "CA"))),
    ("clinics/harley-street-pain.html",
     ("Harley Street Pain Clinic", "020 7946 0321", None,
      ("10 Harley Street", "London", None, "W1G 9QD", "GB"))),
    ("clinics/harbour-city-pain.html",
     ("Harbour City Pain Clinic", "(02) 5550 1234", None,
      ("Level 5, 155 Macquarie Street", "Sydney", "NSW", "2000", "AU"))),
    ("clinics/yarra-pain.html",
     ("Yarra Pain Management Centre", "03 7010 4567", None,
      ("Suite 3, 20 Collins Street", "Melbourne", "Vic", "3000", "AU"))),
    ("clinics/mercy-general-pain.html",
     ("Pain Management Center at Mercy General Hospital", "(916) 555-0145", None,
      ("4001 J St", "Sacramento", "CA", "95819", "US"))),
])
def test_sample_pages_from_visible_text(sample_path, expected):
    [item] = sample(sample_path)
    name, phone, email, address = expected
    assert item["extras"]["method"] == "text"
    assert (item["name"], item["phone"], item["email"]) == (name, phone, email)
    assert address_of(item) == address
    assert item["website"] is None  # directory pages without a clinic link


def test_windows_1252_page_is_decoded():
    [item] = sample("clinics/mont-royal.html")
    assert item["locality"] == "Montréal"
    assert "« Qualité » garantie" in item["text"]


def test_map_embed_gives_coordinates():
    [item] = sample("clinics/emerald-city-pain.html")
    assert (item["lat"], item["lon"]) == (47.6087, -122.3343)


@pytest.mark.parametrize(("map_html", "expected"), [
    ('<iframe src="https://maps.google.com/maps?q=40.7484,-73.9857&z=15&output=embed"></iframe>',
     (40.7484, -73.9857)),
    ('<a href="https://www.google.com/maps/place/X/@51.5202,-0.1474,17z">Map</a>',
     (51.5202, -0.1474)),
    ('<iframe src="https://www.openstreetmap.org/export/embed.html?bbox=-0.15,51.51,-0.14,51.53'
     '&amp;layer=mapnik&amp;marker=51.5202,-0.1474"></iframe>', (51.5202, -0.1474)),
    ('<a href="https://www.openstreetmap.org/?mlat=55.9486&mlon=-3.2008#map=17/55.9486/-3.2008">'
     "OSM</a>", (55.9486, -3.2008)),
    ('<div class="map" data-lat="-33.8688" data-lng="151.2093"></div>', (-33.8688, 151.2093)),
    ('<a href="https://example.com/@12.5,13.5">not a map</a>', (None, None)),
])
def test_map_formats(map_html, expected):
    body = (f"<h1>Map Test Clinic</h1><p>1 Main St<br>Salem, OR 97301</p>{map_html}")
    [item] = clinics_from(body)
    assert (item.get("lat"), item.get("lon")) == expected


@pytest.mark.parametrize(("email_html", "expected"), [
    ("info [at] clinic [dot] com", "info@clinic.com"),
    ("info(at)clinic(dot)co(dot)uk", "info@clinic.co.uk"),
    ("info at clinic dot org", "info@clinic.org"),
    ("&#105;&#110;&#102;&#111;&#64;clinic.com", "info@clinic.com"),
    ('<a href="mailto:%69nfo@clinic.com?subject=Hello">Email us</a>', "info@clinic.com"),
    ('<a class="__cf_email__" data-cfemail="422b2c242d02353132216c273a232f322e27">'
     "[email protected]</a>", "info@wspc.example"),
])
def test_email_forms(email_html, expected):
    body = f"<h1>Mail Test Clinic</h1><p>1 Main St<br>Salem, OR 97301</p><p>{email_html}</p>"
    [item] = clinics_from(body)
    assert item["email"] == expected


def test_listing_page_gives_one_record_per_clinic():
    items = sample("index.html")
    assert [item["name"] for item in items] == [
        "Golden Gate Ketamine Clinic", "Hudson Pain Relief Center", "Lone Star Infusion Clinic",
        "Cascadia Pain Clinic"]
    assert [item["phone"] for item in items] == [
        "+14155550100", "(212) 555-0142", "(512) 555-0177", "(604) 555-0123"]
    assert [item["postal_code"] for item in items] == ["94108", "10019", "78701", "V6B 4N6"]
    # Each clinic's text is its own card: Hudson's card says nothing about CRPS.
    assert "CRPS" not in items[1]["text"]
    assert "trigeminal neuralgia" in items[1]["text"]


@pytest.mark.parametrize("path", [
    "news/ketamine-study-boston.html",   # an article naming a clinic's full address
    "about.html",                        # a phone in the footer and a city in the text
    "page/2.html",                       # links to clinics, no addresses
])
def test_non_clinic_sample_pages_yield_nothing(path):
    assert sample(path) == []


@pytest.mark.parametrize("body", [
    "<h1>Living with CRPS in Boston</h1><p>Many patients in Boston, MA travel for care.</p>",
    "<h1>Our blog</h1><p>Read our news.</p><footer>Call (617) 555-0111</footer>",
    "<h1>Contact us</h1><p>1 Main St<br>Salem, OR 97301</p>",   # no clinic-like name anywhere
    "<p>Acme Clinic</p>",
    "",
])
def test_non_clinic_pages_yield_nothing(body):
    assert clinics_from(body) == []


def test_prose_ending_in_an_address_is_not_an_address_block():
    body = ("<h1>New Ketamine Clinic Opens Downtown</h1><p>The clinic is located at "
            "123 Main St, Springfield, IL 62701</p>")
    assert clinics_from(body) == []


def test_post_office_box_is_not_a_clinic_address():
    body = ("<h1>Insurance</h1><p>Send claims to:</p><p>PO Box 981106<br>El Paso, TX 79998</p>")
    assert clinics_from(body, head="<title>Insurance | Acme Pain Center</title>") == []


@pytest.mark.parametrize("path", ["/blog/our-new-office", "/news/we-moved", "/2024/05/open-house/",
                                  "/articles/what-is-crps"])
def test_blog_and_news_paths_yield_nothing(path):
    body = "<h1>Acme Pain Center</h1><p>1 Main St<br>Salem, OR 97301</p>"
    assert clinics_from(body, url=f"https://acmepain.example{path}") == []
    assert clinics_from(body, url="https://acmepain.example/contact/") != []


def test_welcome_heading_gives_the_name():
    body = "<h1>Welcome to the Riverbend Pain Center</h1><p>9 River Rd<br>Bend, OR 97701</p>"
    [item] = clinics_from(body)
    assert item["name"] == "Riverbend Pain Center"


def test_footer_address_is_the_clinics_on_its_own_site_but_not_on_its_articles():
    body = ("<h1>Ketamine for depression: what the research says</h1><p>Long text.</p>"
            "<footer><p>Cedar Ketamine Clinic</p><p>4 Cedar St<br>Salem, OR 97301</p></footer>")
    assert clinics_from(body, url="https://cedarketamine.example/blog/research") == []
    [item] = clinics_from(body, url="https://cedarketamine.example/contact/")
    assert item["name"] == "Cedar Ketamine Clinic"
    service = body.replace("Ketamine for depression: what the research says", "Our infusions")
    [item] = clinics_from(service, url="https://cedarketamine.example/infusions/")
    assert item["name"] == "Cedar Ketamine Clinic"


def test_a_footer_address_of_a_directory_or_a_support_group_is_no_clinic():
    footer = "<footer><p>4 Cedar St<br>Salem, OR 97301</p></footer>"
    head = '<meta property="og:site_name" content="PainFinder">'
    assert clinics_from(f"<h1>About us</h1>{footer}", url="https://painfinder.example/about",
                        head=head) == []
    group = '<meta property="og:site_name" content="CRPS Friends">'
    assert clinics_from(f"<h1>Our monthly meeting</h1>{footer}",
                        url="https://crpsfriends.example/meeting", head=group) == []


def test_selectors_fill_what_the_page_hides():
    body = ('<div class="n">Hidden Name Pain Clinic</div><div class="a">8 Birch Rd'
            '<br>Eugene, OR 97401</div><span id="p">541-555-0123</span>')
    selectors = {"name": "div.n", "address": "div.a", "phone": "//span[@id='p']/text()"}
    [item] = clinics_from(body, selectors=selectors)
    assert item["name"] == "Hidden Name Pain Clinic"
    assert address_of(item)[:4] == ("8 Birch Rd", "Eugene", "OR", "97401")
    assert item["phone"] == "541-555-0123"
    assert item["extras"]["method"] == "selectors"


def test_invalid_selector_is_a_clear_error():
    from reliefmap.selectors import SelectorError

    with pytest.raises(SelectorError, match="invalid selector"):
        clinics_from("<p>x</p>", selectors={"name": "//[broken"})


def test_header_phone_is_the_clinics_only_on_its_own_site():
    body = ('<header><a href="/">Cedar Pain Clinic</a> Call (503) 555-0177</header>'
            "<main><h1>Cedar Pain Clinic</h1><p>4 Cedar St<br>Salem, OR 97301</p></main>")
    [own] = clinics_from(body, url="https://cedarpainclinic.example/contact")
    assert own["phone"] == "(503) 555-0177"
    directory_body = body.replace('<a href="/">Cedar Pain Clinic</a>', '<a href="/">PainFinder</a>')
    [listed] = clinics_from(directory_body, url="https://painfinder.example/clinic/cedar")
    assert listed["phone"] is None


def test_teasers_and_menus_outside_nav_do_not_count_for_classification():
    body = ('<div class="mega-menu"><a>Migraine</a></div>'
            "<main><h1>Cedar Pain Clinic</h1><p>4 Cedar St<br>Salem, OR 97301</p>"
            "<p>We treat CRPS.</p>"
            '<section class="recent-posts"><h3>Can ketamine help fibromyalgia?</h3></section>'
            '<div class="related-articles">Lyme disease and pain</div></main>')
    [item] = clinics_from(body)
    assert "CRPS" in item["text"]
    for passing in ("Migraine", "fibromyalgia", "Lyme"):
        assert passing not in item["text"]


def test_listing_cards_without_headings():
    body = ("<h1>Ketamine Clinics in Ohio</h1>"
            '<div class="card"><div class="title"><a href="/c/1">Buckeye Ketamine Clinic</a></div>'
            '<div class="rating">4.8 (112 reviews)</div><div>580 N 4th St</div>'
            "<div>Columbus, OH 43215</div></div>"
            '<div class="card"><div class="title"><a href="/c/2">Erie Pain Specialists</a></div>'
            '<div class="rating">4.1 (9 reviews)</div><div>1801 E 9th St</div>'
            "<div>Cleveland, OH 44114</div></div>"
            '<div class="card"><div class="rating">No reviews</div><div>3 Elm St</div>'
            "<div>Dayton, OH 45402</div></div>")
    items = clinics_from(body, url="https://infusiondirectory.example/oh/")
    # The third card names no clinic, and the page's title names a listing, not a clinic.
    assert [item["name"] for item in items] == ["Buckeye Ketamine Clinic", "Erie Pain Specialists"]


def test_a_directorys_own_contact_page_is_not_a_clinic():
    head = '<meta property="og:site_name" content="Pain Clinic Finder">'
    body = ("<h1>Contact us</h1><p>Pain Clinic Finder</p><p>100 Congress Ave<br>"
            "Austin, TX 78701</p>")
    assert clinics_from(body, url="https://painclinicfinder.example/contact", head=head) == []


@pytest.mark.parametrize(("attributes", "chrome"), [
    ('class="site-header"', True), ('id="site-navigation"', True), ('class="menu-item"', True),
    ('class="footer-widgets"', True), ('class="nhsuk-footer"', True), ('class="sidebar"', True),
    ('class="elementor-widget-container"', False), ('class="entry-content"', False),
    ('class="elementor-widget elementor-widget-text-editor"', False), ('class="widget"', True),
    ('class="elementor-location-footer"', True),
    ('class="wp-block-columns"', False), ('class="sqs-block-content"', False),
])
def test_chrome_is_recognised_by_whole_class_words(attributes, chrome):
    from lxml import html

    from crawler.extract.lines import is_chrome

    assert is_chrome(html.fragment_fromstring(f"<div {attributes}>x</div>")) is chrome


def test_elementor_page_content_is_read():
    body = ('<div class="elementor-widget-container"><h1>Aspen Ketamine Clinic</h1>'
            "<p>12 Aspen Way<br>Boise, ID 83702</p><p>We offer ketamine infusions.</p></div>")
    [item] = clinics_from(body)
    assert item["name"] == "Aspen Ketamine Clinic"
    assert "ketamine infusions" in item["text"]


def test_card_headers_inside_articles_are_content():
    body = ("<header><nav>Home</nav></header><main>"
            '<article class="card"><header><h2>North Reno Pain Clinic</h2></header>'
            "<p>3 C St<br>Reno, NV 89501</p></article>"
            '<article class="card"><header><h2>South Reno Pain Clinic</h2></header>'
            "<p>9 D St<br>Reno, NV 89502</p></article></main>")
    items = clinics_from(body)
    assert [item["name"] for item in items] == ["North Reno Pain Clinic", "South Reno Pain Clinic"]


def test_a_bar_of_links_is_a_menu_wherever_it_sits():
    body = ('<table><tr><td id="menubar"><a href="/">Home</a> | <a href="/k">Ketamine Infusions</a>'
            ' | <a href="/pt">Physical Therapy</a> | <a href="/c">Contact</a></td></tr>'
            "<tr><td><h1>Gulf Pain Clinic</h1><p>We offer nerve blocks.</p>"
            "<p>1 Main St<br>Sarasota, FL 34239</p></td></tr></table>")
    [item] = clinics_from(body)
    assert "Physical Therapy" not in item["text"] and "nerve blocks" in item["text"]


def test_topic_heading_yields_to_the_site_name():
    head = '<meta property="og:site_name" content="Hill Country Ketamine Clinic">'
    body = "<h1>Relief Is Possible</h1><p>3801 N Lamar Blvd<br>Austin, TX 78756</p>"
    [item] = clinics_from(body, url="https://www.hillcountryketamine.example/", head=head)
    assert item["name"] == "Hill Country Ketamine Clinic"


def test_the_name_at_the_address_can_spell_out_the_site_name():
    head = '<meta property="og:site_name" content="Bow Valley Ketamine">'
    body = ("<h1>Visit the clinic</h1><p><b>Bow Valley Ketamine Clinic</b></p><p>Suite 200</p>"
            "<p>850 2 Street SW</p><p>Calgary, Alberta</p><p>T2P 1J9</p>")
    [item] = clinics_from(body, url="https://www.bowvalleyketamine.example/contact", head=head)
    assert item["name"] == "Bow Valley Ketamine Clinic"
    assert item["street"] == "Suite 200, 850 2 Street SW"


def test_location_cards_share_the_intro_and_keep_their_own_map():
    head = '<meta property="og:site_name" content="Front Range Ketamine">'
    card = ('<div><h3>Front Range Ketamine – {0}</h3><p>{1}<br>{0}, CO {2}</p>'
            '<a href="https://www.google.com/maps/search/?api=1&amp;query={3}">Directions</a></div>')
    body = ("<h1>Our Locations</h1><p>Every clinic offers ketamine infusions for PTSD.</p>"
            + card.format("Boulder", "1800 30th St", "80301", "40.0181,-105.2540")
            + card.format("Denver", "200 Columbine St", "80206", "39.7197,-104.9545"))
    items = clinics_from(body, url="https://frontrangeketamine.example/locations/", head=head)
    assert [(item["lat"], item["lon"]) for item in items] == [(40.0181, -105.254),
                                                              (39.7197, -104.9545)]
    assert all("ketamine infusions for PTSD" in item["text"] for item in items)


@pytest.mark.parametrize(("path", "heading"), [
    ("/privacy-policy/", "Privacy Policy"), ("/terms-of-use", "Terms of Use"),
    ("/find-a-doctor", "Find a Doctor"), ("/page", "Notice of Privacy Practices"),
    ("/newsroom/trial-results", "Trial results"),
])
def test_legal_search_and_press_pages_yield_nothing(path, heading):
    body = f"<h1>{heading}</h1><p>Acme Pain Clinic<br>1 Main St<br>Salem, OR 97301</p>"
    assert clinics_from(body, url=f"https://acmepain.example{path}") == []


def test_press_release_yields_nothing_whatever_its_path():
    body = ("<h1>Trial finds relief</h1><p>Press release</p><p>Results were good.</p>"
            "<h2>Media contact</h2><p>Acme Health Center<br>1 Main St<br>Salem, OR 97301</p>")
    assert clinics_from(body, url="https://acmehealth.example/2024-trial") == []


@pytest.mark.parametrize("line", ["By Marcus Reed, Staff Writer", "Posted: 06/03/2024",
                                  "Published on March 3, 2024"])
def test_a_story_with_a_byline_yields_nothing(line):
    body = (f"<h2>Ketamine clinics spread</h2><p>{line}</p><p>Clinics opened this year.</p>"
            "<p>Flatirons Infusion Clinic<br>2525 30th St<br>Boulder, CO 80301</p>")
    assert clinics_from(body, url="https://ledger.example/story.php?id=4") == []
    assert clinics_from(body.replace(line, "By appointment only"),
                        url="https://ledger.example/story.php?id=4") != []


def test_patient_reviews_do_not_count_for_classification():
    body = ("<h1>Prairie Ketamine Center</h1><p>1 Main St<br>Omaha, NE 68124</p>"
            "<p>We offer ketamine infusions.</p>"
            '<div class="reviews"><p>My migraines are better too.</p></div>')
    [item] = clinics_from(body)
    assert "migraines" not in item["text"]


@pytest.mark.parametrize("line", ["No providers match your filters.", "0 results",
                                  "Sorry, no clinics found near 80202."])
def test_a_search_that_found_nothing_yields_nothing(line):
    body = (f"<h1>Our Providers</h1><p>{line}</p>"
            "<p>Valley Health<br>1 Main St<br>Salem, OR 97301</p>")
    assert clinics_from(body, url="https://valleyhealth.example/providers?q=pain") == []



@pytest.mark.parametrize(("texts", "expected"), [
    # A centre's and its host hospital's names before the street are not the street.
    (["OHIO COUNTY PAIN CARE Ohio County Hospital 1215 Old Main Street", "Hartford, KY 42347"],
     ("1215 Old Main Street", "Hartford", "KY", "42347", "US")),
    (["Old Penarthians RFC, St Marks Rd, Penarth CF64 3PF"],
     ("St Marks Rd", "Penarth", None, "CF64 3PF", "GB")),
    # Link labels and stray icons beside an address.
    (["233 College Avenue Suite 201 (View Map)", "Lancaster, PA 17601"],
     ("233 College Avenue Suite 201", "Lancaster", "PA", "17601", "US")),
    (["A|22 Wantirna Rd, Ringwood VIC 3134 P|03 9870 1855"],
     ("22 Wantirna Rd", "Ringwood", "VIC", "3134", "AU")),
    # A building park named after the street, and one between the unit and the street.
    (["90 Good Drive Suite 302", "Regency Square Business Park", "Lancaster, PA 17603"],
     ("90 Good Drive Suite 302", "Lancaster", "PA", "17603", "US")),
    (["1st Floor, Florina Building", "Garema Place, Canberra City ACT 2601"],
     ("1st Floor, Florina Building, Garema Place", "Canberra City", "ACT", "2601", "AU")),
    # A UK village before its post town.
    (["13 High Street, Highworth, SN6 7AG"], ("13 High Street", "Highworth", None, "SN6 7AG",
                                               "GB")),
    # A US town and state without a ZIP under a numbered street.
    (["3715 Woodking Dr.", "Idaho Falls, ID"], ("3715 Woodking Dr.", "Idaho Falls", "ID", None,
                                                "US")),
])
def test_address_forms_of_real_pages(texts, expected):
    [block] = address_blocks(lines(*texts))
    assert (block.street, block.locality, block.region, block.postal_code,
            block.country) == expected


@pytest.mark.parametrize(("country", "texts", "expected"), [
    ("FR", ["7 rue Coëtlogon", "75006 Paris"], ("7 rue Coëtlogon", "Paris", "75006")),
    ("ES", ["Paseo de la Habana, 21", "28036 Madrid"], ("Paseo de la Habana, 21", "Madrid",
                                                        "28036")),
    ("AU", ["47 Scarborough Beach Rd, Scarborough 6019"],
     ("47 Scarborough Beach Rd", "Scarborough", "6019")),
])
def test_forms_a_country_writes_are_read_on_its_own_sources(country, texts, expected):
    [block] = address_blocks(lines(*texts), country)
    assert (block.street, block.locality, block.postal_code) == expected
    assert address_blocks(lines(*texts), "US") == []  # "75006 Paris" is no US address


def test_the_same_address_spelled_twice_is_one_place():
    body = ("<h1>Clinique Santé Plus</h1><p>3333 Blvd Graham #220<br>Mont Royal, QC H3R 3L5</p>"
            "<table><tr><th>Hours</th></tr><tr><td>3333 Graham Blvd #220<br>"
            "Mount Royal, QC H3R 3L5</td></tr></table>")
    assert len(clinics_from(body, country="CA")) == 1


def test_two_clinics_in_one_building_are_two_records():
    body = ("<h2>Columbus Nephrology</h2><p>85 McNaughten Rd Suite 250 Columbus, OH 43213</p>"
            "<h2>Fresenius Medical Care: Mt. Carmel East</h2>"
            "<p>85 Mcnaughten Rd Columbus OH 43213</p>"
            "<h2>Fresenius Medical Care Grove City</h2>"
            "<p>4155 Kelnor Dr Grove City OH 43123</p>")
    items = clinics_from(body)
    assert [(item["name"], item["street"], item["locality"]) for item in items] == [
        ("Columbus Nephrology", "85 McNaughten Rd Suite 250", "Columbus"),
        ("Fresenius Medical Care: Mt. Carmel East", "85 Mcnaughten Rd", "Columbus"),
        ("Fresenius Medical Care Grove City", "4155 Kelnor Dr", "Grove City")]


def test_fax_written_with_a_letter_label_is_skipped():
    assert phones_in(lines("P: (555) 555-0100  F: (555) 555-0101"), "US") == ["(555) 555-0100"]


def test_branches_titled_by_doctors_or_services_are_the_practices():
    head = "<title>Contact | Brain Orthopedic Spine Specialists</title>"
    body = ("<h2>PAIN MANAGEMENT</h2><p>Dr. Laleh Radfar<br>90 Good Drive Suite 302<br>"
            "Lancaster, PA 17603<br>Phone: 717-358-0800</p>"
            "<h2>PHYSICAL THERAPY</h2><p>1767 Columbia Ave<br>Lancaster, PA 17603<br>"
            "Phone: 717-358-0826</p>")
    items = clinics_from(body, url="https://www.brainandbones.example/contact.asp", head=head)
    assert [(item["name"], item["phone"]) for item in items] == [
        ("Brain Orthopedic Spine Specialists", "717-358-0800"),
        ("Brain Orthopedic Spine Specialists", "717-358-0826")]


def test_directory_cards_with_a_town_and_postcode_only_are_records():
    cards = "".join(f"<h3>{name}</h3><p>{town}</p>" for name, town in [
        ("Desert Sky Acupuncture", "Tucson, AZ 85704"), ("Mesa Pain Relief", "Mesa, AZ 85201")])
    items = clinics_from(f"<h1>Practitioners in Arizona</h1>{cards}")
    assert [(item["name"], item["street"], item["postal_code"]) for item in items] == [
        ("Desert Sky Acupuncture", None, "85704"), ("Mesa Pain Relief", None, "85201")]
    assert clinics_from("<h1>Where we meet</h1><p>Tucson, AZ 85704</p>") == []


def test_a_slogan_heading_yields_to_the_name_the_domain_spells():
    head = "<title>Hornsby Chiropractor | Chiropractic Care in Hornsby</title>"
    body = ("<h1>Chiropractic Care in Hornsby</h1><p>Suite 4, 43A Florence Street<br>"
            "Hornsby NSW 2077</p>")
    [item] = clinics_from(body, url="https://hornsbychiropractor.example/", head=head,
                          country="AU")
    assert item["name"] == "Hornsby Chiropractor"
    assert item["extras"]["own_site"] is True


def test_a_hospital_departments_page_takes_the_departments_own_line():
    head = ('<script type="application/ld+json">{"@type": "Hospital", "name": "CMC Lancaster",'
            ' "telephone": "469-609-3062", "address": {"streetAddress": "2600 W Pleasant Run Rd",'
            ' "addressLocality": "Lancaster", "addressRegion": "TX", "postalCode": "75146"}}'
            "</script>")
    body = ("<h1>Pain Management</h1><p>Nerve blocks and spinal cord stimulators.</p>"
            "<p>Call: 1 (888) 343-6742 Email: painleads@cmclancaster.example</p>")
    [item] = clinics_from(body, url="https://cmclancaster.example/pain/", head=head)
    assert (item["name"], item["phone"], item["email"]) == (
        "CMC Lancaster", "1 (888) 343-6742", "painleads@cmclancaster.example")


def test_an_xhtml_page_with_an_xml_declaration_is_read():
    html = ('<?xml version="1.0" encoding="iso-8859-1"?>\n<html><body><h1>Salem Pain Clinic</h1>'
            "<p>4 Cedar St<br>Salem, OR 97301</p></body></html>")
    [item] = extract_clinics(html, "https://salempain.example/contact")
    assert item["name"] == "Salem Pain Clinic"



HOME_PAGES = ("https://clinic.example/", "https://clinic.example/index.html",
              "https://clinic.example/index.php", "https://clinic.example")


@pytest.mark.parametrize("page, href", [
    ("https://clinic.example/contact/", "/"), ("https://clinic.example/contact/", "../"),
    ("https://clinic.example/contact/", ".."), ("https://clinic.example/a/b/", "../../"),
    ("https://clinic.example/contact/", "/index.php#x"),
    ("https://clinic.example/contact/", "https://clinic.example"),
    ("https://clinic.example/contact/", "//clinic.example"),
    ("https://clinic.example/index.html", ""), ("https://clinic.example/index.html", "#top"),
    ("https://clinic.example/contact.html", "index.html"),
    ("https://clinic.example/contact.html", "."),
])
def test_links_that_lead_home_are_resolved(page, href):
    from urllib.parse import urljoin

    from crawler.extract.names import _may_lead_home

    assert urljoin(page, href).split("#")[0] in HOME_PAGES
    assert _may_lead_home(href)


@pytest.mark.parametrize("href", ["/contact/us.html", "about", "/services/ketamine",
                                  "https://other.example/page", "mailto:a@b.example"])
def test_links_to_other_pages_are_not_resolved_for_the_home_page(href):
    from crawler.extract.names import _may_lead_home

    assert not _may_lead_home(href)


@pytest.mark.parametrize("page", sorted(SAMPLES.rglob("*.html"))[:12], ids=lambda p: p.name)
def test_a_crawl_reads_the_tree_scrapy_parsed_with_the_same_records(page):
    url = f"https://directory.example/{page.name}"
    response = HtmlResponse(url, body=page.read_bytes())  # encoding as Scrapy reads it
    assert extract_clinics(response.text, url, tree=response.selector.root) == \
        extract_clinics(page.read_bytes(), url)

"""Normalisers: phones, countries, regions, postcodes, URLs, text and the clinic's website."""

import re
import string

import pytest

from reliefmap.normalise import (
    clean_text,
    looks_like_own_site,
    lower_case,
    normalise_country,
    normalise_email,
    normalise_phone,
    normalise_postal_code,
    normalise_region,
    normalise_url,
    website_for,
)


@pytest.mark.parametrize(("raw", "country", "expected"), [
    ("(415) 555-0100", "US", "+14155550100"),
    ("415.555.0100", "US", "+14155550100"),
    ("+1 415 555 0100", "GB", "+14155550100"),
    ("tel:+1-212-555-0142", "US", "+12125550142"),
    ("020 7946 0321", "GB", "+442079460321"),
    ("0131 496 0123", "GB", "+441314960123"),
    ("(02) 5550 1234", "AU", "+61255501234"),
    ("604-555-0123", "CA", "+16045550123"),
    ("(212) 555-0142 / (212) 555-0143", "US", "+12125550142"),
    ("Call us on 020 7946 0321 today", "GB", "+442079460321"),
    ("Fax: (206) 555-0119", "US", None),
    ("Hospital switchboard: 0117 496 0000", "GB", None),
    ("555-0100", "US", None),
    ("(555) 123-4567", "US", "+15551234567"),          # fictional area code, written in full
    ("+1 555 123 4567", "GB", "+15551234567"),
    ("tel:5551234567", "US", "+15551234567"),
    ("1-800-RELIEF-1", "US", "+18007354331"),
    ("call us today", "US", None),
    ("", "US", None),
    (None, "US", None),
])
def test_normalise_phone(raw, country, expected):
    assert normalise_phone(raw, country) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("US", "US"), ("USA", "US"), ("U.S.", "US"), ("U.S.A.", "US"),
    ("United States", "US"), ("United States of America", "US"),
    ("United Kingdom", "GB"), ("UK", "GB"), ("England", "GB"), ("Scotland", "GB"), ("GB", "GB"),
    ("Canada", "CA"), ("CA", "CA"), ("Australia", "AU"), ("AUS", "AU"), ("France", "FR"),
    ("Narnia", None), ("", None), (None, None),
])
def test_normalise_country(raw, expected):
    assert normalise_country(raw) == expected


@pytest.mark.parametrize(("raw", "country", "postal_code", "expected"), [
    ("NY", "US", None, "US-NY"),
    ("N.Y.", "US", None, "US-NY"),
    ("New York", "US", None, "US-NY"),
    ("Calif.", "US", None, "US-CA"),
    ("Cal.", "US", None, "US-CA"),
    ("Fla.", "US", None, "US-FL"),
    ("Mass.", "US", None, "US-MA"),
    ("us-tx", "US", None, "US-TX"),
    ("BC", "CA", None, "CA-BC"),
    ("B.C.", "CA", None, "CA-BC"),
    ("Québec", "CA", None, "CA-QC"),
    ("Quebec", "CA", None, "CA-QC"),
    ("Ont.", "CA", None, "CA-ON"),
    ("Ontario", "CA", None, "CA-ON"),
    ("NSW", "AU", None, "AU-NSW"),
    ("Vic", "AU", None, "AU-VIC"),
    ("Victoria", "AU", None, "AU-VIC"),
    ("QLD", "AU", None, "AU-QLD"),
    ("England", "GB", None, "GB-ENG"),
    ("Scotland", "GB", None, "GB-SCT"),
    ("Wales", "GB", None, "GB-WLS"),
    ("Northern Ireland", "GB", None, "GB-NIR"),
    (None, "US", "10001", "US-NY"),
    (None, "US", "94108-1234", "US-CA"),
    (None, "CA", "V6B 4N6", "CA-BC"),
    (None, "CA", "H3A 1A1", "CA-QC"),
    (None, "CA", "M5V 2B7", "CA-ON"),
    (None, "AU", "2000", "AU-NSW"),
    (None, "AU", "3000", "AU-VIC"),
    (None, "AU", "2600", "AU-ACT"),
    (None, "AU", "4000", "AU-QLD"),
    (None, "GB", "EH3 7RA", "GB-SCT"),
    (None, "GB", "G1 1AA", "GB-SCT"),
    (None, "GB", "CF10 1AA", "GB-WLS"),
    (None, "GB", "BT1 1AA", "GB-NIR"),
    (None, "GB", "W1G 9QD", "GB-ENG"),
    (None, "GB", "SY1 1AA", "GB-ENG"),   # Shrewsbury: SY is mostly English
    (None, "GB", "SY23 1AA", "GB-WLS"),  # Aberystwyth
    (None, "GB", "TD15 1AA", "GB-ENG"),  # Berwick-upon-Tweed
    (None, "GB", "TD1 1AA", "GB-SCT"),   # Galashiels
    (None, "GB", "CH5 1AA", "GB-WLS"),   # Deeside
    (None, "GB", "CH1 1AA", "GB-ENG"),   # Chester
    ("Atlantis", "US", None, None),
    ("ZZ", "US", "99999", None),
    (None, "US", None, None),
])
def test_normalise_region(raw, country, postal_code, expected):
    assert normalise_region(raw, country, postal_code) == expected


def test_written_region_wins_over_postcode():
    assert normalise_region("NJ", "US", "10001") == "US-NJ"


@pytest.mark.parametrize(("raw", "country", "expected"), [
    ("12345", "US", "12345"),
    ("12345-6789", "US", "12345-6789"),
    ("123456789", "US", "12345-6789"),
    ("2110", "US", "02110"),
    ("12", "US", None),
    ("v6b4n6", "CA", "V6B 4N6"),
    ("H3A  1A1", "CA", "H3A 1A1"),
    ("1234 AB", "GB", None),
    ("sw1a1aa", "GB", "SW1A 1AA"),
    ("W1G 9QD", "GB", "W1G 9QD"),
    ("EH1", "GB", "EH1"),
    ("2000", "AU", "2000"),
    ("20000", "AU", None),
    ("75008", "FR", "75008"),
])
def test_normalise_postal_code(raw, country, expected):
    assert normalise_postal_code(raw, country) == expected


@pytest.mark.parametrize(("raw", "base", "expected"), [
    ("https://clinic.example/", None, "https://clinic.example/"),
    ("/contact", "https://clinic.example/about/", "https://clinic.example/contact"),
    ("../x.html", "http://127.0.0.1:8000/clinics/a.html", "http://127.0.0.1:8000/x.html"),
    ("javascript:alert(1)", "https://clinic.example/", None),
    ("  JaVaScRiPt:alert(1)", "https://clinic.example/", None),
    ("java\nscript:alert(1)", "https://clinic.example/", None),
    ("data:text/html,<b>x</b>", None, None),
    ("vbscript:msgbox", None, None),
    ("mailto:info@clinic.example", None, None),
    ("tel:+14155550100", None, None),
    ("ftp://clinic.example/", None, None),
    ("", None, None),
])
def test_normalise_url(raw, base, expected):
    assert normalise_url(raw, base) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("<script>alert(1)</script>Acme Clinic", "Acme Clinic"),
    ('Safe Harbor &lt;script&gt;alert("xss")&lt;/script&gt;Clinic', "Safe Harbor Clinic"),
    ("Acme <img src=x onerror=alert(1)>Clinic", "Acme Clinic"),
    ("  Northside Pain &amp; Wellness \n ", "Northside Pain & Wellness"),
    ("Montr&eacute;al", "Montréal"),
    ("<b>Bold</b>\u00a0name", "Bold name"),
    ("<!-- hidden -->Visible", "Visible"),
    ("   ", None),
    (None, None),
])
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


@pytest.mark.parametrize("raw", [
    "Pain &amp;lt;b onmouseover=alert(1)&amp;gt;Clinic",
    "Pain &amp;amp;lt;script&amp;amp;gt;alert(1)&amp;amp;lt;/script&amp;amp;gt;Clinic",
    "Pain &amp;#60;img src=x onerror=alert(1)&amp;#62;Clinic",
    "Pain <<b>b onmouseover=alert(1)>Clinic",
])
def test_clean_text_strips_markup_however_deeply_it_was_encoded(raw):
    assert clean_text(raw) == "Pain Clinic"


@pytest.mark.parametrize(("raw", "expected"), [
    ("mailto:Info@Clinic.Example?subject=Hi", "info@clinic.example"),
    ("care@clinic.example", "care@clinic.example"),
    ("not an email", None),
])
def test_normalise_email(raw, expected):
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(("link", "page", "own_site", "expected"), [
    # The link the page gives for the clinic wins.
    ("https://clinic.example/", "https://directory.example/p/1", False, "https://clinic.example/"),
    ("https://clinic.example/?utm_source=dir&x=1", "https://directory.example/p/1", False,
     "https://clinic.example/?x=1"),
    # A directory profile is not the clinic's website.
    ("/p/1", "https://directory.example/p/1", False, None),
    (None, "https://directory.example/p/1", False, None),
    # On the clinic's own site: the site's home.
    (None, "https://www.clinic.example/contact-us/", True, "https://www.clinic.example/"),
    ("/contact-us/", "https://www.clinic.example/contact-us/", True, "https://www.clinic.example/"),
    ("javascript:alert(1)", "https://directory.example/p/1", False, None),
    # A directory's redirect link carries the clinic's site.
    ("/out?id=7&url=https%3A%2F%2Fclinic.example%2F%3Futm_medium%3Dx",
     "https://directory.example/p/1", False, "https://clinic.example/"),
])
def test_website_for(link, page, own_site, expected):
    assert website_for(link, page, own_site=own_site) == expected


@pytest.mark.parametrize(("name", "url", "site_name", "expected"), [
    ("Denver Ketamine Wellness", "https://denverketaminewellness.com/contact/", None, True),
    ("Western Sydney Pain Centre", "https://www.westernsydneypain.com.au/contact", None, True),
    ("Northside Pain & Wellness", "https://www.nspw.example/", "Northside Pain & Wellness", True),
    ("Golden Gate Ketamine Clinic", "https://painclinicfinder.example/c/1", "Pain Clinic Finder",
     False),
    ("Acme Clinic", "http://127.0.0.1:8000/clinics/acme.html", None, False),
])
def test_looks_like_own_site(name, url, site_name, expected):
    assert looks_like_own_site(name, url, site_name) is expected


@pytest.mark.parametrize("raw", ["walk@all.i", "a..b@clinic.com", "care@clinic.test", "x@"])
def test_an_email_address_needs_a_real_domain(raw):
    assert normalise_email(raw) is None


def test_lower_case_gives_each_letter_re_i_would_match_a_lower_case_pattern_letter_to():
    letters = string.ascii_lowercase + "é"
    any_letter = re.compile(f"[{letters}]", re.I)
    for code in range(0x110000):
        char = chr(code)
        lowered = lower_case(char)
        if any_letter.fullmatch(char):
            assert lowered in letters and re.fullmatch(lowered, char, re.I), hex(code)
        else:
            assert lowered == char, hex(code)
    assert lower_case("ÉTÉ İN MÜNCHEN") == "été in mÜnchen"  # only the letters of the table

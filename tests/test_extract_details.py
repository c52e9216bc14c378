"""Hours, prices, payment, telehealth, new patients, referral and languages as pages state them."""

import re

import pytest

from crawler.extract import extract_clinics
from crawler.extract.clinics import share_page_hours
from crawler.extract.details import (
    FLAGS,
    PAYMENT,
    flag_in,
    hours_in,
    languages_in,
    payment_in,
    prices_in,
    schema_hours,
)
from crawler.extract.page import Page
from reliefmap.normalise import lower_case


def hours(*lines):
    return [(entry["day"], entry["opens"], entry["closes"]) for entry in hours_in(list(lines))]


@pytest.mark.parametrize(("lines", "expected"), [
    (["Mon–Thu 8am–5pm, Fri 8–noon"],
     [("Mo", "08:00", "17:00"), ("Tu", "08:00", "17:00"), ("We", "08:00", "17:00"),
      ("Th", "08:00", "17:00"), ("Fr", "08:00", "12:00")]),
    (["Monday: 9:00 a.m. – 12:30 p.m.", "Saturday: Closed"], [("Mo", "09:00", "12:30")]),
    (["Monday", "9:00 AM - 5:00 PM", "Tuesday", "Closed", "Wednesday", "10-6"],
     [("Mo", "09:00", "17:00"), ("We", "10:00", "18:00")]),
    # A lunch break gives two intervals.
    (["Friday 9:00-12:00 and 13:00-17:00"], [("Fr", "09:00", "12:00"), ("Fr", "13:00", "17:00")]),
    (["Lundi au vendredi : 8h30 à 17h"], [(day, "08:30", "17:00")
                                          for day in ("Mo", "Tu", "We", "Th", "Fr")]),
    # The times before their days, and a misspelt day.
    (["Location Hours: 9 to 5; Monday to Wednesday"],
     [("Mo", "09:00", "17:00"), ("Tu", "09:00", "17:00"), ("We", "09:00", "17:00")]),
    (["Thurday", "7:00 AM - 7:00 PM"], [("Th", "07:00", "19:00")]),
])
def test_hours_as_pages_write_them(lines, expected):
    assert hours(*lines) == expected


@pytest.mark.parametrize("line", ["Phone lines open Mon–Fri 8am–8pm",
                                  "Our call centre answers Monday to Sunday 7am-10pm",
                                  "Open by appointment"])
def test_hours_that_are_not_the_clinics_opening(line):
    assert hours(line) == []


def test_schema_org_hours_in_both_forms():
    node = {"openingHoursSpecification": [
        {"dayOfWeek": ["https://schema.org/Monday", "Tuesday"], "opens": "09:00",
         "closes": "17:00"}], "openingHours": "Sa 10:00-14:00"}
    assert [(e["day"], e["opens"], e["closes"]) for e in schema_hours(node)] == [
        ("Mo", "09:00", "17:00"), ("Tu", "09:00", "17:00"), ("Sa", "10:00", "14:00")]
    assert len(schema_hours({"openingHours": ["Mo-Fr 08:00-16:00"]})) == 5


@pytest.mark.parametrize(("line", "country", "expected"), [
    ("Ketamine infusion: $450 per infusion", "US", (450, "USD", "infusion")),
    ("Series of 6: $2,400", "US", (2400, "USD", "series")),
    ("£350 per session", "GB", (350, "GBP", "session")),
    ("Initial consultation $150", "US", (150, "USD", "consultation")),
    ("$495 per infusion", "CA", (495, "CAD", "infusion")),
    ("Auricular acupuncture, 30 min $35", "US", (35, "USD", "session")),
])
def test_prices(line, country, expected):
    [price] = prices_in([line], country)
    assert (price["amount"], price["currency"], price["per"]) == expected


def test_a_price_alone_on_its_line_is_read_with_its_card():
    lines = ["Induction Series", "$2,400", "6 infusions over 3 weeks", "Maintenance",
             "$450", "Single ketamine infusion", "Follow-up Appointment", "£55", "Progress review"]
    prices = prices_in(lines, "US")
    assert [(price["amount"], price["per"]) for price in prices] == [
        (2400, "series"), (450, "infusion"), (55, "session")]
    assert prices[1]["context"] == "Maintenance $450 Single ketamine infusion Follow-up Appointment"


def test_each_price_of_a_list_on_one_line_is_read_with_its_own_words():
    line = ("Initial intake and treatment, 1.5 hr $150 · Follow-up, 1 hr $125 · "
            "Package of 5 visits $475; Phone consult $40")
    assert [(price["amount"], price["per"]) for price in prices_in([line], "US")] == [
        (150, "consultation"), (125, "session"), (475, "series"), (40, "consultation")]


def test_tags_side_by_side_are_words_of_their_own():
    [record] = extract_clinics(
        "<html><body><main><h1>Calm Acupuncture</h1><p>12 Main St, Tucson, AZ 85704</p>"
        "<p>(520) 555-0134</p><div><a href='/t/a'>Acupuncture</a><a href='/t/h'>Herbology</a>"
        "<span class='tag'>Telehealth</span></div></main></body></html>",
        "https://calm.example/")
    assert record["telehealth"] is True


@pytest.mark.parametrize("line", ["Save $50 on your first visit", "Raised $2,000 for research",
                                  "Your copay may be $40"])
def test_what_is_no_price(line):
    assert prices_in([line], "US") == []


@pytest.mark.parametrize(("text", "expected"), [
    ("We are out-of-network; we provide superbills for reimbursement.", ["self-pay"]),
    ("We accept most insurance plans, including Medicare.", ["medicare", "private-insurance"]),
    ("We do not accept Medicare or Medicaid.", []),
    ("We do not accept insurance.", ["self-pay"]),
    ("Financing through CareCredit. HSA/FSA cards welcome.", ["financing", "hsa-fsa"]),
    ("We are a VA Community Care provider and accept workers' comp cases.",
     ["tricare-va", "workers-comp"]),
    # Medi-Cal is Medicaid; "medical" is not.
    ("Medical care for Medi-Cal members.", ["medicaid"]),
    ("Most insurance plans do not cover ketamine infusions.", ["self-pay"]),
    # Canadian, Australian and British wording.
    ("WSIB, Private Client, Extended Health Coverage",
     ["private-insurance", "self-pay", "workers-comp"]),
    ("Covered by most health funds; HICAPS on site. DVA and WorkCover claims welcome.",
     ["private-insurance", "tricare-va", "workers-comp"]),
    ("We are approved by all the major insurance companies.", ["private-insurance"]),
    # A directory card's label and value.
    ("Fees\n$120\nInsurance\nNot accepted", ["self-pay"]),
    ("Insurance: Accepted — verify your plan with the practice", ["private-insurance"]),
    ("Self-funding patients are welcome.", ["self-pay"]),
])
def test_payment(text, expected):
    assert payment_in(text) == expected


# Each letter re.I would match to a pattern's: upper case, É, the Kelvin sign, long s, Turkish i.
CASES = ["WE ACCEPT MOST INSURANCE AND MEDICARE", "TÉLÉCONSULTATION disponible",
         "Wor\u212aSafe claims", "\u017felf-pay only", "MEDİCARE and MEDıCAID",
         "Financing: CareCredit", "NOT ACCEPTING NEW PATIENTS", "Referral REQUIRED",
         "Blue Cross, Aetna and Cigna"]


@pytest.mark.parametrize("text", CASES)
def test_the_lower_cased_text_reads_as_the_patterns_would_blind_to_case(text):
    patterns = [pattern for _, pattern in PAYMENT] + [p for pair in FLAGS.values() for p in pair]
    lowered = lower_case(text)
    assert len(lowered) == len(text)
    for pattern in patterns:
        blind = re.compile(pattern.pattern, re.I)
        assert ([match.span() for match in pattern.finditer(lowered)]
                == [match.span() for match in blind.finditer(text)]), pattern.pattern


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("telehealth", "Telehealth consultations are available.", True),
    ("telehealth", "All visits are in person at our clinic.", False),
    ("telehealth", "Call us to book.", None),
    ("accepting_new_patients", "New patients welcome!", True),
    ("accepting_new_patients", "We are currently not accepting new patients.", False),
    ("referral_required", "A referral from your physician is required.", True),
    ("referral_required", "Referral from your GP required before the first visit.", True),
    ("referral_required", "Referral required from your physician.", True),
    ("referral_required", "No referral needed: you can self-refer.", False),
    ("referral_required", "You do not need a doctors referral.", False),
])
def test_flags(name, text, expected):
    assert flag_in(name, text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Se habla español.", ["es"]),
    ("Languages spoken: English, Spanish and Vietnamese.", ["en", "es", "vi"]),
    ("Nous parlons français et anglais.", ["en", "fr"]),
    # A heading and the languages' own names on the lines below it.
    ("We speak:\nEspañol\nالعربية\n中文\nWelcome to our clinic", ["ar", "es", "zh"]),
    ("Ketamine infusions in Seattle.", []),  # the page's own language alone does not count
])
def test_languages(text, expected):
    assert languages_in(text) == expected


def test_a_clinic_page_yields_its_details_with_the_datas_first():
    ld = ('{"@type": "MedicalClinic", "name": "Harbor Pain Clinic", "telephone": "555-0100",'
          ' "address": {"streetAddress": "1 Bay St", "addressLocality": "Seattle",'
          ' "addressRegion": "WA", "postalCode": "98101"},'
          ' "openingHoursSpecification": {"dayOfWeek": "Monday", "opens": "09:00",'
          ' "closes": "17:00"}, "availableLanguage": ["English", "Spanish"]}')
    body = ("<h1>Harbor Pain Clinic</h1><p>1 Bay St<br>Seattle, WA 98101</p>"
            "<p>Hours: Mon–Fri 8am–6pm</p><p>Ketamine infusions: $450 per infusion.</p>"
            "<p>We accept Medicare and offer CareCredit financing. Telehealth visits available."
            " New patients welcome.</p>")
    html = (f'<html><head><script type="application/ld+json">{ld}</script></head>'
            f"<body>{body}</body></html>")
    [item] = extract_clinics(html, "https://harborpain.example/")
    assert item["hours"] == [{"day": "Mo", "opens": "09:00", "closes": "17:00"}]
    assert item["languages"] == ["en", "es"]
    assert [(p["amount"], p["per"]) for p in item["prices"]] == [(450, "infusion")]
    assert item["payment"] == ["financing", "medicare"]
    assert (item["telehealth"], item["accepting_new_patients"], item["referral_required"]) == (
        True, True, None)


def test_a_price_is_for_the_treatment_its_words_name():
    from crawler.preview import preview
    from reliefmap.config import load_config

    body = (b"<h1>Harbor Pain Clinic</h1><p>1 Bay St<br>Seattle, WA 98101</p>"
            b"<p>Ketamine infusion: $450 per infusion</p><p>Initial consultation $150</p>")
    [record] = preview(body, "https://harborpain.example/", "clinics", "US", load_config())
    assert record["prices"] == [
        {"amount": 450, "currency": "USD", "per": "infusion", "treatment": "ketamine-iv-infusion"},
        {"amount": 150, "currency": "USD", "per": "consultation", "treatment": None}]



PRACTICE_PAGE = ("<html><head><title>Locations | Calmwater Pain</title></head><body><main>"
                 "<h1>Calmwater Pain offices</h1><p>Hours of Operation:</p>"
                 "<p>Monday - Thursday | 8:00am - 5:00pm</p><p>Friday | 8:00am - 12:00pm</p>"
                 "<h3>Dunn Office</h3><p>1 Main St<br>Dunn, NC 27501</p>{more}"
                 "</main></body></html>")
WEEKDAYS = {("Mo", "17:00"), ("Tu", "17:00"), ("We", "17:00"), ("Th", "17:00"), ("Fr", "12:00")}


def offices(more: str = "", first_hours=()):
    page = Page(PRACTICE_PAGE.format(more=more), "https://calmwaterpain.example/locations")
    records = [{"name": "Calmwater Pain", "hours": list(first_hours)},
               {"name": "Calmwater Pain", "hours": []}, {"name": "Calmwater Pain", "hours": []}]
    share_page_hours(records, page)
    return [{(h["day"], h["closes"]) for h in record["hours"]} for record in records]


def test_hours_stated_once_for_a_practices_offices_are_each_offices():
    assert offices() == [WEEKDAYS] * 3


def test_hours_stated_in_several_places_are_not_shared():
    saturday = [{"day": "Sa", "opens": "09:00", "closes": "13:00"}]
    assert offices("<h3>Wilson Office</h3><p>2 Main St</p><p>Saturday 9am-1pm</p>",
                   saturday) == [{("Sa", "13:00")}, set(), set()]

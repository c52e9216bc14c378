"""The sample clinic directory states clinic details in varied forms; a real crawl over HTTP
stores what each page states, and not the traps (a call centre's hours, an insurance news
teaser, another location's hours). sample_sites/README.md lists the same expectations."""

from sqlalchemy import select

from models import Clinic

WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr")


def week(days, opens, closes):
    return {(day, opens, closes) for day in days}


EXPECTED = {
    "Sunshine Ketamine Centers": {  # prices in a list; hours below, one set per location
        "prices": {(450, "USD", "infusion", "ketamine-iv-infusion"), (2400, "USD", "series", None)},
        "payment": ["financing", "hsa-fsa", "self-pay"], "telehealth": True,
        "accepting_new_patients": True, "referral_required": None, "languages": []},
    "Hudson Pain Relief Center": {  # openingHours strings; Se habla español
        "hours": week(WEEKDAYS, "09:00", "17:00") | {("Sa", "10:00", "14:00")}, "prices": set(),
        "payment": ["medicare", "private-insurance"], "telehealth": None,
        "accepting_new_patients": None, "referral_required": True, "languages": ["es"]},
    "Lone Star Infusion Clinic": {  # prose hours with a closed weekend
        "hours": week(WEEKDAYS[:4], "08:00", "17:00") | {("Fr", "08:00", "12:00")},
        "prices": {(475, "USD", "infusion", "ketamine-iv-infusion")}, "payment": ["tricare-va"],
        "telehealth": False, "accepting_new_patients": None, "referral_required": False,
        "languages": []},
    "Peachtree CRPS Center": {  # an hours table with a lunch break; a news teaser
        "hours": week(WEEKDAYS[:4], "08:00", "12:00") | week(WEEKDAYS[:4], "13:00", "17:00"),
        "prices": set(), "payment": [], "telehealth": None, "accepting_new_patients": False,
        "referral_required": None, "languages": []},
    "Harley Street Pain Clinic": {  # 12:30 p.m.; pounds
        "hours": week(WEEKDAYS, "09:00", "18:00") | {("Sa", "09:00", "12:30")},
        "prices": {(250, "GBP", "consultation", None), (350, "GBP", "session", "nerve-block")},
        "payment": ["private-insurance", "self-pay"], "telehealth": False,
        "accepting_new_patients": None, "referral_required": None, "languages": []},
    "Cascadia Pain Clinic": {  # a Canadian page's dollars are CAD
        "hours": set(), "prices": {(600, "CAD", "infusion", "ketamine-iv-infusion")},
        "payment": ["private-insurance"], "telehealth": True, "accepting_new_patients": None,
        "referral_required": None, "languages": ["en", "fr", "pa"]},
    "Harbour City Pain Clinic": {  # A$
        "hours": week(WEEKDAYS, "08:30", "17:00"),
        "prices": {(720, "AUD", "infusion", "ketamine-iv-infusion")}, "payment": ["medicare"],
        "telehealth": True, "accepting_new_patients": None, "referral_required": True,
        "languages": []},
}


def hours(location) -> set:
    return {(h["day"], h["opens"], h["closes"]) for h in location.hours}


def details(clinic: Clinic) -> dict:
    return {
        **({"hours": hours(clinic.locations[0])} if len(clinic.locations) == 1 else {}),
        "prices": {(p["amount"], p["currency"], p["per"], p["treatment"]) for p in clinic.prices},
        "payment": clinic.payment, "telehealth": clinic.telehealth,
        "accepting_new_patients": clinic.accepting_new_patients,
        "referral_required": clinic.referral_required, "languages": clinic.languages,
    }


def test_a_crawl_stores_the_details_each_sample_page_states(run_cli, database, directory_source):
    result = run_cli("crawl", directory_source)
    assert result.returncode == 0, result.stderr
    with database.read_session() as session:
        clinics = {clinic.name.split(" – ")[0]: clinic for clinic in session.scalars(
            select(Clinic).where(Clinic.state != "merged"))}
        assert {name: details(clinics[name]) for name in EXPECTED} == EXPECTED
        sunshine = clinics["Sunshine Ketamine Centers"]  # JSON-LD openingHoursSpecification
        assert {location.locality: hours(location) for location in sunshine.locations} == {
            "Miami": week(WEEKDAYS[:4], "08:00", "18:00") | {("Fr", "08:00", "14:00")},
            "Tampa": week(("Tu", "We", "Th", "Fr", "Sa"), "10:00", "16:00")}
        for name in ("prices", "telehealth"):
            assert sunshine.provenance[name]["url"].endswith("/clinics/sunshine-ketamine.html")

from models import Clinic, Location, Resource, Term
from models.entries import (
    apply_clinic_fields,
    apply_resource_fields,
    clinic_fields,
    clinic_fields_from_record,
    field_diff,
    resource_fields,
)

RECORD = {
    "name": "Hudson Ketamine Center", "phone": "+15185550100", "website": "https://hk.example/",
    "email": None,
    "address": {"street": "12 State St, Suite 4", "locality": "Albany", "region": "US-NY",
                "postal_code": "12207", "country": "US"},
    "geo": {"lat": 42.65, "lon": -73.75},
    "treatments": ["ketamine-iv-infusion"], "conditions": ["fibromyalgia", "crps"],
    "source_url": "https://dir.example/hk",
}


def add_terms(session):
    session.add_all([Term(slug="crps", kind="condition", label="CRPS"),
                     Term(slug="fibromyalgia", kind="condition", label="Fibro"),
                     Term(slug="ketamine-iv-infusion", kind="treatment", label="IV")])
    session.flush()


def test_record_fields_apply_to_a_clinic_and_read_back_the_same(database):
    fields = clinic_fields_from_record(RECORD)
    assert fields["street"] == "12 State St, Suite 4" and fields["latitude"] == 42.65
    assert fields["conditions"] == ["crps", "fibromyalgia"]
    with database.write_session.begin() as session:
        add_terms(session)
        clinic = Clinic(slug="hk", name="?")
        session.add(clinic)
        apply_clinic_fields(session, clinic, fields)
        session.flush()
        assert field_diff(clinic_fields(clinic), fields) == {}
        assert clinic.locations[0].postal_code == "12207"


def test_diff_names_only_the_changed_fields(database):
    with database.write_session.begin() as session:
        add_terms(session)
        clinic = Clinic(slug="hk", name="Hudson Ketamine Center", phone="+15185550100",
                        locations=[Location(locality="Albany", latitude=42.650001)])
        session.add(clinic)
        apply_clinic_fields(session, clinic, {"conditions": ["crps"]})
        before = clinic_fields(clinic)
        after = dict(before, phone="+15185550199", latitude=42.650002, conditions=["crps"])
        assert field_diff(before, after) == {"phone": {"old": "+15185550100",
                                                       "new": "+15185550199"}}


def test_resource_fields_round_trip_dates_and_terms(database):
    with database.write_session.begin() as session:
        add_terms(session)
        resource = Resource(slug="r", title="?", url="https://r.example/a")
        session.add(resource)
        fields = {"title": "Living with CRPS", "url": "https://r.example/a", "kind": "story",
                  "summary": "s", "author": "Jane Doe", "published": "2025-03-03",
                  "treatments": [], "conditions": ["crps"]}
        apply_resource_fields(session, resource, fields)
        session.flush()
        assert resource_fields(resource) == fields

"""Full-text search: the triggers keep the index right on every write, on both engines."""

import pytest
from sqlalchemy import select, text

from models import Clinic, Location, Resource, Term
from models.entries import apply_clinic_fields
from web import queries, search


def found(database, q):
    with database.read_session() as session:
        return [hit.clinic.name for hit in queries.find_clinics(session, q=q).items]


@pytest.mark.parametrize("q, expected", [
    ("manhattan", ["Manhattan Ketamine Center"]),
    ("MANHAT", ["Manhattan Ketamine Center"]),  # prefix, any case
    ("zurich", ["Zürich Schmerzklinik"]),  # accents folded
    ("tic douloureux", ["Zürich Schmerzklinik"]),  # a synonym of the clinic's condition
    ("M5V", ["Toronto Pain Centre"]),  # a postal code
    ("harley", ["London Pain Clinic"]),  # a street
    ("ketamine new york", ["Manhattan Ketamine Center"]),  # every word must match
    ("post-herpetic", []),
    ("'\"*)( OR NEAR", []),  # query syntax is never passed through
])
def test_words_match_names_terms_and_places(database, directory, q, expected):
    assert found(database, q) == expected


def test_query_words_split_like_the_index():
    assert search.query_words("Ketamine-IV, Zürich!") == ["ketamine", "iv", "zurich"]
    assert search.query_words("  ") == []


def test_triggers_follow_every_write(database, directory):
    with database.write_session.begin() as session:
        clinic = session.scalar(select(Clinic).where(Clinic.name == "Buffalo Nerve Block Clinic"))
        clinic.name, clinic.description = "Niagara Nerve Block Clinic", "Nerve blocks."
    assert found(database, "niagara") == ["Niagara Nerve Block Clinic"]
    assert found(database, "buffalo") == ["Niagara Nerve Block Clinic"]  # still its locality

    with database.write_session.begin() as session:
        clinic = session.scalar(select(Clinic).where(Clinic.name == "Niagara Nerve Block Clinic"))
        clinic.locations[0].locality = "Rochester"
        apply_clinic_fields(session, clinic, {"conditions": ["migraine"]})
    assert found(database, "buffalo") == []
    assert found(database, "rochester migraine") == ["Niagara Nerve Block Clinic"]

    with database.write_session.begin() as session:
        term = session.get(Term, "migraine")
        term.synonyms = [*term.synonyms, "hemicrania"]
    assert found(database, "hemicrania") == ["Niagara Nerve Block Clinic"]

    with database.write_session.begin() as session:
        clinic = session.scalar(select(Clinic).where(Clinic.name == "Niagara Nerve Block Clinic"))
        clinic.locations.append(Location(locality="Syracuse", region="US-NY", country="US"))
    assert found(database, "syracuse") == ["Niagara Nerve Block Clinic"]

    with database.write_session.begin() as session:
        session.delete(session.scalar(select(Clinic).where(Clinic.name.like("Niagara%"))))
    assert found(database, "niagara") == []
    with database.read_session() as session:
        assert session.scalar(select(Clinic.id).where(Clinic.name.like("Niagara%"))) is None


def indexed(database, kind: str) -> set[int]:
    column = "rowid" if database.engine.dialect.name == "sqlite" else f"{kind}_id"
    with database.read_session() as session:
        return set(session.scalars(text(f"SELECT {column} FROM {kind}_search")))


def test_only_published_entries_are_indexed_and_found(database, directory):
    with database.read_session() as session:
        published = set(session.scalars(select(Clinic.id).where(Clinic.state == "published")))
        pending = session.scalar(select(Clinic.id).where(
            Clinic.name == "Pending Ketamine Place"))
    assert indexed(database, "clinic") == published
    assert found(database, "pending") == []
    with database.write_session.begin() as session:  # a pending entry's writes index nothing
        clinic = session.get(Clinic, pending)
        clinic.locations[0].locality = "Albany"
        apply_clinic_fields(session, clinic, {"conditions": ["migraine"]})
    assert pending not in indexed(database, "clinic")
    with database.write_session.begin() as session:
        session.get(Clinic, pending).state = "published"
    assert found(database, "pending albany migraine") == ["Pending Ketamine Place"]
    with database.write_session.begin() as session:  # withdrawn: out of the index again
        session.get(Clinic, pending).state = "rejected"
    assert pending not in indexed(database, "clinic") and found(database, "pending") == []


def test_resources_are_searchable_by_title_summary_author_and_terms(database, directory):
    with database.read_session() as session:
        def titles(q):
            return [r.title for r in queries.find_resources(session, q=q).items]

        assert titles("practical") == ["Living with CRPS: a practical guide"]
        assert titles("writer") == ["Living with CRPS: a practical guide"]
        assert titles("reflex sympathetic") == [  # a synonym of CRPS
            "Living with CRPS: a practical guide", "CRPS Support Circle", "RSDSA"]
    with database.write_session.begin() as session:
        session.scalar(select(Resource).where(Resource.title == "RSDSA")).summary = "Bonjour"
    with database.read_session() as session:
        assert [r.title for r in queries.find_resources(session, q="bonjour").items] == ["RSDSA"]

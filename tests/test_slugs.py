"""Slugs: a clinic's folded name, numbered when another clinic has it."""

from models.directory import Clinic
from models.slugs import unique_slugs


def test_a_taken_name_gets_the_next_free_number_in_and_across_batches(database):
    with database.write_session.begin() as session:
        session.add_all([Clinic(slug=slug, name="Cedar Pain Clinic")
                         for slug in ("cedar-pain-clinic", "cedar-pain-clinic-2",
                                      "cedar-pain-clinic-4", "cedar-pain-clinic-east")])
    with database.write_session.begin() as session:
        slugs = unique_slugs(session.connection(), Clinic,
                             ["Cedar Pain Clinic", "Cedar Pain Clinic", "Cedar Pain Clinic",
                              "Cedar Pain", "Cedar Pain Clinic East"])
    assert slugs == ["cedar-pain-clinic-3", "cedar-pain-clinic-5", "cedar-pain-clinic-6",
                     "cedar-pain", "cedar-pain-clinic-east-2"]

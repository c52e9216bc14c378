"""The query layer: filters with the taxonomy hierarchy, distance, sorting, paging, facets,
regions; only published entries."""

import pytest
from sqlalchemy import func, select, text

from models import Clinic, Location, Source, SourceRecord, Term
from reliefmap.geocode import geocode_place
from tests.public_fixtures import UNPUBLISHED
from web import queries
from web.details import DetailFilter


@pytest.fixture
def session(database, directory):
    with database.read_session() as session:
        yield session


def names(results):
    return [hit.clinic.name for hit in results.items]


def test_no_filter_lists_published_clinics_by_name(session):
    found = queries.find_clinics(session)
    assert found.total == 9
    assert names(found) == sorted(names(found))
    assert not set(names(found)) & set(UNPUBLISHED)


def test_a_parent_condition_finds_clinics_tagged_with_a_child(session):
    found = queries.find_clinics(session, condition="neuropathic-pain")
    assert set(names(found)) >= {"Brooklyn Nerve Pain Relief",  # diabetic-neuropathy
                                 "Buffalo Nerve Block Clinic",  # neuropathic-pain itself
                                 "Toronto Pain Centre"}  # crps, a child of neuropathic-pain
    assert "Newark Infusion Suite" not in names(found)  # fibromyalgia only


def test_condition_and_treatment_and_region_combine(session):
    found = queries.find_clinics(session, condition="crps", treatment="ketamine-iv-infusion",
                                 region="us-ny")
    assert names(found) == ["Manhattan Ketamine Center"]
    assert found.items[0].location.region == "US-NY"


def test_near_a_postal_code_sorts_by_distance_within_the_radius(session):
    place = geocode_place("10001")
    found = queries.find_clinics(session, near=place, radius_km=50, sort="distance")
    assert names(found) == ["Manhattan Ketamine Center", "Brooklyn Nerve Pain Relief",
                            "Newark Infusion Suite"]
    distances = [hit.distance_km for hit in found.items]
    assert distances == sorted(distances) and distances[0] < 2 and distances[-1] < 50
    assert found.facets.regions == {"US-NY": 2, "US-NJ": 1}
    assert found.facets.conditions["neuropathic-pain"] == 2  # crps + diabetic-neuropathy


def test_near_with_condition_and_a_bigger_radius(session):
    place = geocode_place("Toronto")
    found = queries.find_clinics(session, condition="neuropathic-pain", near=place,
                                 radius_km=200, sort="distance")
    assert names(found) == ["Toronto Pain Centre", "Buffalo Nerve Block Clinic"]
    assert 80 < found.items[1].distance_km < 120


def test_near_sorted_by_name(session):
    found = queries.find_clinics(session, near=geocode_place("10001"), radius_km=50)
    assert names(found) == sorted(names(found))


def test_sort_by_last_verified_puts_the_newest_first_and_unverified_last(session):
    found = queries.find_clinics(session, sort="verified")
    assert names(found)[:2] == ["Brooklyn Nerve Pain Relief", "Manhattan Ketamine Center"]


def test_pagination(session):
    first = queries.find_clinics(session, per_page=4)
    third = queries.find_clinics(session, per_page=4, page=3)
    assert (first.total, first.pages, len(first.items), len(third.items)) == (9, 3, 4, 1)
    assert first.has_next and not third.has_next
    everything = names(queries.find_clinics(session, per_page=100))
    assert names(first) == everything[:4] and names(third) == everything[8:]


def test_facets_count_clinics_per_term_with_the_hierarchy_and_per_region(session):
    found = queries.find_clinics(session, country="US")
    assert found.facets.treatments["ketamine-iv-infusion"] == 3
    assert found.facets.conditions["crps"] == 2
    assert found.facets.conditions["neuropathic-pain"] == 4  # crps x2, diabetic, itself
    assert found.facets.regions == {"US-NY": 3, "US-NJ": 1, "US-CA": 1}


def test_text_search_finds_words_in_names_terms_and_places(session):
    assert names(queries.find_clinics(session, q="buffalo")) == ["Buffalo Nerve Block Clinic"]
    assert "Toronto Pain Centre" in names(queries.find_clinics(session, q="ketamine toronto"))
    assert names(queries.find_clinics(session, q="RSD vancouver")) == ["Vancouver CRPS Clinic"]


def test_region_counts_nest_country_region_locality(session):
    tree = {node.code: node for node in queries.region_counts(session)}
    assert tree["US"].count == 5 and tree["US"].name == "United States"
    assert [(r.code, r.count) for r in tree["US"].children] == [
        ("US-NY", 3), ("US-CA", 1), ("US-NJ", 1)]
    assert tree["US"].children[0].children == []  # localities only when narrowed
    (us,) = queries.region_counts(session, region="US-NY")
    (ny,) = us.children
    assert ny.name == "New York"
    assert {(loc.name, loc.count) for loc in ny.children} == {
        ("New York", 1), ("Brooklyn", 1), ("Buffalo", 1)}


def test_a_clinic_with_two_locations_counts_once(database, directory):
    with database.write_session.begin() as session:
        clinic = session.query(Clinic).filter_by(slug=directory["Toronto Pain Centre"]).one()
        clinic.locations.append(Location(locality="Ottawa", region="CA-ON", country="CA",
                                         latitude=45.42, longitude=-75.69))
    with database.read_session() as session:
        (canada,) = queries.region_counts(session, country="CA")
        assert [(r.code, r.count) for r in canada.children] == [("CA-BC", 1), ("CA-ON", 1)]
        found = queries.find_clinics(session, near=geocode_place("Ottawa"), radius_km=20)
        assert names(found) == ["Toronto Pain Centre"]
        assert found.items[0].location.locality == "Ottawa"


def test_get_clinic_and_nearby_only_published(session, directory):
    assert queries.get_clinic(session, directory["Pending Ketamine Place"]) is None
    clinic = queries.get_clinic(session, directory["Manhattan Ketamine Center"])
    nearby = [hit.clinic.name for hit in queries.nearby_clinics(session, clinic)]
    assert nearby == ["Brooklyn Nerve Pain Relief", "Newark Infusion Suite"]
    # The circle widens step by step; a smaller limit stops earlier with the closest still first.
    closest = queries.nearby_clinics(session, clinic, limit=1)
    assert [hit.clinic.name for hit in closest] == ["Brooklyn Nerve Pain Relief"]
    assert closest[0].distance_km < 20


def card_view(hit):
    """What a result card shows of a hit, read the same from a card or a loaded clinic."""
    clinic, location = hit.clinic, hit.location
    return (clinic.slug, clinic.name, clinic.status, clinic.phone, tuple(clinic.treatments),
            tuple(clinic.conditions), location.id, location.street, location.locality,
            location.region, location.postal_code, location.country, location.latitude,
            location.longitude, hit.distance_km)


@pytest.mark.parametrize("question", [
    {"near": "10001", "radius_km": 50, "sort": "distance"},
    {"near": "10001", "radius_km": 500, "sort": "name", "condition": "neuropathic-pain"},
    {"near": "Vancouver", "radius_km": 5, "treatment": "ketamine-iv-infusion"},  # nearest
])
def test_cards_read_with_the_circle_show_what_the_loaded_clinics_show(session, question):
    asked = {**question, "near": geocode_place(question["near"])}
    loaded = queries.find_clinics(session, **asked)
    cards = queries.find_clinics(session, **asked, cards=True)
    assert loaded.items or loaded.nearest
    assert [card_view(hit) for hit in cards.items] == [card_view(hit) for hit in loaded.items]
    assert ([card_view(hit) for hit in cards.nearest]
            == [card_view(hit) for hit in loaded.nearest])
    assert (cards.total, cards.facets) == (loaded.total, loaded.facets)


@pytest.mark.parametrize("place, count, wanted", [
    ("10001", 2, {}), ("10001", 5, {"condition": "neuropathic-pain"}),
    ("Toronto", 3, {"treatment": "ketamine-iv-infusion"}), ("Vancouver", 10, {}),
])
def test_the_nearest_clinics_are_the_first_of_a_search_of_the_whole_radius(session, place,
                                                                              count, wanted):
    near = geocode_place(place)
    searched = queries.find_clinics(session, near=near, radius_km=queries.MAX_RADIUS_KM,
                                    sort="distance", per_page=count, **wanted)
    nearest = queries.nearest_clinics(session, near, count, **wanted)
    assert searched.items
    assert ([(hit.clinic.slug, hit.location.id, hit.distance_km) for hit in nearest]
            == [(hit.clinic.slug, hit.location.id, hit.distance_km) for hit in searched.items])
    cards = queries.nearest_clinics(session, near, count, **wanted, cards=True)
    assert [card_view(hit) for hit in cards] == [card_view(hit) for hit in nearest]


def locations_in_box(session, place, radius_km: float) -> int:
    """Every location (any clinic's) in the box around the place, counted from the table."""
    south, north, west, east = queries.bounding_box(place.lat, place.lon, radius_km)
    return session.scalar(select(func.count()).select_from(Location).where(
        Location.latitude.between(south, north), Location.longitude.between(west, east)))


def test_a_near_search_where_too_many_locations_lie_reads_a_narrower_radius(session,
                                                                           monkeypatch):
    place = geocode_place("10001")
    asked = queries.MAX_RADIUS_KM
    full = queries.find_clinics(session, near=place, radius_km=asked, sort="distance")
    assert (full.radius_km, full.asked_radius_km, full.narrowed) == (asked, asked, False)
    most = locations_in_box(session, place, asked) - 1
    monkeypatch.setattr(queries, "MAX_NEAR_LOCATIONS", most)
    narrowed = queries.find_clinics(session, near=place, radius_km=asked, sort="distance")
    radius = narrowed.radius_km
    assert (narrowed.asked_radius_km, radius < asked, narrowed.narrowed) == (asked, True, True)
    assert radius in queries.NARROWER_RADII_KM
    assert locations_in_box(session, place, radius) <= most  # the widest that holds few
    wider = [r for r in queries.NARROWER_RADII_KM if radius < r < asked]
    assert not wider or locations_in_box(session, place, wider[0]) > most
    # What a search of the narrower radius finds, with nothing narrowed
    monkeypatch.setattr(queries, "MAX_NEAR_LOCATIONS", most + 1)
    direct = queries.find_clinics(session, near=place, radius_km=radius, sort="distance")
    assert direct.radius_km == radius
    assert ([(hit.clinic.slug, hit.distance_km) for hit in narrowed.items]
            == [(hit.clinic.slug, hit.distance_km) for hit in direct.items])
    assert (narrowed.total, narrowed.facets) == (direct.total, direct.facets)
    assert narrowed.total < full.total  # 250 km: 3 of the 4 within 500


def test_a_near_search_where_even_the_narrowest_box_is_crowded_reads_the_narrowest(
        session, monkeypatch):
    monkeypatch.setattr(queries, "MAX_NEAR_LOCATIONS", 0)
    found = queries.find_clinics(session, near=geocode_place("10001"), radius_km=50)
    assert found.radius_km == queries.NARROWER_RADII_KM[0]


def test_near_facets_count_a_clinic_once_per_term_region_and_day(database, details_directory):
    with database.write_session.begin() as session:
        clinic = session.scalar(select(Clinic).where(Clinic.name == "Manhattan Ketamine Center"))
        clinic.locations.append(Location(  # a second address in the circle, another state
            locality="Hoboken", region="US-NJ", country="US", latitude=40.745,
            longitude=-74.03, hours=[{"day": "Mo", "opens": "09:00", "closes": "17:00"},
                                     {"day": "Su", "opens": "10:00", "closes": "14:00"}]))
        clinic.locations.append(Location(  # far outside it: its day does not count
            locality="Albany", region="US-NY", country="US", latitude=42.65,
            longitude=-73.75, hours=[{"day": "Th", "opens": "09:00", "closes": "17:00"}]))
    with database.read_session() as session:
        manhattan = queries.find_clinics(session, near=geocode_place("10001"), radius_km=5,
                                         q="Manhattan")
        assert names(manhattan) == ["Manhattan Ketamine Center"]
        facets = manhattan.facets
        assert facets.regions == {"US-NY": 1, "US-NJ": 1}
        assert facets.days.get("Mo") == 1 and facets.days.get("Su") == 1
        assert "Th" not in facets.days
        assert facets.treatments["ketamine-iv-infusion"] == 1
        assert set(facets.conditions.values()) == {1}


def test_find_resources_by_kind_condition_and_words(session):
    everything = queries.find_resources(session)
    assert everything.total == 4
    assert "Pending CRPS Article" not in [r.title for r in everything.items]
    assert everything.kinds == {"article": 1, "support-group": 1, "organization": 1, "video": 1}
    assert everything.conditions["crps"] == 3 and everything.conditions["neuropathic-pain"] == 3
    groups = queries.find_resources(session, kind="support-group", condition="neuropathic-pain")
    assert [r.title for r in groups.items] == ["CRPS Support Circle"]
    assert [r.title for r in queries.find_resources(session, q="explained").items] == [
        "Fibromyalgia explained"]


def test_haversine_and_bounding_box():
    assert queries.haversine_km(40.7506, -73.9972, 51.5203, -0.1469) == pytest.approx(5570, 5)
    south, north, west, east = queries.bounding_box(0, 179.9, 50)
    assert east > 180 and south < 0 < north


def directory_version(database):
    with database.read_session() as session:
        return session.scalar(text("SELECT version FROM search_version"))


def test_every_public_write_gives_the_directory_a_new_version(database, directory):
    """Caches of query results (web/cache.py) key on this version."""
    before = directory_version(database)
    with database.write_session.begin() as session:
        clinic = session.query(Clinic).filter_by(slug=directory["Toronto Pain Centre"]).one()
        clinic.locations[0].country = "US"
    after_location = directory_version(database)
    with database.write_session.begin() as session:
        session.query(Clinic).filter_by(slug=directory["Toronto Pain Centre"]).one().name = "T"
    after_name = directory_version(database)
    with database.write_session.begin() as session:
        session.get(Term, "crps").label = "CRPS (complex regional pain syndrome)"
    versions = [before, after_location, after_name, directory_version(database)]
    assert len(set(versions)) == 4 and None not in versions


def test_pending_entries_leave_the_version_alone_until_published(database, directory):
    """A crawl of a review source writes pending entries: no public page changes."""
    before = directory_version(database)
    with database.write_session.begin() as session:
        clinic = Clinic(slug="new-pending", name="New Pending Clinic", state="pending",
                        locations=[Location(locality="Denver", region="US-CO", country="US")])
        clinic.terms.append(session.get(Term, "crps"))
        session.add(clinic)
        source = session.scalar(select(Source))
        session.add(SourceRecord(source=source, record_key="https://x.example/new",
                                 url="https://x.example/new", entry_type="clinic",
                                 clinic=clinic, fingerprint="1" * 64))
        pending = session.query(Clinic).filter_by(slug=directory["Pending Ketamine Place"]).one()
        pending.name, pending.locations[0].locality = "Renamed Pending", "Elsewhere"
    assert directory_version(database) == before
    with database.write_session.begin() as session:
        session.query(Clinic).filter_by(slug="new-pending").one().state = "published"
    published = directory_version(database)
    assert published != before
    with database.write_session.begin() as session:  # a published clinic's new source record
        clinic = session.query(Clinic).filter_by(slug="new-pending").one()
        session.add(SourceRecord(source=session.scalar(select(Source)),
                                 record_key="https://y.example/new", url="https://y.example/new",
                                 entry_type="clinic", clinic=clinic, fingerprint="2" * 64))
    assert directory_version(database) != published


def test_a_merged_clinic_leads_to_the_published_one_through_merges_of_merges(database,
                                                                              directory):
    with database.write_session.begin() as session:
        survivor = session.scalar(select(Clinic).where(
            Clinic.slug == directory["Manhattan Ketamine Center"]))
        middle = Clinic(slug="middle-merged", name="Middle", state="merged",
                        merged_into_id=survivor.id)
        session.add(middle)
        session.flush()
        session.add(Clinic(slug="oldest-merged", name="Oldest", state="merged",
                           merged_into_id=middle.id))
    with database.read_session() as session:
        assert queries.merged_into(session, "oldest-merged") == survivor.slug
        assert queries.merged_into(session, "middle-merged") == survivor.slug
        assert queries.merged_into(session, survivor.slug) is None  # not merged: no redirect
        assert queries.merged_into(session, "no-such-clinic") is None


def test_a_clinic_closed_for_good_leaves_lists_and_counts_but_keeps_its_page(
        database, directory, client):
    with database.write_session.begin() as session:
        session.query(Clinic).filter_by(slug=directory["Toronto Pain Centre"]).one().status = \
            "closed"
    with database.read_session() as session:
        assert "Toronto Pain Centre" not in names(queries.find_clinics(session, per_page=100))
        assert queries.find_clinics(session, country="CA").total == 1
        near = queries.find_clinics(session, near=geocode_place("Toronto"), radius_km=50)
        assert near.total == 0
        (canada,) = queries.region_counts(session, country="CA")
        assert [(region.code, region.count) for region in canada.children] == [("CA-BC", 1)]
    page = client.get(f"/clinics/{directory['Toronto Pain Centre']}")
    assert page.status_code == 200 and "Closed" in page.get_data(as_text=True)


@pytest.fixture
def detailed(database, details_directory):
    with database.read_session() as session:
        yield session


def by_details(session, **details):
    return set(names(queries.find_clinics(session, details=DetailFilter(**details))))


def test_a_payment_filter_keeps_the_clinics_that_state_every_kind_chosen(detailed):
    assert by_details(detailed, payment=("medicare",)) == {
        "Los Angeles Ketamine Clinic", "Manhattan Ketamine Center", "Brooklyn Nerve Pain Relief"}
    assert by_details(detailed, payment=("medicaid", "medicare")) == {
        "Brooklyn Nerve Pain Relief"}
    assert by_details(detailed, payment=("medicare", "self-pay")) == {
        "Los Angeles Ketamine Clinic"}
    assert by_details(detailed, payment=("financing",)) == set()


def test_telehealth_and_new_patients_keep_only_clinics_that_say_yes(detailed):
    # Manhattan says no telehealth and no new patients; Buffalo and others say nothing.
    assert by_details(detailed, telehealth=True) == {
        "Los Angeles Ketamine Clinic", "Brooklyn Nerve Pain Relief", "Toronto Pain Centre"}
    assert by_details(detailed, accepting_new_patients=True) == {
        "Los Angeles Ketamine Clinic", "Toronto Pain Centre"}
    assert by_details(detailed, telehealth=True, payment=("medicare",)) == {
        "Los Angeles Ketamine Clinic", "Brooklyn Nerve Pain Relief"}


def test_an_open_day_keeps_clinics_with_a_location_open_that_day(detailed):
    assert by_details(detailed, open_day="Mo") == {"Los Angeles Ketamine Clinic",
                                                   "Manhattan Ketamine Center"}
    assert by_details(detailed, open_day="Fr") == {"Los Angeles Ketamine Clinic"}
    assert by_details(detailed, open_day="Sa") == {"Brooklyn Nerve Pain Relief"}
    assert by_details(detailed, open_day="Su") == set()


def test_a_language_keeps_clinics_that_serve_patients_in_it(detailed):
    assert by_details(detailed, language="es") == {"Los Angeles Ketamine Clinic",
                                                   "Brooklyn Nerve Pain Relief"}
    assert by_details(detailed, language="fr") == {"Toronto Pain Centre"}
    assert by_details(detailed, language="de") == set()


def test_clinics_that_state_nothing_are_not_hidden_without_a_detail_filter(detailed):
    found = queries.find_clinics(detailed, details=DetailFilter())
    assert found.total == 9 and "Buffalo Nerve Block Clinic" in names(found)
    with_words = queries.find_clinics(detailed, condition="crps",
                                      details=DetailFilter(language="es"))
    assert names(with_words) == ["Los Angeles Ketamine Clinic"]


def test_detail_facets_count_the_clinics_stating_each_detail(detailed):
    facets = queries.find_clinics(detailed).facets
    assert facets.payment == {"medicare": 3, "self-pay": 1, "medicaid": 1,
                              "private-insurance": 1}
    assert (facets.telehealth, facets.accepting_new_patients) == (3, 2)
    assert facets.languages == {"en": 1, "es": 2, "fr": 1}
    assert facets.days == {"Mo": 2, "Tu": 1, "We": 1, "Th": 1, "Fr": 1, "Sa": 1}
    narrowed = queries.find_clinics(
        detailed, details=DetailFilter(telehealth=True)).facets
    assert narrowed.payment == {"medicare": 2, "self-pay": 1, "medicaid": 1,
                                "private-insurance": 1}
    assert narrowed.days == {"Mo": 1, "Tu": 1, "We": 1, "Th": 1, "Fr": 1, "Sa": 1}


def test_detail_filters_and_facets_work_near_a_place(detailed):
    near = geocode_place("10001")
    found = queries.find_clinics(detailed, near=near, radius_km=50, sort="distance",
                                 details=DetailFilter(payment=("medicare",)))
    assert names(found) == ["Manhattan Ketamine Center", "Brooklyn Nerve Pain Relief"]
    assert found.facets.payment == {"medicare": 2, "medicaid": 1}
    assert (found.facets.telehealth, found.facets.accepting_new_patients) == (1, 0)
    assert found.facets.days == {"Mo": 1, "Sa": 1}
    assert found.facets.languages == {"es": 1}
    saturday = queries.find_clinics(detailed, near=near, radius_km=50,
                                    details=DetailFilter(open_day="Sa"))
    assert names(saturday) == ["Brooklyn Nerve Pain Relief"]


def test_a_day_is_matched_on_any_location_and_counted_once_per_clinic(database,
                                                                      details_directory):
    with database.write_session.begin() as session:
        clinic = session.scalar(select(Clinic).where(Clinic.name == "Toronto Pain Centre"))
        clinic.locations[0].hours = [{"day": "Tu", "opens": "08:00", "closes": "12:00"}]
        clinic.locations.append(Location(
            locality="Ottawa", region="CA-ON", country="CA", latitude=45.42, longitude=-75.69,
            hours=[{"day": "Tu", "opens": "13:00", "closes": "18:00"},
                   {"day": "Su", "opens": "10:00", "closes": "14:00"}]))
    with database.read_session() as session:
        assert by_details(session, open_day="Su") == {"Toronto Pain Centre"}
        facets = queries.find_clinics(session, country="CA").facets
        assert facets.days == {"Tu": 1, "Su": 1}
        # In a place, only that place's locations count.
        in_toronto = queries.find_clinics(session, locality="Toronto",
                                          details=DetailFilter(open_day="Su"))
        assert in_toronto.total == 0

"""Editor decisions as plain functions on a session: no web involved."""

import pytest
from sqlalchemy import select

from models import (
    MERGED,
    PENDING,
    PUBLISHED,
    REJECTED,
    AuditEntry,
    Clinic,
    Resource,
    ReviewItem,
)
from models.duplicates import candidate_pairs, website_domain
from models.entries import clinic_fields
from models.review import (
    ReviewError,
    approve,
    decide_many,
    edit_and_approve,
    edit_entry,
    merge_clinics,
    proposal,
    reject,
    set_lock,
)
from models.setup import sync_config
from models.staging import APPROVED, FLAG, SUPERSEDED
from models.staging import REJECTED as ITEM_REJECTED
from tests.editor_fixtures import HUDSON, crawl_clinic, make_user, recrawl_clinic


@pytest.fixture
def session(database, config):
    with database.write_session() as session:
        sync_config(session, config)
        session.flush()
        yield session
        session.rollback()


@pytest.fixture
def editor(session):
    return make_user(session, "edna")


def audits(session, action=None):
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(session.scalars(query))


def test_approving_a_new_entry_publishes_it_and_audits_who_and_when(session, editor):
    item = crawl_clinic(session, HUDSON)
    clinic = item.clinic
    assert clinic.state == PENDING and clinic.published_at is None
    approve(session, item, editor)
    assert clinic.state == PUBLISHED and clinic.published_at and clinic.last_verified
    assert item.state == APPROVED and item.decided_by is editor and item.decided_at
    [entry] = audits(session, "approve")
    assert entry.user is editor and entry.entity_id == clinic.id and entry.at
    assert entry.before == {"state": PENDING} and entry.after == {"state": PUBLISHED}
    with pytest.raises(ReviewError, match="already approved"):
        approve(session, item, editor)


def test_approving_a_change_applies_its_diff_with_the_records_provenance(session, editor):
    approve(session, crawl_clinic(session, HUDSON), editor)
    clinic = session.scalar(select(Clinic))
    change = recrawl_clinic(session, clinic, {**HUDSON, "phone": "+15185550199"})
    assert change.diff == {"phone": {"old": "+15185550100", "new": "+15185550199"}}
    assert clinic.phone == "+15185550100"  # held back until approved
    decision = approve(session, change, editor)
    assert decision.applied == ["phone"] and clinic.phone == "+15185550199"
    provenance = clinic.provenance["phone"]
    assert provenance["source"] == "fixture-directory" and provenance["run_id"] == \
        change.source_record.crawl_run_id and provenance["url"].startswith("https://")
    assert audits(session, "approve")[-1].after == {"phone": "+15185550199"}


def test_rejecting_needs_a_reason_and_keeps_the_published_values(session, editor):
    approve(session, crawl_clinic(session, HUDSON), editor)
    clinic = session.scalar(select(Clinic))
    change = recrawl_clinic(session, clinic, {**HUDSON, "name": "Spam Clinic"})
    with pytest.raises(ReviewError, match="give a reason"):
        reject(session, change, editor, "  ")
    assert change.state == "open"
    reject(session, change, editor, "the page was hijacked")
    assert change.state == ITEM_REJECTED and change.decision_note == "the page was hijacked"
    assert clinic.name == HUDSON["name"]
    new = crawl_clinic(session, {**HUDSON, "name": "Not a clinic", "phone": None})
    reject(session, new, editor, "a shop, not a clinic")
    assert new.clinic.state == REJECTED
    assert [entry.note for entry in audits(session, "reject")] == [
        f"change #{change.id}: the page was hijacked", f"new #{new.id}: a shop, not a clinic"]


def test_edit_and_approve_locks_what_the_editor_typed(session, editor):
    item = crawl_clinic(session, HUDSON)
    values = {**proposal(session, item), "phone": "+15185550123", "treatments": [
        "ketamine-iv-infusion", "lidocaine-infusion"]}
    decision = edit_and_approve(session, item, editor, values)
    clinic = item.clinic
    assert decision.applied == ["phone", "treatments"] and clinic.state == PUBLISHED
    assert clinic.locked_fields == ["phone", "treatments"]
    assert clinic.provenance["phone"]["editor"] == "edna"
    assert clinic.provenance["name"]["source"] == "fixture-directory"
    assert audits(session, "edit-approve")[-1].after["phone"] == "+15185550123"


def test_an_edited_field_survives_any_number_of_recrawls(session, editor):
    approve(session, crawl_clinic(session, HUDSON), editor)
    clinic = session.scalar(select(Clinic))
    assert edit_entry(session, clinic, editor, {**clinic_fields(clinic),
                                                "phone": "+15185550123"}) == ["phone"]
    for round_ in range(3):
        change = recrawl_clinic(session, clinic, {**HUDSON, "email": f"v{round_}@hk.example"})
        assert set(change.diff) == {"phone", "email"}
        decision = approve(session, change, editor)
        assert decision.held == ["phone"] and decision.applied == ["email"]
        assert clinic.phone == "+15185550123" and clinic.email == f"v{round_}@hk.example"
    assert "kept locked fields: phone" in audits(session, "approve")[-1].note


def test_locked_hours_keep_their_value_when_a_recrawl_is_approved(session, editor):
    crawled = [{"day": "Mo", "opens": "09:00", "closes": "17:00"}]
    approve(session, crawl_clinic(session, {**HUDSON, "hours": crawled}), editor)
    clinic = session.scalar(select(Clinic))
    corrected = [{"day": "Mo", "opens": "08:00", "closes": "16:00"}]
    assert edit_entry(session, clinic, editor, {**clinic_fields(clinic),
                                                "hours": corrected}) == ["hours"]
    change = recrawl_clinic(session, clinic, {**HUDSON, "hours": crawled, "telehealth": True})
    assert set(change.diff) == {"hours", "telehealth"}
    decision = approve(session, change, editor)
    assert decision.held == ["hours"] and decision.applied == ["telehealth"]
    assert clinic.locations[0].hours == corrected and clinic.telehealth is True


def test_lifting_a_lock_lets_the_proposed_value_through(session, editor):
    approve(session, crawl_clinic(session, HUDSON), editor)
    clinic = session.scalar(select(Clinic))
    edit_entry(session, clinic, editor, {**clinic_fields(clinic), "phone": "+15185550123"})
    change = recrawl_clinic(session, clinic, HUDSON)
    set_lock(session, clinic, "phone", editor, locked=False)
    assert approve(session, change, editor).applied == ["phone"]
    assert clinic.phone == HUDSON["phone"] and clinic.locked_fields == []
    with pytest.raises(ReviewError, match="'colour' is not a field"):
        set_lock(session, clinic, "colour", editor, locked=True)
    assert [entry.action for entry in audits(session)] == ["approve", "edit", "unlock",
                                                            "approve"]


def test_bulk_decisions_skip_what_was_already_decided(session, editor):
    items = [crawl_clinic(session, {**HUDSON, "name": f"Clinic {n}", "phone": None})
             for n in range(3)]
    reject(session, items[1], editor, "duplicate")
    decisions, skipped = decide_many(session, items, editor, "approve")
    assert [d.item.id for d in decisions] == [items[0].id, items[2].id]
    assert skipped == [f"#{items[1].id}: review item #{items[1].id} was already rejected; "
                       "reload the queue"]
    with pytest.raises(ReviewError, match="give a reason"):
        decide_many(session, items, editor, "reject", "")


def test_flags_are_resolved_or_dismissed_without_touching_the_entry(session, editor):
    item = crawl_clinic(session, HUDSON)
    approve(session, item, editor)
    flag = ReviewItem(kind=FLAG, origin="system", entry_type="clinic", clinic=item.clinic,
                      note="dead link")
    session.add(flag)
    session.flush()
    approve(session, flag, editor, note="fixed the website by hand")
    assert flag.state == APPROVED and item.clinic.state == PUBLISHED
    assert audits(session, "resolve")[-1].note == f"flag #{flag.id} resolved; " \
        "fixed the website by hand"


def test_merge_keeps_both_sources_and_leaves_one_public_entry(session, editor):
    first = crawl_clinic(session, HUDSON)
    second = crawl_clinic(session, {**HUDSON, "name": "Hudson Ketamine Centre",
                                    "email": "hello@hk.example"}, source="other-directory")
    approve(session, first, editor)
    approve(session, second, editor)
    [pair] = candidate_pairs(session)
    assert pair.reasons == ("same phone", "same website domain",
                            "near-identical name and address")
    survivor, loser = first.clinic, second.clinic
    merge_clinics(session, survivor, loser, editor, take_from_loser={"email"})
    assert loser.state == MERGED and loser.merged_into_id == survivor.id
    assert survivor.email == "hello@hk.example" and survivor.name == HUDSON["name"]
    assert survivor.provenance["email"]["source"] == "other-directory"
    assert survivor.provenance["name"]["source"] == "fixture-directory"
    assert {r.source.name for r in survivor.source_records} == {"fixture-directory",
                                                               "other-directory"}
    assert all(r.location_id == survivor.locations[0].id for r in survivor.source_records)
    public = session.scalars(select(Clinic).where(Clinic.state == PUBLISHED)).all()
    assert public == [survivor]
    assert candidate_pairs(session) == []
    assert [e.action for e in audits(session)][-2:] == ["merge", "merged-into"]
    with pytest.raises(ReviewError, match="was merged"):
        merge_clinics(session, survivor, loser, editor)


def test_merging_supersedes_the_losers_open_items(session, editor):
    first = crawl_clinic(session, HUDSON)
    approve(session, first, editor)
    second = crawl_clinic(session, {**HUDSON, "name": "Hudson Ketamine Centre"}, "other")
    merge_clinics(session, first.clinic, second.clinic, editor)
    assert second.state == SUPERSEDED and "merged into clinic" in second.decision_note


def test_website_domain_ignores_www_and_case():
    assert website_domain("https://WWW.Hudson.example/about") == "hudson.example"
    assert website_domain(None) is None and website_domain("not a url") is None


def test_a_proposed_branch_becomes_a_new_location_on_approval(session, editor):
    approve(session, crawl_clinic(session, HUDSON), editor)
    clinic = session.scalar(select(Clinic))
    branch = ReviewItem(kind="change", entry_type="clinic", clinic=clinic,
                        diff={"street": {"old": None, "new": "9 Lark St"},
                              "locality": {"old": None, "new": "Troy"}},
                        payload={"location_id": None})
    session.add(branch)
    session.flush()
    assert proposal(session, branch)["locality"] == "Troy"
    approve(session, branch, editor)
    assert [location.locality for location in clinic.locations] == ["Albany", "Troy"]


def test_approving_a_resource_publishes_it(session, editor):
    resource = Resource(slug="living-with-crps", title="Living with CRPS",
                        url="https://blog.example/crps", state=PENDING)
    item = ReviewItem(kind="new", entry_type="resource", resource=resource)
    session.add(item)
    session.flush()
    edit_and_approve(session, item, editor, {**proposal(session, item), "kind": "story",
                                             "published": "2025-03-03"})
    assert resource.state == PUBLISHED and resource.published.isoformat() == "2025-03-03"
    assert resource.locked_fields == ["kind", "published"]


def test_near_identical_names_pair_only_at_a_near_identical_address(session):
    address = HUDSON["address"]
    for name, phone, street in (("Hudson Ketamine Center", "+15185550101", address["street"]),
                                ("Hudson Ketamine Centre", "+15185550102", address["street"]),
                                ("Hudson Ketamine Center", "+15185550103", "400 Broadway")):
        crawl_clinic(session, {**HUDSON, "name": name, "phone": phone, "website": None,
                               "address": {**address, "street": street}},
                     url=f"https://dir.example/{phone}")
    [pair] = candidate_pairs(session)
    assert pair.reasons == ("near-identical name and address",)
    assert (pair.first.phone, pair.second.phone) == ("+15185550101", "+15185550102")

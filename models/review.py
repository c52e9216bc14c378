"""Editor decisions: approve, reject, edit, lock and merge. Every decision writes an audit entry,
and no decision lets a crawled value replace a field an editor locked."""

from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.accounts import User, record_audit
from models.base import utcnow
from models.directory import MERGED, PENDING, PUBLISHED, REJECTED, Clinic, Location, Resource
from models.duplicates import NotDuplicate
from models.entries import (
    CLINIC_FIELDS,
    RESOURCE_FIELDS,
    apply_clinic_fields,
    apply_resource_fields,
    clinic_fields,
    field_diff,
    resource_fields,
)
from models.staging import (
    APPROVED,
    CHANGE,
    NEW,
    OPEN,
    SUPERSEDED,
    ReviewItem,
    SourceRecord,
)
from models.staging import (
    REJECTED as ITEM_REJECTED,
)

Entry = Clinic | Resource


class ReviewError(Exception):
    """A decision that cannot be made, worded for the editor."""


@dataclass
class Decision:
    """What a decision did: the fields it applied and the locked fields it left alone."""

    item: ReviewItem
    applied: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)


def entry_type_of(entry: Entry) -> str:
    return "clinic" if isinstance(entry, Clinic) else "resource"


def field_names(entry: Entry) -> tuple[str, ...]:
    return CLINIC_FIELDS if isinstance(entry, Clinic) else RESOURCE_FIELDS


def fields_of(entry: Entry, location: Optional[Location] = None) -> dict[str, Any]:
    """The entry's current values as flat fields."""
    return clinic_fields(entry, location) if isinstance(entry, Clinic) else resource_fields(entry)


def apply_fields(session: Session, entry: Entry, fields: dict[str, Any],
                 location: Optional[Location] = None) -> None:
    if isinstance(entry, Clinic):
        apply_clinic_fields(session, entry, fields, location)
    else:
        apply_resource_fields(session, entry, fields)
    session.flush()


def entry_of(item: ReviewItem) -> Optional[Entry]:
    return item.clinic if item.entry_type == "clinic" else item.resource


def item_location(session: Session, item: ReviewItem) -> Optional[Location]:
    """The clinic location the item describes: the proposal's (a new, unsaved one for a branch
    the clinic does not have yet), else its source record's; None means the first location."""
    if item.entry_type != "clinic":
        return None
    payload = item.payload or {}
    if item.kind == CHANGE and "location_id" in payload:
        location_id = payload["location_id"]
        return session.get(Location, location_id) if location_id else Location()
    record = item.source_record
    if record is None or record.location_id is None:
        return None
    return session.get(Location, record.location_id)


def record_provenance(record: SourceRecord) -> dict[str, Any]:
    return {"source": record.source.name, "url": record.url, "run_id": record.crawl_run_id,
            "fetched_at": record.fetched_at.isoformat(timespec="seconds")}


def item_provenance(item: ReviewItem) -> Optional[dict[str, Any]]:
    """Where a proposed value came from: as the crawl recorded it, else from its record."""
    recorded = (item.payload or {}).get("provenance")
    if recorded:
        return recorded
    return record_provenance(item.source_record) if item.source_record else None


def editor_provenance(user: User) -> dict[str, Any]:
    return {"editor": user.username, "at": utcnow().isoformat(timespec="seconds")}


def held_fields(item: ReviewItem) -> list[str]:
    """Fields a proposed change would alter that an editor locked: approving keeps them."""
    entry = entry_of(item)
    if item.kind != CHANGE or entry is None:
        return []
    return sorted(name for name in item.diff if entry.is_locked(name))


def proposal(session: Session, item: ReviewItem) -> dict[str, Any]:
    """The values the entry would hold once the item is approved."""
    entry = entry_of(item)
    values = fields_of(entry, item_location(session, item))
    if item.kind == CHANGE:
        values.update({name: change["new"] for name, change in item.diff.items()
                       if not entry.is_locked(name)})
    return values


def _check_open(item: ReviewItem) -> None:
    if item.state != OPEN:
        raise ReviewError(f"review item #{item.id} was already {item.state}; reload the queue")


def _close(item: ReviewItem, state: str, user: User, note: Optional[str]) -> None:
    item.state, item.decided_by, item.decided_at = state, user, utcnow()
    item.decision_note = note or None


def _set_provenance(entry: Entry, names, value: dict[str, Any]) -> None:
    # JSON columns only notice reassignment, so build a new dict.
    entry.provenance = {**(entry.provenance or {}), **{name: value for name in names}}


def _set_locks(entry: Entry, add=(), remove=()) -> None:
    entry.locked_fields = sorted((set(entry.locked_fields or []) | set(add)) - set(remove))


def _apply_edits(session: Session, entry: Entry, user: User, edits: dict[str, Any],
                 location: Optional[Location]) -> None:
    """Set what the editor typed, lock those fields and record the editor as their source."""
    apply_fields(session, entry, edits, location)
    _set_provenance(entry, edits, editor_provenance(user))
    _set_locks(entry, add=edits)


def _audit_change(session: Session, user: User, action: str, entry: Entry,
                  before: dict[str, Any], after: dict[str, Any], note: Optional[str]) -> None:
    changed = field_diff(before, after)
    record_audit(session, user, action, entry_type_of(entry), entry.id,
                 before={name: change["old"] for name, change in changed.items()},
                 after={name: change["new"] for name, change in changed.items()}, note=note)


def _join(*parts: Optional[str]) -> Optional[str]:
    return "; ".join(part for part in parts if part) or None


def approve(session: Session, item: ReviewItem, user: User, note: Optional[str] = None,
            edits: Optional[dict[str, Any]] = None) -> Decision:
    """Publish a new entry or apply a proposed change (never to a locked field); resolve others."""
    _check_open(item)
    entry = entry_of(item)
    if item.kind not in (NEW, CHANGE):
        _close(item, APPROVED, user, note)
        record_audit(session, user, "resolve", item.entry_type, entry.id if entry else None,
                     note=_join(f"{item.kind} #{item.id} resolved", note))
        return Decision(item)
    if entry.state in (MERGED, REJECTED):
        raise ReviewError(f"this {item.entry_type} was {entry.state}; it cannot be approved")
    location = item_location(session, item)
    before = {**fields_of(entry, location), "state": entry.state}
    decision = Decision(item, held=held_fields(item))
    if location is not None and location.id is None:
        entry.locations.append(location)  # a branch the clinic did not have yet
    if item.kind == CHANGE:
        changes = {name: change["new"] for name, change in item.diff.items()
                   if name not in decision.held}
        apply_fields(session, entry, changes, location)
        if item_provenance(item):
            _set_provenance(entry, changes, item_provenance(item))
        decision.applied = sorted(changes)
    if edits:
        _apply_edits(session, entry, user, edits, location)
        decision.applied = sorted(set(decision.applied) | set(edits))
        decision.held = [name for name in decision.held if name not in edits]
    if location is not None and item.source_record is not None:
        item.source_record.location_id = location.id
    now = utcnow()
    if entry.state == PENDING:
        entry.state, entry.published_at = PUBLISHED, now
    entry.last_verified = now
    _close(item, APPROVED, user, note)
    session.flush()
    held = f"kept locked fields: {', '.join(decision.held)}" if decision.held else None
    _audit_change(session, user, "edit-approve" if edits else "approve", entry, before,
                  {**fields_of(entry, location), "state": entry.state},
                  _join(f"{item.kind} #{item.id}", held, note))
    return decision


def edit_and_approve(session: Session, item: ReviewItem, user: User, values: dict[str, Any],
                     note: Optional[str] = None) -> Decision:
    """Approve with the editor's values: those that differ from the proposal become locked."""
    _check_open(item)
    if item.kind not in (NEW, CHANGE):
        raise ReviewError(f"a {item.kind} has no fields to edit; edit the entry itself")
    names = field_names(entry_of(item))
    edits = {name: change["new"] for name, change in
             field_diff(proposal(session, item), values).items() if name in names}
    return approve(session, item, user, note, edits=edits)


def reject(session: Session, item: ReviewItem, user: User, reason: str) -> Decision:
    """Refuse a new entry or a change (the entry keeps its values), or dismiss a report."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("give a reason for the rejection")
    _check_open(item)
    entry = entry_of(item)
    if item.kind == NEW and entry.state == PENDING:
        entry.state = REJECTED
        record_audit(session, user, "reject", item.entry_type, entry.id,
                     before={"state": PENDING}, after={"state": REJECTED},
                     note=f"new #{item.id}: {reason}")
    else:
        record_audit(session, user, "reject" if item.kind == CHANGE else "dismiss",
                     item.entry_type, entry.id if entry else None, before=item.diff or None,
                     note=f"{item.kind} #{item.id}: {reason}")
    _close(item, ITEM_REJECTED, user, reason)
    return Decision(item)


def decide_many(session: Session, items: list[ReviewItem], user: User, action: str,
                reason: Optional[str] = None) -> tuple[list[Decision], list[str]]:
    """Approve or reject several items; returns the decisions and why any were skipped."""
    if action not in ("approve", "reject"):
        raise ReviewError(f"unknown bulk action '{action}'")
    if action == "reject" and not (reason or "").strip():
        raise ReviewError("give a reason for the rejection")
    decisions, skipped = [], []
    for item in items:
        try:
            with session.begin_nested():
                decisions.append(approve(session, item, user) if action == "approve"
                                 else reject(session, item, user, reason))
        except ReviewError as exc:
            skipped.append(f"#{item.id}: {exc}")
    return decisions, skipped


def edit_entry(session: Session, entry: Entry, user: User, values: dict[str, Any],
               note: Optional[str] = None) -> list[str]:
    """Set the values an editor typed on an entry; they become locked. Returns what changed."""
    before = fields_of(entry)
    edits = {name: change["new"] for name, change in field_diff(before, values).items()
             if name in field_names(entry)}
    if not edits:
        return []
    _apply_edits(session, entry, user, edits, None)
    _audit_change(session, user, "edit", entry, before, fields_of(entry), note)
    return sorted(edits)


def create_entry(session: Session, entry_type: str, user: User, values: dict[str, Any],
                 slug: str) -> Entry:
    """An entry an editor adds by hand: published at once, every value they gave locked and
    credited to them, audited as a creation."""
    now = utcnow()
    entry = (Clinic if entry_type == "clinic" else Resource)(
        slug=slug, state=PUBLISHED, published_at=now, last_verified=now)
    session.add(entry)
    given = {name: value for name, value in values.items() if value not in (None, "", [])}
    _apply_edits(session, entry, user, given, None)
    record_audit(session, user, "create", entry_type, entry.id, after=fields_of(entry))
    return entry


def withdraw(session: Session, entry: Entry, user: User, reason: str) -> None:
    """Take a published entry off the public site (not a clinic, a scam, a duplicate nobody
    should merge): it becomes rejected, and recrawls leave it so."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("give a reason for withdrawing it")
    if entry.state != PUBLISHED:
        raise ReviewError(f"{entry_type_of(entry)} #{entry.id} is {entry.state}, not published")
    entry.state = REJECTED
    record_audit(session, user, "withdraw", entry_type_of(entry), entry.id,
                 before={"state": PUBLISHED}, after={"state": REJECTED}, note=reason)


def own_changes(seen: dict[str, Any], current: dict[str, Any],
                posted: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """What an editor changed on a form filled with `seen`, now that the entry holds `current`:
    (their changes, the fields someone else meanwhile set to something else). Saving only
    their changes keeps the other edits; a clash must go back to the editor."""
    mine = {name: change["new"] for name, change in field_diff(seen, posted).items()}
    clashes = set(field_diff(seen, current)) & set(field_diff(current, mine))
    return mine, sorted(clashes)


def set_lock(session: Session, entry: Entry, name: str, user: User, locked: bool) -> None:
    """Lock a field against crawled changes, or lift the lock so crawls may change it again."""
    if name not in field_names(entry):
        raise ReviewError(f"'{name}' is not a field of a {entry_type_of(entry)}")
    before = list(entry.locked_fields or [])
    if locked:
        _set_locks(entry, add=[name])
    else:
        _set_locks(entry, remove=[name])
    record_audit(session, user, "lock" if locked else "unlock", entry_type_of(entry), entry.id,
                 before={"locked_fields": before}, after={"locked_fields": entry.locked_fields},
                 note=name)


def merge_clinics(session: Session, survivor: Clinic, loser: Clinic, user: User,
                  take_from_loser=()) -> Clinic:
    """Merge a duplicate into the survivor, taking the named fields (with their provenance and
    locks) from the loser and re-pointing the loser's source records; one entry remains."""
    _check_mergeable(survivor, loser, take_from_loser)
    before = {**fields_of(survivor), "state": survivor.state}
    _take_fields(session, survivor, loser, take_from_loser)
    location = survivor.locations[0] if survivor.locations else None
    for record in list(loser.source_records):
        record.clinic = survivor
        record.location_id = location.id if location else None
    if PUBLISHED in (survivor.state, loser.state):
        survivor.published_at = survivor.published_at or loser.published_at or utcnow()
        survivor.state = PUBLISHED
    for item in session.scalars(select(ReviewItem).where(
            ReviewItem.clinic_id.in_((survivor.id, loser.id)), ReviewItem.state == OPEN)):
        if item.clinic_id == loser.id or (item.kind == NEW and survivor.state == PUBLISHED):
            _close(item, SUPERSEDED, user, f"merged into clinic #{survivor.id}")
    loser.state, loser.merged_into_id = MERGED, survivor.id
    session.flush()
    _audit_change(session, user, "merge", survivor, before,
                  {**fields_of(survivor), "state": survivor.state},
                  f"merged clinic #{loser.id} ({loser.name}) into this one")
    record_audit(session, user, "merged-into", "clinic", loser.id, after={"state": MERGED,
                 "merged_into_id": survivor.id}, note=f"merged into clinic #{survivor.id}")
    return survivor


def _check_mergeable(survivor: Clinic, loser: Clinic, take_from_loser) -> None:
    """Two different clinics, neither merged nor rejected, and fields that clinics have."""
    if survivor.id == loser.id:
        raise ReviewError("pick two different clinics to merge")
    for clinic in (survivor, loser):
        if clinic.state in (MERGED, REJECTED):
            raise ReviewError(f"clinic #{clinic.id} was {clinic.state}; it cannot be merged")
    unknown = set(take_from_loser) - set(CLINIC_FIELDS)
    if unknown:
        raise ReviewError(f"unknown clinic field '{sorted(unknown)[0]}'")


def _take_fields(session: Session, survivor: Clinic, loser: Clinic, names) -> None:
    """The loser's values of the named fields, with their provenance and locks."""
    taken = {name: value for name, value in fields_of(loser).items() if name in names}
    apply_fields(session, survivor, taken)
    survivor.provenance = {**(survivor.provenance or {}),
                           **{name: (loser.provenance or {}).get(name) for name in taken}}
    _set_locks(survivor, add=[name for name in taken if loser.is_locked(name)],
               remove=[name for name in taken if not loser.is_locked(name)])


def mark_not_duplicates(session: Session, first: Clinic, second: Clinic, user: User) -> None:
    """An editor says two candidate clinics are different: the pair is no longer offered."""
    if first.id == second.id:
        raise ReviewError("pick two different clinics")
    low, high = sorted((first.id, second.id))
    if session.get(NotDuplicate, (low, high)) is not None:
        raise ReviewError(f"clinics #{low} and #{high} are already marked as different")
    session.add(NotDuplicate(first_id=low, second_id=high, decided_by_id=user.id))
    for clinic, other in ((first, second), (second, first)):
        record_audit(session, user, "not-duplicate", "clinic", clinic.id,
                     note=f"not the same clinic as #{other.id} ({other.name})")

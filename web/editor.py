"""The editor workspace: the review queue, review pages, entries with their history,
duplicates, recent changes and the crawl dashboard."""

from datetime import datetime, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from models import AuditEntry, Clinic, CrawlRequest, CrawlRun, Location, Resource, ReviewItem, Term
from models.base import utcnow
from models.duplicates import candidate_pairs
from models.entries import CLINIC_FIELDS
from models.review import (
    ReviewError,
    approve,
    create_entry,
    decide_many,
    edit_and_approve,
    edit_entry,
    entry_of,
    field_names,
    fields_of,
    held_fields,
    item_location,
    item_provenance,
    mark_not_duplicates,
    merge_clinics,
    own_changes,
    proposal,
    reject,
    set_lock,
    withdraw,
)
from models.slugs import unique_slugs
from models.staging import CHANGE, FLAG, NEW, OPEN, REPORT, SUGGESTION, Source, SourceRecord
from reliefmap.config import check_cron
from reliefmap.geocode import geocode_address
from web.auth import no_store, require_login, safe_next
from web.db import get_session
from web.details_text import detail_lines
from web.editor_forms import ActionForm, BulkConfirmForm, RejectForm, entry_form
from web.params import integer, integers

bp = Blueprint("editor", __name__, url_prefix="/editor")
bp.before_request(require_login())
bp.after_request(no_store)
bp.add_app_template_global(detail_lines)

KIND_LABELS = {NEW: "New entry", CHANGE: "Proposed change", REPORT: "Public report",
               SUGGESTION: "Public suggestion", FLAG: "Flag"}
AGES = {"1": "older than a day", "7": "older than a week", "30": "older than a month"}
QUEUE_FILTERS = ("kind", "source", "region", "age")
QUEUE_PAGE = 50
ENTRY_MODELS = {"clinic": Clinic, "resource": Resource}


@bp.context_processor
def workspace_globals():
    """The backlog count every workspace page shows in its header."""
    backlog = get_session().scalar(select(func.count()).where(ReviewItem.state == OPEN))
    return {"backlog": backlog, "kind_labels": KIND_LABELS}


def _get(model, key, lock=False):
    found = get_session().get(model, key, with_for_update=lock or None)
    if found is None:
        abort(404)
    return found


def _terms():
    return list(get_session().scalars(select(Term).order_by(Term.kind, Term.label)))


def _commit_or_flash(action) -> bool:
    """Run a decision and commit it; a ReviewError is shown to the editor and rolled back."""
    session = get_session()
    try:
        result = action()
    except ReviewError as exc:
        session.rollback()
        flash(f"Nothing was changed: {exc}.", "error")
        return False
    session.commit()
    return result is not False


def _queue_query(args):
    query = select(ReviewItem).where(ReviewItem.state == OPEN)
    if args.get("kind") in KIND_LABELS:
        query = query.where(ReviewItem.kind == args["kind"])
    if args.get("source"):
        query = query.where(ReviewItem.source_record.has(
            SourceRecord.source.has(Source.name == args["source"])))
    if args.get("region"):
        region = args["region"]
        column = Location.country if len(region) == 2 else Location.region
        query = query.where(ReviewItem.clinic.has(Clinic.locations.any(column == region)))
    if args.get("age") in AGES:
        query = query.where(ReviewItem.created_at <= utcnow() - timedelta(days=int(args["age"])))
    return query


@bp.get("/")
def queue():
    """Open review items, oldest first, filterable by source, region, kind and age."""
    session = get_session()
    filters = {name: request.args[name] for name in QUEUE_FILTERS if request.args.get(name)}
    query = _queue_query(filters)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page = integer("page", 1)
    items = session.scalars(
        query.order_by(ReviewItem.created_at, ReviewItem.id)
        .offset((page - 1) * QUEUE_PAGE).limit(QUEUE_PAGE)
        .options(selectinload(ReviewItem.clinic).selectinload(Clinic.locations),
                 selectinload(ReviewItem.resource),
                 selectinload(ReviewItem.source_record).selectinload(SourceRecord.source))).all()
    # Countries and ISO 3166-2 regions, so that "US" or "US-NY" narrows the queue.
    regions = sorted({code for row in session.execute(
        select(Location.country, Location.region).distinct()) for code in row if code})
    sources = session.scalars(select(Source.name).order_by(Source.name)).all()
    return render_template("editor/queue.html", items=items, total=total, page=page,
                           pages=max(1, -(-total // QUEUE_PAGE)), regions=regions,
                           sources=sources, ages=AGES, filters=filters, now=utcnow(),
                           entry_of=entry_of)


def _open_items(ids):
    return get_session().scalars(select(ReviewItem).where(
        ReviewItem.id.in_(ids), ReviewItem.state == OPEN).order_by(ReviewItem.created_at,
                                                                  ReviewItem.id)).all()


def _outcome(item, action):
    """What a bulk decision will do to one item, in words."""
    if action == "reject":
        return "will be rejected" if item.kind in (NEW, CHANGE) else "will be dismissed"
    if item.kind == NEW:
        return "will be published"
    if item.kind == CHANGE:
        held = held_fields(item)
        applied = [name for name in item.diff if name not in held]
        words = f"will change {', '.join(applied)}" if applied else "will change nothing"
        return words + (f"; keeps locked {', '.join(held)}" if held else "")
    return "will be marked resolved"


@bp.post("/bulk")
def bulk():
    """Step two of a bulk decision: confirm what will happen to the selected items."""
    items = _open_items(integers("item", request.form))
    action = request.form.get("action")
    if not items or action not in ("approve", "reject"):
        flash("Select at least one open item, then choose approve or reject.", "error")
        return redirect(url_for("editor.queue"))
    return render_template("editor/bulk_confirm.html", items=items, action=action,
                           form=BulkConfirmForm(action=action), outcome=_outcome,
                           entry_of=entry_of)


@bp.post("/bulk/confirm")
def bulk_confirm():
    """Step three: carry out the confirmed bulk decision."""
    form = BulkConfirmForm()
    items = _open_items(integers("item", request.form))
    if form.validate_on_submit() and form.action.data == "reject" and not form.reason.data:
        form.reason.errors = [*form.reason.errors, "Give a reason for the rejection."]
    elif form.validate_on_submit() and items:
        decisions, skipped = decide_many(get_session(), items, current_user, form.action.data,
                                         form.reason.data)
        get_session().commit()
        done = "approved" if form.action.data == "approve" else "rejected"
        flash(f"{len(decisions)} item(s) {done}.")
        for reason in skipped:
            flash(f"Skipped {reason}", "error")
        return redirect(url_for("editor.queue"))
    return render_template("editor/bulk_confirm.html", items=items, action=form.action.data,
                           form=form, outcome=_outcome, entry_of=entry_of), 400


def _review_rows(item):
    """Field by field: published value, crawled value, whether it changed, lock, provenance."""
    session = get_session()
    entry = entry_of(item)
    current = fields_of(entry, item_location(session, item))
    crawled = {**current, **{name: change["new"] for name, change in item.diff.items()}}
    record = item_provenance(item)
    rows = []
    for name in field_names(entry):
        changed = item.kind == CHANGE and name in item.diff
        rows.append({
            "name": name, "published": current[name] if item.kind != NEW else None,
            "crawled": crawled[name], "changed": changed or item.kind == NEW and bool(
                crawled[name]), "locked": entry.is_locked(name),
            "published_from": (entry.provenance or {}).get(name) if item.kind != NEW else None,
            "crawled_from": record if changed or item.kind == NEW else None})
    return rows


def _render_review(item, reject_form=None, edit_form=None, status=200):
    session = get_session()
    entry = entry_of(item)
    if edit_form is None and entry is not None and item.kind in (NEW, CHANGE):
        edit_form = entry_form(item.entry_type, _terms(), proposal(session, item))
    return render_template(
        "editor/review.html", item=item, entry=entry,
        rows=_review_rows(item) if entry is not None and item.kind in (NEW, CHANGE) else [],
        approve_form=ActionForm(), reject_form=reject_form or RejectForm(),
        edit_form=edit_form, lock_form=ActionForm(), held=held_fields(item)), status


@bp.get("/items/<int:item_id>")
def review(item_id):
    """One review item: the published and crawled values side by side, with provenance."""
    return _render_review(_get(ReviewItem, item_id))


@bp.post("/items/<int:item_id>/approve")
def approve_item(item_id):
    """Approve (or resolve) an item."""
    item = _get(ReviewItem, item_id, lock=True)
    form = ActionForm()
    form.validate_on_submit()
    decision = None

    def run():
        nonlocal decision
        decision = approve(get_session(), item, current_user, form.note.data)

    if _commit_or_flash(run):
        held = f" Kept locked: {', '.join(decision.held)}." if decision.held else ""
        flash(f"Approved #{item.id}.{held}")
        return redirect(url_for("editor.queue"))
    return redirect(url_for("editor.review", item_id=item_id))


@bp.post("/items/<int:item_id>/reject")
def reject_item(item_id):
    """Reject an item, with a reason."""
    item = _get(ReviewItem, item_id, lock=True)
    form = RejectForm()
    if not form.validate_on_submit():
        return _render_review(item, reject_form=form, status=400)
    if _commit_or_flash(lambda: reject(get_session(), item, current_user, form.reason.data)):
        flash(f"Rejected #{item.id}.")
        return redirect(url_for("editor.queue"))
    return redirect(url_for("editor.review", item_id=item_id))


@bp.post("/items/<int:item_id>/edit")
def edit_item(item_id):
    """Approve with the editor's corrections; the corrected fields become locked."""
    item = _get(ReviewItem, item_id, lock=True)
    if entry_of(item) is None or item.kind not in (NEW, CHANGE):
        abort(404)
    form = entry_form(item.entry_type, _terms())
    if not form.validate_on_submit():
        return _render_review(item, edit_form=form, status=400)
    if _commit_or_flash(lambda: edit_and_approve(get_session(), item, current_user,
                                                 form.values())):
        flash(f"Approved #{item.id} with your corrections; corrected fields are locked.")
        return redirect(url_for("editor.queue"))
    return redirect(url_for("editor.review", item_id=item_id))


def _entry(entry_type, entry_id, lock=False):
    return _get(ENTRY_MODELS[entry_type], entry_id, lock)


def _render_entry(entry_type, entry, form=None, status=200):
    session = get_session()
    items = session.scalars(select(ReviewItem).where(
        getattr(ReviewItem, f"{entry_type}_id") == entry.id, ReviewItem.state == OPEN)
        .order_by(ReviewItem.created_at)).all()
    return render_template(
        "editor/entry.html", entry=entry, entry_type=entry_type, values=fields_of(entry),
        names=field_names(entry), items=items, lock_form=ActionForm(), withdraw_form=RejectForm(),
        form=form or entry_form(entry_type, _terms(), fields_of(entry))), status


@bp.route("/<any(clinic, resource):entry_type>/new", methods=["GET", "POST"])
def new_entry(entry_type):
    """Add a clinic or resource by hand (from a suggestion, a call): published at once, every
    value given locked against crawls."""
    session = get_session()
    suggestion = _open_suggestion(entry_type, integer("suggestion", None))
    form = entry_form(entry_type, _terms(), _suggested(entry_type, suggestion))
    if form.validate_on_submit():
        values = form.values()
        same_url = entry_type == "resource" and session.scalar(
            select(Resource.id).where(Resource.url == values["url"]))
        if same_url:
            flash(f"Not added: resource #{same_url} has this web address already.", "error")
        else:
            if entry_type == "clinic" and values.get("latitude") is None:
                point = geocode_address(values.get("postal_code"), values.get("locality"),
                                        values.get("region"), values.get("country"))
                if point:
                    values["latitude"], values["longitude"] = point
            title = values["name" if entry_type == "clinic" else "title"]
            slug = unique_slugs(session.connection(), ENTRY_MODELS[entry_type], [title])[0]
            entry = create_entry(session, entry_type, current_user, values, slug)
            if suggestion is not None:
                setattr(suggestion, f"{entry_type}_id", entry.id)
                approve(session, suggestion, current_user, f"added as {entry_type} #{entry.id}")
            session.commit()
            flash(f"Added and published {entry_type} #{entry.id}; its values are locked.")
            return redirect(url_for("editor.entry", entry_type=entry_type, entry_id=entry.id))
    status = 400 if form.is_submitted() else 200
    return render_template("editor/new.html", form=form, entry_type=entry_type,
                           suggestion=suggestion), status


def _open_suggestion(entry_type: str, item_id: int | None) -> ReviewItem | None:
    item = get_session().get(ReviewItem, item_id) if item_id else None
    if item is None or item.kind != SUGGESTION or item.state != OPEN \
            or item.entry_type != entry_type:
        return None
    return item


def _suggested(entry_type: str, item: ReviewItem | None) -> dict | None:
    """A new entry's form values from what the public suggested."""
    if item is None:
        return None
    payload = item.payload or {}
    if entry_type == "clinic":
        return {"name": payload.get("name"), "website": payload.get("url"),
                "locality": payload.get("place"), "description": payload.get("details"),
                "status": "active"}
    return {"title": payload.get("name"), "url": payload.get("url"),
            "summary": payload.get("details")}


@bp.get("/<any(clinic, resource):entry_type>/<int:entry_id>")
def entry(entry_type, entry_id):
    """An entry as it stands: values, provenance, locks, sources and open items."""
    return _render_entry(entry_type, _entry(entry_type, entry_id))


@bp.post("/<any(clinic, resource):entry_type>/<int:entry_id>/edit")
def edit(entry_type, entry_id):
    """Correct an entry by hand; the corrected fields become locked."""
    found = _entry(entry_type, entry_id, lock=True)
    form = entry_form(entry_type, _terms())
    if not form.validate_on_submit():
        return _render_entry(entry_type, found, form, 400)
    values, seen = form.values(), form.seen_values()
    if seen is not None:  # apply only what this editor changed; never undo someone else's edit
        current = fields_of(found)
        values, clashes = own_changes(seen, current, values)
        if clashes:
            form.show(current)  # saving again now keeps this editor's values, knowingly
            flash(f"Not saved: since you opened this page someone else changed "
                  f"{', '.join(clashes)}. The table shows their values; yours are still in the "
                  f"form below. Save again to keep yours.", "error")
            return _render_entry(entry_type, found, form, 409)
    changed = edit_entry(get_session(), found, current_user, values)
    get_session().commit()
    flash(f"Saved and locked: {', '.join(changed)}." if changed else "Nothing changed.")
    return redirect(url_for("editor.entry", entry_type=entry_type, entry_id=entry_id))


@bp.post("/<any(clinic, resource):entry_type>/<int:entry_id>/withdraw")
def withdraw_entry(entry_type, entry_id):
    """Take a published entry off the public site, with a reason."""
    found = _entry(entry_type, entry_id, lock=True)
    form = RejectForm()
    if not form.validate_on_submit():
        flash("Not withdrawn: give a reason.", "error")
    elif _commit_or_flash(lambda: withdraw(get_session(), found, current_user,
                                           form.reason.data)):
        flash(f"Withdrew {entry_type} #{entry_id} from the public site.")
    return redirect(url_for("editor.entry", entry_type=entry_type, entry_id=entry_id))


@bp.post("/<any(clinic, resource):entry_type>/<int:entry_id>/lock")
def lock(entry_type, entry_id):
    """Lock a field against crawled changes, or lift the lock."""
    found = _entry(entry_type, entry_id, lock=True)
    locked = request.form.get("locked") == "1"
    name = request.form.get("field", "")
    if _commit_or_flash(lambda: set_lock(get_session(), found, name, current_user, locked)):
        flash(f"{name} is {'locked' if locked else 'unlocked'}.")
    back = safe_next(request.form.get("back"))
    return redirect(back if back and back.startswith("/editor/") else
                    url_for("editor.entry", entry_type=entry_type, entry_id=entry_id))


@bp.get("/<any(clinic, resource):entry_type>/<int:entry_id>/history")
def history(entry_type, entry_id):
    """Every decision about an entry, newest first."""
    found = _entry(entry_type, entry_id)
    entries = get_session().scalars(select(AuditEntry).where(
        AuditEntry.entity_type == entry_type, AuditEntry.entity_id == entry_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .options(selectinload(AuditEntry.user))).all()
    return render_template("editor/history.html", entry=found, entry_type=entry_type,
                           audit=entries)


@bp.get("/changes")
def changes():
    """The latest decisions across the directory."""
    entries = get_session().scalars(select(AuditEntry).order_by(
        AuditEntry.at.desc(), AuditEntry.id.desc()).limit(200)
        .options(selectinload(AuditEntry.user))).all()
    return render_template("editor/changes.html", audit=entries)


@bp.get("/duplicates")
def duplicates():
    """Candidate duplicate clinics."""
    return render_template("editor/duplicates.html", pairs=candidate_pairs(get_session()),
                           form=ActionForm())


@bp.post("/duplicates/<int:first_id>/<int:second_id>/different")
def not_duplicates(first_id, second_id):
    """An editor says the pair are two different clinics: it leaves the list for good."""
    first, second = _entry("clinic", first_id), _entry("clinic", second_id)
    if ActionForm().validate_on_submit() and _commit_or_flash(
            lambda: mark_not_duplicates(get_session(), first, second, current_user)):
        flash(f"Clinics #{first.id} and #{second.id} are marked as different clinics.")
    return redirect(url_for("editor.duplicates"))


@bp.route("/duplicates/<int:survivor_id>/<int:other_id>", methods=["GET", "POST"])
def merge(survivor_id, other_id):
    """Merge two clinics, picking each field from either side."""
    survivor = _entry("clinic", survivor_id, lock=request.method == "POST")
    other = _entry("clinic", other_id, lock=request.method == "POST")
    form = ActionForm()
    if form.validate_on_submit():
        take = [name for name in CLINIC_FIELDS if request.form.get(f"pick-{name}") == "other"]
        if _commit_or_flash(lambda: merge_clinics(get_session(), survivor, other,
                                                  current_user, take)):
            flash(f"Merged clinic #{other.id} into #{survivor.id}.")
            return redirect(url_for("editor.entry", entry_type="clinic", entry_id=survivor.id))
    return render_template("editor/merge.html", survivor=survivor, other=other, form=form,
                           names=CLINIC_FIELDS, left=fields_of(survivor), right=fields_of(other))


def _next_run(schedule: str, timezone: str) -> datetime:
    trigger = check_cron(schedule, timezone)
    return trigger.get_next_fire_time(None, datetime.now(trigger.timezone))


@bp.get("/crawls")
def crawls():
    """Sources with their schedule, health, recent runs and a "run now" button."""
    session = get_session()
    config = current_app.config["RELIEFMAP"]
    rows = {row.name: row for row in session.scalars(select(Source))}
    names = sorted(set(config.sources) | set(rows))
    runs = {name: session.scalars(select(CrawlRun).join(Source).where(Source.name == name)
                                  .order_by(CrawlRun.id.desc()).limit(5)).all()
            for name in names}
    waiting = set(session.scalars(select(CrawlRequest.source_name).where(
        CrawlRequest.picked_at.is_(None))))
    sources = [{"name": name, "config": config.sources.get(name), "row": rows.get(name),
                "runs": runs[name], "requested": name in waiting,
                "next_run": _next_run(config.sources[name].schedule, config.scheduler.timezone)
                if name in config.sources and config.sources[name].enabled else None}
               for name in names]
    return render_template("editor/crawls.html", sources=sources, form=ActionForm())


@bp.get("/crawls/<int:run_id>")
def crawl_run(run_id):
    """One crawl run: what it did, what it rejected and why, its errors, stats and log."""
    run = _get(CrawlRun, run_id)
    return render_template("editor/run.html", run=run)


@bp.post("/crawls/<name>/run")
def run_now(name):
    """Ask the scheduler to crawl a source now; the web process never crawls."""
    session = get_session()
    config = current_app.config["RELIEFMAP"]
    source = config.sources.get(name)
    if source is None:
        abort(404)
    if ActionForm().validate_on_submit():
        if not source.enabled:
            flash(f"{name} is disabled in config.toml; enable it to crawl it.", "error")
        elif session.scalar(select(CrawlRequest.id).where(CrawlRequest.source_name == name,
                                                           CrawlRequest.picked_at.is_(None))):
            flash(f"A crawl of {name} is already waiting for the scheduler.")
        else:
            session.add(CrawlRequest(source_name=name, requested_by_id=current_user.id))
            session.commit()
            flash(f"Asked the scheduler to crawl {name} now.")
    return redirect(url_for("editor.crawls"))

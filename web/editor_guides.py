"""The editor workspace's guides: write, lock and revise the description of a condition or a
treatment; every save is a revision in its history."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from models import GuideLocked, Term, TermGuide, revise_guide
from web.auth import no_store, require_login
from web.db import get_session
from web.editor import workspace_globals
from web.editor_forms import GuideForm

bp = Blueprint("editor_guides", __name__, url_prefix="/editor/guides")
bp.before_request(require_login())
bp.after_request(no_store)
bp.context_processor(workspace_globals)


@bp.get("/")
def index():
    """Every condition and treatment, with whether its guide has a description."""
    session = get_session()
    guides = {guide.term_slug: guide for guide in session.scalars(select(TermGuide))}
    terms = session.scalars(select(Term).order_by(Term.kind, Term.label))
    return render_template("editor/guides.html", terms=list(terms), guides=guides)


@bp.route("/<slug>", methods=["GET", "POST"])
def guide(slug: str):
    """One guide's description: the form and its revisions, newest first."""
    session = get_session()
    term = session.get(Term, slug)
    if term is None:
        abort(404)
    current = session.get(TermGuide, slug)
    form = GuideForm(obj=current)
    status = 200
    if form.validate_on_submit():
        try:
            revise_guide(session, slug, form.description.data or "", form.locked.data,
                         current_user.id)
            session.commit()
        except GuideLocked as exc:
            session.rollback()
            flash(str(exc))
            status = 409
        else:
            flash("Saved: the guide shows the new description now.")
            return redirect(url_for("editor_guides.guide", slug=slug))
    elif form.is_submitted():
        status = 400
    current = session.get(TermGuide, slug)
    return render_template("editor/guide.html", term=term, guide=current, form=form,
                           revisions=list(reversed(current.revisions)) if current else []), status

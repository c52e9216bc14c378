"""Patient resources: browse by kind and condition, a page per resource, and the public
"suggest a clinic or resource" form."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from models import ReviewItem
from models.staging import SUGGESTION
from web import queries
from web.db import get_session
from web.forms import SuggestForm
from web.params import integer, text
from web.public import form_problem, http_url
from web.security import csrf

bp = Blueprint("resources", __name__)

# Kind slug -> what the pages call it.
KIND_LABELS = {"article": "Articles", "support-group": "Support groups",
               "organization": "Associations", "video": "Videos", "story": "Stories",
               "forum": "Forums"}


@bp.record_once
def _setup(state):
    state.app.jinja_env.globals.update(resource_kinds=KIND_LABELS)


@bp.get("/resources/")
def index():
    """Articles, support groups, associations, videos, stories and forums, by condition and
    treatment."""
    session = get_session()
    kind = request.args.get("kind") or None
    if kind and kind not in KIND_LABELS:
        abort(404)
    condition, treatment, q = text("condition"), text("treatment"), text("q")
    results = queries.find_resources(session, kind=kind, condition=condition,
                                     treatment=treatment, q=q, page=integer("page", 1),
                                     per_page=20)
    return render_template("resources/index.html", results=results, kind=kind,
                           condition=condition, treatment=treatment, q=q,
                           terms=queries.term_labels(session))


@bp.get("/resources/<slug>")
def resource(slug: str):
    """One resource: summary, author, date and the link out."""
    session = get_session()
    found = queries.get_resource(session, slug)
    if found is None:
        abort(404)
    return render_template("resources/resource.html", resource=found,
                           sources=resource_sources(found), terms=queries.term_labels(session))


def resource_sources(resource) -> dict[str, str | None]:
    """Where the resource was found: each http(s) page URL with its source's name, once."""
    found: dict[str, str | None] = {}
    for record in sorted(resource.source_records, key=lambda record: record.id):
        url = http_url(record.url)
        if url:
            found.setdefault(url, record.source.name if record.source else None)
    return found


@bp.route("/suggest", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so a refused form comes back with its text
def suggest():
    """Suggest a clinic or a resource: it lands in the editors' queue."""
    form = SuggestForm()
    if request.method == "GET":
        return render_template("resources/suggest.html", form=form, error=None)
    problem = form_problem(form)
    if problem:
        status, message = problem
        return render_template("resources/suggest.html", form=form, error=message), status
    session = get_session()
    payload = {name: (getattr(form, name).data or "").strip() or None
               for name in ("name", "url", "place", "details", "contact")}
    session.add(ReviewItem(kind=SUGGESTION, origin="public", entry_type=form.kind.data,
                           payload=payload, note=payload["details"]))
    session.commit()
    flash("Thank you: an editor will look at your suggestion.")
    return redirect(url_for("resources.suggest"))

"""Random and hostile paths, query strings and form bodies, sent to every public route and, logged
in, to every editor and admin route: whatever comes, the answer is never a 5xx. Hypothesis draws
the requests from a fixed seed (derandomize), so a run is the same every time."""

import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict

from models import LoginAttempt, ReviewItem, User
from models.staging import REPORT, SUGGESTION
from tests.editor_fixtures import HUDSON, PASSWORD, AuthActions, crawl_clinic
from web.rate_limit import RateLimiter

HOSTILE = ["", "0", "1", "2", "-1", "nan", "inf", "-inf", "1e999", "0x10", "²", "١٢", "1_000",
           "99999999999999999999", "9223372036854775807", "2147483648", "\x00", "a\x00b",
           "\n", "\r\nSet-Cookie: x=1", "\x1b[2J", "\x7f", "\x85", "\t", " ", "%00", "%",
           "../../etc/passwd", "//evil.example/", "https://evil.example/", "/\\evil.example",
           "javascript:alert(1)", "<script>alert(1)</script>", "&amp;lt;b&amp;gt;",
           "' OR 1=1 --", '"', "\\", "x" * 5000, "💥", "\ufeff", "US-NY", "us-ny", "GB-ENG",
           "crps", "ketamine-iv-infusion", "10001", "New York", "clinic", "resource",
           "approve", "reject", "pages", "clinics", "resources", "=HYPERLINK(\"x\")",
           "medicare", "medicare,self-pay", "true", "Mo", "es"]
# The query parameters and form fields the app reads, and the keys url_for would take as its own.
QUERY_KEYS = ["q", "condition", "treatment", "country", "region", "locality", "near", "radius",
              "sort", "page", "per_page", "kind", "source", "age", "suggestion", "next", "code",
              "payment", "telehealth", "accepting_new_patients", "open", "language",
              "_external", "_scheme", "_anchor", "_method"]
FORM_KEYS = ["username", "password", "next", "problem", "details", "contact", "homepage", "kind",
             "name", "url", "place", "note", "reason", "action", "item", "field", "locked",
             "back", "seen", "role", "status", "street", "locality", "region", "country",
             "postal_code", "latitude", "longitude", "website", "email", "phone", "description",
             "title", "summary", "author", "published", "treatments", "conditions",
             "pick-name", "csrf_token"]
SAMPLES = ["1", "2", "3", "4", "manhattan-ketamine-center", "rsdsa", "US", "US-NY", "us-ny",
           "clinic", "resource", "pages", "clinics", "fixture-directory"]
PUBLIC_AREAS = {None, "public", "guides", "feeds", "resources", "api", "exports", "health",
                "auth"}  # None: static
EDITOR_AREAS = {"editor", "editor_guides", "admin"}
FUZZ_ADDRESS = {"REMOTE_ADDR": "198.51.100.7"}  # failed logins lock this address, not ours
PLACEHOLDER = re.compile(r"<[^>]+>")

# Random text without control characters: HOSTILE has those, and one of them in a request is
# refused before any view runs (tested on its own in test_params.py).
printable = st.characters(codec="utf-8", exclude_categories=("Cc",))
hostile = st.sampled_from(HOSTILE)
values = st.one_of(hostile, hostile, hostile, st.text(printable, max_size=40),
                   st.integers(-2**70, 2**70).map(str), st.floats().map(str))


def pairs(known_keys):
    """(key, value) pairs: any of the keys the app reads, and a few of no meaning."""
    return st.builds(
        lambda known, other: [*known.items(), *other],
        st.fixed_dictionaries({}, optional=dict.fromkeys(known_keys, values)),
        st.lists(st.tuples(st.text(printable, max_size=12), values), max_size=2))


def routes(app, areas):
    """(rule, method) for every route of the blueprints in `areas` (None: the app's own)."""
    found = []
    for rule in app.url_map.iter_rules():
        if (rule.endpoint.rpartition(".")[0] or None) in areas:
            found += [(rule.rule, method) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


@st.composite
def requests(draw, rule, method):
    """A URL for the route (hostile arguments, or now and then any path) and a form body."""
    if draw(st.integers(0, 9)) == 0:
        path = "/" + quote(draw(st.text(printable, max_size=40)), safe="/")
    else:
        known = st.sampled_from(SAMPLES)  # two times in three, an argument that names something
        path = PLACEHOLDER.sub(lambda _: quote(draw(known | known | values), safe=""), rule)
    query = urlencode(draw(pairs(QUERY_KEYS)))
    form = draw(pairs(FORM_KEYS)) if method == "POST" else []
    return method, path + ("?" + query if query else ""), form


def send(client, method, url, form, token):
    """The request, with a valid form token unless the form names its own."""
    data = MultiDict(form)
    data.setdefault("csrf_token", token)
    response = client.open(url, method=method, data=data, environ_base=FUZZ_ADDRESS)
    assert response.status_code < 500, (method, url, form, response.get_data(as_text=True))


@pytest.fixture
def hostile_app(app, db_write, api_directory, users):
    """The app over the API's directory, review items of each kind, no rate limit on forms."""
    def review_items(session):
        item = crawl_clinic(session, HUDSON)
        session.add(ReviewItem(kind=REPORT, origin="public", entry_type="clinic",
                               clinic_id=item.clinic_id, note="wrong phone",
                               payload={"problem": "phone", "details": "wrong phone"}))
        session.add(ReviewItem(kind=SUGGESTION, origin="public", entry_type="clinic",
                               payload={"name": "Lake Pain", "url": "https://lake.example/"}))

    db_write(review_items)
    app.extensions["public_form_limiter"] = RateLimiter(limit=10**9)
    return app


def logged_in_admin(app, db_write):
    """A new client logged in as the admin, who is first restored if a request changed her."""
    client = app.test_client()
    auth = AuthActions(client)
    if auth.login("ada").status_code != 302:
        def restore(session):
            ada = session.scalar(select(User).where(User.username == "ada"))
            ada.set_password(PASSWORD)
            ada.set_active(True)
            ada.role = "admin"
            session.execute(delete(LoginAttempt))

        db_write(restore)
        assert auth.login("ada").status_code == 302
    return client, auth.csrf_token("/editor/")


SETTINGS = settings(derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def test_public_routes_never_answer_5xx(hostile_app):
    assert set(hostile_app.blueprints) == (PUBLIC_AREAS | EDITOR_AREAS) - {None}  # all routes
    client = hostile_app.test_client()
    token = AuthActions(client).csrf_token()
    for rule, method in routes(hostile_app, PUBLIC_AREAS):
        @settings(SETTINGS, max_examples=40)
        @given(requests(rule, method))
        def check(request):
            send(client, *request, token)

        check()


def test_editor_and_admin_routes_logged_in_never_answer_5xx(hostile_app, db_write):
    for rule, method in routes(hostile_app, EDITOR_AREAS):
        @settings(SETTINGS, max_examples=25)
        @given(requests(rule, method))
        def check(request):
            client, token = logged_in_admin(hostile_app, db_write)
            send(client, *request, token)

        check()

"""The per-process query cache: repeated GETs skip the database, any commit by anyone empties
it, and callers outside a GET request always get fresh results."""

import threading
import time

import pytest
from sqlalchemy import event, select

from models import Clinic
from web import queries
from web.cache import QueryCache


@pytest.fixture
def statements(app):
    """SQL statements the app runs."""
    seen = []
    engine = app.extensions["database"].engine

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def only_version_checks(statements) -> bool:
    return not statements  # the version is read outside the engine's statements


def test_a_repeated_request_is_served_without_queries(client, api_directory, statements):
    first = client.get("/api/v1/clinics?condition=crps&near=10001&radius=100")
    ran = len(statements)
    again = client.get("/api/v1/clinics?condition=crps&near=10001&radius=100")
    assert again.get_data() == first.get_data()
    assert ran > 3 and only_version_checks(statements[ran:])  # nothing else ran the 2nd time


def test_any_commit_empties_the_cache(client, database, api_directory):
    before = client.get("/api/v1/clinics?country=CA").get_json()
    with database.write_session.begin() as session:
        clinic = session.scalar(select(Clinic).where(Clinic.slug == "vancouver-crps-clinic"))
        clinic.name = "Vancouver CRPS and Pain Clinic"
    after = client.get("/api/v1/clinics?country=CA").get_json()
    assert [item["name"] for item in before["items"]] == ["Toronto Pain Centre",
                                                          "Vancouver CRPS Clinic"]
    assert [item["name"] for item in after["items"]] == ["Toronto Pain Centre",
                                                         "Vancouver CRPS and Pain Clinic"]


def test_callers_outside_a_request_are_never_cached(database, api_directory):
    with database.read_session() as session:
        first = queries.find_clinics(session, country="CA")
        second = queries.find_clinics(session, country="CA")
    assert first is not second and first.total == second.total == 2


def test_one_thread_computes_while_the_others_wait(database):
    cache = QueryCache(database.engine)
    calls, started = [], threading.Barrier(4)

    def compute():
        calls.append(1)
        return "answer"

    def ask(results):
        started.wait()
        results.append(cache.remember("key", compute))

    results: list = []
    threads = [threading.Thread(target=ask, args=(results,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["answer"] * 4 and len(calls) == 1
    database.dispose()  # closes the cache's own connection too
    assert cache.connection is None and not cache.entries


def test_a_failed_computation_is_not_kept(database):
    cache = QueryCache(database.engine)

    def broken():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        cache.remember("key", broken)
    assert cache.remember("key", lambda: "fine") == "fine"
    assert not cache.computing
    cache.close()


def bump_version_from_elsewhere(database) -> None:
    """Move the directory version as another process would: a connection of its own, so no
    commit event of this process's engines sees it."""
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("UPDATE search_version SET version = version + 1 WHERE id = 1")
        raw.commit()
    finally:
        raw.close()


def test_with_an_interval_the_version_is_read_once_and_a_change_elsewhere_shows_within_it(
        database, api_directory):
    """PostgreSQL's setting (a round trip per version read): while nothing changes, answers
    come without reading the version again; a change made by another process shows within
    the interval, never later."""
    cache = QueryCache(database.engine, interval=0.25)
    computed = []

    def compute():
        computed.append(1)
        return len(computed)

    assert cache.remember("key", compute) == 1
    for _ in range(50):
        assert cache.remember("key", compute) == 1
    assert cache.version_reads == 1
    bump_version_from_elsewhere(database)
    changed_at = time.monotonic()
    while cache.remember("key", compute) == 1:
        assert time.monotonic() - changed_at < 1.0, "the change did not show within a second"
        time.sleep(0.01)
    assert computed == [1, 1] and cache.version_reads >= 2
    cache.close()


def test_a_commit_in_this_process_shows_at_once_whatever_the_interval(database, api_directory):
    cache = QueryCache(database.engine, interval=3600)
    before = cache.remember("names", lambda: _names(database))
    with database.write_session.begin() as session:
        clinic = session.scalar(select(Clinic).where(Clinic.slug == "vancouver-crps-clinic"))
        clinic.name = "Vancouver CRPS and Pain Clinic"
    after = cache.remember("names", lambda: _names(database))
    assert "Vancouver CRPS Clinic" in before and "Vancouver CRPS and Pain Clinic" in after
    cache.close()


def test_entries_kept_one_at_a_time_load_only_what_no_list_loaded_before(database,
                                                                        api_directory):
    cache = QueryCache(database.engine, max_entries=3, interval=0)
    asked = []

    def load(keys):
        asked.append(sorted(keys))
        return {key: key * 10 for key in keys if key != 4}  # 4 does not exist

    assert cache.remember_each([1, 2], load) == {1: 10, 2: 20}
    assert cache.remember_each([2, 3, 4], load) == {2: 20, 3: 30}
    assert asked == [[1, 2], [3, 4]]
    assert list(cache.entries) == [1, 2, 3]  # bounded: the next one pushes out the oldest
    cache.remember_each([5], load)
    assert list(cache.entries) == [2, 3, 5]
    bump_version_from_elsewhere(database)
    assert cache.remember_each([2], load) == {2: 20} and asked[-1] == [2]
    cache.close()


def _names(database) -> list[str]:
    with database.read_session() as session:
        return list(session.scalars(select(Clinic.name)))


def test_the_app_reads_the_version_once_per_interval_on_postgresql(app, client, api_directory):
    """Kept pages on PostgreSQL: no version read per request (on SQLite a read is a local file
    read, kept per request so a change shows on the very next one)."""
    client.get("/regions/US-NY")
    cache = app.extensions["query_cache"]
    reads = cache.version_reads
    started = time.monotonic()
    for _ in range(20):
        assert client.get("/regions/US-NY").status_code == 200
    elapsed = time.monotonic() - started
    if app.extensions["database"].engine.dialect.name == "postgresql":
        assert cache.version_reads - reads <= 1 + elapsed / cache.interval
    else:
        assert cache.version_reads - reads == 20


def test_pages_are_kept_for_anonymous_visitors_only(app, api_directory, statements):
    anonymous = app.test_client(use_cookies=False)
    first = anonymous.get("/regions/US-NY")
    ran = len(statements)
    assert anonymous.get("/regions/US-NY").get_data() == first.get_data()
    assert only_version_checks(statements[ran:])
    visitor = app.test_client()
    with visitor.session_transaction() as session:
        session["_flashes"] = [("message", "Thank you: an editor will check your report.")]
    own = visitor.get("/regions/US-NY").get_data(as_text=True)
    assert "Thank you: an editor will check your report." in own
    assert "Thank you" not in anonymous.get("/regions/US-NY").get_data(as_text=True)


def test_a_kept_page_gives_each_visitor_their_own_form_token(app, api_directory, database):
    import re

    from models import ReviewItem

    def token(client):
        page = client.get("/clinics/toronto-pain-centre").get_data(as_text=True)
        assert "\x00" not in page
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    first, second = app.test_client(), app.test_client()
    tokens = [token(first), token(second), token(second)]
    assert tokens[0] != tokens[1] == tokens[2]
    response = second.post("/clinics/toronto-pain-centre/report", data={
        "csrf_token": tokens[1], "problem": "phone", "details": "Rings a fax machine.",
        "contact": "", "homepage": ""})
    assert response.status_code == 302
    refused = second.post("/clinics/toronto-pain-centre/report", data={
        "csrf_token": tokens[0], "problem": "phone", "details": "Someone else's token.",
        "contact": "", "homepage": ""})
    assert refused.status_code != 302
    with database.read_session() as session:
        assert [item.kind for item in session.scalars(select(ReviewItem))] == ["report"]


def test_a_new_source_for_a_clinic_shows_on_its_kept_page(client, database, api_directory):
    from models import Source, SourceRecord

    page = "/clinics/vancouver-crps-clinic"
    assert b"crps-community.example" not in client.get(page).get_data()
    with database.write_session.begin() as session:
        clinic = session.scalar(select(Clinic).where(Clinic.slug == "vancouver-crps-clinic"))
        source = Source(name="crps-community", kind="clinics")
        session.add(SourceRecord(source=source, record_key="k", clinic_id=clinic.id,
                                 entry_type="clinic", fingerprint="f" * 64,
                                 url="https://crps-community.example/clinics/vancouver"))
    assert b"crps-community.example" in client.get(page).get_data()


def test_without_a_readable_version_pages_are_computed_fresh_and_never_hang(app, database,
                                                                           api_directory):
    """A page that asks the cache again while computing must not wait on itself."""
    from sqlalchemy import text

    with database.write_session.begin() as session:
        session.execute(text("DELETE FROM search_version"))
    answers: list = []
    visit = threading.Thread(target=lambda: answers.append(
        app.test_client(use_cookies=False).get("/regions/US-NY")))
    visit.start()
    visit.join(timeout=30)
    assert not visit.is_alive() and answers[0].status_code == 200
    assert app.extensions["query_cache"].entries == {}  # nothing kept without a version


def test_a_forged_host_never_reaches_another_visitor(app, client, config, directory):
    from dataclasses import replace

    site = "https://reliefmap.example.org"
    app.config["RELIEFMAP"] = replace(config, web=replace(config.web, base_url=site + "/"))
    clinic = "/clinics/" + directory["Manhattan Ketamine Center"]
    paths = [clinic, "/robots.txt", "/sitemap.xml", "/sitemap-pages-1.xml",
             "/sitemap-clinics-1.xml"]
    for path in paths:
        for _ in range(3):
            client.get(path, base_url="http://evil.example",
                       headers={"X-Forwarded-Host": "evil.example"})
    for path in paths:
        body = client.get(path).get_data(as_text=True)
        assert "evil.example" not in body and "localhost" not in body, path
    assert f'"url": "{site}{clinic}"' in client.get(clinic).get_data(as_text=True)

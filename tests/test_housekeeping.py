"""Housekeeping: the polite link check of published clinic websites, and pruning."""

import os
import threading
import time
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from jobs import housekeeping
from models import Clinic, CrawlRun, LoginAttempt, ReviewItem, Source, utcnow

# path -> (status for HEAD, status for GET)
ROUTES = {"/ok": (200, 200), "/no-head": (405, 200), "/gone": (404, 404),
          "/broken": (500, 500), "/members-only": (403, 403)}
ROBOTS_TXT = b"User-agent: *\nDisallow: /private\n"


@pytest.fixture
def robots_fetches():
    """(method, user agent) of each request for the websites' robots.txt."""
    return []


@pytest.fixture
def websites(robots_fetches):
    """Clinic websites on 127.0.0.1 that log every request they get, robots.txt apart (its
    rules disallow /private)."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def answer(self):
            if self.path == "/robots.txt":
                robots_fetches.append((self.command, self.headers["User-Agent"]))
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(ROBOTS_TXT)))
                self.end_headers()
                self.wfile.write(ROBOTS_TXT)
                return
            seen.append((self.command, self.path, self.headers["User-Agent"], time.monotonic()))
            head, get = ROUTES.get(self.path, (404, 404))
            self.send_response(head if self.command == "HEAD" else get)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_HEAD = do_GET = answer

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def closed_port() -> str:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/"


def checking(config, **settings):
    return replace(config, scheduler=replace(config.scheduler, link_check_delay_seconds=0.1,
                                             link_check_timeout_seconds=3, **settings))


def add_clinics(database, sites, state="published"):
    with database.write_session.begin() as session:
        for index, url in enumerate(sites):
            session.add(Clinic(slug=f"{state}-{index}", name=f"Clinic {index}", website=url,
                               state=state))


def test_link_check_flags_dead_sites_politely(config, database, websites):
    base, seen = websites
    dead = [f"{base}/gone", f"{base}/broken", closed_port()]
    alive = [f"{base}/ok", f"{base}/no-head", f"{base}/members-only"]
    add_clinics(database, alive + dead)
    add_clinics(database, [f"{base}/gone-pending"], state="pending")  # not public: not checked
    assert housekeeping.check_links(checking(config), database) == 3
    with database.read_session() as session:
        flagged = session.scalars(select(ReviewItem).where(ReviewItem.kind == "flag")).all()
        notes = sorted(flag.note for flag in flagged)
        assert all(flag.origin == "system" and flag.clinic_id for flag in flagged)
        verified = set(session.scalars(select(Clinic.website)
                                       .where(Clinic.last_verified.is_not(None))))
    assert [note.split(": ")[1].split(" ")[0] for note in notes] == sorted(dead)
    assert any("HTTP 404" in note for note in notes) and any("HTTP 500" in note for note in notes)
    assert verified == set(alive)
    assert {agent for _, _, agent, _ in seen} == {config.crawler.user_agent}
    assert [method for method, path, _, _ in seen if path == "/no-head"] == ["HEAD", "GET"]
    assert [method for method, path, _, _ in seen if path == "/ok"] == ["HEAD"]
    assert "/gone-pending" not in {path for _, path, _, _ in seen}
    visits = sorted(when for method, _, _, when in seen if method == "HEAD")
    assert all(later - earlier >= 0.09 for earlier, later in zip(visits, visits[1:],
                                                                  strict=False))
    # A site with an open flag is not checked or flagged again.
    seen.clear()
    assert housekeeping.check_links(checking(config), database) == 0
    assert {path for _, path, _, _ in seen} == {"/ok", "/no-head", "/members-only"}


def test_link_check_is_bounded_and_checks_the_least_recently_verified_first(
        config, database, websites):
    base, seen = websites
    add_clinics(database, [f"{base}/ok"] * 5)
    with database.write_session.begin() as session:
        for clinic in session.scalars(select(Clinic).order_by(Clinic.id).limit(3)):
            clinic.last_verified = utcnow()
    housekeeping.check_links(checking(config, link_check_max_sites=2), database)
    assert len(seen) == 2
    with database.read_session() as session:
        fresh = session.scalars(select(Clinic.slug).where(
            Clinic.last_verified > utcnow() - timedelta(seconds=5))).all()
    assert set(fresh) == {f"published-{i}" for i in range(5)}


def test_a_site_that_is_not_http_is_flagged_without_a_request(config, database):
    add_clinics(database, ["javascript:alert(1)"])
    assert housekeeping.check_links(checking(config), database) == 1


def test_link_check_honours_robots_txt_once_per_site_and_run(config, database, websites,
                                                            robots_fetches, caplog):
    base, seen = websites
    private = [f"{base}/private/gone", f"{base}/private/also-gone"]
    add_clinics(database, [*private, f"{base}/ok"])
    with caplog.at_level("INFO", logger="jobs.housekeeping"):
        assert housekeeping.check_links(checking(config), database) == 0
    assert {path for _, path, _, _ in seen} == {"/ok"}
    assert robots_fetches == [("GET", config.crawler.user_agent)]
    assert "1 site(s) checked, 0 flagged, 2 skipped as robots.txt disallows them" in caplog.text
    assert all(url in caplog.text for url in private)
    with database.read_session() as session:
        assert not session.scalars(select(ReviewItem)).all()
        assert set(session.scalars(select(Clinic.website).where(
            Clinic.last_verified.is_not(None)))) == {f"{base}/ok"}


def test_link_check_checks_what_robots_txt_disallows_when_told_not_to_obey(
        config, database, websites, robots_fetches):
    base, seen = websites
    add_clinics(database, [f"{base}/private/gone"])
    config = replace(config, crawler=replace(config.crawler, obey_robots=False))
    assert housekeeping.check_links(checking(config), database) == 1
    assert [path for _, path, _, _ in seen] == ["/private/gone", "/private/gone"]
    assert robots_fetches == []


def test_pruning_removes_old_cache_files_and_old_run_logs(config, database, tmp_path):
    cache = config.resolve_path(config.crawler.http_cache_dir)
    old, new = cache / "source" / "ab" / "old", cache / "source" / "cd" / "new"
    for path in (old, new):
        path.parent.mkdir(parents=True)
        path.write_text("cached")
    month_ago = time.time() - 30 * 86400
    os.utime(old, (month_ago, month_ago))
    with database.write_session.begin() as session:
        source = Source(name="directory", kind="clinics")
        session.add_all([
            CrawlRun(source=source, trigger="schedule", status="succeeded", log_tail="old log",
                     started_at=utcnow() - timedelta(days=200)),
            CrawlRun(source=source, trigger="schedule", status="succeeded", log_tail="new log")])
    housekeeping.prune(config, database)
    assert not old.exists() and not old.parent.exists() and new.read_text() == "cached"
    with database.read_session() as session:
        tails = session.scalars(select(CrawlRun.log_tail).order_by(CrawlRun.id)).all()
        assert tails == [None, "new log"]
        assert len(session.scalars(select(CrawlRun)).all()) == 2  # history stays


def test_pruning_deletes_login_attempts_older_than_a_month_only(config, database):
    with database.write_session.begin() as session:
        session.add_all([
            LoginAttempt(username="ann", address="10.0.0.1", succeeded=False,
                         at=utcnow() - timedelta(days=31)),
            LoginAttempt(username="ann", address="10.0.0.1", succeeded=True,
                         at=utcnow() - timedelta(days=29))])
    housekeeping.prune(config, database)
    with database.read_session() as session:
        kept = session.scalars(select(LoginAttempt.succeeded)).all()
    assert kept == [True]


def test_pruning_a_missing_cache_folder_is_a_no_op(tmp_path):
    assert housekeeping.prune_http_cache(tmp_path / "nothing-here", 14) == 0

"""Housekeeping: a polite link check of published clinic websites that honours robots.txt, and
pruning of the HTTP cache, of old run logs and of old login attempts."""

from __future__ import annotations

import logging
import os
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update

from jobs.robots import RobotsRules
from models import PUBLISHED, Clinic, CrawlRun, LoginAttempt, ReviewItem, utcnow
from models.staging import FLAG, OPEN

log = logging.getLogger(__name__)
DEAD_STATUSES = {404, 410}
LINK_CHECK_NOTE = "website unreachable"
# Login attempts matter for throttling for minutes; a month of them is kept to look back on.
LOGIN_ATTEMPTS_MAX_AGE = timedelta(days=30)


def check_site(url: str, user_agent: str, timeout: float) -> str | None:
    """None when the site answers; else why it looks dead. HEAD first, GET when HEAD fails
    (many servers refuse or mishandle HEAD)."""
    if urlsplit(url).scheme not in ("http", "https"):
        return "not an http(s) URL"
    status = 0
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers={"User-Agent": user_agent})
        try:
            with urllib.request.urlopen(request, timeout=timeout):
                return None
        except urllib.error.HTTPError as exc:
            exc.close()
            status = exc.code
        except (urllib.error.URLError, OSError, ValueError) as exc:
            return str(getattr(exc, "reason", exc))
    # Refusals such as 401, 403 or 429 come from a site that is there.
    return f"HTTP {status}" if status in DEAD_STATUSES or status >= 500 else None


def check_links(config, database) -> int:
    """Check the websites of published clinics checked longest ago; flag the dead ones. A page
    the site's robots.txt disallows (when `obey_robots` is set) is skipped, not flagged."""
    settings = config.scheduler
    sites = _sites_to_check(database)
    robots = RobotsRules(config.crawler.user_agent, settings.link_check_timeout_seconds)
    last_visit: dict[str, float] = {}
    flagged, disallowed = 0, []
    for clinic_id, url in sites[:settings.link_check_max_sites]:
        if config.crawler.obey_robots and not robots.allows(url):
            disallowed.append(url)
            continue
        host = urlsplit(url).netloc
        wait = last_visit.get(host, 0) + settings.link_check_delay_seconds - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        problem = check_site(url, config.crawler.user_agent, settings.link_check_timeout_seconds)
        last_visit[host] = time.monotonic()
        with database.write_session.begin() as session:
            if problem is None:
                session.execute(update(Clinic).where(Clinic.id == clinic_id)
                                .values(last_verified=utcnow()))
            else:
                session.add(ReviewItem(kind=FLAG, origin="system", entry_type="clinic",
                                       clinic_id=clinic_id,
                                       note=f"{LINK_CHECK_NOTE}: {url} ({problem})"))
                flagged += 1
    log.info("link check: %d site(s) checked, %d flagged, %d skipped as robots.txt disallows "
             "them%s", min(len(sites), settings.link_check_max_sites) - len(disallowed), flagged,
             len(disallowed), f" ({', '.join(disallowed)})" if disallowed else "")
    return flagged


def _sites_to_check(database) -> list[tuple[int, str]]:
    """(clinic id, website) of published clinics without an open link flag, checked longest
    ago first."""
    with database.read_session() as session:
        flagged_ids = set(session.scalars(select(ReviewItem.clinic_id).where(
            ReviewItem.kind == FLAG, ReviewItem.state == OPEN,
            ReviewItem.note.like(f"{LINK_CHECK_NOTE}%"))))
        sites = session.execute(
            select(Clinic.id, Clinic.website).where(
                Clinic.state == PUBLISHED, Clinic.website.is_not(None))
            .order_by(Clinic.last_verified.is_not(None), Clinic.last_verified, Clinic.id)
        ).all()
    return [(clinic_id, url) for clinic_id, url in sites if clinic_id not in flagged_ids]


def prune_http_cache(folder: Path, max_age_days: int) -> int:
    """Delete cached pages older than the limit (rows of the cache databases, files of older
    caches), and the folders they leave empty."""
    # Imported here: the scheduler loads Scrapy only when it prunes.
    from crawler.httpcache import is_cache_database, prune_pages

    if not folder.is_dir():
        return 0
    cutoff = time.time() - max_age_days * 86400
    removed = prune_pages(folder, max_age_days * 86400)
    for root, dirs, files in os.walk(folder, topdown=False):
        for name in files:
            path = Path(root, name)
            if not is_cache_database(path) and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        for name in dirs:
            path = Path(root, name)
            if not any(path.iterdir()):
                path.rmdir()
    return removed


def prune_run_logs(database, max_age_days: int) -> int:
    """Drop the log tail of runs older than the limit; the run row itself is history and stays."""
    cutoff = utcnow() - timedelta(days=max_age_days)
    with database.write_session.begin() as session:
        return session.execute(update(CrawlRun).where(
            CrawlRun.started_at < cutoff, CrawlRun.log_tail.is_not(None))
            .values(log_tail=None)).rowcount


def prune_login_attempts(database) -> int:
    """Delete login attempts older than LOGIN_ATTEMPTS_MAX_AGE (far beyond any lockout)."""
    with database.write_session.begin() as session:
        return session.execute(delete(LoginAttempt).where(
            LoginAttempt.at < utcnow() - LOGIN_ATTEMPTS_MAX_AGE)).rowcount


def prune(config, database) -> None:
    settings = config.scheduler
    files = prune_http_cache(config.resolve_path(config.crawler.http_cache_dir),
                             settings.http_cache_max_age_days)
    logs = prune_run_logs(database, settings.run_log_max_age_days)
    attempts = prune_login_attempts(database)
    log.info("pruned %d cached page(s), the logs of %d old run(s) and %d old login attempt(s)",
             files, logs, attempts)

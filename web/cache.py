"""Results and whole responses kept in each web process until the directory changes.

Public pages and the API ask the same questions again and again (a region, a condition near a
city) while the data changes a few times a day. Entries are kept under the directory version
(the `search_version` row) that triggers (migration 0005) change on every write to what the
public sees. On SQLite the version is read on each request, so a change shows on the very next
request of every worker. On PostgreSQL that read is a round trip to a server process competing
for the same cores, so it is read at most every VERSION_INTERVAL seconds, and at once after any
commit made in this process: a change shows on this worker's next request and on the others'
within a quarter of a second.
Only the read-only session of a GET request uses the cache; any other caller (tests, commands,
editors) always gets fresh results.
Whole pages are kept only for anonymous visitors (no login, no waiting message), and a form
token in a kept page is each visitor's own, so nothing of one visitor reaches another.
"""

import threading
import weakref
from collections import OrderedDict
from functools import wraps
from time import monotonic

from flask import Response, current_app, g, has_request_context, request, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

MAX_ENTRIES = 1024
CSRF_FIELD = "csrf_token"
TOKEN_PLACEHOLDER = b"\x00form-token\x00"
# Session keys of a visitor nobody knows: Flask-WTF's form token and Flask-Login's freshness.
ANONYMOUS_SESSION_KEYS = {"csrf_token", "_fresh", "_permanent"}
DIRECTORY_VERSION = "SELECT version FROM search_version WHERE id = 1"
VERSION_INTERVAL = {"postgresql": 0.25}  # seconds a version read is trusted; others: 0

# Commits made by any engine of this process: a cache reads the version again after one.
_commits = [0]


@event.listens_for(Engine, "commit")
def _count_commit(_connection) -> None:
    _commits[0] += 1


class QueryCache:
    """A bounded map of results, emptied whenever the directory version moves on."""

    def __init__(self, engine, max_entries: int = MAX_ENTRIES, interval: float | None = None):
        self.engine = engine
        self.max_entries = max_entries
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()
        self.computing: dict = {}
        self.connection = None
        self.seen_version = None
        self.interval = (VERSION_INTERVAL.get(engine.dialect.name, 0.0) if interval is None
                         else interval)
        self.read_at = -float("inf")  # when, and after how many commits, the version was read
        self.read_after = -1
        self.version_reads = 0
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def _version(self):
        """The directory version: the one read last while it is fresh (younger than the
        interval, and no commit in this process since), else read again."""
        if (self.seen_version is not None and self.read_after == _commits[0]
                and monotonic() - self.read_at < self.interval):
            return self.seen_version
        self.read_after, self.read_at = _commits[0], monotonic()
        return self._read_version()

    def _read_version(self):
        """The directory version, read on a connection of our own outside any transaction
        (cheaper than a transaction of the request's session, and never a stale snapshot).
        None when it cannot be read (the server is down or restarted, the table is missing):
        the caller then computes afresh, and the next call connects again."""
        self.version_reads += 1
        try:
            if self.connection is None:
                pooled = self.engine.raw_connection()
                self.connection = pooled.driver_connection
                pooled.detach()  # ours for good: no longer the pool's to hand out or reset
                if self.engine.dialect.name == "postgresql":
                    self.connection.autocommit = True
                weakref.finalize(self, self.connection.close)
            cursor = self.connection.cursor()
            try:
                cursor.execute(DIRECTORY_VERSION)
                row = cursor.fetchone()
            finally:
                cursor.close()
        except self.engine.dialect.loaded_dbapi.Error:
            self._disconnect()
            return None
        return row[0] if row else None

    def _disconnect(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - it is broken already
                pass

    def _current(self):
        """The directory version now, the entries emptied when it moved or cannot be read
        (no way to tell what changed then). The caller holds the lock."""
        version = self._version()
        if version is None or version != self.seen_version:
            self.entries.clear()
            self.seen_version = version
        return version

    def _keep(self, version, values: dict) -> None:
        """Keep values computed under `version`, unless it moved meanwhile, the oldest going
        beyond `max_entries`. The caller holds the lock."""
        if version is not None and self.seen_version == version:
            self.entries.update(values)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def remember(self, key, compute):
        """The value for `key`, computed (and kept) when missing or out of date. One thread
        computes a missing key while the others asking for it wait for its result."""
        with self.lock:
            version = self._current()
            if version is not None:
                if key in self.entries:
                    self.entries.move_to_end(key)
                    return self.entries[key]
                computing = self.computing.setdefault(key, threading.Lock())
        if version is None:
            return compute()  # outside the lock: computing may ask the cache again
        with computing:
            with self.lock:
                if key in self.entries and self.seen_version == version:
                    return self.entries[key]
            try:
                value = compute()
            except BaseException:
                with self.lock:
                    self.computing.pop(key, None)
                raise
            with self.lock:  # kept before the key stops being "computing": no gap to recompute in
                self._keep(version, {key: value})
                self.computing.pop(key, None)
        return value

    def remember_each(self, keys: list, compute) -> dict:
        """The values for `keys` that exist: those kept, and those `compute(missing keys)`
        returns (a dict), which are kept too."""
        with self.lock:
            version = self._current()
            found = {key: self.entries[key] for key in keys if key in self.entries}
        missing = [key for key in keys if key not in found]
        if not missing:
            return found
        computed = compute(missing)
        with self.lock:
            self._keep(version, computed)
        return {**found, **computed}

    def close(self) -> None:
        with self.lock:
            self._disconnect()
            self.entries.clear()


def request_cache(session: Session | None = None, name: str = "query_cache",
                  max_entries: int = MAX_ENTRIES) -> QueryCache | None:
    """The app's cache `name` during a GET request, when `session` (if given) is its read
    session."""
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return None
    if session is not None and g.get("db_session") is not session:
        return None
    extensions = current_app.extensions
    if name not in extensions:
        extensions.setdefault(name, QueryCache(extensions["database"].engine, max_entries))
    return extensions[name]


def cached_each(name: str, max_entries: int):
    """Keep a loader's results one key at a time: `load(session, keys)` returns a dict of the
    keys it found. Lists that share entries (the clinics near one town and near the next)
    then load only the entries no list loaded before."""

    def decorate(load):
        @wraps(load)
        def wrapper(session: Session, keys: list) -> dict:
            cache = request_cache(session, name, max_entries)
            if cache is None:
                return load(session, keys)
            return cache.remember_each(keys, lambda missing: load(session, missing))

        return wrapper

    return decorate


def cached(function):
    """Keep a query function's results (session first, hashable arguments) per process."""

    @wraps(function)
    def wrapper(session: Session, *args, **kwargs):
        cache = request_cache(session)
        if cache is None:
            return function(session, *args, **kwargs)
        key = (function.__qualname__, args, tuple(sorted(kwargs.items())))
        return cache.remember(key, lambda: function(session, *args, **kwargs))

    return wrapper


def cached_page(view=None, *, per=None):
    """Keep a public page's response for anonymous visitors until the data changes (and, with
    `per`, a callable, until its value changes too). A form token in the page is kept as a
    placeholder and filled with the visitor's own token."""
    if view is None:
        return lambda view: cached_page(view, per=per)

    @wraps(view)
    def wrapper(*args, **kwargs):
        cache = request_cache()
        if cache is None or not _anonymous():
            return view(*args, **kwargs)

        def render():
            response = current_app.make_response(view(*args, **kwargs))
            body = response.get_data()
            token = g.get(CSRF_FIELD)
            if token:
                body = body.replace(token.encode(), TOKEN_PLACEHOLDER)
            return (body, response.status_code,
                    {name: value for name, value in response.headers.items()
                     if name in ("Content-Type", "Location")})

        key = ("page", request.full_path) + ((per(),) if per else ())
        body, status, headers = cache.remember(key, render)
        if TOKEN_PLACEHOLDER in body:
            body = body.replace(TOKEN_PLACEHOLDER, generate_csrf().encode())
        return Response(body, status=status, headers=headers)

    return wrapper


def _anonymous() -> bool:
    """No one is logged in and no message waits: the session holds at most a form token."""
    if not request.cookies.get(current_app.config["SESSION_COOKIE_NAME"]):
        return True
    return set(session) <= ANONYMOUS_SESSION_KEYS

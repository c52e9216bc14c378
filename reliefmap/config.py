"""Load and validate config.toml; environment variables override the file."""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config.toml"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The site's own address: scheme, host and port, nothing after them.
BASE_URL = re.compile(r"^https?://(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::[0-9]{1,5})?/?$")
TERM_KINDS = {"treatments": "treatment", "conditions": "condition"}
DAY = 86_400


class ConfigError(Exception):
    """A problem in the configuration, worded for the person who edits it."""


def bounded(default: float, low: float, high: float):
    """A numeric setting with its default and the range (inclusive) it must stay in."""
    return field(default=default, metadata={"range": (low, high)})


@dataclass(frozen=True)
class WebConfig:
    host: str = "127.0.0.1"
    port: int = bounded(5000, 1, 65535)
    # The address the public reaches the site at; every absolute URL the app writes uses it.
    base_url: str = ""
    page_size: int = bounded(20, 1, 100)
    secure_cookies: bool = False
    proxy_hops: int = bounded(0, 0, 10)

    @property
    def origin(self) -> str:
        """The site's address without a trailing slash: base_url, else host and port."""
        return self.base_url.rstrip("/") or f"http://{self.host}:{self.port}"


@dataclass(frozen=True)
class CrawlerConfig:
    user_agent: str = "ReliefMapBot/0.1 (+https://github.com/reliefmap/reliefmap)"
    obey_robots: bool = True
    concurrent_requests_per_domain: int = bounded(2, 1, 100)
    download_delay: float = bounded(0.5, 0, 3600)
    autothrottle: bool = True
    download_timeout: float = bounded(20.0, 0.1, 3600)
    max_download_bytes: int = bounded(10_000_000, 1, 10_000_000_000)
    max_redirects: int = bounded(5, 0, 100)
    retry_times: int = bounded(2, 0, 100)
    max_depth: int = bounded(6, 0, 10_000)  # 0: no limit
    http_cache_dir: str = "instance/httpcache"


@dataclass(frozen=True)
class SchedulerConfig:
    timezone: str = "UTC"
    misfire_grace_seconds: int = bounded(3600, 1, 30 * DAY)
    crawl_timeout_seconds: int = bounded(3600, 1, 30 * DAY)
    shutdown_grace_seconds: int = bounded(30, 0, 3600)
    executor: str = "local"
    scrapyd_urls: list[str] = field(default_factory=list)
    webhook_url: str = ""
    stale_after_runs: int = bounded(3, 1, 1000)
    max_parallel_crawls: int = bounded(4, 1, 100)
    request_poll_seconds: int = bounded(5, 1, 3600)
    link_check_schedule: str = "0 4 * * *"
    link_check_max_sites: int = bounded(50, 0, 1_000_000)
    link_check_delay_seconds: float = bounded(2.0, 0, 3600)
    link_check_timeout_seconds: float = bounded(10.0, 0.1, 600)
    housekeeping_schedule: str = "30 3 * * *"
    http_cache_max_age_days: int = bounded(14, 1, 36_500)
    run_log_max_age_days: int = bounded(90, 1, 36_500)
    smtp_host: str = ""
    smtp_port: int = bounded(587, 1, 65535)
    smtp_user: str = ""
    smtp_starttls: bool = True
    mail_from: str = ""
    mail_to: list[str] = field(default_factory=list)
    scrapyd_project: str = "reliefmap"


@dataclass(frozen=True)
class Term:
    slug: str
    kind: str  # "treatment" or "condition"
    label: str
    synonyms: list[str] = field(default_factory=list)
    # Short forms that state the term only beside its other words ("SCS trial" is not enough).
    abbreviations: list[str] = field(default_factory=list)
    parent: str | None = None


@dataclass(frozen=True)
class Source:
    name: str
    kind: str  # "clinics" or "resources"
    schedule: str
    start_urls: list[str] = field(default_factory=list)
    sitemap_urls: list[str] = field(default_factory=list)
    feed_urls: list[str] = field(default_factory=list)
    follow: list[str] = field(default_factory=list)
    extract: list[str] = field(default_factory=list)
    trust: str = "review"
    max_pages: int = bounded(500, 1, 10_000_000)
    country: str = "US"
    selectors: dict[str, str] = field(default_factory=dict)
    spider: str | None = None
    enabled: bool = True
    description: str = ""


@dataclass(frozen=True)
class Config:
    path: Path
    database_url: str
    secret_key: str | None
    web: WebConfig
    crawler: CrawlerConfig
    scheduler: SchedulerConfig
    taxonomy: dict[str, Term]
    sources: dict[str, Source]

    @property
    def root(self) -> Path:
        """The folder of the config file; relative paths in the config are resolved against it."""
        return self.path.parent

    def resolve_path(self, value: str) -> Path:
        path = Path(value)
        return path if path.is_absolute() else self.root / path

    def masked(self) -> dict[str, Any]:
        """The resolved configuration as plain data, with secrets masked."""
        return {
            "path": str(self.path),
            "database": {"url": mask_url(self.database_url)},
            "secret_key": "***" if self.secret_key else "(not set)",
            "web": vars(self.web),
            "crawler": vars(self.crawler),
            "scheduler": vars(self.scheduler),
            "taxonomy": sorted(self.taxonomy),
            "sources": {name: vars(source) for name, source in self.sources.items()},
        }


def mask_url(url: str) -> str:
    """Hide the password in a database URL."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def _check_value(where: str, value: Any, annotation: Any) -> Any:
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {_describe(value)}")
        return [_check_value(f"{where}[{i}]", item, args[0]) for i, item in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {_describe(value)}")
        return {k: _check_value(f"{where}.{k}", v, args[1]) for k, v in value.items()}
    if type(None) in args:  # Optional[X]
        return _check_value(where, value, next(a for a in args if a is not type(None)))
    if annotation is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if annotation is float and isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where}: expected a finite number, got {value}")
    if annotation in (int, float) and isinstance(value, bool):
        raise ConfigError(f"{where}: expected {TYPE_NAMES[annotation]}, got {_describe(value)}")
    if not isinstance(value, annotation):
        raise ConfigError(f"{where}: expected {TYPE_NAMES[annotation]}, got {_describe(value)}")
    return value


def _describe(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "a list", dict: "a table"}
    return f"{names.get(type(value), type(value).__name__)} ({value!r})"[:80]


def _build(cls: type, table: Any, where: str, **given: Any):
    """Make a dataclass from a TOML table, refusing unknown keys and wrong types."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table, got {_describe(table)}")
    hints = get_type_hints(cls)
    ranges = {f.name: f.metadata["range"] for f in fields(cls) if "range" in f.metadata}
    known = {f.name for f in fields(cls)} - set(given) - {"path"}
    values = dict(given)
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown key '{key}' (known: {', '.join(sorted(known))})")
        values[key] = _check_value(f"{where}.{key}", value, hints[key])
        if key in ranges and not ranges[key][0] <= values[key] <= ranges[key][1]:
            raise ConfigError(f"{where}.{key}: must be at least {ranges[key][0]} and at most "
                              f"{ranges[key][1]}, got {value}")
    required = [f.name for f in fields(cls)
                if f.name not in values and f.default is f.default_factory is MISSING]
    if required:
        raise ConfigError(f"{where}: missing required key '{required[0]}'")
    return cls(**values)


def check_cron(expression: str, timezone: str):
    """Parse a 5-field cron expression (or 6 fields, seconds first) into an APScheduler trigger."""
    from apscheduler.triggers.cron import CronTrigger

    parts = expression.split()
    if len(parts) == 5:
        return CronTrigger.from_crontab(expression, timezone=timezone)
    if len(parts) == 6:
        second, minute, hour, day, month, day_of_week = parts
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                           day_of_week=day_of_week, timezone=timezone)
    raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(parts)}")


def _load_taxonomy(table: Any) -> dict[str, Term]:
    if not isinstance(table, dict):
        raise ConfigError(f"[taxonomy]: expected a table, got {_describe(table)}")
    terms: dict[str, Term] = {}
    for group, entries in table.items():
        if group not in TERM_KINDS:
            raise ConfigError(f"[taxonomy]: unknown key '{group}' (known: conditions, treatments)")
        if not isinstance(entries, dict):
            raise ConfigError(f"[taxonomy.{group}]: expected a table, got {_describe(entries)}")
        for slug, entry in entries.items():
            where = f"[taxonomy.{group}.{slug}]"
            if not SLUG.match(slug):
                raise ConfigError(f"{where}: '{slug}' is not a slug (lower-case words joined by -)")
            if slug in terms:
                raise ConfigError(f"{where}: slug '{slug}' is defined twice")
            terms[slug] = _build(Term, entry, where, slug=slug, kind=TERM_KINDS[group])
    for term in terms.values():
        if term.parent is not None and term.parent not in terms:
            raise ConfigError(f"[taxonomy.{term.kind}s.{term.slug}] parent: "
                              f"unknown taxonomy slug '{term.parent}'")
    for term in terms.values():
        seen, parent = {term.slug}, term.parent
        while parent is not None:
            if parent in seen:
                raise ConfigError(f"[taxonomy.{term.kind}s.{term.slug}] parent: '{term.parent}' "
                                  f"leads back to '{parent}'; parents must not form a cycle")
            seen.add(parent)
            parent = terms[parent].parent
    return terms


def _load_sources(entries: Any, timezone: str) -> dict[str, Source]:
    if not isinstance(entries, list):
        raise ConfigError(f"sources: expected [[sources]] tables, got {_describe(entries)}")
    sources: dict[str, Source] = {}
    for index, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, dict) else None
        where = f"[[sources]] '{name}'" if isinstance(name, str) else f"[[sources]] #{index + 1}"
        source = _build(Source, entry, where)
        if not SLUG.match(source.name):
            raise ConfigError(
                f"{where}.name: '{source.name}' is not a slug (lower-case words joined by -)")
        if source.name in sources:
            raise ConfigError(f"{where}.name: source '{source.name}' is defined twice")
        if source.kind not in ("clinics", "resources"):
            raise ConfigError(
                f"{where}.kind: expected 'clinics' or 'resources', got '{source.kind}'")
        if source.trust not in ("review", "auto"):
            raise ConfigError(f"{where}.trust: expected 'review' or 'auto', got '{source.trust}'")
        if not (source.start_urls or source.sitemap_urls or source.feed_urls):
            raise ConfigError(f"{where}: give at least one of start_urls, sitemap_urls, feed_urls")
        for key in ("start_urls", "sitemap_urls", "feed_urls"):
            for url in getattr(source, key):
                if not re.match(r"^https?://", url):
                    raise ConfigError(f"{where}.{key}: '{url}' is not an http(s) URL")
        for key in ("follow", "extract"):
            for pattern in getattr(source, key):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ConfigError(f"{where}.{key}: invalid regex '{pattern}': {exc}") from None
        _check_country(f"{where}.country", source.country)
        _check_selectors(f"{where}.selectors", source.selectors)
        try:
            check_cron(source.schedule, timezone)
        except ValueError as exc:
            raise ConfigError(f"{where}.schedule: invalid cron expression "
                              f"'{source.schedule}': {exc}") from None
        sources[source.name] = source
    return sources


def _check_selectors(where: str, selectors: dict[str, str]) -> None:
    if not selectors:
        return
    from reliefmap.selectors import SELECTOR_KEYS, SelectorError, compile_selector

    for key, selector in selectors.items():
        if key not in SELECTOR_KEYS:
            raise ConfigError(f"{where}: unknown key '{key}' (known: {', '.join(SELECTOR_KEYS)})")
        try:
            compile_selector(selector)
        except SelectorError as exc:
            raise ConfigError(f"{where}.{key}: {exc}") from None


def _check_country(where: str, code: str) -> None:
    import pycountry

    if len(code) != 2 or pycountry.countries.get(alpha_2=code.upper()) is None:
        raise ConfigError(f"{where}: '{code}' is not an ISO 3166-1 alpha-2 country code")


def _check_timezone(timezone: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"[scheduler].timezone: unknown time zone '{timezone}'") from None


def _resolve_database_url(url: str, root: Path) -> str:
    """Make a relative SQLite path absolute, against the config file's folder."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite:///:memory:":
        return prefix + str(root / url[len(prefix):])
    return url


def load_config(path: str | os.PathLike | None = None, env: dict | None = None) -> Config:
    """Read the config file (RELIEFMAP_CONFIG or the project's config.toml) and validate it."""
    env = os.environ if env is None else env
    config_path = Path(path or env.get("RELIEFMAP_CONFIG") or DEFAULT_CONFIG).resolve()
    data = _read_toml(config_path)
    known = {"database", "web", "crawler", "scheduler", "taxonomy", "sources"}
    for key in data:
        if key not in known:
            raise ConfigError(
                f"unknown key '{key}' at the top level (known: {', '.join(sorted(known))})")
    url = _database_url(data.get("database", {}), env)
    scheduler = _load_scheduler(data.get("scheduler", {}))
    web = _build(WebConfig, data.get("web", {}), "[web]")
    if web.base_url and not BASE_URL.match(web.base_url):
        raise ConfigError(f"[web].base_url: expected the site's address like "
                          f"https://reliefmap.example.org (no path), got '{web.base_url[:80]}'")
    return Config(
        path=config_path,
        database_url=_resolve_database_url(url, config_path.parent),
        secret_key=env.get("RELIEFMAP_SECRET_KEY") or None,
        web=web,
        crawler=_build(CrawlerConfig, data.get("crawler", {}), "[crawler]"),
        scheduler=scheduler,
        taxonomy=_load_taxonomy(data.get("taxonomy", {})),
        sources=_load_sources(data.get("sources", []), scheduler.timezone),
    )


def _read_toml(config_path: Path) -> dict:
    """The file's TOML as data; one-line errors for a file unread, not UTF-8 or not TOML."""
    try:
        return tomllib.loads(config_path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise ConfigError(f"cannot read config file {config_path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{config_path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
                          f"offset {exc.start}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path}: not valid TOML: {exc}") from None


def _database_url(database: Any, env) -> str:
    """RELIEFMAP_DATABASE_URL, else [database] url, else the embedded SQLite file."""
    if not isinstance(database, dict) or set(database) - {"url"}:
        extra = sorted(set(database) - {"url"}) if isinstance(database, dict) else ["?"]
        raise ConfigError(f"[database]: unknown key '{extra[0]}' (known: url)")
    url = env.get("RELIEFMAP_DATABASE_URL") or database.get(
        "url", "sqlite:///instance/reliefmap.sqlite")
    return _check_value("[database].url", url, str)


def _load_scheduler(table: Any) -> SchedulerConfig:
    scheduler = _build(SchedulerConfig, table, "[scheduler]")
    _check_timezone(scheduler.timezone)
    if scheduler.executor not in ("local", "scrapyd"):
        raise ConfigError(
            f"[scheduler].executor: expected 'local' or 'scrapyd', got '{scheduler.executor}'")
    if scheduler.executor == "scrapyd" and not scheduler.scrapyd_urls:
        raise ConfigError(
            "[scheduler].scrapyd_urls: executor 'scrapyd' needs at least one Scrapyd URL")
    for key in ("link_check_schedule", "housekeeping_schedule"):
        try:
            check_cron(getattr(scheduler, key), scheduler.timezone)
        except ValueError as exc:
            raise ConfigError(f"[scheduler].{key}: invalid cron expression "
                              f"'{getattr(scheduler, key)}': {exc}") from None
    if scheduler.mail_to and not (scheduler.smtp_host and scheduler.mail_from):
        raise ConfigError("[scheduler].mail_to: e-mail notifications need smtp_host and mail_from")
    return scheduler

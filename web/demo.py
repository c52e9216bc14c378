"""`reliefmap demo`: a populated directory on a fresh machine in about a minute.

It serves the sample sites on 127.0.0.1, writes a demo config whose sources point at them,
crawls them with `reliefmap crawl` like an operator would, creates a demo editor with a fresh
random password, then serves the web app (and the scheduler, when this installation has one)
until Ctrl-C. Nothing leaves the machine.

Most demo sources are trusted, so the directory is populated at once; `demo-review` is not, so its
clinics wait in the review queue. The site of `demo-updates` changes at each crawl (a phone, an
address, a treatment), and the demo crawls it twice, so the queue also holds a proposed change.
"""

import os
import re
import secrets
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import click

from reliefmap.config import load_config

DEMO_EDITOR = "demo-editor"
# Each sample site on a port of its own, the same from one demo to the next, so that source
# URLs stay the same (a record's identity is its URL).
SITE_PORTS = {"clinic-directory": 8461, "resource-hub": 8462, "review-clinics": 8463,
              "changing-clinics": 8464}
# The sample sites and how to crawl them: listings are followed, entry pages extracted.
DEMO_SOURCES = {
    "demo-clinics": {"site": "clinic-directory", "kind": "clinics", "trust": "auto",
                     "start_urls": ["{base}/index.html"], "sitemap_urls": ["{base}/sitemap.xml"],
                     "follow": [r"/page/\d+\.html$"], "extract": ["/clinics/"]},
    "demo-resources": {"site": "resource-hub", "kind": "resources", "trust": "auto",
                       "start_urls": ["{base}/index.html"], "follow": [],
                       "extract": ["/(?:articles|groups|orgs|videos|stories)/"]},
    # A chain's locations from its store-locator JSON: a source with a spider of its own.
    "demo-locator": {"site": "clinic-directory", "kind": "clinics", "spider": "store-locator",
                     "trust": "auto", "start_urls": ["{base}/wp-json/wpsl/v1/locations.json"]},
    # New clinics that wait for an editor.
    "demo-review": {"site": "review-clinics", "kind": "clinics", "trust": "review",
                    "start_urls": ["{base}/index.html"], "follow": [], "extract": ["/clinics/"]},
    # A clinic's own site that changes at each crawl: its changes become proposals. Crawled
    # when an editor asks (and once a year), so that the change "run now" shows is still there.
    "demo-updates": {"site": "changing-clinics", "kind": "clinics", "trust": "auto",
                     "schedule": "0 4 1 1 *", "start_urls": ["{base}/index.html"], "follow": [],
                     "extract": ["/clinics/"]},
}
CRAWLED_TWICE = "demo-updates"
SOURCES_COMMENT = """\
# The demo's sources: the sample sites in sample_sites/, served on this machine.
# trust = "auto" publishes a new entry at once; trust = "review" makes it wait for an editor.
# Either way a change to a published entry waits for an editor as a proposed change."""
# Local servers only: crawl at full speed, no on-disk HTTP cache between demo runs.
DEMO_CRAWLER = {"download_delay": "0", "autothrottle": "false",
                "concurrent_requests_per_domain": "8", "download_timeout": "5"}


def demo_config_text(base_config: Path, folder: Path, servers: dict[str, str]) -> str:
    """The project's config with a demo database and only the demo sources."""
    text = base_config.read_text()
    # The real-world sources, and the comment above them.
    text = re.sub(r"(?ms)^(?:#[^\n]*\n)*\[\[sources\]\]\n.*?(?=^\[|\Z)", "", text)
    text = re.sub(r'(?m)^url = "sqlite:///[^"]*"$', 'url = "sqlite:///demo.sqlite"', text)
    text = re.sub(r'(?m)^http_cache_dir = .*$', f'http_cache_dir = "{folder / "httpcache"}"',
                  text)
    for key, value in DEMO_CRAWLER.items():
        text = re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
    tables = []
    for name, source in DEMO_SOURCES.items():
        base = servers[source["site"]]
        lines = [f'[[sources]]\nname = "{name}"\nkind = "{source["kind"]}"',
                 f'description = "Sample {source["site"]} on this machine"',
                 f'schedule = "{source.get("schedule", "*/30 * * * *")}"',
                 f'trust = "{source["trust"]}"',
                 'max_pages = 100\ncountry = "US"']
        if "spider" in source:
            lines.append(f'spider = "{source["spider"]}"')
        for key in ("start_urls", "sitemap_urls", "follow", "extract"):
            if key in source:
                values = ", ".join(f"'{value.format(base=base)}'" for value in source[key])
                lines.append(f"{key} = [{values}]")
        tables.append("\n".join(lines))
    return text.rstrip() + "\n\n" + SOURCES_COMMENT + "\n" + "\n\n".join(tables) + "\n"


def sample_server(root: Path, port: int):
    """A sample site on its fixed port; any free port when that one is taken."""
    from reliefmap.sample_server import SampleServer

    try:
        return SampleServer(root, port=port).start()
    except OSError:
        return SampleServer(root).start()


def free_port(host: str, port: int) -> int:
    """`port` when nothing listens on it, else a free port that the system picks."""
    import socket

    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            probe.bind((host, 0))
        return probe.getsockname()[1]


def new_password() -> str:
    """A random password that starts with a letter or a digit, so it is easy to copy whole."""
    password = secrets.token_urlsafe(12)
    while not password[0].isalnum():
        password = secrets.token_urlsafe(12)
    return password


def crawl(name: str, env: dict[str, str]) -> None:
    subprocess.run([reliefmap_command(), "crawl", name], env=env, check=False, timeout=300)


def reliefmap_command() -> str:
    return str(Path(sys.executable).parent / "reliefmap")


def child_environment(config_path: Path) -> dict[str, str]:
    """The environment of the demo's children: the demo config, never another database."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("RELIEFMAP_DATABASE_URL", "RELIEFMAP_CONFIG")}
    env["RELIEFMAP_CONFIG"] = str(config_path)
    return env


def reset_demo_editor(database) -> str:
    """Create the demo editor, or give it a new password; returns the password."""
    from sqlalchemy import select

    from models import User
    from models.setup import create_user

    password = new_password()
    with database.write_session.begin() as session:
        user = session.scalar(select(User).where(User.username == DEMO_EDITOR))
        if user is None:
            create_user(session, DEMO_EDITOR, password, "editor")
        else:
            user.set_password(password)
            user.active = True
    return password


@click.command("demo")
@click.option("--folder", type=click.Path(file_okay=False, path_type=Path),
              default=Path("instance/demo"), show_default=True,
              help="Where the demo keeps its config, database and logs.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", type=int, default=5000, show_default=True,
              help="Port to serve on; a free one when it is taken.")
@click.option("--no-scheduler", is_flag=True, help="Do not start the crawl scheduler.")
@click.pass_obj
def demo_command(config, folder, host, port, no_scheduler):
    """Crawl the bundled sample sites into a demo database and serve the directory."""
    from models import Database, migrate
    from models.setup import sync_config
    from reliefmap.cli import LAZY_COMMANDS
    from reliefmap.sample_server import SAMPLE_SITES
    from web import create_app
    from web.serving import SiteRequestHandler

    # SIGTERM (from a service manager or `timeout`) stops the demo like Ctrl-C: children too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    wanted_port, port = port, free_port(host, port)
    if port != wanted_port:
        click.echo(f"Port {wanted_port} is in use; the demo will serve on port {port} "
                   "(choose one with --port).")
    servers = {name: sample_server(SAMPLE_SITES / name, site_port)
               for name, site_port in SITE_PORTS.items()}
    children: list[subprocess.Popen] = []
    database = None
    try:
        config_path = folder / "config.toml"
        config_path.write_text(demo_config_text(
            config.path, folder, {name: server.url for name, server in servers.items()}))
        env = child_environment(config_path)
        demo = load_config(config_path, env=env)
        migrate.upgrade(demo.database_url)
        database = Database(demo.database_url)
        with database.write_session.begin() as session:
            sync_config(session, demo)
        for name in DEMO_SOURCES:
            click.echo(f"Crawling the sample site {name}...")
            crawl(name, env)
        click.echo(f"Crawling {CRAWLED_TWICE} again, now that its site changed a phone, an "
                   "address and a treatment...")
        crawl(CRAWLED_TWICE, env)
        password = reset_demo_editor(database)
        if "scheduler" in LAZY_COMMANDS and not no_scheduler:
            log = (folder / "scheduler.log").open("ab")
            children.append(subprocess.Popen([reliefmap_command(), "scheduler"], env=env,
                                             stdout=log, stderr=subprocess.STDOUT))
            log.close()
        app = create_app(config=replace(demo, web=replace(demo.web, host=host, port=port)))
        app.config["DEMO_EDITOR"] = DEMO_EDITOR  # the home page shows what to try
        url = f"http://{host}:{port}/"
        click.echo(f"\nRelief Map demo at {url} (Ctrl-C stops it)\n"
                   f"Editor login: {url}login as {DEMO_EDITOR}, with this password "
                   "(a new one each time the demo starts):\n"
                   f"{password}\n")
        sys.stdout.flush()
        app.run(host=host, port=port, threaded=True, use_reloader=False,
                request_handler=SiteRequestHandler)
    finally:
        for child in children:
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for server in servers.values():
            server.stop()
        if database is not None:
            database.dispose()

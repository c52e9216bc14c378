"""`reliefmap demo` on a fresh folder: sample sites crawled, entries published or waiting for
review, a proposed change, an editor made, the site served on a free port when its own is taken;
the "try this" workflow in a browser; SIGTERM stops it and everything it started."""

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import func, select

from models import PUBLISHED, Clinic, Database, Resource, ReviewItem, User
from models.staging import OPEN
from web.demo import SITE_PORTS, demo_config_text

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "stat").read_text().split()[3] == str(pid):
                found.append(int(entry.name))
        except (OSError, IndexError):
            continue
    return found


def wait_for_home(port: int) -> bytes:
    for _ in range(50):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
                return reply.read()
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing answers on port {port}")


def try_this_in_a_browser(page, url: str, password: str) -> None:
    """The "try this" list of the demo's home page, followed as a new user would."""
    page.goto(url)
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("demo-editor")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    expect(page.get_by_text("(3 open)")).to_be_visible()

    page.get_by_role("link", name="Prairie Nerve Pain Clinic").click()
    expect(page.get_by_role("heading", name=re.compile("New entry"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^phone"))).to_contain_text("+14025550133")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved #")).to_be_visible()

    page.goto(url + "editor/")
    page.get_by_role("link", name="Front Range Pain Clinic").click()
    expect(page.get_by_role("heading", name=re.compile("Proposed change"))).to_be_visible()
    for name, crawled in (("phone", "+13035550148"), ("street", "1800 30th St"),
                          ("treatments", "nerve-block")):
        row = page.get_by_role("row", name=re.compile(rf"^{name}"))
        expect(row).to_contain_text("Changed")
        expect(row).to_contain_text(crawled)

    page.get_by_role("link", name="Front Range Pain Clinic").first.click()
    page.get_by_label("Phone").fill("+1 303 555 0199")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved and locked: phone.")).to_be_visible()

    page.goto(url + "editor/crawls")
    page.get_by_role("button", name="Run demo-updates now").click()
    expect(page.get_by_text("Asked the scheduler to crawl demo-updates now.")).to_be_visible()
    deadline = time.monotonic() + 180  # the scheduler polls for requests every few seconds
    while True:
        page.goto(url + "editor/crawls")
        if page.get_by_role("row", name=re.compile(r"\(editor\).*succeeded")).count():
            break
        assert time.monotonic() < deadline, "the editor's run did not succeed within 180 s"
        time.sleep(1)
    page.goto(url + "editor/")
    page.get_by_role("link", name="Front Range Pain Clinic").click()
    expect(page.get_by_text("Locked by an editor: phone.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^phone"))).to_contain_text("+13035550152")

    page.goto(url + "editor/crawls")
    page.locator("section", has=page.get_by_role("heading", name="demo-review")) \
        .get_by_role("link", name=re.compile(r"^#\d+$")).first.click()
    expect(page.get_by_role("heading", name=re.compile("^Run #.* of demo-review$"))).to_be_visible()
    rejected = "clinic 'Riverbend Pain Clinic' has no locatable address"
    expect(page.get_by_text(rejected, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("riverbend-pain.html$"))).to_be_visible()


def test_demo_from_a_fresh_start_shows_the_review_workflow(cli_env, tmp_path, page):
    folder, taken = tmp_path / "demo", socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    wanted = taken.getsockname()[1]
    command = [str(Path(sys.executable).parent / "reliefmap"), "demo", "--folder", str(folder),
               "--port", str(wanted)]
    started = time.monotonic()
    demo = subprocess.Popen(command, env=cli_env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=read_lines, args=(demo.stdout, lines), daemon=True)
    reader.start()
    output = []
    try:
        while not any("Editor login" in line for line in output[:-1]):
            line = lines.get(timeout=max(1, 90 - (time.monotonic() - started)))
            assert line is not None, "".join(output)
            output.append(line)
        assert time.monotonic() - started < 60, "the demo took more than a minute"
        moved = re.search(rf"Port {wanted} is in use; the demo will serve on port (\d+)",
                          "".join(output))
        assert moved, "".join(output)
        port = int(moved[1])
        password = output[-1].strip()
        assert password[0].isalnum() and len(password) >= 12
        home = wait_for_home(port)
        assert b"Find a chronic-pain clinic" in home and b"try the editors" in home
        database = Database(f"sqlite:///{folder / 'demo.sqlite'}")
        with database.read_session() as session:
            clinics = session.scalar(select(func.count()).select_from(Clinic)
                                     .where(Clinic.state == PUBLISHED))
            resources = session.scalar(select(func.count()).select_from(Resource)
                                       .where(Resource.state == PUBLISHED))
            editor = session.scalar(select(User).where(User.username == "demo-editor"))
            waiting = sorted(session.scalars(select(ReviewItem.kind)
                                             .where(ReviewItem.state == OPEN)))
            assert clinics >= 10 and resources >= 5
            assert editor.role == "editor" and editor.check_password(password)
            assert waiting == ["change", "new", "new"]
        database.dispose()
        assert f"{clinics} clinics".encode() in home
        assert not os.path.exists(tmp_path / "reliefmap.sqlite")  # the test database untouched
        children = children_of(demo.pid)
        assert children, "the scheduler should run beside the web app"
        try_this_in_a_browser(page, f"http://127.0.0.1:{port}/", password)
    finally:
        taken.close()
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=30)
        reader.join(timeout=10)
        demo.stdout.close()
    assert all(not Path(f"/proc/{pid}").exists() or
               "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2] for pid in children)
    assert "".join(output).count(password) == 1  # printed once


def test_the_demo_config_says_which_sources_wait_for_an_editor(tmp_path):
    text = demo_config_text(ROOT / "config.toml", tmp_path,
                            {site: f"http://127.0.0.1:{port}" for site, port in SITE_PORTS.items()})
    config = tomllib.loads(text)
    trust = {source["name"]: source["trust"] for source in config["sources"]}
    assert trust["demo-review"] == "review" and trust["demo-clinics"] == "auto"
    # A scheduled crawl would move the changing site on before an editor's "run now" could.
    schedules = {source["name"]: source["schedule"] for source in config["sources"]}
    assert schedules["demo-updates"] == "0 4 1 1 *"
    assert "everything they yield waits for an editor" not in text

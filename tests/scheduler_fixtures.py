"""Fixtures for the scheduler: a sample site to crawl, a test config, and real scheduler
processes (`reliefmap scheduler`) whose children run real crawls."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from models import CrawlRun, Source
from reliefmap.sample_server import SAMPLE_SITES, SampleServer

RELIEFMAP = str(Path(sys.executable).parent / "reliefmap")
CLINIC_PAGES = 16  # clinic pages of sample_sites/clinic-directory


def wait_for(predicate, timeout: float, interval: float = 0.2, message: str = ""):
    """Poll until `predicate()` returns something true; fail the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {message or predicate}")
        time.sleep(interval)


def set_keys(path: Path, **values) -> None:
    """Change `key = value` lines of a config file (keys are unique across its sections)."""
    text = path.read_text()
    for key, value in values.items():
        text, count = re.subn(rf"(?m)^{key} = .*$", f"{key} = {toml(value)}", text)
        assert count == 1, f"{key} is not a single line of the config"
    path.write_text(text)


def toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(toml(item) for item in value) + "]"
    return str(value)


def add_source(path: Path, name: str, url: str, schedule: str, **extra) -> None:
    """Append a clinics source crawling `url` to the config."""
    lines = [f'name = "{name}"', 'kind = "clinics"', f'start_urls = ["{url}/"]',
             f'schedule = "{schedule}"']
    lines += [f"{key} = {toml(value)}" for key, value in extra.items()]
    path.write_text(path.read_text() + "\n[[sources]]\n" + "\n".join(lines) + "\n")


@pytest.fixture
def clinic_site(tmp_path):
    """The sample clinic directory, copied so a test can break or shrink it, served on 127.0.0.1."""
    root = tmp_path / "site"
    shutil.copytree(SAMPLE_SITES / "clinic-directory", root)
    with SampleServer(root) as server:
        yield server


@pytest.fixture
def scheduler_config(config_file, clinic_site):
    """The test config: no project sources (tests add theirs), fast crawling of the sample
    site, short timeouts."""
    config_file.write_text(config_file.read_text().split("\n[[sources]]")[0] + "\n")
    set_keys(config_file, download_delay=0, autothrottle=False, retry_times=0,
             shutdown_grace_seconds=5, request_poll_seconds=1, crawl_timeout_seconds=120)
    return config_file


class SchedulerProcess:
    """One `reliefmap scheduler` process with its log in a file."""

    def __init__(self, env: dict, log_path: Path):
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen([RELIEFMAP, "scheduler"], env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_started(self, timeout: float = 30) -> None:
        """Until the stored jobs are in line with the config: sync_jobs lists each job's next
        run last ("removing job crawl:..." comes before it changes the others)."""
        wait_for(lambda: ": next run at" in self.output() or self.process.poll() is not None,
                 timeout, message="the scheduler to start")
        assert self.process.poll() is None, self.output()

    def stop(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.log.close()


@pytest.fixture
def start_scheduler(cli_env, tmp_path):
    """Start `reliefmap scheduler` processes; each is stopped at the end of the test."""
    started: list[SchedulerProcess] = []

    def start(wait: bool = True) -> SchedulerProcess:
        scheduler = SchedulerProcess(cli_env, tmp_path / f"scheduler{len(started)}.log")
        started.append(scheduler)
        if wait:
            scheduler.wait_started()
        return scheduler

    yield start
    for scheduler in started:
        scheduler.stop()


def runs_of(database, source_name: str) -> list[CrawlRun]:
    """The source's runs, oldest first, read fresh from the database."""
    with database.read_session() as session:
        return list(session.scalars(select(CrawlRun).join(Source)
                                    .where(Source.name == source_name).order_by(CrawlRun.id)))


def pid_of(worker: str | None) -> int | None:
    host, _, pid = (worker or "").rpartition(":")
    return int(pid) if host == socket.gethostname() and pid.isdigit() else None


class Webhook:
    """A test HTTP server on 127.0.0.1 that keeps the JSON bodies POSTed to it."""

    def __init__(self):
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.received: list[dict] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/hook"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.close()

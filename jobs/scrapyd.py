"""Hand crawls to Scrapyd nodes through their HTTP API, and deploy the project to them as an egg.

The run is recorded inside the Scrapy process (crawler/extensions/run_recorder.py), as it is for a
local crawl; the scheduler only picks a node, schedules the job, polls it and settles its end.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from jobs.local import LOG_TAIL_LINES, Outcome

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
EGG_PACKAGES = ("crawler", "models", "reliefmap")  # what a Scrapy process of ours imports
POLL_SECONDS = 2.0
TIMEOUT = 10


class ScrapydError(Exception):
    """A Scrapyd node refused a request or could not be reached."""


def call(url: str, endpoint: str, params: dict | None = None, post: bool = False,
         body: bytes | None = None, content_type: str | None = None) -> dict:
    """One Scrapyd API call; raises ScrapydError unless the answer has status "ok"."""
    query = urllib.parse.urlencode(params or {}, doseq=True)
    target = f"{url.rstrip('/')}/{endpoint}"
    if post and body is None:
        body, content_type = query.encode(), "application/x-www-form-urlencoded"
    elif query:
        target += f"?{query}"
    request = urllib.request.Request(target, data=body if post else None,
                                     method="POST" if post else "GET")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            answer = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ScrapydError(f"{target}: {getattr(exc, 'reason', exc)}") from None
    if answer.get("status") != "ok":
        raise ScrapydError(f"{target}: {answer.get('message', answer)}")
    return answer


class ScrapydExecutor:
    """Runs each crawl as a job on the Scrapyd node with the fewest running and pending jobs."""

    def __init__(self, urls: list[str], project: str, kill_grace: float,
                 spiders: dict[str, str] | None = None):
        self.urls = urls
        self.project = project
        self.kill_grace = kill_grace
        self.spiders = spiders or {}  # source -> its custom spider; the rest use "source"
        self.stopping = threading.Event()

    def pick_node(self) -> str:
        loads = {}
        for url in self.urls:
            try:
                status = call(url, "daemonstatus.json")
            except ScrapydError as exc:
                log.warning("Scrapyd node unavailable: %s", exc)
                continue
            loads[url] = status.get("running", 0) + status.get("pending", 0)
        if not loads:
            raise ScrapydError("no Scrapyd node answered: " + ", ".join(self.urls))
        return min(loads, key=loads.get)

    def run(self, source_name: str, run_id: int, trigger: str, timeout: float) -> Outcome:
        """Schedule the crawl on a node and wait for its end, cancelling it after `timeout`."""
        job = f"run-{run_id}-{uuid.uuid4().hex[:8]}"
        try:
            node = self.pick_node()
            call(node, "schedule.json", post=True, params={
                "project": self.project, "spider": self.spiders.get(source_name, "source"),
                "jobid": job, "source": source_name, "run_id": run_id, "trigger": trigger,
                # The crawl closes itself at the timeout; the cancel below is the backstop.
                "setting": [f"CLOSESPIDER_TIMEOUT={int(timeout)}"]})
        except ScrapydError as exc:
            return Outcome(1, f"cannot start the crawl on Scrapyd: {exc}")
        log.info("run %d of %s scheduled on %s as job %s", run_id, source_name, node, job)
        reason = self._wait(node, job, timeout)
        return Outcome(None, reason, self.log_tail(node, source_name, job),
                       interrupted=reason is not None)

    def _wait(self, node: str, job: str, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        while True:
            state = self.state(node, job)
            if state == "finished":
                return None
            if self.stopping.is_set():
                self.cancel(node, job)
                return "the scheduler was shut down during the crawl"
            if time.monotonic() > deadline:
                self.cancel(node, job)
                return f"timeout: the crawl ran longer than {timeout:g} s and was stopped"
            if state is None:
                return f"Scrapyd job {job} on {node} disappeared"
            self.stopping.wait(POLL_SECONDS)

    def state(self, node: str, job: str) -> str | None:
        """pending, running, finished, or None when the node does not know the job."""
        try:
            jobs = call(node, "listjobs.json", {"project": self.project})
        except ScrapydError as exc:
            log.warning("cannot poll %s: %s", node, exc)
            return "unknown"
        for state in ("pending", "running", "finished"):
            if any(entry.get("id") == job for entry in jobs.get(state, [])):
                return state
        return None

    def cancel(self, node: str, job: str) -> None:
        """Ask the job to close (SIGTERM); kill it if it has not ended after the grace period."""
        params = {"project": self.project, "job": job}
        try:
            call(node, "cancel.json", {**params, "signal": "TERM"}, post=True)
            deadline = time.monotonic() + self.kill_grace
            while time.monotonic() < deadline:
                if self.state(node, job) in ("finished", None):
                    return
                time.sleep(0.5)
            call(node, "cancel.json", {**params, "signal": "KILL"}, post=True)
        except ScrapydError as exc:
            log.warning("cannot cancel job %s: %s", job, exc)

    def log_tail(self, node: str, source_name: str, job: str) -> str:
        url = f"{node.rstrip('/')}/logs/{self.project}/source/{job}.log"
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
                lines = response.read().decode("utf-8", "replace").splitlines()
        except (urllib.error.URLError, OSError):
            return ""
        return "\n".join(lines[-LOG_TAIL_LINES:])

    def stop_all(self, grace: float) -> None:
        """Running jobs are cancelled by their own polling threads, which see this flag."""
        self.stopping.set()


def build_egg(out_dir: Path, version: str) -> Path:
    """Build an egg of the project for Scrapyd, whose `scrapy` entry point names our settings."""
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        for package in EGG_PACKAGES:
            shutil.copytree(ROOT / package, work_dir / package,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (work_dir / "setup.py").write_text(
            "from setuptools import find_packages, setup\n"
            f"setup(name='reliefmap', version={version!r}, "
            f"packages=find_packages(include={[p + '*' for p in EGG_PACKAGES]!r}), "
            "include_package_data=True, package_data={'': ['*.csv', '*.json', '*.mako']}, "
            "entry_points={'scrapy': ['settings = crawler.settings']}, zip_safe=False)\n")
        result = subprocess.run(
            [sys.executable, "setup.py", "-q", "bdist_egg", "-d", str(out_dir)], cwd=work_dir,
            capture_output=True, text=True)
        if result.returncode != 0:
            raise ScrapydError(f"building the egg failed: {result.stderr.strip()[-500:]}")
    return next(out_dir.glob("reliefmap-*.egg"))


def deploy(url: str, project: str, egg: Path, version: str) -> dict:
    """Upload the egg to a Scrapyd node (addversion.json)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in (("project", project), ("version", version)):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="egg"; '
                 f'filename="{egg.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                 .encode() + egg.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return call(url, "addversion.json", post=True, body=b"".join(parts),
                content_type=f"multipart/form-data; boundary={boundary}")

"""Run one crawl as a child process (`reliefmap crawl`), with a hard timeout."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

LOG_TAIL_LINES = 60


@dataclass
class Outcome:
    """How a crawl process ended, as seen from outside it."""

    returncode: int | None
    reason: str | None = None  # set when the crawl did not end on its own
    output_tail: str = ""
    worker: str | None = None
    interrupted: bool = False  # stopped from outside: timeout or shutdown


def reliefmap_command() -> list[str]:
    """The `reliefmap` console script of this environment."""
    script = Path(sys.executable).parent / "reliefmap"
    return [str(script)] if script.exists() else [sys.executable, "-m", "reliefmap.cli"]


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "the crawl ended without recording how its run went"
    if returncode < 0:
        return f"crawl process killed by {signal.Signals(-returncode).name}"
    return f"crawl process exited with status {returncode}"


class LocalExecutor:
    """Starts crawls as child processes in their own session, so they can be signalled as a group
    and a crashed or leaking crawl cannot take the scheduler down."""

    def __init__(self, config, kill_grace: float):
        self.config = config
        self.kill_grace = kill_grace
        self.children: dict[int, subprocess.Popen] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["RELIEFMAP_CONFIG"] = str(self.config.path)
        env["RELIEFMAP_DATABASE_URL"] = self.config.database_url
        return env

    def run(self, source_name: str, run_id: int, trigger: str, timeout: float) -> Outcome:
        """Run the crawl to its end, or stop it after `timeout` seconds."""
        command = [*reliefmap_command(), "crawl", source_name, "--trigger", trigger,
                   "--run-id", str(run_id)]
        with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, env=self.environment(),
                                       start_new_session=True)
            with self.lock:
                self.children[process.pid] = process
            try:
                reason = self._wait(process, timeout)
            finally:
                with self.lock:
                    self.children.pop(process.pid, None)
            log.seek(0)
            tail = "".join(log.readlines()[-LOG_TAIL_LINES:])
        return Outcome(process.returncode, reason, tail, f"{socket.gethostname()}:{process.pid}",
                       interrupted=reason is not None)

    def _wait(self, process: subprocess.Popen, timeout: float) -> str | None:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.terminate(process)
            return f"timeout: the crawl ran longer than {timeout:g} s and was stopped"
        if self.stopping.is_set():
            return "the scheduler was shut down during the crawl"
        return None

    def terminate(self, process: subprocess.Popen) -> None:
        """SIGTERM to the crawl's process group, then SIGKILL after the grace period."""
        self._signal(process, signal.SIGTERM)
        try:
            process.wait(timeout=self.kill_grace)
        except subprocess.TimeoutExpired:
            self._signal(process, signal.SIGKILL)
            process.wait()

    @staticmethod
    def _signal(process: subprocess.Popen, signum: int) -> None:
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            pass

    def stop_all(self, grace: float) -> None:
        """Ask every running crawl to close, and kill those still running after `grace` s."""
        self.stopping.set()
        with self.lock:
            running = list(self.children.values())
        for process in running:
            self._signal(process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in running:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._signal(process, signal.SIGKILL)

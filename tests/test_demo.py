"""`reliefmap demo` on a fresh folder: sample sites crawled, entries published, an editor made,
the site served; SIGTERM stops it and everything it started."""

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from sqlalchemy import func, select

from models import PUBLISHED, Clinic, Database, Resource, User


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


def test_demo_populates_the_directory_and_serves_it(cli_env, tmp_path):
    folder, port = tmp_path / "demo", free_port()
    command = [str(Path(sys.executable).parent / "reliefmap"), "demo", "--folder", str(folder),
               "--port", str(port)]
    started = time.monotonic()
    demo = subprocess.Popen(command, env=cli_env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=read_lines, args=(demo.stdout, lines), daemon=True)
    reader.start()
    output = []
    try:
        while not any("Editor login" in line for line in output):
            line = lines.get(timeout=max(1, 90 - (time.monotonic() - started)))
            assert line is not None, "".join(output)
            output.append(line)
        assert time.monotonic() - started < 60, "the demo took more than a minute"
        login = next(line for line in output if "Editor login" in line).split()
        password = login[login.index("password") + 1]
        for _ in range(50):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
                    home = reply.read()
                break
            except OSError:
                time.sleep(0.1)
        assert b"Find a chronic-pain clinic" in home
        database = Database(f"sqlite:///{folder / 'demo.sqlite'}")
        with database.read_session() as session:
            clinics = session.scalar(select(func.count()).select_from(Clinic)
                                     .where(Clinic.state == PUBLISHED))
            resources = session.scalar(select(func.count()).select_from(Resource)
                                       .where(Resource.state == PUBLISHED))
            editor = session.scalar(select(User).where(User.username == "demo-editor"))
            assert clinics >= 10 and resources >= 5
            assert editor.role == "editor" and editor.check_password(password)
        database.dispose()
        assert f"{clinics} clinics".encode() in home
        assert not os.path.exists(tmp_path / "reliefmap.sqlite")  # the test database untouched
        children = children_of(demo.pid)
        assert children, "the scheduler should run beside the web app"
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=30)
        reader.join(timeout=10)
        demo.stdout.close()
    assert all(not Path(f"/proc/{pid}").exists() or
               "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2] for pid in children)
    assert "".join(output).count(password) == 1  # printed once

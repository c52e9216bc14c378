"""A real HTTP server on 127.0.0.1 serving a sample site, with conditional requests and the
hostile cases a crawler must survive under /hostile/. Used by tests, the demo and benchmarks.

A site whose folder holds only numbered versions (`1/`, `2/`, ...) changes between crawls: each
fetch of its home page moves on to the next version, and the last one stays.

    python -m reliefmap.sample_server [SITE_FOLDER] [--port N]
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import hashlib
import io
import mimetypes
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

SAMPLE_SITES = Path(__file__).resolve().parent.parent / "sample_sites"
HOSTILE = SAMPLE_SITES / "hostile"
BIG_PAGE_BYTES = 30_000_000
BOMB_BYTES = 100_000_000  # decompressed size of the gzip bomb


def gzip_bomb(size: int = BOMB_BYTES) -> bytes:
    """A gzip body that is small on the wire and `size` bytes of zeros once decompressed."""
    buffer = io.BytesIO()
    chunk = b"\0" * 1_000_000
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as stream:
        for _ in range(size // len(chunk)):
            stream.write(chunk)
    return buffer.getvalue()


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A crawler hanging up on an oversized page is expected; report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SampleServer:
    """Serve `root` (default: the sample clinic directory) at http://127.0.0.1:PORT/."""

    def __init__(self, root: str | Path = SAMPLE_SITES / "clinic-directory", port: int = 0,
                 slow_seconds: float = 5.0, flaky_failures: int = 1):
        self.root = Path(root).resolve()
        self.slow_seconds = slow_seconds
        self.flaky_failures = flaky_failures
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._bomb: bytes | None = None
        self.versions = self._versions(self.root)
        self.version = 0  # how many times the home page of a versioned site was fetched
        self.httpd = QuietServer(("127.0.0.1", port), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @staticmethod
    def _versions(root: Path) -> list[int]:
        """The numbered versions of a site whose root holds nothing else (a blog's year
        folders, 2023/ and 2024/ beside its index.html, are no versions)."""
        entries = list(root.iterdir())
        if not entries or not all(entry.is_dir() and entry.name.isdigit() for entry in entries):
            return []
        return sorted(int(entry.name) for entry in entries)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def start(self) -> SampleServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def requested(self, path: str) -> list[dict]:
        """The logged requests for a path."""
        with self.lock:
            return [entry for entry in self.requests if entry["path"] == path]

    def site_root(self, path: str) -> Path:
        """The folder pages are served from: for a versioned site, the next version at each
        fetch of the home page."""
        if not self.versions:
            return self.root
        with self.lock:
            if path in ("/", "/index.html"):
                self.version = min(self.version + 1, len(self.versions))
            return self.root / str(self.versions[max(self.version, 1) - 1])

    def bomb(self) -> bytes:
        with self.lock:
            if self._bomb is None:
                self._bomb = gzip_bomb()
            return self._bomb

    def _handler(self):
        server = self

        class Handler(SampleRequestHandler):
            sample = server

        return Handler


class SampleRequestHandler(BaseHTTPRequestHandler):
    sample: SampleServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # the request log is kept in `sample.requests`
        pass

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path = urlsplit(self.path).path
        with self.sample.lock:
            self.sample.requests.append({
                "path": path, "method": self.command, "status": None,
                "headers": {key: value for key, value in self.headers.items()}})
            self.entry = self.sample.requests[-1]
        hostile = HOSTILE_ROUTES.get(path) or next(
            (route for prefix, route in HOSTILE_PREFIXES if path.startswith(prefix)), None)
        try:
            if hostile:
                hostile(self, path)
            else:
                self.serve_file(path)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler hung up, as it should on oversized pages

    def respond(self, status: int, body: bytes = b"", content_type: str = "text/html",
                headers: dict | None = None) -> None:
        self.entry["status"] = status
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def serve_file(self, path: str) -> None:
        root = HOSTILE if path.startswith("/hostile/") else self.sample.site_root(path)
        relative = path.removeprefix("/hostile/") if root is HOSTILE else path.lstrip("/")
        file = (root / (relative or "index.html")).resolve()
        if file.is_dir():
            file = file / "index.html"
        if not file.is_relative_to(root) or not file.is_file():
            self.respond(404, b"<h1>Not found</h1>")
            return
        body = file.read_bytes().replace(b"{{BASE}}", self.sample.url.encode())
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        modified = email.utils.formatdate(int(file.stat().st_mtime), usegmt=True)
        headers = {"ETag": etag, "Last-Modified": modified, "Cache-Control": "max-age=0"}
        if self.not_modified(etag, file.stat().st_mtime):
            self.entry["status"] = 304
            self.send_response(304)
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            return
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("xml"):
            content_type += "; charset=utf-8"
        self.respond(200, body, content_type, headers)

    def not_modified(self, etag: str, mtime: float) -> bool:
        if "If-None-Match" in self.headers:
            return etag in [tag.strip() for tag in self.headers["If-None-Match"].split(",")]
        since = self.headers.get("If-Modified-Since")
        if since:
            parsed = email.utils.parsedate_to_datetime(since)
            return parsed is not None and int(mtime) <= parsed.timestamp()
        return False


def redirect_loop(handler: SampleRequestHandler, path: str) -> None:
    """/hostile/loop/a -> /hostile/loop/b -> /hostile/loop/a ..."""
    target = "/hostile/loop/b" if path.endswith("/a") else "/hostile/loop/a"
    handler.respond(302, headers={"Location": target})


def calendar(handler: SampleRequestHandler, path: str) -> None:
    """/hostile/calendar/YEAR/MONTH links to the next month, forever."""
    try:
        year, month = (int(part) for part in path.split("/")[3:5])
    except ValueError:
        handler.respond(404, b"<h1>Not found</h1>")
        return
    following = (year + month // 12, month % 12 + 1)
    body = (f"<html><head><title>Events {year}-{month:02d}</title></head><body>"
            f"<h1>Support group events, {year}-{month:02d}</h1><p>No events this month.</p>"
            f'<a href="/hostile/calendar/{following[0]}/{following[1]}">Next month</a>'
            f"</body></html>").encode()
    handler.respond(200, body)


def big_page(handler: SampleRequestHandler, path: str) -> None:
    """30 MB of HTML, streamed."""
    handler.entry["status"] = 200
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(BIG_PAGE_BYTES))
    handler.end_headers()
    chunk = b"<p>" + b"x" * 65_529 + b"</p>"
    for _ in range(BIG_PAGE_BYTES // len(chunk)):
        handler.wfile.write(chunk)
    handler.wfile.write(b" " * (BIG_PAGE_BYTES % len(chunk)))


def bomb(handler: SampleRequestHandler, path: str) -> None:
    """A small gzip body that decompresses to hundreds of megabytes."""
    handler.respond(200, handler.sample.bomb(), headers={"Content-Encoding": "gzip"})


def flaky(handler: SampleRequestHandler, path: str) -> None:
    """A clinic page that fails with 500 the first time(s), then recovers."""
    if len(handler.sample.requested(path)) <= handler.sample.flaky_failures:
        handler.respond(500, b"<h1>Internal Server Error</h1>")
    else:
        handler.serve_file("/hostile/flaky-clinic.html")


def slow(handler: SampleRequestHandler, path: str) -> None:
    """A page that answers after `slow_seconds`, beyond the crawler's timeout."""
    deadline = time.monotonic() + handler.sample.slow_seconds
    while time.monotonic() < deadline and not handler.sample.stopping.is_set():
        time.sleep(0.05)
    handler.serve_file("/hostile/slow-clinic.html")


HOSTILE_ROUTES = {
    "/hostile/big.html": big_page,
    "/hostile/bomb.html": bomb,
    "/hostile/flaky.html": flaky,
    "/hostile/slow.html": slow,
}
HOSTILE_PREFIXES = [("/hostile/loop/", redirect_loop), ("/hostile/calendar/", calendar)]


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a sample site on 127.0.0.1.")
    parser.add_argument("root", nargs="?", default=str(SAMPLE_SITES / "clinic-directory"),
                        help="the site's folder (default: sample_sites/clinic-directory)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    args = parser.parse_args()
    server = SampleServer(args.root, port=args.port).start()
    print(server.url, flush=True)
    try:
        server.thread.join()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()

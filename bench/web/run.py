"""Web benchmark: the public pages and the API on a directory of 100,000 clinics, under gunicorn,
each measured against the app's trivial /healthz in the same run.

    .venv/bin/python -m bench.web.run                      # SQLite, 100,000 clinics
    .venv/bin/python -m bench.web.run --database-url postgresql+psycopg://postgres@127.0.0.1/x

The load generator is wrk (Debian package, installed here when missing and run as root), with
keep-alive connections on 127.0.0.1 only. Targets: every page at least 40% of /healthz's
requests per second, and p99 latency under 100 ms, at 16 connections.
"""

import argparse
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
MIN_RATIO, MAX_P99_MS = 0.40, 100.0
# Many different questions (cache misses, issue #14): a quarter of /healthz, p99 under 100 ms;
# with a million clinics, near questions within 200 ms (no ratio: the issue sets none there).
VARIED_MIN_RATIO = 0.25
MILLION, MILLION_MAX_P99_MS = 1_000_000, 200.0
# name -> path; "healthz" is the baseline every other page is compared with.
PAGES = {
    "healthz": "/healthz",
    "region page": "/regions/US-CA",
    "condition x treatment x near": "/clinics?condition=crps&treatment=ketamine-iv-infusion"
                                    "&near=10001&radius=50",
    "text search": "/clinics?q=ketamine+chicago",
    "clinic page": "/clinics/clinic-4242",
    "API region": "/api/v1/clinics?region=US-CA",
    "API condition x treatment x near": "/api/v1/clinics?condition=crps"
                                        "&treatment=ketamine-iv-infusion&near=10001&radius=50",
    "API text search": "/api/v1/clinics?q=ketamine+chicago",
    "API clinic": "/api/v1/clinics/clinic-4242",
}

# Many different URLs of one kind, so nearly every request misses the per-process caches (each
# patient asks their own question: their own clinic, their own ZIP code).
VARIED_COUNT = 2_000


def varied_paths(clinics: int, seed: int = 7) -> dict[str, list[str]]:
    """name -> VARIED_COUNT paths: random clinic pages, and near-a-ZIP questions."""
    import random

    import zipcodes

    rng = random.Random(seed)
    zips = sorted(entry["zip_code"] for entry in zipcodes.list_all()
                  if entry["zip_code_type"] == "STANDARD")
    return {
        "clinic page, varied": [f"/clinics/clinic-{rng.randint(1, clinics)}"
                                for _ in range(VARIED_COUNT)],
        "condition x treatment x near, varied": [
            f"/clinics?condition=crps&treatment=ketamine-iv-infusion&near={rng.choice(zips)}"
            f"&radius=50" for _ in range(VARIED_COUNT)],
    }


def lua_script(paths: list[str], folder: Path) -> Path:
    """A wrk script that walks through `paths`, each wrk thread from its own offset."""
    script = folder / f"paths-{hashlib.sha256(''.join(paths).encode()).hexdigest()[:12]}.lua"
    listed = ",\n".join(json.dumps(path) for path in paths)
    script.write_text(
        f"paths = {{\n{listed}\n}}\n"
        "local count = 0\n"
        "function setup(thread) count = count + 1; thread:set('offset', count * 997) end\n"
        "function init(args) i = offset end\n"
        "function request() i = i + 1; return wrk.format('GET', paths[i % #paths + 1]) end\n")
    return script


def ensure_wrk() -> str:
    """The wrk binary; installs Debian's package when missing (needs root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit("bench: wrk is missing; install it (Debian: apt-get install -y wrk)")
    print("Installing wrk from Debian's packages...", flush=True)
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True)
        subprocess.run(install, check=True, capture_output=True)
    return shutil.which("wrk")


def clinic_count(url: str) -> int | None:
    """How many clinics the database holds, or None when it does not exist or is empty."""
    from models import Clinic

    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        return None
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(Clinic.__table__)).scalar()
    except Exception:  # noqa: BLE001 - a missing database or table: build it
        return None
    finally:
        engine.dispose()


def fresh_database(url: str) -> None:
    """Drop and recreate the benchmark database (a SQLite file, or a PostgreSQL database)."""
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def schema_stamp() -> str:
    """A digest of the migrations: data built with other migrations is built again."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "models" / "migrations" / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def prepare(url: str, clinics: int, rebuild: bool) -> None:
    from bench.web.generate import generate
    from reliefmap.config import load_config

    stamp_file = DATA / (hashlib.sha256(url.encode()).hexdigest()[:16] + ".schema")
    stamp = schema_stamp()
    same_schema = stamp_file.exists() and stamp_file.read_text() == stamp
    if not rebuild and same_schema and clinic_count(url) == clinics:
        print(f"Reusing {clinics:,} clinics in {make_url(url).render_as_string()}")
        return
    fresh_database(url)
    started = time.perf_counter()
    generate(url, load_config(), clinics)
    stamp_file.write_text(stamp)
    print(f"Generated {clinics:,} clinics in {time.perf_counter() - started:.1f} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "RELIEFMAP_DATABASE_URL": url,
           "RELIEFMAP_SECRET_KEY": secrets.token_hex(16)}
    command = [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers),
               "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
               "web:create_app()"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            if server.poll() is not None:
                sys.exit("bench: gunicorn exited at start; see its output above")
            time.sleep(0.3)
    stop(server)
    sys.exit("bench: gunicorn did not answer /healthz within 60 s")


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def measure(wrk: str, url: str, connections: int, seconds: int,
            script: Path | None = None) -> dict:
    """Requests per second and latency percentiles of one URL (or of the paths a wrk script
    walks through), from wrk's report."""
    options = ["-s", str(script)] if script else []
    output = subprocess.run(
        [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s",
         *options, url], capture_output=True, text=True, check=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)$", output, re.MULTILINE)
    never = "inf" if not percentiles else None  # no request finished within wrk's timeout
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
            "p50_ms": float(never or milliseconds(percentiles["50"])),
            "p99_ms": float(never or milliseconds(percentiles["99"])),
            "requests": int(re.search(r"(\d+) requests in", output).group(1)),
            "errors": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else ""}


def check_pages(base: str) -> None:
    """Every page answers 200 before it is measured (a fast 404 would flatter the numbers)."""
    for name, path in PAGES.items():
        check_path(base, name, path)


def check_path(base: str, name: str, path: str) -> None:
    try:
        with urllib.request.urlopen(base + path, timeout=120) as response:  # a cold 1M start
            response.read()
    except OSError as exc:
        sys.exit(f"bench: {name} ({path}) does not answer 200: {exc}")


def run(args) -> list[dict]:
    wrk = ensure_wrk()
    prepare(args.database_url, args.clinics, args.rebuild)
    port = free_port()
    server = start_gunicorn(args.database_url, port, args.workers, args.threads)
    base = f"http://127.0.0.1:{port}"
    # With --varied, each varied round draws its own 2,000 URLs of each kind: no round finds
    # the pages an earlier one left in the caches.
    varied = [varied_paths(args.clinics, seed=7 + number) if args.varied else {}
              for number in range(args.rounds)]
    rounds: dict[str, list[dict]] = {name: [] for name in [*PAGES, *varied[0]]}
    results = []
    try:
        check_pages(base)
        for name, paths in varied[0].items():
            check_path(base, name, paths[0])
        for path in PAGES.values():
            measure(wrk, base + path, args.connections, 2)  # warm caches and connections
        # Every page once per round, the rounds one after the other: a slow spell of a shared
        # machine then hits one round of every page, not every round of one page.
        for number in range(1, args.rounds + 1):
            for name, path in PAGES.items():
                rounds[name].append(measure(wrk, base + path, args.connections, args.seconds))
            print(f"  round {number} of {args.rounds}: " + ", ".join(
                f"{name} {rounds[name][-1]['rps']:.0f}/s" for name in PAGES), flush=True)
        # The varied rounds come after the others: their thousands of pages push the kept ones
        # out of the caches, and a kept page measured after them would time its misses.
        for number, draw in enumerate(varied, start=1):
            for name, paths in draw.items():
                rounds[name].append(measure(wrk, base, args.connections, args.seconds,
                                            lua_script(paths, DATA)))
            print(f"  varied round {number} of {args.rounds}: " + ", ".join(
                f"{name} {rounds[name][-1]['rps']:.0f}/s" for name in draw), flush=True)
        for name, path in PAGES.items():
            results.append({"page": name, "path": path, **median_of(rounds[name])})
        for name, paths in varied[0].items():
            results.append({"page": name, "path": paths[0], "varied": len(paths),
                            **median_of(rounds[name])})
    finally:
        stop(server)
    baseline = results[0]["rps"]
    for result in results:
        result["ratio"] = round(result["rps"] / baseline, 3)
        min_ratio, max_p99 = targets(result, args.clinics)
        result["ok"] = (result["ratio"] >= min_ratio and result["p99_ms"] < max_p99
                        and not result["errors"])
    return results


def targets(result: dict, clinics: int) -> tuple[float, float]:
    """(least ratio to /healthz, largest p99 in ms) a result must meet."""
    if "varied" not in result:
        return MIN_RATIO, MAX_P99_MS
    if clinics >= MILLION and "near" in result["page"]:
        return 0.0, MILLION_MAX_P99_MS  # issue #14 sets a p99 only, at a million
    return VARIED_MIN_RATIO, MAX_P99_MS


def median_of(found: list[dict]) -> dict:
    """One page's rounds: the median of each figure, every error counted."""
    def median(key):
        values = sorted(result[key] for result in found)
        return values[len(values) // 2]

    return {"rps": median("rps"), "p50_ms": median("p50_ms"), "p99_ms": median("p99_ms"),
            "requests": sum(result["requests"] for result in found),
            "errors": sum(result["errors"] for result in found),
            "socket_errors": "; ".join(filter(None, (r["socket_errors"] for r in found))),
            "rounds": [{key: result[key] for key in ("rps", "p50_ms", "p99_ms")}
                       for result in found]}


def report(results: list[dict], args) -> str:
    engine = make_url(args.database_url).get_backend_name()
    lines = [f"{args.clinics:,} clinics on {engine}; gunicorn -w {args.workers} --threads "
             f"{args.threads}; wrk {args.connections} connections, {args.rounds} rounds of "
             f"{args.seconds} s per page (medians); {os.cpu_count()} CPUs",
             "| page | req/s | ratio to /healthz | p50 ms | p99 ms | target met |",
             "|---|---:|---:|---:|---:|---|"]
    for result in results:
        ratio, p99 = targets(result, args.clinics)
        met = f"{'yes' if result['ok'] else 'NO'} (>= {ratio:.2f}, < {p99:.0f} ms)"
        lines.append(f"| {result['page']} | {result['rps']:.0f} | {result['ratio']:.2f} | "
                     f"{result['p50_ms']:.1f} | {result['p99_ms']:.1f} | {met} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clinics", type=int, default=100_000)
    parser.add_argument("--database-url", help="default: a SQLite file under bench/web/data/")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the data")
    parser.add_argument("--seconds", type=int, default=5,
                        help="measured seconds per page and round")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds over every page; each page's median counts")
    parser.add_argument("--connections", type=int, default=16)
    # The README's production command: gunicorn's sync workers, one request each, behind a
    # proxy that keeps the clients' connections. With -w 2 --threads 4 (the default before
    # 2026-12-07, evening) the threads of a worker took turns on its one interpreter and shared
    # its pauses: varied near questions at a million clinics had a p99 of 216 to 1,610 ms
    # where four sync workers had 161 to 165 ms, in the same rounds.
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--varied", action="store_true",
                        help="also measure pages over many different URLs (cache misses)")
    args = parser.parse_args(argv)
    DATA.mkdir(exist_ok=True)
    if args.database_url is None:
        args.database_url = f"sqlite:///{DATA / f'bench-{args.clinics}.sqlite'}"
    results = run(args)
    print(report(results, args))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0 if all(result["ok"] for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())

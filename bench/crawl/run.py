"""Crawl benchmark: a bare Scrapy fetch-and-follow spider against the full `reliefmap crawl`
(extraction, pipelines, SQLite) on a generated site mixing JSON-LD, microdata, plain-HTML and
directory pages, per kind of page and for the whole, then an unchanged recrawl.

    .venv/bin/python bench/crawl/run.py [--pages 3000] [--rounds 3]
"""

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.crawl.mixed_site import KINDS, Site, generate  # noqa: E402
from reliefmap.sample_server import SampleServer  # noqa: E402

WHOLE = "mixed"


def run(command: list[str], env: dict) -> tuple[float, float, int, str]:
    """Wall time, CPU time (user + system), peak RSS (bytes) and stdout of a child process.

    The peak is the child's own high-water mark (VmHWM), read while it runs: the ru_maxrss that
    wait4 reports counts the RSS of this process, which forked it, when that is larger.
    """
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.DEVNULL)
        peak = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, high_water_mark(process.pid))
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if process.returncode not in (0,):
        raise SystemExit(f"{command[0]} exited with {process.returncode}: {text[-500:]}")
    return seconds, usage.ru_utime + usage.ru_stime, peak, text


def high_water_mark(pid: int) -> int:
    """The peak resident memory of a running process so far, in bytes (0 once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(found.group(1)) * 1024 if found else 0


def write_config(tmp: Path, server_url: str, pages: int) -> Path:
    """A config with one source per kind of page (its sitemap) and one for the whole site."""
    config = (ROOT / "config.toml").read_text()
    config = re.sub(r"(?ms)^\[\[sources\]\].*", "", config)
    for key, value in {"download_delay": "0", "autothrottle": "false",
                       "concurrent_requests_per_domain": "16", "max_depth": "0"}.items():
        config = re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", config)
    for name in (*KINDS, WHOLE):
        sitemap = "sitemap.xml" if name == WHOLE else f"sitemap-{name}.xml"
        config += (f'\n[[sources]]\nname = "{name}"\nkind = "clinics"\nschedule = "0 3 * * 1"'
                   f'\nsitemap_urls = ["{server_url}/{sitemap}"]\n'
                   f'extract = ["/clinics/", "/directory/"]\nmax_pages = {pages * 2}\n')
    (tmp / "config.toml").write_text(config)
    return tmp / "config.toml"


def environment(tmp: Path, config: Path, crawl: str) -> dict:
    """A fresh database (a copy of an initialised one) and HTTP cache for one crawl."""
    database = tmp / f"{crawl}.sqlite"
    shutil.copy(tmp / "empty.sqlite", database)
    shutil.rmtree(tmp / "httpcache", ignore_errors=True)
    text = config.read_text()
    text = re.sub(r"(?m)^http_cache_dir = .*$", f'http_cache_dir = "{tmp / "httpcache"}"', text)
    (tmp / f"{crawl}.toml").write_text(text)
    return {**os.environ, "RELIEFMAP_CONFIG": str(tmp / f"{crawl}.toml"),
            "RELIEFMAP_DATABASE_URL": f"sqlite:///{database}"}


def stored_per_kind(env: dict, site: Site) -> dict[str, tuple[int, int, int]]:
    """Per kind: the clinic records stored, how many of them carry the generated clinic's name,
    phone and postcode, and the clinics they make (fewer if some were taken for duplicates)."""
    path = env["RELIEFMAP_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT url, payload, clinic_id FROM source_records "
                                  "WHERE entry_type = 'clinic'").fetchall()
    expected = {(c.name, c.e164, c.postal) for kind in KINDS for c in site.clinics(kind)}
    found = {kind: (0, 0, set()) for kind in KINDS}
    for url, payload, clinic_id in rows:
        record = json.loads(payload)
        kind = site.kind_of(urlsplit(url).path)
        stored, right, clinics = found[kind]
        right += (record.get("name"), record.get("phone"), record.get("postal_code")) in expected
        found[kind] = (stored + 1, right, clinics | {clinic_id})
    return {kind: (stored, right, len(clinics)) for kind, (stored, right, clinics)
            in found.items()}


def median(values):
    return sorted(values)[len(values) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3000,
                        help="clinic and directory pages to generate, a quarter of each kind")
    parser.add_argument("--rounds", type=int, default=3,
                        help="bare and full crawls alternate this many times; medians are shown")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    reliefmap = str(Path(sys.executable).parent / "reliefmap")
    bare_spider = str(Path(__file__).parent / "bare_spider.py")
    # Per crawl: (pages/s, CPU seconds, peak RSS, pages, seconds); per kind, one per round.
    bare: dict[str, list] = {name: [] for name in (*KINDS, WHOLE)}
    full: dict[str, list] = {name: [] for name in (*KINDS, WHOLE)}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        site = generate(tmp / "site", args.pages)
        with SampleServer(tmp / "site") as server:
            config = write_config(tmp, server.url, args.pages)
            init_env = {**os.environ, "RELIEFMAP_CONFIG": str(config),
                        "RELIEFMAP_DATABASE_URL": f"sqlite:///{tmp / 'empty.sqlite'}"}
            subprocess.run([reliefmap, "init"], env=init_env, check=True, capture_output=True)
            for round_ in range(args.rounds):
                for name in (*KINDS, WHOLE):
                    start = "index.html" if name == WHOLE else f"list/{name}/0.html"
                    env = environment(tmp, config, f"{name}{round_}")
                    seconds, cpu, rss, out = run(
                        [sys.executable, bare_spider, f"{server.url}/{start}"], env)
                    pages = int(out.split()[-1])
                    bare[name].append((pages / seconds, cpu, rss, pages, seconds))
                    seconds, cpu, rss, out = run([reliefmap, "crawl", name], env)
                    pages = int(re.search(r"(\d+) pages", out).group(1))
                    full[name].append((pages / seconds, cpu, rss, pages, seconds))
                stored = stored_per_kind(env, site)
                summary = out.strip().splitlines()[0]
            again_seconds, _, again_rss, again = run([reliefmap, "crawl", WHOLE], env)

    print(f"site: {args.pages} pages ({args.pages // len(KINDS)} of each kind, "
          f"{sum(len(site.clinics(kind)) for kind in KINDS)} clinics) + listings, "
          f"{args.rounds} rounds; load average (1 min) {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after")
    print(f"{'kind':<10} {'pages':>6} {'bare p/s':>9} {'full p/s':>9} {'full/bare':>9}  "
          f"{'per round':<16} {'CPU ms/page bare, full':>23} {'peak RSS bare, full':>20}")
    for name in (*KINDS, WHOLE):
        ratios = [f[0] / b[0] for b, f in zip(bare[name], full[name], strict=True)]
        print(f"{name:<10} {full[name][-1][3]:>6} {median([b[0] for b in bare[name]]):>9.0f} "
              f"{median([f[0] for f in full[name]]):>9.0f} {median(ratios):>9.0%}  "
              f"{', '.join(f'{r:.0%}' for r in ratios):<16} "
              f"{median([1000 * b[1] / b[3] for b in bare[name]]):>11.1f}, "
              f"{median([1000 * f[1] / f[3] for f in full[name]]):<11.1f} "
              f"{max(b[2] for b in bare[name]) / 1e6:>8.0f}, "
              f"{max(f[2] for f in full[name]) / 1e6:.0f} MB")
    print(f"target: {WHOLE} full/bare >= 70%, peak RSS < 300 MB at 10,000 pages")
    print(f"clinic records stored by the last {WHOLE} crawl, per kind (with the right name, phone "
          "and postcode / stored / clinics they make / clinics on the site):")
    for kind in KINDS:
        stored_count, right, clinics = stored[kind]
        print(f"  {kind:<10} {right} / {stored_count} / {clinics} / {len(site.clinics(kind))}")
    print(f"  {summary}")
    print(f"unchanged recrawl: {again_seconds:.1f}s = {again_seconds / full[WHOLE][-1][4]:.0%} of "
          f"the first crawl (target <= 30%), peak RSS {again_rss / 1e6:.0f} MB")
    print(f"  {again.strip().splitlines()[0]}")
    if any(min(stored[kind][1:]) < len(site.clinics(kind)) for kind in KINDS):
        raise SystemExit("some clinics of the site were not extracted: the figures above do not "
                         "measure a full crawl")


if __name__ == "__main__":
    main()

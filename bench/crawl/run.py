"""Crawl benchmark: a bare Scrapy fetch-and-follow spider against the full `reliefmap crawl`
(extraction, pipelines, SQLite) on the same generated site, then an unchanged recrawl.

    .venv/bin/python bench/crawl/run.py [--pages 3000] [--rounds 3]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from reliefmap.sample_server import SampleServer  # noqa: E402

PER_LISTING = 100
CITIES = [("San Francisco", "CA", "94108"), ("New York", "NY", "10019"), ("Austin", "TX", "78701"),
          ("Seattle", "WA", "98101"), ("Chicago", "IL", "60601"), ("Denver", "CO", "80202")]
CLINIC_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{name}</title><script type="application/ld+json">
{{"@context": "https://schema.org", "@type": "MedicalClinic", "name": "{name}",
 "telephone": "+1-{area}-555-{number:04d}", "url": "https://clinic{n}.example/",
 "address": {{"@type": "PostalAddress", "streetAddress": "{n} Main St", "addressLocality": "{city}",
  "addressRegion": "{region}", "postalCode": "{postal}", "addressCountry": "US"}}}}
</script></head><body><header><nav><a href="/index.html">All clinics</a></nav></header>
<main><h1>{name}</h1><p>{n} Main St<br>{city}, {region} {postal}</p>
<p>Phone: ({area}) 555-{number:04d}</p>
<p>{name} offers ketamine infusions for CRPS, fibromyalgia and neuropathic pain, with nerve
blocks and physical therapy. New patients are welcome; ask your doctor for a referral.</p>
</main></body></html>"""


def generate(folder: Path, count: int) -> None:
    """`count` clinic pages, listing pages of PER_LISTING clinics chained by "next" links, and a
    sitemap of the clinic pages with their lastmod (as WordPress/Yoast sites publish)."""
    (folder / "clinics").mkdir(parents=True)
    (folder / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    listings = (count + PER_LISTING - 1) // PER_LISTING
    for n in range(count):
        city, region, postal = CITIES[n % len(CITIES)]
        (folder / "clinics" / f"{n}.html").write_text(CLINIC_PAGE.format(
            name=f"Clinic {n} Pain Relief", n=n, area=200 + n // 10000, number=n % 10000,
            city=city, region=region, postal=postal))
    for page in range(listings):
        links = "".join(f'<li><a href="/clinics/{n}.html">Clinic {n}</a></li>'
                        for n in range(page * PER_LISTING, min(count, (page + 1) * PER_LISTING)))
        following = f'<a href="/list/{page + 1}.html">Next</a>' if page + 1 < listings else ""
        name = "index.html" if page == 0 else f"list/{page}.html"
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text(f"<html><body><ul>{links}</ul>{following}</body></html>")
    written = datetime.now(UTC).isoformat(timespec="seconds")
    (folder / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "".join(f"<url><loc>{{{{BASE}}}}/clinics/{n}.html</loc>"
                  f"<lastmod>{written}</lastmod></url>\n" for n in range(count))
        + "</urlset>\n")


def run(command: list[str], env: dict) -> tuple[float, float, int, str]:
    """Wall time, CPU time (user + system), peak RSS (bytes) and stdout of a child process."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if process.returncode not in (0,):
        raise SystemExit(f"{command[0]} exited with {process.returncode}: {text[-500:]}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, text


def write_config(tmp: Path, server_url: str, pages: int, round_: int) -> dict:
    """A config whose one source is the generated site, and the environment naming it (a fresh
    database and HTTP cache per round)."""
    config = (ROOT / "config.toml").read_text()
    config = re.sub(r"(?ms)^\[\[sources\]\].*", "", config)
    for key, value in {"download_delay": "0", "autothrottle": "false",
                       "concurrent_requests_per_domain": "16", "max_depth": "0",
                       "http_cache_dir": f'"{tmp / f"httpcache{round_}"}"'}.items():
        config = re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", config)
    config += (f'\n[[sources]]\nname = "bench"\nkind = "clinics"\nschedule = "0 3 * * 1"'
               f'\nsitemap_urls = ["{server_url}/sitemap.xml"]\n'
               f'extract = ["/clinics/"]\nmax_pages = {pages * 2}\n')
    (tmp / f"config{round_}.toml").write_text(config)
    return {**os.environ, "RELIEFMAP_CONFIG": str(tmp / f"config{round_}.toml"),
            "RELIEFMAP_DATABASE_URL": f"sqlite:///{tmp / f'bench{round_}.sqlite'}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3000, help="clinic pages to generate")
    parser.add_argument("--rounds", type=int, default=3,
                        help="bare and full crawls alternate this many times; medians are shown")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    reliefmap = str(Path(sys.executable).parent / "reliefmap")
    bare, full = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generate(tmp / "site", args.pages)
        with SampleServer(tmp / "site") as server:
            for round_ in range(args.rounds):
                env = write_config(tmp, server.url, args.pages, round_)
                subprocess.run([reliefmap, "init"], env=env, check=True, capture_output=True)
                seconds, cpu, rss, out = run(
                    [sys.executable, str(Path(__file__).parent / "bare_spider.py"),
                     f"{server.url}/index.html"], env)
                bare.append((int(out.split()[-1]) / seconds, cpu, rss, int(out.split()[-1])))
                seconds, cpu, rss, out = run([reliefmap, "crawl", "bench"], env)
                pages = int(re.search(r"(\d+) pages", out).group(1))
                full.append((pages / seconds, cpu, rss, pages, seconds, out))
            again_seconds, _, again_rss, again = run([reliefmap, "crawl", "bench"], env)

    def median(values):
        return sorted(values)[len(values) // 2]

    bare_rate, full_rate = median([b[0] for b in bare]), median([f[0] for f in full])
    ratios = [f[0] / b[0] for b, f in zip(bare, full, strict=True)]
    print(f"site: {args.pages} clinic pages + listings, {args.rounds} rounds; load average "
          f"(1 min) {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"bare Scrapy fetch+follow: median {bare_rate:.0f} pages/s, "
          f"{median([1000 * b[1] / b[3] for b in bare]):.1f} ms CPU/page, "
          f"peak RSS {max(b[2] for b in bare) / 1e6:.0f} MB")
    print(f"reliefmap crawl (SQLite): median {full_rate:.0f} pages/s, "
          f"{median([1000 * f[1] / f[3] for f in full]):.1f} ms CPU/page, "
          f"peak RSS {max(f[2] for f in full) / 1e6:.0f} MB")
    print(f"  {full[-1][5].strip().splitlines()[0]}")
    print(f"ratio full/bare per round: {', '.join(f'{r:.0%}' for r in ratios)}; "
          f"median {median(ratios):.0%} (target >= 70%)")
    print(f"unchanged recrawl: {again_seconds:.1f}s = {again_seconds / full[-1][4]:.0%} of the "
          f"first crawl (target <= 30%), peak RSS {again_rss / 1e6:.0f} MB")
    print(f"  {again.strip().splitlines()[0]}")


if __name__ == "__main__":
    main()

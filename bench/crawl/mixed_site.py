"""The benchmark's generated directory site: clinic pages of four kinds in equal shares.

- `jsonld`: a clinic's profile with schema.org JSON-LD (a plain MedicalClinic, or a Yoast-style
  `@graph` with `@id` references) and the same facts in the visible text;
- `microdata`: a profile marked up with itemscope/itemprop only, no JSON-LD;
- `plain`: a profile with visible text only (name in the h1, address lines, phone, treatments in
  prose), read by the visible-text extraction;
- `directory`: a city page of CARDS clinic cards, each with its own name, address and phone.

Each kind has two templates, chosen alternately. Every page is linked from the listings (all
kinds, chained by "next" links from /index.html, and one chain per kind from
/list/KIND/0.html) and from the sitemaps (/sitemap.xml, an index of one sitemap per kind).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import zipcodes

KINDS = ("jsonld", "microdata", "plain", "directory")
CARDS = 4  # clinics on a directory page
PER_LISTING = 100
SITE = "Relief Finder"

CITIES = [  # city, region, area codes
    ("San Francisco", "CA", ["415", "628"]), ("New York", "NY", ["212", "646"]),
    ("Austin", "TX", ["512", "737"]), ("Seattle", "WA", ["206", "564"]),
    ("Chicago", "IL", ["312", "872"]), ("Denver", "CO", ["720", "303"]),
    ("Boston", "MA", ["617", "857"]), ("Atlanta", "GA", ["404", "470"]),
    ("Miami", "FL", ["305", "786"]), ("Portland", "OR", ["503", "971"]),
    ("Phoenix", "AZ", ["602", "480"]), ("Minneapolis", "MN", ["612", "952"]),
]
ZIPS_PER_CITY = 30
PLACES = ["Golden Gate", "Harbor", "Cedar", "Summit", "Riverside", "Lakeside", "Maple", "Bayview",
          "Northside", "Westgate", "Pinecrest", "Brookfield", "Highland", "Meadowbrook", "Granite",
          "Silver Lake", "Oakwood", "Willow Creek", "Crescent", "Fairview", "Evergreen",
          "Stonebridge", "Parkside", "Hillcrest", "Ridgeview", "Clearwater", "Beacon", "Redwood",
          "Sycamore", "Aspen", "Lighthouse", "Prairie", "Juniper", "Copper", "Heritage",
          "Elm Street", "Canyon", "Bluebird", "Union Square", "Old Town", "Lakeview", "Northgate",
          "Bridgeway",
          "Magnolia", "Foothills", "Harborview", "Kingsley", "Mill Creek", "Orchard", "Peninsula",
          "Quarry", "Rosewood", "Seaside", "Tamarack", "Upland", "Valley", "Waterside", "Windsor",
          "Yellowstone", "Zenith"]
FOCUS = ["Pain", "Ketamine", "Infusion", "Neuropathy", "Spine and Pain", "Integrative Pain",
         "Interventional Pain", "Nerve"]
PLACE_WORDS = ["Clinic", "Center", "Institute", "Medical Group", "Specialists", "Physicians",
               "Partners", "Associates"]
STREETS = ["Main St", "Oak Ave", "Market St", "Broadway", "Pine St", "Lake Shore Dr",
           "Washington Blvd", "Park Ave", "2nd Ave", "Elm St", "Central Ave", "Mission St"]
TREATMENTS = ["ketamine infusions", "nerve blocks", "spinal cord stimulation",
              "lidocaine infusions", "physical therapy", "radiofrequency ablation"]
CONDITIONS = ["CRPS", "fibromyalgia", "neuropathic pain", "migraine", "diabetic neuropathy",
              "chronic back pain", "trigeminal neuralgia"]


@dataclass
class Clinic:
    number: int
    name: str
    street: str
    city: str
    region: str
    postal: str
    area: str
    line: str  # the phone's last seven digits, "555-0123"
    website: str

    @property
    def phone(self) -> str:
        return f"({self.area}) {self.line}"

    @property
    def e164(self) -> str:
        return f"+1{self.area}{self.line.replace('-', '')}"

    @property
    def treatments(self) -> str:
        first, second = TREATMENTS[self.number % 6], TREATMENTS[(self.number // 6 + 1) % 6]
        return first if first == second else f"{first} and {second}"

    @property
    def conditions(self) -> str:
        return ", ".join(CONDITIONS[(self.number + k) % 7] for k in range(3))


def postcodes() -> list[tuple[int, str]]:
    """(city, ZIP code) of up to ZIPS_PER_CITY real ZIP codes per city, the cities in turn."""
    per_city = [[entry["zip_code"] for entry in zipcodes.filter_by(city=city, state=region)
                 if entry["zip_code_type"] == "STANDARD"][:ZIPS_PER_CITY]
                for city, region, _ in CITIES]
    return [(city, codes[index]) for index in range(ZIPS_PER_CITY)
            for city, codes in enumerate(per_city) if index < len(codes)]


ZIPS = postcodes()
# Clinics are numbered in blocks of len(PLACES), one block per ZIP code: the names at one ZIP
# code all start differently, so no two clinics look like duplicates of each other. Phones are
# unique below LIMIT.
LIMIT = min(len(ZIPS) * len(PLACES), 20_000)


def clinic(number: int) -> Clinic:
    """The `number`th clinic; neighbours get unlike names, and share a ZIP code by blocks."""
    block = number // len(PLACES)
    name = (f"{PLACES[number % len(PLACES)]} {FOCUS[(number + block) % 8]} "
            f"{PLACE_WORDS[(number // 8 + block) % 8]}")
    city, postal = ZIPS[block]
    town, region, areas = CITIES[city]
    return Clinic(number, name, f"{100 + number % 9000} {STREETS[number // 9000 % 12]}", town,
                  region, postal, areas[number // 10000], f"555-{number % 10000:04d}",
                  f"https://{name.lower().replace(' ', '')}-{postal}.example/")


class Numbers:
    """Clinic numbers for the pages in turn, never across two blocks (a directory page lists
    clinics of one ZIP code)."""

    def __init__(self):
        self.next = 0

    def take(self, count: int) -> list[int]:
        if self.next % len(PLACES) + count > len(PLACES):
            self.next += len(PLACES) - self.next % len(PLACES)
        if self.next + count > LIMIT:
            raise SystemExit(f"the site holds at most {LIMIT} clinics: ask for fewer pages")
        self.next += count
        return list(range(self.next - count, self.next))


def page(title: str, main: str, home: str, head: str = "") -> str:
    """A page of the directory: its header, navigation and footer around `main`. Its links lead
    to `home`, the first listing of its kind, so that a crawl of one kind stays in it."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – {SITE}</title>
<meta property="og:site_name" content="{SITE}">
<link rel="stylesheet" href="/static/site.css">{head}
</head><body class="directory">
<header class="site-header"><a class="brand" href="{home}">{SITE}</a>
<nav aria-label="Main"><ul>
<li><a href="{home}">Find a clinic</a></li><li><a href="{home}#ketamine">Ketamine</a></li>
<li><a href="{home}#crps">CRPS</a></li><li><a href="{home}#fibromyalgia">Fibromyalgia</a></li>
</ul></nav>
<form class="search" action="{home}"><input type="search" name="q" placeholder="City or ZIP">
<button>Search</button></form></header>
<main>
{main}
</main>
<footer class="site-footer"><p>{SITE} lists clinics that treat chronic and neuropathic pain.
Listings are not medical advice.</p>
<ul><li><a href="{home}#about">About</a></li><li><a href="{home}#privacy">Privacy</a></li></ul>
<p>© 2026 {SITE}</p></footer>
</body></html>
"""


def prose(c: Clinic) -> str:
    return (f"<p>{c.name} offers {c.treatments} for {c.conditions}. New patients are welcome; "
            f"ask your doctor for a referral or call to book a consultation.</p>")


def jsonld_page(c: Clinic, home: str) -> str:
    address = {"@type": "PostalAddress", "streetAddress": c.street, "addressLocality": c.city,
               "addressRegion": c.region, "postalCode": c.postal, "addressCountry": "US"}
    if c.number % 2:
        data = {"@context": "https://schema.org", "@type": "MedicalClinic", "name": c.name,
                "telephone": f"+1-{c.area}-{c.line}", "url": c.website, "address": address,
                "openingHours": ["Mo-Fr 08:00-17:00"], "medicalSpecialty": "PainMedicine"}
    else:
        clinic_id = f"{c.website}#clinic"
        data = {"@context": "https://schema.org", "@graph": [
            {"@type": "WebPage", "@id": "#webpage", "name": c.name, "about": {"@id": clinic_id},
             "isPartOf": {"@type": "WebSite", "name": SITE}},
            {"@type": ["MedicalClinic", "LocalBusiness"], "@id": clinic_id, "name": c.name,
             "telephone": c.phone, "url": c.website, "address": address,
             "priceRange": "$$"}]}
    script = ('\n<script type="application/ld+json">'
              f"{json.dumps(data, indent=1)}</script>")
    main = f"""<article class="clinic-profile">
<h1>{c.name}</h1>
<div class="contact"><p>{c.street}<br>{c.city}, {c.region} {c.postal}</p>
<p>Phone: <a href="tel:{c.e164}">{c.phone}</a></p></div>
<h2>About the clinic</h2>
{prose(c)}
<h2>Hours</h2><p>Monday to Friday, 8am to 5pm</p>
</article>"""
    return page(c.name, main, home, script)


def microdata_page(c: Clinic, home: str) -> str:
    if c.number % 2:
        main = f"""<div class="profile" itemscope itemtype="https://schema.org/MedicalClinic">
<h1 itemprop="name">{c.name}</h1>
<div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
<span itemprop="streetAddress">{c.street}</span><br>
<span itemprop="addressLocality">{c.city}</span>, <span itemprop="addressRegion">{c.region}</span>
<span itemprop="postalCode">{c.postal}</span>
<meta itemprop="addressCountry" content="US"></div>
<p>Call <span itemprop="telephone">{c.phone}</span></p>
<link itemprop="url" href="{c.website}">
<div itemprop="description">{prose(c)}</div>
</div>"""
    else:
        main = f"""<section itemscope itemtype="http://schema.org/MedicalBusiness">
<header><h1><span itemprop="name">{c.name}</span></h1></header>
<dl class="facts">
<dt>Address</dt><dd itemprop="address" itemscope itemtype="http://schema.org/PostalAddress">
<span itemprop="streetAddress">{c.street}</span>,
<span itemprop="addressLocality">{c.city}</span>,
<abbr itemprop="addressRegion">{c.region}</abbr> <span itemprop="postalCode">{c.postal}</span>
</dd>
<dt>Telephone</dt><dd><a itemprop="telephone" href="tel:{c.e164}">{c.phone}</a></dd>
<dt>Hours</dt><dd><meta itemprop="openingHours" content="Mo-Th 09:00-18:00">Mon–Thu 9–6</dd>
</dl>
{prose(c)}
</section>"""
    return page(c.name, main, home)


def plain_page(c: Clinic, home: str) -> str:
    if c.number % 2:
        main = f"""<h1>{c.name}</h1>
<p class="address">{c.street}<br>
{c.city}, {c.region} {c.postal}</p>
<p>Phone: {c.phone}</p>
{prose(c)}
<p>Most insurance plans accepted.</p>"""
    else:
        main = f"""<div class="page-title"><h1>{c.name}</h1></div>
<div class="columns"><div class="column">
<h2>Treatments</h2>
<p>Our physicians provide {c.treatments}. We see patients with {c.conditions}.</p>
</div><div class="column">
<h2>Contact</h2>
<address>{c.street}<br>{c.city}, {c.region} {c.postal}</address>
<p>Tel. {c.phone}</p>
</div></div>"""
    return page(c.name, main, home)


def directory_page(clinics: list[Clinic], title: str, home: str) -> str:
    if clinics[0].number % 2:
        cards = "\n".join(f"""<div class="card">
<h2>{c.name}</h2>
<p>{c.street}<br>{c.city}, {c.region} {c.postal}</p>
<p>Phone: {c.phone}</p>
<p>{c.treatments.capitalize()} for {c.conditions}.</p>
</div>""" for c in clinics)
        main = f'<h1>{title}</h1>\n<div class="listing">\n{cards}\n</div>'
    else:
        cards = "\n".join(f"""<li class="result">
<h3>{c.name}</h3>
<address>{c.street}<br>{c.city}, {c.region} {c.postal}</address>
<p class="tel">Call {c.phone}</p>
<p class="summary">Treats {c.conditions} with {c.treatments}.</p>
</li>""" for c in clinics)
        main = (f'<h1>{title}</h1>\n<p>{len(clinics)} clinics found.</p>\n'
                f'<ul class="results">\n{cards}\n</ul>')
    return page(title, main, home)


@dataclass
class Site:
    """What was generated: per page path its kind and the clinics it states."""

    pages: dict[str, tuple[str, list[Clinic]]]

    def kind_of(self, path: str) -> str:
        return self.pages[path][0]

    def clinics(self, kind: str) -> list[Clinic]:
        return [c for page_kind, clinics in self.pages.values() if page_kind == kind
                for c in clinics]


def generate(folder: Path, count: int) -> Site:
    """`count` pages, a quarter of each kind in turn, their listings and sitemaps."""
    folder.mkdir(parents=True)
    (folder / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    pages: dict[str, tuple[str, list[Clinic]]] = {}
    numbers = Numbers()
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        home = f"/list/{kind}/0.html"
        if kind == "directory":
            clinics = [clinic(number) for number in numbers.take(CARDS)]
            path = f"/directory/{clinics[0].city.lower().replace(' ', '-')}-{n}.html"
            html = directory_page(clinics, f"Pain clinics in {clinics[0].city}, "
                                           f"{clinics[0].region}", home)
        else:
            clinics = [clinic(number) for number in numbers.take(1)]
            c = clinics[0]
            slug = f"{c.name} {c.city} {c.postal}".lower().replace(" ", "-")
            path = f"/clinics/{slug}.html"
            html = {"jsonld": jsonld_page, "microdata": microdata_page,
                    "plain": plain_page}[kind](c, home)
        target = folder / path.lstrip("/")
        target.parent.mkdir(exist_ok=True)
        target.write_text(html)
        pages[path] = (kind, clinics)
    chains = {"index": list(pages)} | {f"list/{kind}": [path for path, (k, _) in pages.items()
                                                         if k == kind] for kind in KINDS}
    for chain, paths in chains.items():
        write_listings(folder, chain, paths)
    written = datetime.now(UTC).isoformat(timespec="seconds")
    for kind in KINDS:
        (folder / f"sitemap-{kind}.xml").write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "".join(f"<url><loc>{{{{BASE}}}}{path}</loc><lastmod>{written}</lastmod></url>\n"
                      for path in chains[f"list/{kind}"]) + "</urlset>\n")
    (folder / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "".join(f"<sitemap><loc>{{{{BASE}}}}/sitemap-{kind}.xml</loc>"
                  f"<lastmod>{written}</lastmod></sitemap>\n" for kind in KINDS)
        + "</sitemapindex>\n")
    return Site(pages)


def write_listings(folder: Path, chain: str, paths: list[str]) -> None:
    """Listing pages of PER_LISTING links chained by "next": `index.html`, `list/1.html`, ...
    for the whole site, `list/KIND/0.html`, `list/KIND/1.html`, ... for one kind."""
    count = (len(paths) + PER_LISTING - 1) // PER_LISTING
    for number in range(count):
        name = ("index.html" if number == 0 else f"list/{number}.html") if chain == "index" \
            else f"{chain}/{number}.html"
        following = ("list" if chain == "index" else chain) + f"/{number + 1}.html"
        links = "".join(f'<li><a href="{path}">{path.rsplit("/", 1)[1][:-5]}</a></li>\n'
                        for path in paths[number * PER_LISTING:(number + 1) * PER_LISTING])
        more = f'<p><a href="/{following}" rel="next">Next page</a></p>' \
            if number + 1 < count else ""
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        home = "/index.html" if chain == "index" else f"/{chain}/0.html"
        (folder / name).write_text(page(f"Clinics, page {number + 1}",
                                        f"<h1>Clinics</h1>\n<ul>\n{links}</ul>\n{more}", home))

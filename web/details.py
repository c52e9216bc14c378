"""The clinic details patients decide on, in words: day names, hours and whether a location is
open now in its own time zone, prices, payment kinds, languages, and where each value came from.
Also the detail filters of a clinic search, read from the query string."""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.core import get_global
from babel.numbers import UnknownCurrencyError, format_currency
from flask import current_app, request
from timezonefinder import TimezoneFinder

from models import Clinic, Location
from models.details import DAY_NAMES, DAYS, PAYMENT_KINDS, PAYMENT_LABELS
from reliefmap.geocode import geocode_address
from web.params import BadParameter

PRICE_PER = {"infusion": "per infusion", "session": "per session", "series": "per series",
             "consultation": "per consultation"}
ENGLISH = Locale("en")
YES = ("true", "1", "yes", "on")


def now() -> datetime:
    """The current time (UTC); tests set the app's "NOW" to a callable to fix it."""
    clock = current_app.config.get("NOW")
    return clock() if clock else datetime.now(UTC)


def current_minute() -> datetime:
    """The current minute: pages that say "open now" are kept a minute at most."""
    return now().replace(second=0, microsecond=0)


def language_name(code: str) -> str:
    """An ISO 639-1 code's English name (es -> Spanish), else the code."""
    return ENGLISH.languages.get(code, code)


def language_choices(counts: dict[str, int], chosen: str | None) -> list[tuple[str, str, int]]:
    """(code, name, count) of the languages counted, and the chosen one, by name."""
    codes = set(counts) | ({chosen} if chosen else set())
    return sorted(((code, language_name(code), counts.get(code, 0)) for code in codes),
                  key=lambda choice: choice[1])


def is_language_code(code: str) -> bool:
    return len(code) == 2 and code.isascii() and code.isalpha() and code in ENGLISH.languages


@lru_cache(maxsize=256)
def _money(amount: float, currency: str) -> str:
    whole = float(amount).is_integer()
    try:
        return format_currency(amount, currency, format="¤#,##0" if whole else None,
                               currency_digits=not whole, locale="en_US")
    except UnknownCurrencyError:
        return f"{amount:,.2f} {currency}"


def is_price(price) -> bool:
    """An entry of `Clinic.prices` that can be shown: an amount and a currency code."""
    return (isinstance(price, dict) and isinstance(price.get("amount"), int | float)
            and isinstance(price.get("currency"), str))


def price_text(price: dict, terms: dict) -> str:
    """"$450 per infusion · Ketamine IV infusion" (what it is per and for, when stated)."""
    words = [_money(price["amount"], price["currency"])]
    if price.get("per") in PRICE_PER:
        words.append(PRICE_PER[price["per"]])
    text = " ".join(words)
    treatment = price.get("treatment")
    if treatment:
        text += " · " + (terms[treatment].label if treatment in terms else treatment)
    return text


# Time zones -----------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _zone_finder() -> TimezoneFinder:
    return TimezoneFinder()


@lru_cache(maxsize=4096)
def _zone_at(lat: float, lon: float) -> str | None:
    return _zone_finder().timezone_at(lng=lon, lat=lat)


def location_zone(location: Location) -> ZoneInfo | None:
    """The location's time zone: from its coordinates, else from its postcode or town, else its
    country's when that country has only one; None when none of these tells."""
    point = ((location.latitude, location.longitude) if location.latitude is not None
             and location.longitude is not None else
             geocode_address(location.postal_code, location.locality, location.region,
                             location.country))
    name = _zone_at(round(point[0], 4), round(point[1], 4)) if point else None
    if name is None and location.country:
        zones = get_global("territory_zones").get(location.country.upper(), [])
        name = zones[0] if len(zones) == 1 else None
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


# Opening hours --------------------------------------------------------------------------------

@dataclass
class DayHours:
    """One row of a week: the day and its intervals ("09:00", "17:00"); none means closed."""

    day: str
    name: str
    intervals: list[tuple[str, str]]
    today: bool = False


@dataclass
class Opening:
    """A location's hours as a visitor reads them: the week, today, and whether it is open."""

    week: list[DayHours]
    today: DayHours | None = None
    open_now: bool = False
    closes: str | None = None
    next_day: str | None = None
    next_opens: str | None = None

    @property
    def summary(self) -> str:
        """"Open now · closes 17:00" or "Closed now · opens Tue 08:00"."""
        if self.today is None:
            return ""
        if self.open_now:
            return f"Open now · closes {self.closes}" if self.closes else "Open now"
        if self.next_opens is None:
            return "Closed now"
        if self.next_day == self.today.day:
            return f"Closed now · opens {self.next_opens}"
        return f"Closed now · opens {DAY_NAMES[self.next_day][:3]} {self.next_opens}"


def _by_day(hours: list[dict]) -> dict[str, list[tuple[str, str]]]:
    days: dict[str, list[tuple[str, str]]] = {day: [] for day in DAYS}
    for entry in hours or []:
        opens, closes = entry.get("opens"), entry.get("closes")
        if entry.get("day") in days and isinstance(opens, str) and isinstance(closes, str):
            days[entry["day"]].append((opens, closes))
    return {day: sorted(intervals) for day, intervals in days.items()}


def _covers(interval: tuple[str, str], clock: str, after_midnight: bool) -> bool:
    """Whether an interval holds the time; one closing at or before it opens runs overnight."""
    opens, closes = interval
    overnight = closes <= opens and closes != "24:00"
    if after_midnight:
        return overnight and clock < closes
    return opens <= clock < ("24:00" if overnight else closes)


def opening(hours: list[dict], zone: ZoneInfo | None, at: datetime) -> Opening | None:
    """The week's hours, and when the zone is known, today's and whether the place is open at
    `at` (an aware datetime) in its own local time; None when no hours are stated."""
    if not hours:
        return None
    days = _by_day(hours)
    week = [DayHours(day, DAY_NAMES[day], days[day]) for day in DAYS]
    if zone is None:
        return Opening(week)
    local = at.astimezone(zone)
    clock, index = local.strftime("%H:%M"), local.weekday()
    today, yesterday = week[index], week[index - 1]
    today.today = True
    current = next((i for i in today.intervals if _covers(i, clock, False)), None) or next(
        (i for i in yesterday.intervals if _covers(i, clock, True)), None)
    result = Opening(week, today, open_now=current is not None,
                     closes=current[1] if current else None)
    if current is None:
        result.next_day, result.next_opens = _next_opening(week, index, clock)
    return result


def _next_opening(week: list[DayHours], index: int, clock: str) -> tuple[str | None, str | None]:
    for offset in range(8):
        row = week[(index + offset) % 7]
        later = [opens for opens, _ in row.intervals if offset or opens > clock]
        if later:
            return row.day, later[0]
    return None, None


def location_opening(location: Location, at: datetime) -> Opening | None:
    """`opening` for a location in its own time zone."""
    return opening(location.hours, location_zone(location) if location.hours else None, at)


# Where a value came from ----------------------------------------------------------------------

@dataclass
class Provenance:
    """Where a field's value came from: a source's page, or an editor; and when."""

    when: datetime | None
    source: str | None = None
    url: str | None = None
    editor: bool = False


def provenance(clinic: Clinic, field: str) -> Provenance | None:
    """The recorded origin of one of the clinic's fields, None when none is recorded."""
    recorded = (clinic.provenance or {}).get(field)
    if not isinstance(recorded, dict):
        return None
    stamp = recorded.get("at") if "editor" in recorded else recorded.get("fetched_at")
    try:
        when = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        when = None
    if "editor" in recorded:
        return Provenance(when, editor=True)
    return Provenance(when, source=recorded.get("source"), url=recorded.get("url"))


# Filters --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DetailFilter:
    """The details a clinic must state: every payment kind given, telehealth, accepting new
    patients, a location open on a day (Mo..Su), a language (ISO 639-1)."""

    payment: tuple[str, ...] = ()
    telehealth: bool = False
    accepting_new_patients: bool = False
    open_day: str | None = None
    language: str | None = None


def _flag(name: str) -> bool:
    raw = request.args.get(name, "").strip().lower()
    if raw and raw not in YES:
        raise BadParameter(f"{name} can only be true (leave it out to include every clinic), "
                           f"got '{raw[:40]}'")
    return bool(raw)


def _payment() -> tuple[str, ...]:
    kinds = {kind.strip().lower() for raw in request.args.getlist("payment")
             for kind in raw.split(",") if kind.strip()}
    unknown = sorted(kinds - set(PAYMENT_KINDS))
    if unknown:
        raise BadParameter(f"payment must be among {', '.join(sorted(PAYMENT_KINDS))}, "
                           f"got '{unknown[0][:40]}'")
    return tuple(sorted(kinds))


def _day() -> str | None:
    raw = request.args.get("open", "").strip().capitalize()
    if raw and raw not in DAYS:
        raise BadParameter(f"open must be a day among {', '.join(DAYS)}, got '{raw[:40]}'")
    return raw or None


def _language() -> str | None:
    raw = request.args.get("language", "").strip().lower()
    if raw and not is_language_code(raw):
        raise BadParameter(f"language must be an ISO 639-1 code like es, got '{raw[:40]}'")
    return raw or None


def active_filters(chosen: DetailFilter) -> list[tuple[str, dict]]:
    """Each detail filter in use as (words, the query changes that remove it)."""
    chips = [(f"Accepts {PAYMENT_LABELS[kind]}",
              {"payment": [other for other in chosen.payment if other != kind]})
             for kind in chosen.payment]
    if chosen.telehealth:
        chips.append(("Offers telehealth", {"telehealth": None}))
    if chosen.accepting_new_patients:
        chips.append(("Accepting new patients", {"accepting_new_patients": None}))
    if chosen.open_day:
        chips.append((f"Open on {DAY_NAMES[chosen.open_day]}", {"open": None}))
    if chosen.language:
        chips.append((f"Speaks {language_name(chosen.language)}", {"language": None}))
    return chips


def detail_filters() -> DetailFilter:
    """The detail filters of a clinic search (payment, telehealth, accepting_new_patients,
    open, language) from the query string; BadParameter when one is wrong."""
    return DetailFilter(payment=_payment(), telehealth=_flag("telehealth"),
                        accepting_new_patients=_flag("accepting_new_patients"), open_day=_day(),
                        language=_language())

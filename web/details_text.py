"""Clinic details as short text an editor can read and type: hours one line per day group
("Mo-Fr 09:00-12:00, 13:00-17:00"), prices one per line ("450 USD per infusion
ketamine-iv-infusion"), languages as codes or names. The edit form and the diff display both
use it; `parse_*` raise NotationError with a one-line message the form shows."""

import re
from functools import cache

from babel import Locale
from babel.numbers import list_currencies

from models.details import CLOCK, DAY_NAMES, DAYS, FLAGS, PAYMENT_LABELS, PRICE_PER, language_code

FLAG_WORDS = {True: "yes", False: "no", None: "not stated"}
HOURS_LINE = re.compile(r"(?P<days>[^\d]+?)\s+(?P<times>\d.*)")
TIME_SPAN = re.compile(r"(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})")
PRICE_LINE = re.compile(r"(?P<amount>\d[\d,]*(?:\.\d{1,2})?)\s+(?P<currency>[A-Za-z]{3})"
                        r"(?:\s+per\s+(?P<per>\S+))?(?:\s+(?P<treatment>\S+))?")
HOURS_EXAMPLE = "like Mo-Fr 09:00-17:00 or Sa 09:00-12:00, 13:00-16:00"
PRICE_EXAMPLE = "like 450 USD per infusion ketamine-iv-infusion"


class NotationError(ValueError):
    """Text that does not follow the notation; the message says which line and how to fix it."""


def _quoted(line: str) -> str:
    return f'"{line[:40]}…"' if len(line) > 40 else f'"{line}"'


def format_hours(hours: list[dict] | None) -> str:
    """One line per group of days with the same intervals, in week order."""
    by_day: dict[str, set] = {}
    for entry in hours or []:
        by_day.setdefault(entry["day"], set()).add((entry["opens"], entry["closes"]))
    groups: dict[tuple, list[int]] = {}
    for index, day in enumerate(DAYS):
        if day in by_day:
            groups.setdefault(tuple(sorted(by_day[day])), []).append(index)
    return "\n".join(f"{_day_runs(days)} {', '.join(f'{o}-{c}' for o, c in intervals)}"
                     for intervals, days in groups.items())


def _day_runs(indexes: list[int]) -> str:
    """Mo-We,Fr for Monday to Wednesday and Friday."""
    runs: list[list[int]] = []
    for index in indexes:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    return ",".join(DAYS[run[0]] if len(run) == 1 else f"{DAYS[run[0]]}-{DAYS[run[-1]]}"
                    for run in runs)


def parse_hours(text: str | None) -> list[dict]:
    """Hours from the notation; blank lines and lines that say "closed" state nothing."""
    hours = set()
    for number, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line or re.fullmatch(r"[\w\s,–-]*\bclosed", line, re.I):
            continue
        match = HOURS_LINE.fullmatch(line)
        if not match:
            raise NotationError(f"Hours line {number}, {_quoted(line)}: write the days, then the "
                                f"times, {HOURS_EXAMPLE}.")
        days = _parse_days(match["days"], number, line)
        for opens, closes in _parse_times(match["times"], number, line):
            hours.update((day, opens, closes) for day in days)
    return [{"day": day, "opens": opens, "closes": closes}
            for day, opens, closes in sorted(hours, key=lambda h: (DAYS.index(h[0]), h[1]))]


def _day(word: str) -> str | None:
    word = word.strip().rstrip(".").lower()
    return next((code for code, name in DAY_NAMES.items()
                 if len(word) >= 2 and name.lower().startswith(word)), None)


def _parse_days(text: str, number: int, line: str) -> list[str]:
    days = []
    for part in text.split(","):
        first, _, last = part.replace("–", "-").partition("-")
        start, end = _day(first), _day(last) if last else _day(first)
        if start is None or end is None:
            raise NotationError(f"Hours line {number}, {_quoted(line)}: name days as Mo Tu We Th "
                                f"Fr Sa Su, {HOURS_EXAMPLE}.")
        if DAYS.index(end) < DAYS.index(start):
            raise NotationError(f"Hours line {number}, {_quoted(line)}: write a range of days in "
                                f"week order, from Mo to Su.")
        days.extend(DAYS[DAYS.index(start):DAYS.index(end) + 1])
    return days


def _parse_times(text: str, number: int, line: str) -> list[tuple[str, str]]:
    spans = []
    for part in text.split(","):
        match = TIME_SPAN.fullmatch(part.strip())
        opens, closes = (f"{int(match[1]):02d}:{match[2]}", f"{int(match[3]):02d}:{match[4]}") \
            if match else ("", "")
        if not (re.match(CLOCK, opens) and re.match(CLOCK, closes)):
            raise NotationError(f"Hours line {number}, {_quoted(line)}: write times as 24-hour "
                                f"HH:MM, {HOURS_EXAMPLE}.")
        if opens >= closes:
            raise NotationError(f"Hours line {number}, {_quoted(line)}: the closing time must "
                                f"come after the opening time.")
        spans.append((opens, closes))
    return spans


def format_price(price: dict) -> str:
    amount = price["amount"]
    text = f"{amount:.2f}" if isinstance(amount, float) and not amount.is_integer() \
        else f"{amount:.0f}"
    text += f" {price['currency']}"
    if price.get("per"):
        text += f" per {price['per']}"
    return text + (f" {price['treatment']}" if price.get("treatment") else "")


def format_prices(prices: list[dict] | None) -> str:
    return "\n".join(format_price(price) for price in prices or [])


def parse_prices(text: str | None, treatments=None) -> list[dict]:
    """Prices from the notation, one per line; `treatments`, when given, the known slugs."""
    prices = []
    for number, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        match = PRICE_LINE.fullmatch(line)
        where = f"Price line {number}, {_quoted(line)}"
        if not match:
            raise NotationError(f"{where}: write the amount, the currency code, then what it is "
                                f"per, {PRICE_EXAMPLE}.")
        amount = float(match["amount"].replace(",", ""))
        currency, per, treatment = match["currency"].upper(), match["per"], match["treatment"]
        if not 0 < amount < 1_000_000:
            raise NotationError(f"{where}: give an amount above 0 and below 1,000,000.")
        if currency not in list_currencies():
            raise NotationError(f"{where}: {currency} is not an ISO 4217 currency code; use one "
                                f"such as USD, CAD, GBP, AUD or EUR.")
        if per is not None and per.lower() not in PRICE_PER:
            raise NotationError(f"{where}: a price is per infusion, session, series or "
                                f"consultation.")
        if treatment is not None and treatments is not None and treatment not in treatments:
            raise NotationError(f"{where}: {treatment} is not a treatment of the taxonomy; use "
                                f"its slug, such as ketamine-iv-infusion.")
        prices.append({"amount": int(amount) if amount.is_integer() else amount,
                       "currency": currency, "per": per.lower() if per else None,
                       "treatment": treatment})
    return prices


@cache
def _language_codes() -> frozenset[str]:
    return frozenset(code for code in Locale("en").languages if len(code) == 2)


def parse_languages(text: str | None) -> list[str]:
    """Sorted ISO 639-1 codes from codes or names separated by commas ("es, French")."""
    codes = set()
    for name in re.split(r"[,;\n]", text or ""):
        name = name.strip()
        if not name:
            continue
        code = name.lower() if name.lower() in _language_codes() else language_code(name)
        if code is None:
            raise NotationError(f"Languages: {_quoted(name)} is not a language we know; use "
                                f"ISO 639-1 codes such as es or names such as Spanish.")
        codes.add(code)
    return sorted(codes)


def format_languages(codes: list[str] | None) -> str:
    return ", ".join(codes or [])


def language_name(code: str) -> str:
    return Locale("en").languages.get(code, code)


def detail_lines(name: str, value) -> list[str] | None:
    """A detail field's value as the lines the workspace shows; None for other fields."""
    if name == "hours":
        return format_hours(value).splitlines()
    if name == "prices":
        return [format_price(price) for price in value or []]
    if name == "payment":
        return [PAYMENT_LABELS.get(code, code) for code in value or []]
    if name == "languages":
        return [f"{language_name(code)} ({code})" for code in value or []]
    if name in FLAGS:
        return [FLAG_WORDS.get(value, str(value))]
    return None

"""The details patients decide on: their vocabularies (days, payment kinds, what a price is per,
the flags, languages by name), and how hours and prices read as one line.

The crawler checks values against these; the API, its OpenAPI description and the exports write
them out.
"""

import re
import unicodedata
from functools import cache
from typing import Any

from babel import Locale
from babel.localedata import locale_identifiers

DAY_NAMES = {"Mo": "Monday", "Tu": "Tuesday", "We": "Wednesday", "Th": "Thursday",
             "Fr": "Friday", "Sa": "Saturday", "Su": "Sunday"}
DAYS = tuple(DAY_NAMES)
CLOCK = r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$"
# Payment kinds in the words patients read them in (the site, the HSDS attribute terms).
PAYMENT_LABELS = {
    "private-insurance": "Private health insurance",
    "medicare": "Medicare",
    "medicaid": "Medicaid",
    "tricare-va": "TRICARE or VA Community Care",
    "workers-comp": "Workers' compensation",
    "self-pay": "Self-pay (out of network)",
    "financing": "Financing (e.g. CareCredit)",
    "hsa-fsa": "HSA or FSA card",
}
PAYMENT_KINDS = tuple(PAYMENT_LABELS)
PRICE_PER = ("infusion", "session", "series", "consultation")
FLAGS = ("telehealth", "accepting_new_patients", "referral_required")
# Names babel does not give a code of their own.
OTHER_LANGUAGE_NAMES = {"mandarin": "zh", "cantonese": "zh", "farsi": "fa", "castellano": "es",
                        "tagalog": "tl", "filipino": "tl"}


def hours_text(hours: list[dict[str, str]] | None) -> str:
    """A week's hours in one line, days in order: 'Mo 09:00-17:00; Tu 09:00-12:00, 13:00-17:00'."""
    spans: dict[str, list[str]] = {}
    for entry in sorted(hours or [], key=lambda entry: (DAYS.index(entry["day"]),
                                                        entry["opens"])):
        spans.setdefault(entry["day"], []).append(f"{entry['opens']}-{entry['closes']}")
    return "; ".join(f"{day} {', '.join(times)}" for day, times in spans.items())


def price_text(price: dict[str, Any]) -> str:
    """One price in words: '450 USD per infusion (ketamine-iv-infusion)', '2400 USD'."""
    amount = price["amount"]
    text = f"{int(amount) if float(amount).is_integer() else amount} {price['currency']}"
    if price.get("per"):
        text += f" per {price['per']}"
    if price.get("treatment"):
        text += f" ({price['treatment']})"
    return text


def prices_text(prices: list[dict[str, Any]] | None) -> str:
    """Prices in one line, as the clinic lists them: '450 USD per infusion; 2400 USD per series'."""
    return "; ".join(price_text(price) for price in prices or [])


@cache
def _language_names() -> dict[str, str]:
    """ISO 639-1 code by lower-case name: English, French and Spanish names and each
    language's own name ("español", "العربية", "中文"), with and without accents."""
    names = dict(OTHER_LANGUAGE_NAMES)
    own = [Locale.parse(code) for code in locale_identifiers() if len(code) == 2]
    for locale in [Locale("en"), Locale("fr"), Locale("es"), *own]:
        for code, name in locale.languages.items():
            if len(code) == 2 and (locale.language in ("en", "fr", "es")
                                   or code == locale.language):
                names.setdefault(name.lower(), code)
                names.setdefault(_unaccented(name.lower()), code)
    return names


def _unaccented(text: str) -> str:
    return "".join(char for char in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(char))


def language_code(name: str) -> str | None:
    """The ISO 639-1 code of a language named in English, French, Spanish or itself."""
    name = re.sub(r"[^\w\s'-]", "", name).strip().lower()
    if not name or len(name) > 30:
        return None
    return _language_names().get(name)

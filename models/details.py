"""The details patients decide on: their vocabularies, and how hours and prices read as one line.

The crawler checks values against these; the API, its OpenAPI description and the exports write
them out.
"""

from typing import Any

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

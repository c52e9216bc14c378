"""What patients decide on, as a clinic's page states it: opening hours, prices, payment,
telehealth, new patients, referral and languages; from schema.org data and from the text.

Phone-line hours, advertisements and negated statements do not count. A price's treatment is
named later, by the classify pipeline, from the words around it (`context`).
"""

from __future__ import annotations

import re

from crawler.extract.structured import first
from models.details import language_code
from reliefmap.normalise import lower_case

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_WORDS = {
    "Mo": r"mon(?:day)?|lun(?:di|es)?",
    "Tu": r"tue(?:s(?:day)?)?|mar(?:di|tes)?",
    "We": r"wed(?:nesday)?|mer(?:credi)?|mi[ée](?:rcoles)?",
    "Th": r"thu(?:r?s?(?:day)?)?|jeu(?:di)?|jue(?:ves)?",
    "Fr": r"fri(?:day)?|ven(?:dredi)?|vie(?:rnes)?",
    "Sa": r"sat(?:urday)?|sam(?:edi)?|s[áa]b(?:ado)?",
    "Su": r"sun(?:day)?|dim(?:anche)?|dom(?:ingo)?",
}
DAY = "|".join(f"(?:{words})" for words in DAY_WORDS.values())
DAY_SPAN = re.compile(rf"\b(?P<first>{DAY})\.?\s*(?:-|–|—|to|through|thru|au|a)\s*"
                      rf"(?P<last>{DAY})\b\.?|\b(?P<one>{DAY})\b\.?", re.I)
TIME = r"(?:\d{1,2}(?:[:.h]\d{2})?\s*(?:a\.?\s?m\.?|p\.?\s?m\.?)?|noon|midday|midnight|midi)"
TIME_SPAN = re.compile(rf"(?P<opens>{TIME})\s*(?:-|–|—|to|until|à|a)\s*(?P<closes>{TIME})", re.I)
CLOSED = re.compile(r"\b(?:closed|ferm[ée]|cerrado)\b", re.I)
# Hours that are not the clinic's: its phone line, a call centre, another service.
NOT_OPENING = re.compile(r"\b(?:phone|phones|call cent(?:er|re)|calls|answering|lines?|"
                         r"pharmacy|lab|billing|support)\b", re.I)
SCHEMA_DAY = re.compile(r"(Mo|Tu|We|Th|Fr|Sa|Su)", re.I)

CURRENCY_SYMBOLS = {"£": "GBP", "€": "EUR", "us$": "USD", "ca$": "CAD", "c$": "CAD", "a$": "AUD",
                    "au$": "AUD"}
DOLLAR_COUNTRIES = {"CA": "CAD", "AU": "AUD", "NZ": "NZD", "SG": "SGD"}
PRICE = re.compile(r"(?P<symbol>(?:US|CA|AU|A|C)?\$|£|€)\s?(?P<amount>\d{1,3}(?:,\d{3})+|\d+)"
                   r"(?:\.(?P<cents>\d{2}))?|(?P<amount2>\d{1,3}(?:[ ,.]\d{3})*|\d+)\s?"
                   r"(?P<code>USD|CAD|GBP|AUD|EUR|€|\$)\b", re.I)
PER = [
    ("series", re.compile(r"\bseries\b|\bpackage\b|\bcourse of\b|\b\d+\s+infusions\b", re.I)),
    ("consultation", re.compile(r"\bconsult(?:ation)?s?\b|\bevaluation\b|\bassessment\b|"
                                r"\bintake\b|\b(?:initial|first|new patient) (?:visit|"
                                r"appointment)\b", re.I)),
    ("infusion", re.compile(r"\binfusions?\b", re.I)),
    # A price for a length of time ("30 min $35") is a session's.
    ("session", re.compile(r"\bsessions?\b|\bvisits?\b|\btreatments?\b|\bfollow[- ]?ups?\b|"
                           r"\b\d+(?:\.\d+)?[- ]?(?:min|mins|minutes?|hr|hrs|hours?)\b", re.I)),
]
DIGIT = re.compile(r"\d")
PRICE_LIST_SEPARATOR = re.compile(r"\s[·•|;]\s|;\s")
NOT_A_PRICE = re.compile(r"\b(?:off|save|saving|discount|coupon|donat\w*|copay|co-pay|"
                         r"deductible|raise|raised|fund\w*|worth|billion|million)\b", re.I)

# The payment and flag patterns scan a clinic's whole text from every position: written in
# lower case, they read the text lower-cased (`lower_case`), not with re.I.
NEGATED = re.compile(r"\b(?:not|no|don't|do not|does not|doesn't|cannot|can't|unable to|"
                     r"never|neither|nor|n'acceptons pas|no aceptamos)\b[^.;:!?]*$", re.I)
PAYMENT = [
    ("self-pay", re.compile(r"\bself[- ]pay|\bself[- ]fund(?:ing|ed)\b|\bcash[- ]pay|"
                            r"\bprivate[- ]pay|\bout[- ]of[- ]network|\bsuperbills?\b|"
                            r"\bnot covered by insurance|\bcash\b|"
                            r"\bprivate (?:clients?|patients?)\b")),
    ("private-insurance", re.compile(
        r"\b(?:accept|take|bill|in[- ]network with|work with|participate with|approved by|"
        r"recogni[sz]ed by|registered with)\w*\b[^.;]{0,60}\b(?:insurance|insurers)|"
        r"\binsurance (?:plans? )?(?:is |are )?accepted|\bmost (?:major )?insurance|"
        r"\bextended health\b|\bhealth funds?\b|\bhicaps\b|"
        r"\b(?:aetna|cigna|united ?healthcare|blue cross|bcbs|humana|anthem|kaiser|bupa|axa)\b")),
    ("medicare", re.compile(r"\bmedicare\b")),
    ("medicaid", re.compile(r"\bmedicaid\b|\bmedi-cal\b")),
    ("tricare-va", re.compile(r"\btricare\b|\bva community care\b|"
                              r"\bveterans choice\b|\bcommunity care network\b|\bdva\b|"
                              r"\bveterans'? affairs\b")),
    # Workers' compensation schemes: Ontario's WSIB, British Columbia's WorkSafeBC, Australia's
    # WorkCover and its states' workers' insurance.
    ("workers-comp", re.compile(r"\bworkers'? ?comp(?:ensation)?\b|\bwork ?comp\b|\bwsib\b|"
                                r"\bworksafe\w*\b|\bwork ?cover\b")),
    ("financing", re.compile(r"\bcare ?credit\b|\bfinancing\b|\bpayment plans?\b|"
                             r"\bflexible payment\b|\badvance care\b|\bprosper healthcare\b|"
                             r"\bcherry\b")),
    ("hsa-fsa", re.compile(r"\bhsa\b|\bfsa\b|health savings account|flexible spending")),
]
# A directory card's label and value: "Insurance: Accepted" / "Insurance: Not accepted".
INSURANCE_LABEL = re.compile(r"^insurance\s*:?\s*(?P<value>(?:not )?accepted|yes|no|none)\b",
                             re.I | re.M)
INSURANCE_REFUSED = re.compile(r"\b(?:do not|don't|does not|doesn't|cannot|no longer)\s+"
                               r"(?:accept|take|bill|work with)\w*\b[^.;]{0,40}\binsurance|"
                               r"\binsurance\b[^.;]{0,30}\b(?:do not|don't|does not|doesn't|"
                               r"will not|won't)\s+(?:\w+\s+)?cover", re.I)
FLAGS = {
    "telehealth": (
        re.compile(r"\btele-?health\b|\btele-?medicine\b|\bvirtual (?:visits?|appointments?|"
                   r"consultations?|care)\b|\bvideo (?:visits?|consultations?|appointments?|"
                   r"calls?)\b|\bonline consultations?\b|\bt[ée]l[ée]consultation\b|"
                   r"\bteleconsulta\b"),
        re.compile(r"\b(?:all|every) (?:visits?|appointments?|treatments?) (?:are|is) in[- ]"
                   r"person\b|\bin[- ]person only\b|\bno (?:tele-?health|virtual visits)\b")),
    "accepting_new_patients": (
        re.compile(r"\b(?:now |currently |are )?accepting new patients\b|\bnew patients "
                   r"(?:are )?(?:always )?welcome\b|\bwelcom\w* new patients\b"),
        re.compile(r"\bnot (?:currently )?accepting new patients\b|\bno longer accepting\b|"
                   r"\bclosed to new patients\b|\bnot taking new patients\b")),
    "referral_required": (
        re.compile(r"\breferral (?:from (?:your|a) (?:\w+ )?(?:physician|doctor|gp|provider) )?"
                   r"(?:is |are )?(?:required|needed|necessary)\b|\brequires? a "
                   r"(?:physician |doctor'?s? )?referral\b|\bneed a (?:physician |doctor'?s? )?"
                   r"referral\b|\bby referral only\b|\bmust be referred\b"),
        re.compile(r"\bno (?:physician |doctor'?s? )?referral (?:is )?(?:needed|required|"
                   r"necessary)\b|\bdo(?:n't| not) need a (?:\w+'?s? )?referral\b|"
                   r"\bwithout a referral\b|"
                   r"\bself-?refer\w*\b|\breferral (?:is )?not (?:required|needed|necessary)\b")),
}
LANGUAGE_LEAD = re.compile(
    r"\b(?:we speak|staff speaks?|(?:also )?speaks?|languages?(?: spoken)?|fluent in|"
    r"services? (?:are )?(?:also )?(?:available|offered) in|care in|nous parlons|hablamos|"
    r"se habla)\s*:?\s*(?P<names>[^.;!?]{2,120})", re.I)
# Names babel does not give a language by (it knows English, French and Spanish names and
# each language's own name).
LANGUAGE_SPLIT = re.compile(r"\s*(?:,|/|\n|\band\b|&|\bor\b|\bet\b|\by\b)\s*", re.I)


def _minutes(text: str) -> int | None:
    """Minutes after midnight of "8", "8am", "12:30 p.m.", "noon", "17h30"."""
    text = text.strip().lower().replace(" ", "")
    if text in ("noon", "midday", "midi"):
        return 12 * 60
    if text == "midnight":
        return 24 * 60
    match = re.match(r"(\d{1,2})(?:[:.h](\d{2}))?(a\.?m\.?|p\.?m\.?)?$", text)
    if not match:
        return None
    hours, minutes, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half and half.startswith("p") and hours < 12:
        hours += 12
    elif half and half.startswith("a") and hours == 12:
        hours = 0
    return hours * 60 + minutes if hours <= 24 and minutes < 60 else None


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _interval(opens: str, closes: str) -> tuple[str, str] | None:
    """("08:00", "17:00") from "8", "5" (a closing hour before the opening one is afternoon)."""
    start, end = _minutes(opens), _minutes(closes)
    if start is None or end is None:
        return None
    if end <= start and end + 12 * 60 <= 24 * 60 and not re.search(r"[ap]\.?m", closes, re.I):
        end += 12 * 60
    return (_clock(start), _clock(end)) if end > start else None


def _day_code(word: str) -> str | None:
    word = word.lower().rstrip(".")
    return next((code for code, pattern in DAY_WORDS.items()
                 if re.fullmatch(pattern, word, re.I)), None)


def _span_days(match) -> list[str]:
    """The days one day match names: "Mon–Thu" or "Sat"."""
    if match.group("one"):
        code = _day_code(match.group("one"))
        return [code] if code else []
    first_day, last_day = _day_code(match.group("first")), _day_code(match.group("last"))
    if not (first_day and last_day):
        return []
    start, end = DAYS.index(first_day), DAYS.index(last_day)
    return [DAYS[i % 7] for i in range(start, end + (1 if end >= start else 8))]


def _days(text: str) -> list[str]:
    """The days a line names: "Mon–Thu", "Monday, Wednesday & Friday", "Sat"."""
    return list(dict.fromkeys(day for match in DAY_SPAN.finditer(text)
                              for day in _span_days(match)))


def _day_groups(text: str) -> list[tuple[list[str], list[tuple[str, str]]]]:
    """(days, intervals) in the order a line writes them: "Mon–Thu 8am–5pm, Fri 8–noon" gives
    each group of days the times that follow it."""
    marks = sorted([(match.start(), "days", match) for match in DAY_SPAN.finditer(text)]
                   + [(match.start(), "times", match) for match in TIME_SPAN.finditer(text)],
                   key=lambda mark: mark[0])
    groups: list[tuple[list[str], list[tuple[str, str]]]] = []
    leading: list[tuple[str, str]] = []  # "9 to 5, Monday to Friday": times before their days
    for _, kind, match in marks:
        if kind == "days":
            if not groups or groups[-1][1]:
                groups.append(([], []))
            groups[-1][0].extend(_span_days(match))
            continue
        interval = _interval(match.group("opens"), match.group("closes"))
        if interval:
            (groups[-1][1] if groups else leading).append(interval)
    if leading and groups and not groups[0][1]:
        groups[0][1].extend(leading)
    return groups


def hours_in(lines: list[str]) -> list[dict]:
    """Opening hours the lines state: "Mon–Thu 8am–5pm", a table's day row and its hours row."""
    found: dict[tuple[str, str, str], None] = {}
    for index, text in enumerate(lines):
        if not _days(text) or NOT_OPENING.search(text):
            continue
        if not TIME_SPAN.search(text) and not CLOSED.search(text) and index + 1 < len(lines):
            following = lines[index + 1]  # a table: the day in one cell, its hours in the next
            if _days(following) or CLOSED.search(following):
                continue
            text = f"{text} {following}"
        for days, intervals in _day_groups(text):
            for day in days:
                for interval in intervals:
                    found[(day, *interval)] = None
    return sorted(({"day": day, "opens": opens, "closes": closes} for day, opens, closes in found),
                  key=lambda entry: (DAYS.index(entry["day"]), entry["opens"]))


def schema_hours(node: dict) -> list[dict]:
    """openingHoursSpecification, or openingHours strings ("Mo-Fr 09:00-17:00")."""
    found = []
    specifications = node.get("openingHoursSpecification") or []
    for spec in specifications if isinstance(specifications, list) else [specifications]:
        if not isinstance(spec, dict):
            continue
        days = spec.get("dayOfWeek") or []
        for day in days if isinstance(days, list) else [days]:
            code = _day_code(str(first(day) or "").rsplit("/", 1)[-1])
            interval = _interval(str(first(spec.get("opens")) or ""),
                                 str(first(spec.get("closes")) or ""))
            if code and interval:
                found.append({"day": code, "opens": interval[0], "closes": interval[1]})
    strings = node.get("openingHours") or []
    for text in strings if isinstance(strings, list) else [strings]:
        found += _schema_hours_string(str(text))
    return sorted(found, key=lambda entry: (DAYS.index(entry["day"]), entry["opens"]))


def _schema_hours_string(text: str) -> list[dict]:
    found = []
    for part in text.split(","):
        match = re.match(r"\s*([A-Za-z, -]+?)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})", part)
        if not match:
            continue
        codes = [code.capitalize() for code in SCHEMA_DAY.findall(match.group(1))]
        if "-" in match.group(1) and len(codes) == 2:
            start, end = DAYS.index(codes[0]), DAYS.index(codes[1])
            codes = [DAYS[i % 7] for i in range(start, end + (1 if end >= start else 8))]
        interval = _interval(match.group(2), match.group(3))
        found += [{"day": code, "opens": interval[0], "closes": interval[1]}
                  for code in codes if interval and code in DAYS]
    return found


def _currency(match, country: str) -> str:
    symbol = (match.group("symbol") or match.group("code") or "").lower()
    if symbol in ("usd", "cad", "gbp", "aud", "eur"):
        return symbol.upper()
    if symbol in CURRENCY_SYMBOLS:
        return CURRENCY_SYMBOLS[symbol]
    return DOLLAR_COUNTRIES.get(country, "USD")


def _price_context(lines: list[str], index: int) -> str:
    """The words a price is read with: its own line, or for a price alone on its line (a
    pricing card: "Induction Series / $2,400 / 6 infusions") the label above and the two
    lines below, up to the next price."""
    text = lines[index]
    if PRICE.sub("", text).strip(" :-–"):
        return text
    below = []
    for following in lines[index + 1:index + 3]:
        if PRICE.search(following):
            break
        below.append(following)
    return " ".join([*lines[max(0, index - 1):index], text, *below])


def _price_part(line: str, match) -> str:
    """The part of a line listing several prices ("Intake $150 · Follow-up $125") that holds
    this one: the words between the separators around it."""
    before = PRICE_LIST_SEPARATOR.split(line[:match.start()])[-1]
    return before + PRICE_LIST_SEPARATOR.split(line[match.start():])[0]


def prices_in(lines: list[str], country: str) -> list[dict]:
    """Prices a clinic states for its care ("$450 per infusion", "Series of 6: $2,400"), each
    with the words it was read with (`context`) for the classify pipeline to name its
    treatment."""
    found = []
    for index, line in enumerate(lines):
        # Every price has a digit: a test in C before the pattern's scan of the line.
        matches = list(PRICE.finditer(line)) if DIGIT.search(line) else []
        if not matches:
            continue
        text = _price_context(lines, index)
        if NOT_A_PRICE.search(text) or len(text) > 300:
            continue
        for match in matches:
            own = _price_part(line, match) if len(matches) > 1 else text
            digits = re.sub(r"\D", "", match.group("amount") or match.group("amount2") or "")
            amount = float(digits) + (int(match.group("cents") or 0) / 100) if digits else 0
            if amount < 10:
                continue
            per = next((name for name, pattern in PER if pattern.search(own)), None)
            found.append({"amount": int(amount) if amount.is_integer() else amount,
                          "currency": _currency(match, country), "per": per, "treatment": None,
                          "context": text})
    return found


def schema_price(node: dict, country: str) -> list[dict]:
    """A priceRange that names an amount ("$450"), not one of dollar signs ("$$")."""
    text = str(first(node.get("priceRange")) or "")
    return prices_in([text], country) if re.search(r"\d", text) else []


def _stated(pattern: re.Pattern, text: str, lowered: str) -> bool:
    """Whether the text states what the pattern names outside a negated clause; `lowered` is
    the text lower-cased (`lower_case`), which the pattern scans."""
    for match in pattern.finditer(lowered):
        clause = re.split(r"[.;:!?\n]", text[max(0, match.start() - 80):match.start()])[-1]
        if not NEGATED.search(clause):
            return True
    return False


def payment_in(text: str) -> list[str]:
    """What the clinic says it accepts; out-of-network with superbills is self-pay."""
    lowered = lower_case(text)
    found = {name for name, pattern in PAYMENT if _stated(pattern, text, lowered)}
    labelled = {match.group("value").lower() for match in INSURANCE_LABEL.finditer(text)}
    if labelled & {"accepted", "yes"}:
        found.add("private-insurance")
    if INSURANCE_REFUSED.search(text) or labelled & {"not accepted", "no", "none"}:
        found.discard("private-insurance")
        found.add("self-pay")
    return sorted(found)


def schema_payment(node: dict) -> list[str]:
    accepted = node.get("paymentAccepted")
    text = ", ".join(str(first(item)) for item in accepted) if isinstance(accepted, list) \
        else str(first(accepted) or "")
    if re.search(r"\binsurance\b", text, re.I):
        text += " we accept insurance"
    return payment_in(text)


def flag_in(name: str, text: str) -> bool | None:
    """True, False or None for telehealth, accepting_new_patients or referral_required."""
    yes, no = FLAGS[name]
    lowered = lower_case(text)
    if no.search(lowered):
        return False
    return True if _stated(yes, text, lowered) else None


def languages_in(text: str) -> list[str]:
    """ISO 639-1 codes of the languages the clinic says it serves patients in."""
    codes = set()
    for match in LANGUAGE_LEAD.finditer(text):
        lead = match.group(0).lower()
        names = match.group("names")
        if lead.startswith("se habla"):
            codes.add("es")
        for name in LANGUAGE_SPLIT.split(names):
            code = language_code(name)
            if code:
                codes.add(code)
    return sorted(codes)


def schema_languages(node: dict) -> list[str]:
    languages = node.get("availableLanguage") or node.get("knowsLanguage") or []
    codes = set()
    for item in languages if isinstance(languages, list) else [languages]:
        name = str(first(item) or "")
        code = name.lower() if re.fullmatch(r"[a-z]{2}", name, re.I) else language_code(name)
        if code:
            codes.add(code)
    return sorted(codes)


def details_from_text(lines: list[str], country: str) -> dict:
    """Every detail the lines of one clinic's text state."""
    text = "\n".join(lines)
    return {
        "hours": hours_in(lines),
        "prices": prices_in(lines, country),
        "payment": payment_in(text),
        "telehealth": flag_in("telehealth", text),
        "accepting_new_patients": flag_in("accepting_new_patients", text),
        "referral_required": flag_in("referral_required", text),
        "languages": languages_in(text),
    }


def details_from_node(node: dict, country: str) -> dict:
    """Every detail a schema.org clinic node states (empty values where it says nothing)."""
    accepting = node.get("isAcceptingNewPatients")
    return {
        "hours": schema_hours(node),
        "prices": schema_price(node, country),
        "payment": schema_payment(node),
        "telehealth": None,
        "accepting_new_patients": accepting if isinstance(accepting, bool) else None,
        "referral_required": None,
        "languages": schema_languages(node),
    }


def merged(structured: dict, visible: dict) -> dict:
    """The data's details where it gives them, the text's where it does not."""
    return {key: structured[key] if structured.get(key) not in (None, []) else visible.get(key)
            for key in visible}

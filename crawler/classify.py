"""Tag text with the treatments and conditions of the taxonomy that it states."""

from __future__ import annotations

import re
from collections.abc import Mapping

from reliefmap.config import Term

# A negation earlier in the same clause cancels a mention ("we do not treat migraines").
NEGATION = re.compile(
    r"\b(?:not(?! only)|never|no longer|neither|nor|cannot|without|instead of|rather than)\b"
    r"|\b(?:unlike|other than|except)\b[^,]*$"
    r"|n't\b",
    re.I,
)
# ...or a denial right after it ("ketamine infusion is not offered here").
DENIED_AFTER = re.compile(
    r"^\s*(?:\([^)]{0,40}\)\s*)?(?:is|are|was|were)(?:\s+not|n't|\s+no longer)\s+"
    r"(?:currently\s+|yet\s+)?(?:offered|available|provided|performed|done|given|administered|"
    r"part of|something we)\b",
    re.I,
)
# A treatment the patient already tried elsewhere is not one the clinic offers: "candidates
# have tried physical therapy" (a few words back, not a whole sentence or the next clause).
TRIED_BEFORE = re.compile(r"\b(?:tried|failed|(?:have|has|already) had)\s+(?:[\w-]+\s+){0,3}$",
                          re.I)
CLAUSE_BREAK = re.compile(r"[.!?;:\n\u2022|]|\bbut\b|\bhowever\b|\bwhile\b|\bwhereas\b", re.I)
SENTENCE_END = re.compile(r"[.!?\n]")
ACRONYM_MAX = 5

_compiled: dict[tuple, list[tuple[str, re.Pattern, Term]]] = {}


def _phrase_pattern(phrase: str) -> re.Pattern:
    """Whole words; spaces and hyphens interchangeable; short acronyms match case-sensitively."""
    words = [re.escape(word) for word in re.split(r"[\s\-]+", phrase.strip()) if word]
    body = r"[\s\-]+".join(words)
    flags = 0 if phrase.isupper() and len(phrase) <= ACRONYM_MAX else re.I
    plural = "" if flags == 0 else "(?:e?s)?"
    # A compound after the term still states it ("CRPS-related", "physiotherapy-led").
    return re.compile(rf"(?<![\w\-]){body}{plural}(?!\w)", flags)


def _patterns(taxonomy: Mapping[str, Term]) -> list[tuple[str, re.Pattern, Term]]:
    """(first word in lower case, pattern, term) for every label and synonym."""
    key = tuple((t.slug, t.kind, t.label, tuple(t.synonyms)) for t in taxonomy.values())
    if key not in _compiled:
        phrases = []
        for term in taxonomy.values():
            # Labels like "Esketamine nasal spray (Spravato)" are matched without the aside.
            label = re.sub(r"\s*\(.*?\)", "", term.label)
            for phrase in {label, *term.synonyms}:
                if phrase.strip():
                    first_word = re.split(r"[\s\-]+", phrase.strip())[0].lower()
                    phrases.append((first_word, _phrase_pattern(phrase), term))
        _compiled[key] = phrases
    return _compiled[key]


def _status(text: str, start: int, end: int, kind: str) -> str:
    """"denied", "asked" ("Do you treat migraines?") or "stated"."""
    clause = CLAUSE_BREAK.split(text[max(0, start - 200):start])[-1]
    if NEGATION.search(clause) or DENIED_AFTER.search(text[end:end + 80]):
        return "denied"
    if kind == "treatment" and TRIED_BEFORE.search(clause[-60:]):
        return "denied"
    sentence_end = SENTENCE_END.search(text, end)
    return "asked" if sentence_end is not None and sentence_end.group() == "?" else "stated"


def classify(text: str | None, taxonomy: Mapping[str, Term]) -> tuple[list[str], list[str]]:
    """Sorted treatment and condition slugs that `text` states, never their parents.

    A term counts when some mention states it, or when it is only asked about and never denied
    ("Is ketamine right for you?" counts; "Do you treat migraines? We do not." does not).
    """
    if not text:
        return [], []
    matches = []
    lowered = text.lower()
    for first_word, pattern, term in _patterns(taxonomy):
        if first_word not in lowered:  # a substring test is far cheaper than a regex scan
            continue
        for match in pattern.finditer(text):
            matches.append((match.start(), match.end(), term))
    # The longest mention wins its span: "diabetic neuropathy" is not also "neuropathy".
    matches.sort(key=lambda m: (-(m[1] - m[0]), m[0]))
    taken: list[tuple[int, int]] = []
    statuses: dict[str, set[str]] = {}
    terms: dict[str, Term] = {}
    for start, end, term in matches:
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        statuses.setdefault(term.slug, set()).add(_status(text, start, end, term.kind))
        terms[term.slug] = term
    found: dict[str, set[str]] = {"treatment": set(), "condition": set()}
    for slug, seen in statuses.items():
        if "stated" in seen or seen == {"asked"}:
            found[terms[slug].kind].add(slug)
    return sorted(found["treatment"]), sorted(found["condition"])

"""Tag text with the treatments and conditions of the taxonomy that it states.

A term's labels and synonyms are matched by words, not exact phrases: each word by its stems
(English, French and Spanish, accents folded: "infusions", "infusiones" and "perfusion" read as
their singular), in any order within a short stretch of one clause that may hold function
words, a parenthetical aside or the term's own other words ("infusions of ketamine",
"Intravenous (IV) ketamine", "ketamine infusion therapy (intravenous)"). Short upper-case
forms match only as written ("CRPS", not "crps"); a term's `abbreviations` count only beside
its other words or where the text also spells the term out ("SCS" alone may be anything).

A mention does not count when the clause denies it ("we do not offer ..."), compares with it
("unlike spinal cord stimulation"), or names what a patient tried before or another provider
("your physical therapist").
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import snowballstemmer

from reliefmap.config import Term
from reliefmap.normalise import lower_case

STEMMERS = [snowballstemmer.stemmer(language) for language in ("english", "french", "spanish")]
# Words, and the marks that end a clause; brackets hold asides.
TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?|[()\[\]]|[.,;:!?\n•|]")
CLAUSE_MARKS = set(".,;:!?\n•|")
# Words that may sit inside a mention without breaking it ("infusions of ketamine").
FILLERS = frozenset(
    "a an and or of the for with by to via de la le les du des d l et en par pour y el los las "
    "del con por para".split())
COORDINATORS = frozenset("and or et ou y o".split())
# The words that let a phrase read backwards: "infusions of ketamine", "bloc du ganglion".
REVERSAL_FILLERS = frozenset("of de du des del d".split())
WINDOW_SLACK = 3  # tokens a mention may hold beyond its own words
ACRONYM = re.compile(r"^[A-Z]{2,5}$")
ABBREVIATION_REACH = 6  # tokens around an abbreviation where the term's other words count

# The clause patterns are written in lower case and read the text lower-cased (`lower_case`),
# not with re.I: the clause breaks are looked for in the whole text.
# A negation earlier in the same clause cancels a mention ("we do not treat migraines"), and so
# does a comparison ("unlike spinal cord stimulation", "more effective than physical therapy").
NEGATION = re.compile(
    r"\b(?:not(?! only)|never|no longer|neither|nor|cannot|without|instead of|rather than)\b"
    r"|\b(?:unlike|other than|except|compared (?:to|with)|versus|vs\.?|than|alternative to)\b"
    r"[^,]*$"
    r"|n't\b",
)
# ...or a denial right after it ("ketamine infusion is not offered here").
DENIED_AFTER = re.compile(
    r"^\s*(?:\([^)]{0,40}\)\s*)?(?:is|are|was|were)(?:\s+not|n't|\s+no longer)\s+"
    r"(?:currently\s+|yet\s+)?(?:offered|available|provided|performed|done|given|administered|"
    r"part of|something we)\b",
)
# A treatment the patient already tried elsewhere is not one the clinic offers: "candidates
# have tried physical therapy" (a few words back, not a whole sentence or the next clause).
TRIED_BEFORE = re.compile(r"\b(?:tried|failed|failure of|(?:have|has|already) had|"
                          r"(?:not )?responded to|unresponsive to|refractory to)\s+"
                          r"(?:[\w-]+\s+){0,3}$")
# Another provider: "your physical therapist", "their physiotherapist", and care a patient has
# elsewhere: "alongside your physical therapy".
OTHER_PROVIDER = re.compile(r"\b(?:your|their|his|her|my|a patient's)\s+(?:[\w-]+\s+)?$")
OWN_CARE = re.compile(r"\b(?:alongside|continue|continuing|keep up|besides|in addition to|"
                      r"on top of|from|by)\s+(?:your|their)\s+(?:[\w-]+\s+)?$")
PROVIDER_WORD = re.compile(r"(?:ist|ists|or|ors|eute|eutes|euta|eutas)$")
CLAUSE_BREAK = re.compile(r"[.!?;:\n\u2022|]|\b(?:but|however|while|whereas)\b")
SENTENCE_END = re.compile(r"[.!?\n]")
CLAUSE_REACH = 200  # characters: the farthest back a mention's clause starts


def _fold(word: str) -> str:
    ascii_word = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    return ascii_word.lower()


@lru_cache(maxsize=65536)
def stems(word: str) -> frozenset[str]:
    """The word folded and its English, French and Spanish stems."""
    folded = _fold(word)
    if not folded.isalpha():
        return frozenset([folded])  # numbers and codes have no stems
    return frozenset([folded, *(stemmer.stemWord(folded) for stemmer in STEMMERS)])


class Token(NamedTuple):
    """A word of the text (or a clause mark), where it is, whether it sits in brackets, and
    whether it is a clause mark or a filler word (a tuple: a page has thousands)."""

    start: int
    end: int
    raw: str
    aside: bool
    mark: bool
    filler: bool


def tokens(text: str) -> list[Token]:
    found, depth = [], 0
    for match in TOKEN.finditer(text):
        raw = match.group()
        if raw in "([":
            depth += 1
        elif raw in ")]":
            depth = max(0, depth - 1)
        else:
            found.append(Token(match.start(), match.end(), raw, depth > 0, raw in CLAUSE_MARKS,
                               raw.lower() in FILLERS))
    return found


@dataclass(frozen=True)
class Word:
    """A word of a phrase: its stems, or the exact form of an acronym."""

    stems: frozenset[str]
    exact: str | None

    def matches(self, token: Token) -> bool:
        if self.exact is not None:
            return token.raw == self.exact
        return bool(stems(token.raw) & self.stems)


@dataclass(frozen=True)
class Phrase:
    """A label, synonym or abbreviation of a term, as words to find."""

    term: Term
    words: tuple[Word, ...]
    abbreviation: bool


def _phrase(text: str, term: Term, abbreviation: bool) -> Phrase | None:
    words = []
    for match in TOKEN.finditer(text):
        raw = match.group()
        if raw in CLAUSE_MARKS or raw in "()[]" or raw.lower() in FILLERS:
            continue
        exact = raw if ACRONYM.match(raw) else None
        words.append(Word(stems(raw) if exact is None else frozenset(), exact))
    return Phrase(term, tuple(words), abbreviation) if words else None


_compiled: dict[tuple, tuple[dict[str, frozenset[str]], dict]] = {}
# The compiled phrases of each taxonomy object asked with (which it keeps alive, so that its id
# is not reused): a crawl classifies every item with the one taxonomy of its config, and
# building the key of its content took longer than some texts. A taxonomy is not changed once
# used (config taxonomies never are).
_compiled_for: dict[int, tuple[Mapping[str, Term], tuple]] = {}


def _phrases(taxonomy: Mapping[str, Term]) -> tuple[dict[str, frozenset[str]],
                                                    dict[str, list[tuple[int, Phrase]]]]:
    """Each term's vocabulary of stems; every label, synonym and abbreviation as a phrase, by
    its first word, with its place in the order phrases are tried in."""
    known = _compiled_for.get(id(taxonomy))
    if known is not None and known[0] is taxonomy:
        return known[1]
    key = tuple((t.slug, t.kind, t.label, tuple(t.synonyms), tuple(t.abbreviations))
                for t in taxonomy.values())
    if key not in _compiled:
        phrases, vocabulary = [], {}
        for term in taxonomy.values():
            # Labels like "Esketamine nasal spray (Spravato)" are matched without the aside.
            label = re.sub(r"\s*\(.*?\)", "", term.label)
            own = [_phrase(text, term, False) for text in {label, *term.synonyms} if text.strip()]
            own = [phrase for phrase in own if phrase]
            phrases += own + [phrase for phrase in (_phrase(text, term, True)
                                                    for text in term.abbreviations) if phrase]
            vocabulary[term.slug] = frozenset(stem for phrase in own for word in phrase.words
                                              for stem in word.stems)
        # Spelled-out phrases first: an abbreviation counts where the text spells its term.
        phrases.sort(key=lambda phrase: phrase.abbreviation)
        _compiled[key] = (vocabulary, _by_first_word(phrases))
    _compiled_for[id(taxonomy)] = (taxonomy, _compiled[key])
    return _compiled[key]


def _match_at(phrase: Phrase, text_tokens: list[Token], index: int,
              vocabulary: frozenset[str]) -> tuple[int, ...] | None:
    """The positions of the tokens of a mention of the phrase starting at `index`, if any.

    The words may come in another order only around "of" ("infusions of ketamine"); a word
    met twice ends the try (the mention starts at its second use).
    """
    wanted = list(enumerate(phrase.words))
    limit = min(index + len(wanted) + WINDOW_SLACK, len(text_tokens))
    order, matched, last, reversal = [], [], None, False
    for position in range(index, limit):
        token = text_tokens[position]
        if token.mark:
            return None
        found = next(((place, word) for place, word in wanted if word.matches(token)), None)
        if found is not None:
            wanted.remove(found)
            order.append(found[0])
            matched.append(position)
            last = position
            if not wanted:
                break
        elif any(word.matches(token) for word in phrase.words):
            return None
        elif last is None or not (token.filler or token.aside or stems(token.raw) & vocabulary
                                  or _coordinated(text_tokens, position, wanted)):
            return None
        else:
            reversal = reversal or token.raw.lower() in REVERSAL_FILLERS
    if wanted or (order != sorted(order) and not reversal):
        return None
    return tuple(matched)


def _coordinated(text_tokens: list[Token], position: int, wanted: list) -> bool:
    """"back and leg pain", "ketamine and lidocaine infusions": a word joined by "and" or "or"
    to the phrase's word before it, with the phrase's next word right after it."""
    following = text_tokens[position + 1] if position + 1 < len(text_tokens) else None
    return (position > 0 and text_tokens[position - 1].raw.lower() in COORDINATORS
            and following is not None and any(word.matches(following) for _, word in wanted))


def _in_context(phrase: Phrase, text_tokens: list[Token], start: int, end: int,
                vocabulary: frozenset[str], spelled: set[str]) -> bool:
    """An abbreviation counts beside the term's other words, or where the text spells it out."""
    if not phrase.abbreviation or phrase.term.slug in spelled:
        return True
    near = text_tokens[max(0, start - ABBREVIATION_REACH):start] + \
        text_tokens[end + 1:end + 1 + ABBREVIATION_REACH]
    own = {word.exact for word in phrase.words}
    return any(token.raw not in own and stems(token.raw) & vocabulary for token in near)


@dataclass(frozen=True)
class Mention:
    """Where a term is mentioned: the span, and the positions of the words that name it."""

    start: int
    end: int
    positions: frozenset[int]
    term: Term

    def within(self, other: Mention) -> bool:
        """The same words, or some of them: "neuropathy" within "diabetic neuropathy"."""
        return self.positions <= other.positions


def _index(text_tokens: list[Token]) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Where each stem and each exact word of the text is."""
    by_stem: dict[str, list[int]] = {}
    by_word: dict[str, list[int]] = {}
    for position, token in enumerate(text_tokens):
        if token.mark:
            continue
        by_word.setdefault(token.raw, []).append(position)
        for stem in stems(token.raw):
            by_stem.setdefault(stem, []).append(position)
    return by_stem, by_word


def _positions(word: Word, by_stem: dict, by_word: dict) -> set[int]:
    if word.exact is not None:
        return set(by_word.get(word.exact, ()))
    return {position for stem in word.stems for position in by_stem.get(stem, ())}


def _candidates(by_first: dict[str, list[tuple[int, Phrase]]], by_stem: dict,
                by_word: dict) -> list[Phrase]:
    """The phrases whose first word is in the text, in their order (set operations in C are
    far cheaper than testing every phrase)."""
    keys = (by_first.keys() & by_stem.keys()) | (by_first.keys() & by_word.keys())
    chosen = dict(pair for key in keys for pair in by_first[key])
    return [chosen[order] for order in sorted(chosen)]


def _by_first_word(phrases: list[Phrase]) -> dict[str, list[tuple[int, Phrase]]]:
    """Each stem (or exact acronym) of a phrase's first word -> (the phrase's place in the
    list, the phrase) of the phrases it starts."""
    index: dict[str, list[tuple[int, Phrase]]] = {}
    for order, phrase in enumerate(phrases):
        word = phrase.words[0]
        for key in [word.exact] if word.exact is not None else word.stems:
            index.setdefault(key, []).append((order, phrase))
    return index


def _before_reversal(text_tokens: list[Token]) -> set[int]:
    """The positions with "of" (or de, du...) one or two tokens after them: where a mention read
    backwards may start ("infusions of ketamine"). Found once per text, not once per phrase."""
    reversals = [position for position, token in enumerate(text_tokens)
                 if token.filler and token.raw.lower() in REVERSAL_FILLERS]
    return {position - step for position in reversals for step in (1, 2) if position >= step}


def _starts(places: list[set[int]], before_reversal: set[int]) -> list[int]:
    """Where a mention may start: at its first word, or at another word read backwards."""
    starts = set(places[0])
    for place in places[1:]:
        starts |= place & before_reversal
    return sorted(starts)


def _mentions(text: str, taxonomy: Mapping[str, Term]) -> list[Mention]:
    """Every mention of a term in the text."""
    vocabulary, by_first = _phrases(taxonomy)
    text_tokens = tokens(text)
    by_stem, by_word = _index(text_tokens)
    present = by_stem.keys()
    before_reversal = _before_reversal(text_tokens)
    found, spelled = [], set()
    for phrase in _candidates(by_first, by_stem, by_word):
        if not all(word.exact in by_word if word.exact is not None else word.stems & present
                   for word in phrase.words[1:]):
            continue  # some word of the phrase is nowhere in the text
        places = [_positions(word, by_stem, by_word) for word in phrase.words]
        own_words = vocabulary[phrase.term.slug]
        for index in _starts(places, before_reversal):
            matched = _match_at(phrase, text_tokens, index, own_words)
            if matched is None or not _in_context(phrase, text_tokens, index, matched[-1],
                                                  own_words, spelled):
                continue
            found.append(Mention(text_tokens[index].start, text_tokens[max(matched)].end,
                                 frozenset(matched), phrase.term))
            if not phrase.abbreviation:
                spelled.add(phrase.term.slug)
    return found


def _clause_breaks(text: str) -> tuple[list[int], list[int]]:
    """Where the clause breaks of the text start, and where they end."""
    spans = [match.span() for match in CLAUSE_BREAK.finditer(text)]
    return [start for start, _ in spans], [end for _, end in spans]


def _clause_before(text: str, breaks: tuple[list[int], list[int]], start: int) -> str:
    """A mention's clause up to the mention: from the last clause break before it, at most
    CLAUSE_REACH characters back."""
    starts, ends = breaks
    last = bisect_right(ends, start) - 1
    begin = max(0, start - CLAUSE_REACH)
    return text[ends[last] if last >= 0 and starts[last] >= begin else begin:start]


def _status(text: str, clause: str, mention: Mention) -> str:
    """"denied", "asked" ("Do you treat migraines?") or "stated"; `text` is lower-cased
    (`lower_case`), `clause` the part of it from the mention's clause up to the mention."""
    start, end, term = mention.start, mention.end, mention.term
    if NEGATION.search(clause) or DENIED_AFTER.search(text[end:end + 80]):
        return "denied"
    # In a list in brackets, the words before the bracket say what the list is.
    before = clause[:clause.rfind("(")] if clause.rfind("(") > clause.rfind(")") else clause
    if term.kind == "treatment" and TRIED_BEFORE.search(before[-60:]):
        return "denied"
    if PROVIDER_WORD.search(text[start:end]) and OTHER_PROVIDER.search(clause[-40:]):
        return "denied"
    if OWN_CARE.search(clause[-50:]):
        return "denied"
    sentence_end = SENTENCE_END.search(text, end)
    return "asked" if sentence_end is not None and sentence_end.group() == "?" else "stated"


def stated_terms(text: str | None, taxonomy: Mapping[str, Term]) -> dict[str, int]:
    """Slug -> how many times the text states the term (never its parents).

    A term counts when some mention states it, or when it is only asked about and never denied
    ("Is ketamine right for you?" counts; "Do you treat migraines? We do not." does not).
    """
    if not text:
        return {}
    # A mention of more words wins over one of some of its words ("diabetic neuropathy" is not
    # also "neuropathy"); two that share a word both count ("ketamine and lidocaine infusions").
    mentions = sorted(_mentions(text, taxonomy),
                      key=lambda m: (-len(m.positions), m.end - m.start, m.start))
    taken: list[Mention] = []
    statuses: dict[str, list[str]] = {}
    lowered = lower_case(text)
    breaks = _clause_breaks(lowered) if mentions else ([], [])
    for mention in mentions:
        if any(mention.within(other) for other in taken):
            continue
        taken.append(mention)
        status = _status(lowered, _clause_before(lowered, breaks, mention.start), mention)
        statuses.setdefault(mention.term.slug, []).append(status)
    counts = {}
    for slug, seen in statuses.items():
        if "stated" in seen or set(seen) == {"asked"}:
            counts[slug] = max(seen.count("stated"), 1)
    return counts


def classify(text: str | None, taxonomy: Mapping[str, Term],
             lead: str | None = None) -> tuple[list[str], list[str]]:
    """Sorted treatment and condition slugs that `text` states.

    With a `lead` (a resource's title, summary and headings), the slugs the lead states and
    those the text states more than once: a passing mention does not count.
    """
    counts = stated_terms(text, taxonomy)
    if lead is not None:
        named = stated_terms(lead, taxonomy)
        counts = {slug: 1 for slug, count in counts.items() if count > 1 or slug in named}
        counts.update(named)
    found: dict[str, list[str]] = {"treatment": [], "condition": []}
    for slug in counts:
        found[taxonomy[slug].kind].append(slug)
    return sorted(found["treatment"]), sorted(found["condition"])

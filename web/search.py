"""Full-text search over clinics and resources: FTS5 on SQLite, tsvector + GIN on PostgreSQL.

The index tables (`clinic_search`, `resource_search`) and the triggers that keep them right on
every write, whoever the writer, live in migration 0002; since 0006 they hold published entries
only (nothing else is ever searched). Both engines index the same text
(names, descriptions, term slugs, labels and synonyms, places) split on anything that is not a
letter or a digit, without stemming, so a query finds the same entries on both. Every word of a
query must match, each as a prefix ("ketam" finds "ketamine").
"""

import re
import unicodedata

from sqlalchemy import Select, literal_column, select, text
from sqlalchemy.orm import Session

MAX_WORDS = 8
WORD = re.compile(r"[^\W_]+")


def query_words(query: str | None) -> list[str]:
    """The words of a query as the index splits them: letters and digits, lower case, no accents."""
    folded = unicodedata.normalize("NFKD", (query or "").lower())
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    return WORD.findall(plain)[:MAX_WORDS]


def matching_ids(session: Session, kind: str, query: str | None) -> Select | None:
    """A SELECT of the ids of `kind` ("clinic" or "resource") whose text matches every word,
    or None when the query has no words (no text filter)."""
    words = query_words(query)
    if not words:
        return None
    index = f"{kind}_search"
    if session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join(f"{word}:*" for word in words)
        return (select(literal_column(f"{index}.{kind}_id"))
                .select_from(text(index))
                .where(text(f"{index}.document @@ to_tsquery('simple', :tsquery)")
                       .bindparams(tsquery=tsquery)))
    match = " AND ".join(f'"{word}"*' for word in words)
    return (select(literal_column(f"{index}.rowid"))
            .select_from(text(index))
            .where(text(f"{index} MATCH :match").bindparams(match=match)))

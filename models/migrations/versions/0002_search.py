"""full-text search: FTS5 on SQLite, tsvector + GIN on PostgreSQL, kept right by triggers;
a directory version that every write bumps, for caches of query results

Revision ID: 0002
Revises: 0001

The index tables are not in the models (env.py leaves them out of `alembic check`). Triggers
refresh an entry's document on every write to the entry, its locations, its terms, or a term's
label or synonyms, so every writer (crawler, editors, scripts) keeps the index right. Both
engines index the same words: letters and digits, lower case, accents folded, no stemming.
"""

import unicodedata

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# What each index covers: the entry's own text columns, its term link table, and (clinics) places.
KINDS = {
    "clinic": {"table": "clinics", "link": "clinic_terms", "columns": ("name", "description"),
               "places": True},
    "resource": {"table": "resources", "link": "resource_terms",
                 "columns": ("title", "summary", "author"), "places": False},
}
PLACE_COLUMNS = ("street", "locality", "region", "postal_code", "country")
# Every write to these changes search_version, so caches of query results know when to let go.
VERSIONED_TABLES = ("clinics", "locations", "clinic_terms", "resources", "resource_terms", "terms")


def _accent_map() -> tuple[str, str]:
    """Accented Latin letters and their plain letters, for PostgreSQL's translate()."""
    accented, plain = "", ""
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFKD", char)[0]
        if char.islower() and base != char and base.isascii() and base.isalpha():
            accented, plain = accented + char, plain + base
    return accented, plain


def _document(kind: str, dialect: str) -> str:
    """SQL for the text of entry `e` of this kind."""
    spec = KINDS[kind]
    if dialect == "postgresql":
        concat, synonyms = "string_agg({0}, ' ')", "json_array_elements_text(t.synonyms)"
        synonym_values = f"(SELECT string_agg(value, ' ') FROM {synonyms} AS value)"
    else:
        concat = "group_concat({0}, ' ')"
        synonym_values = "(SELECT group_concat(value, ' ') FROM json_each(t.synonyms))"
    parts = [f"coalesce(e.{column}, '')" for column in spec["columns"]]
    term_text = f"t.slug || ' ' || t.label || ' ' || coalesce({synonym_values}, '')"
    parts.append(f"coalesce((SELECT {concat.format(term_text)} FROM {spec['link']} AS x "
                 f"JOIN terms AS t ON t.slug = x.term_slug WHERE x.{kind}_id = e.id), '')")
    if spec["places"]:
        place_text = " || ' ' || ".join(f"coalesce(l.{column}, '')" for column in PLACE_COLUMNS)
        parts.append(f"coalesce((SELECT {concat.format(place_text)} FROM locations AS l "
                     "WHERE l.clinic_id = e.id), '')")
    return " || ' ' || ".join(parts)


def _sqlite_refresh(kind: str, ids: str) -> str:
    """Statements (for a trigger body) that re-index the entries whose ids `ids` selects."""
    table = KINDS[kind]["table"]
    return (f"DELETE FROM {kind}_search WHERE rowid IN ({ids}); "
            f"INSERT INTO {kind}_search(rowid, body) SELECT e.id, {_document(kind, 'sqlite')} "
            f"FROM {table} AS e WHERE e.id IN ({ids});")


def _sqlite_triggers(kind: str) -> dict[str, str]:
    spec = KINDS[kind]
    table, link = spec["table"], spec["link"]
    triggers = {
        "insert": f"AFTER INSERT ON {table} BEGIN {_sqlite_refresh(kind, 'SELECT NEW.id')} END",
        "update": f"AFTER UPDATE OF {', '.join(spec['columns'])} ON {table} "
                  f"BEGIN {_sqlite_refresh(kind, 'SELECT NEW.id')} END",
        "delete": f"AFTER DELETE ON {table} "
                  f"BEGIN DELETE FROM {kind}_search WHERE rowid = OLD.id; END",
        "term_insert": f"AFTER INSERT ON {link} "
                       f"BEGIN {_sqlite_refresh(kind, f'SELECT NEW.{kind}_id')} END",
        "term_delete": f"AFTER DELETE ON {link} "
                       f"BEGIN {_sqlite_refresh(kind, f'SELECT OLD.{kind}_id')} END",
        "taxonomy": f"AFTER UPDATE OF label, synonyms ON terms BEGIN "
                    f"{_sqlite_refresh(kind, f'SELECT {kind}_id FROM {link} WHERE term_slug = NEW.slug')}"
                    " END",
    }
    if spec["places"]:
        triggers.update({
            "place_insert": "AFTER INSERT ON locations "
                            f"BEGIN {_sqlite_refresh(kind, 'SELECT NEW.clinic_id')} END",
            "place_update": "AFTER UPDATE ON locations BEGIN "
                            f"{_sqlite_refresh(kind, 'SELECT NEW.clinic_id UNION SELECT OLD.clinic_id')}"
                            " END",
            "place_delete": "AFTER DELETE ON locations "
                            f"BEGIN {_sqlite_refresh(kind, 'SELECT OLD.clinic_id')} END",
        })
    return triggers


def _postgresql_statements(kind: str) -> list[str]:
    spec = KINDS[kind]
    table, link = spec["table"], spec["link"]
    accented, plain = _accent_map()
    refresh = f"reliefmap_refresh_{kind}_search"
    statements = [
        f"CREATE TABLE {kind}_search ({kind}_id integer PRIMARY KEY, document tsvector NOT NULL)",
        f"CREATE INDEX ix_{kind}_search_document ON {kind}_search USING gin (document)",
        f"""CREATE FUNCTION {refresh}(entry integer) RETURNS void LANGUAGE sql AS $$
            DELETE FROM {kind}_search WHERE {kind}_id = entry;
            INSERT INTO {kind}_search({kind}_id, document)
            SELECT e.id, to_tsvector('simple', regexp_replace(
                translate(lower({_document(kind, 'postgresql')}), '{accented}', '{plain}'),
                '[^[:alnum:]]+', ' ', 'g'))
            FROM {table} AS e WHERE e.id = entry;
        $$""",
        f"""CREATE FUNCTION {kind}_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_TABLE_NAME = '{table}' THEN
                IF TG_OP = 'DELETE' THEN
                    DELETE FROM {kind}_search WHERE {kind}_id = OLD.id;
                ELSE
                    PERFORM {refresh}(NEW.id);
                END IF;
            ELSIF TG_TABLE_NAME = 'terms' THEN
                PERFORM {refresh}({kind}_id) FROM {link} WHERE term_slug = NEW.slug;
            ELSE
                IF TG_OP <> 'INSERT' THEN PERFORM {refresh}(OLD.{kind}_id); END IF;
                IF TG_OP <> 'DELETE' THEN PERFORM {refresh}(NEW.{kind}_id); END IF;
            END IF;
            RETURN NULL;
        END $$""",
        f"CREATE TRIGGER {kind}_search_entry AFTER INSERT OR DELETE OR UPDATE OF "
        f"{', '.join(spec['columns'])} ON {table} FOR EACH ROW EXECUTE FUNCTION {kind}_search_trigger()",
        f"CREATE TRIGGER {kind}_search_terms AFTER INSERT OR UPDATE OR DELETE ON {link} "
        f"FOR EACH ROW EXECUTE FUNCTION {kind}_search_trigger()",
        f"CREATE TRIGGER {kind}_search_taxonomy AFTER UPDATE OF label, synonyms ON terms "
        f"FOR EACH ROW EXECUTE FUNCTION {kind}_search_trigger()",
    ]
    if spec["places"]:
        statements.append("CREATE TRIGGER clinic_search_places AFTER INSERT OR UPDATE OR DELETE "
                          "ON locations FOR EACH ROW EXECUTE FUNCTION clinic_search_trigger()")
    statements.append(f"SELECT {refresh}(id) FROM {table}")
    return statements


def _create_version() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("CREATE TABLE search_version (id integer PRIMARY KEY, version bigint NOT NULL)")
    op.execute("INSERT INTO search_version (id, version) VALUES (1, 1)")
    # A fresh random token, not a counter: a rolled-back write must never leave a version that
    # a later commit reuses, or a cache could keep results of data that never existed.
    token = "floor(random() * 1e15)" if dialect == "postgresql" else "random()"
    # An upsert, so a version comes back even after someone emptied the table (TRUNCATE).
    bump = (f"INSERT INTO search_version (id, version) VALUES (1, {token}) "
            "ON CONFLICT (id) DO UPDATE SET version = excluded.version")
    if dialect == "postgresql":
        op.execute(f"""CREATE FUNCTION search_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN {bump}; RETURN NULL; END $$""")
    for table in VERSIONED_TABLES:
        if dialect == "postgresql":  # once per statement: bulk writes bump once
            op.execute(f"CREATE TRIGGER search_version_{table} AFTER INSERT OR UPDATE OR DELETE "
                       f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION search_version_bump()")
            continue
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER search_version_{table}_{event.lower()} AFTER {event} "
                       f"ON {table} BEGIN {bump}; END")


def _drop_version() -> None:
    dialect = op.get_bind().dialect.name
    for table in VERSIONED_TABLES:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS search_version_{table} ON {table}")
        else:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS search_version_{table}_{event}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS search_version_bump()")
    op.execute("DROP TABLE IF EXISTS search_version")


def upgrade() -> None:
    _create_version()
    dialect = op.get_bind().dialect.name
    for kind, spec in KINDS.items():
        if dialect == "postgresql":
            for statement in _postgresql_statements(kind):
                op.execute(statement)
            continue
        op.execute(f"CREATE VIRTUAL TABLE {kind}_search USING fts5("
                   "body, tokenize = 'unicode61 remove_diacritics 2')")
        for name, body in _sqlite_triggers(kind).items():
            op.execute(f"CREATE TRIGGER {kind}_search_{name} {body}")
        op.execute(f"INSERT INTO {kind}_search(rowid, body) "
                   f"SELECT e.id, {_document(kind, 'sqlite')} FROM {spec['table']} AS e")


def downgrade() -> None:
    _drop_version()
    dialect = op.get_bind().dialect.name
    for kind, spec in KINDS.items():
        if dialect == "postgresql":
            for table in (spec["table"], spec["link"], "terms", "locations"):
                for suffix in ("entry", "terms", "taxonomy", "places"):
                    op.execute(f"DROP TRIGGER IF EXISTS {kind}_search_{suffix} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {kind}_search_trigger()")
            op.execute(f"DROP FUNCTION IF EXISTS reliefmap_refresh_{kind}_search(integer)")
        else:
            for name in _sqlite_triggers(kind):
                op.execute(f"DROP TRIGGER IF EXISTS {kind}_search_{name}")
        op.execute(f"DROP TABLE IF EXISTS {kind}_search")

"""the directory version moves only when what the public sees changes

Revision ID: 0005
Revises: 0004

Until now every write to an entry table moved `search_version`, so a crawl of a `review` source
(pending entries, their places, terms and source records) emptied the web caches with each item
although no public page changed. Now the version moves on a write to a published clinic or
resource (or one that stops being published), on a write to the places, terms or source records
of a published clinic (terms of a published resource), and on any change to the taxonomy.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

PUBLISHED = "'published'"
# entry table -> its dependent tables with their foreign key, and the events that matter.
ENTRIES = {
    "clinics": {"locations": ("clinic_id", ("INSERT", "UPDATE", "DELETE")),
                "clinic_terms": ("clinic_id", ("INSERT", "UPDATE", "DELETE")),
                # a record's last_seen moves on every recrawl: only new and removed ones count
                "source_records": ("clinic_id", ("INSERT", "DELETE"))},
    "resources": {"resource_terms": ("resource_id", ("INSERT", "UPDATE", "DELETE"))},
}
EVENTS = ("INSERT", "UPDATE", "DELETE")
SQLITE_BUMP = ("INSERT INTO search_version (id, version) VALUES (1, random()) "
               "ON CONFLICT (id) DO UPDATE SET version = excluded.version")
OLD_TABLES = ("clinics", "locations", "clinic_terms", "resources", "resource_terms", "terms")


def _rows(event: str) -> tuple[str, ...]:
    """The row images a trigger of this event sees."""
    return {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}[event]


def _sqlite_upgrade() -> None:
    for table in OLD_TABLES:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS search_version_{table}_{event.lower()}")
    for event in ("insert", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS search_version_source_records_{event}")
    for entries, dependents in ENTRIES.items():
        for event in EVENTS:
            public = " OR ".join(f"{row}.state = {PUBLISHED}" for row in _rows(event))
            op.execute(f"CREATE TRIGGER search_version_{entries}_{event.lower()} AFTER {event} "
                       f"ON {entries} WHEN {public} BEGIN {SQLITE_BUMP}; END")
        for table, (key, events) in dependents.items():
            for event in events:
                public = " OR ".join(
                    f"EXISTS (SELECT 1 FROM {entries} WHERE id = {row}.{key} "
                    f"AND state = {PUBLISHED})" for row in _rows(event))
                op.execute(f"CREATE TRIGGER search_version_{table}_{event.lower()} AFTER {event} "
                           f"ON {table} WHEN {public} BEGIN {SQLITE_BUMP}; END")
    for event in EVENTS:
        op.execute(f"CREATE TRIGGER search_version_terms_{event.lower()} AFTER {event} ON terms "
                   f"BEGIN {SQLITE_BUMP}; END")


def _sqlite_downgrade() -> None:
    for table in (*ENTRIES, *(t for d in ENTRIES.values() for t in d), "terms"):
        for event in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS search_version_{table}_{event.lower()}")
    for table in OLD_TABLES:
        for event in EVENTS:
            op.execute(f"CREATE TRIGGER search_version_{table}_{event.lower()} AFTER {event} "
                       f"ON {table} BEGIN {SQLITE_BUMP}; END")
    for event in ("INSERT", "DELETE"):
        op.execute(f"CREATE TRIGGER search_version_source_records_{event.lower()} AFTER {event} "
                   f"ON source_records BEGIN {SQLITE_BUMP}; END")


def _postgresql_upgrade() -> None:
    for table in (*OLD_TABLES, "source_records"):
        op.execute(f"DROP TRIGGER IF EXISTS search_version_{table} ON {table}")
    # A dependent row bumps the version when its entry (table TG_ARGV[0], key TG_ARGV[1]) is
    # published, before or after the write.
    op.execute("""CREATE FUNCTION search_version_bump_if_public() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            entry_ids integer[] := ARRAY[]::integer[];
            public boolean;
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                entry_ids := entry_ids || (to_jsonb(OLD) ->> TG_ARGV[1])::integer;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                entry_ids := entry_ids || (to_jsonb(NEW) ->> TG_ARGV[1])::integer;
            END IF;
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE id = ANY($1) AND state = %L)',
                           TG_ARGV[0], 'published') INTO public USING entry_ids;
            IF public THEN
                INSERT INTO search_version (id, version) VALUES (1, floor(random() * 1e15))
                ON CONFLICT (id) DO UPDATE SET version = excluded.version;
            END IF;
            RETURN NULL;
        END $$""")
    for entries, dependents in ENTRIES.items():
        for event in EVENTS:
            public = " OR ".join(f"{row}.state = {PUBLISHED}" for row in _rows(event))
            op.execute(f"CREATE TRIGGER search_version_{entries}_{event.lower()} AFTER {event} "
                       f"ON {entries} FOR EACH ROW WHEN ({public}) "
                       "EXECUTE FUNCTION search_version_bump()")
        for table, (key, events) in dependents.items():
            op.execute(f"CREATE TRIGGER search_version_{table} AFTER {' OR '.join(events)} "
                       f"ON {table} FOR EACH ROW "
                       f"EXECUTE FUNCTION search_version_bump_if_public('{entries}', '{key}')")
    op.execute("CREATE TRIGGER search_version_terms AFTER INSERT OR UPDATE OR DELETE ON terms "
               "FOR EACH STATEMENT EXECUTE FUNCTION search_version_bump()")


def _postgresql_downgrade() -> None:
    for entries, dependents in ENTRIES.items():
        for event in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS search_version_{entries}_{event.lower()} "
                       f"ON {entries}")
        for table in dependents:
            op.execute(f"DROP TRIGGER IF EXISTS search_version_{table} ON {table}")
    op.execute("DROP TRIGGER IF EXISTS search_version_terms ON terms")
    op.execute("DROP FUNCTION IF EXISTS search_version_bump_if_public()")
    for table in OLD_TABLES:
        op.execute(f"CREATE TRIGGER search_version_{table} AFTER INSERT OR UPDATE OR DELETE "
                   f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION search_version_bump()")
    op.execute("CREATE TRIGGER search_version_source_records AFTER INSERT OR DELETE "
               "ON source_records FOR EACH STATEMENT EXECUTE FUNCTION search_version_bump()")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_downgrade()
    else:
        _sqlite_downgrade()

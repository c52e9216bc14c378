"""the search indexes hold published entries only

Revision ID: 0006
Revises: 0005

Only published entries are ever searched (web/queries.py joins on the state), yet 0002's
triggers indexed every entry, and re-indexed a clinic on each of its place and term rows: a
crawl of a `review` source spent much of its store time indexing pending entries nobody can
search. Now an entry is indexed when it is (or becomes) published and leaves the index when it
stops being published; writes to a pending entry's places and terms index nothing. The indexed
text is 0002's, so both engines still find the same entries.
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PUBLIC = "'published'"


def _search_0002():
    """Migration 0002, for its index documents and its triggers (to restore on downgrade)."""
    spec = importlib.util.spec_from_file_location(
        "reliefmap_migration_0002", Path(__file__).with_name("0002_search.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sqlite_triggers(search, kind: str) -> dict[str, str]:
    spec = search.KINDS[kind]
    table, link, key = spec["table"], spec["link"], f"{kind}_id"

    def refresh(ids: str) -> str:
        return (f"DELETE FROM {kind}_search WHERE rowid IN ({ids}); "
                f"INSERT INTO {kind}_search(rowid, body) SELECT e.id, "
                f"{search._document(kind, 'sqlite')} FROM {table} AS e "
                f"WHERE e.id IN ({ids}) AND e.state = {PUBLIC};")

    def public(row: str, column: str) -> str:
        return f"EXISTS (SELECT 1 FROM {table} WHERE id = {row}.{column} AND state = {PUBLIC})"

    triggers = {
        "insert": f"AFTER INSERT ON {table} WHEN NEW.state = {PUBLIC} "
                  f"BEGIN {refresh('SELECT NEW.id')} END",
        "update": f"AFTER UPDATE OF {', '.join(spec['columns'])}, state ON {table} "
                  f"WHEN NEW.state = {PUBLIC} OR OLD.state = {PUBLIC} "
                  f"BEGIN {refresh('SELECT NEW.id')} END",
        "delete": f"AFTER DELETE ON {table} "
                  f"BEGIN DELETE FROM {kind}_search WHERE rowid = OLD.id; END",
        "term_insert": f"AFTER INSERT ON {link} WHEN {public('NEW', key)} "
                       f"BEGIN {refresh(f'SELECT NEW.{key}')} END",
        "term_delete": f"AFTER DELETE ON {link} WHEN {public('OLD', key)} "
                       f"BEGIN {refresh(f'SELECT OLD.{key}')} END",
        "taxonomy": f"AFTER UPDATE OF label, synonyms ON terms BEGIN "
                    f"{refresh(f'SELECT {key} FROM {link} WHERE term_slug = NEW.slug')} END",
    }
    if spec["places"]:
        triggers.update({
            "place_insert": f"AFTER INSERT ON locations WHEN {public('NEW', 'clinic_id')} "
                            f"BEGIN {refresh('SELECT NEW.clinic_id')} END",
            "place_update": f"AFTER UPDATE ON locations WHEN {public('NEW', 'clinic_id')} "
                            f"OR {public('OLD', 'clinic_id')} BEGIN "
                            f"{refresh('SELECT NEW.clinic_id UNION SELECT OLD.clinic_id')} END",
            "place_delete": f"AFTER DELETE ON locations WHEN {public('OLD', 'clinic_id')} "
                            f"BEGIN {refresh('SELECT OLD.clinic_id')} END",
        })
    return triggers


def _postgresql_refresh(search, kind: str, published_only: bool) -> str:
    """0002's refresh function for one entry, indexing it only when published if asked."""
    table = search.KINDS[kind]["table"]
    created = next(statement for statement in search._postgresql_statements(kind)
                   if statement.startswith(f"CREATE FUNCTION reliefmap_refresh_{kind}_search"))
    every, published = (f"FROM {table} AS e WHERE e.id = entry;",
                        f"FROM {table} AS e WHERE e.id = entry AND e.state = {PUBLIC};")
    if every not in created:
        raise RuntimeError("0002's refresh function is not what 0006 expects")
    return created.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1).replace(
        every, published if published_only else every)


def _postgresql_entry_trigger(search, kind: str, with_state: bool) -> list[str]:
    spec = search.KINDS[kind]
    columns = [*spec["columns"], "state"] if with_state else list(spec["columns"])
    return [f"DROP TRIGGER IF EXISTS {kind}_search_entry ON {spec['table']}",
            f"CREATE TRIGGER {kind}_search_entry AFTER INSERT OR DELETE OR UPDATE OF "
            f"{', '.join(columns)} ON {spec['table']} FOR EACH ROW "
            f"EXECUTE FUNCTION {kind}_search_trigger()"]


def _reindex(search, kind: str, published_only: bool) -> None:
    table = search.KINDS[kind]["table"]
    where = f" WHERE state = {PUBLIC}" if published_only else ""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DELETE FROM {kind}_search")
        op.execute(f"SELECT reliefmap_refresh_{kind}_search(id) FROM {table}{where}")
        return
    op.execute(f"DELETE FROM {kind}_search")
    op.execute(f"INSERT INTO {kind}_search(rowid, body) SELECT e.id, "
               f"{search._document(kind, 'sqlite')} FROM {table} AS e{where}")


def _migrate(published_only: bool) -> None:
    search = _search_0002()
    postgresql = op.get_bind().dialect.name == "postgresql"
    for kind in search.KINDS:
        if postgresql:
            op.execute(_postgresql_refresh(search, kind, published_only))
            for statement in _postgresql_entry_trigger(search, kind, published_only):
                op.execute(statement)
        else:
            old, new = search._sqlite_triggers(kind), _sqlite_triggers(search, kind)
            for name in (*old, *new):
                op.execute(f"DROP TRIGGER IF EXISTS {kind}_search_{name}")
            for name, body in (new if published_only else old).items():
                op.execute(f"CREATE TRIGGER {kind}_search_{name} {body}")
        _reindex(search, kind, published_only)


def upgrade() -> None:
    _migrate(published_only=True)


def downgrade() -> None:
    _migrate(published_only=False)

"""Engines and sessions. SQLite gets WAL, a busy timeout and foreign keys; its writers open
transactions with BEGIN IMMEDIATE so a reader never has to upgrade to a writer mid-way."""

from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 15_000
# Migrations are numbered and named by their number ("0012_facet_counts.py" is revision "0012";
# tests/test_migrate.py checks it), so the newest is read without loading Alembic.
MIGRATIONS = Path(__file__).resolve().parent / "migrations" / "versions"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event issue BEGIN, so writers can ask for IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _no_parallel_workers(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
        dbapi_connection.commit()


def make_engine(url: str, parallel_queries: bool = True, **kwargs) -> Engine:
    """An engine for the URL, with the SQLite connection settings applied. Without
    `parallel_queries`, PostgreSQL runs each query in its own process only."""
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    elif engine.dialect.name == "postgresql" and not parallel_queries:
        _no_parallel_workers(engine)
    return engine


class Database:
    """One engine, with a session factory for reading and one for writing."""

    def __init__(self, url: str, **engine_kwargs):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)  # parallel_queries, create_engine's
        self.read_session = sessionmaker(self.engine, expire_on_commit=False)
        self.write_session = sessionmaker(
            self.engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()


def insert_for(session: Session | Connection):
    """The dialect's INSERT construct, which offers on_conflict_do_update / do_nothing."""
    name = (session.get_bind() if isinstance(session, Session) else session).dialect.name
    return {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[name]


def newest_revision() -> str:
    """The revision of the newest migration: the schema this code reads."""
    return max(path.name.split("_", 1)[0] for path in MIGRATIONS.glob("[0-9]*_*.py"))


def stored_revision(connection: Connection) -> str | None:
    """The revision the database's schema is at (Alembic's record); None before `init`."""
    try:
        return connection.scalar(text("SELECT version_num FROM alembic_version"))
    except DBAPIError:
        return None  # no such table

"""Shared fixtures. The suite runs on SQLite, or on PostgreSQL when RELIEFMAP_TEST_POSTGRES_URL
names a server: each test then starts from an empty, migrated database."""

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from models import Base, Database, migrate
from reliefmap.config import load_config

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("RELIEFMAP_TEST_POSTGRES_URL")
ENGINE = "postgresql" if POSTGRES_URL else "sqlite"


def pytest_report_header(config):
    return f"reliefmap database engine: {ENGINE}" + (f" ({POSTGRES_URL})" if POSTGRES_URL else "")


class PostgresDatabase:
    """One migrated database on the test server for the whole session, emptied before each test.

    (A database per test costs a checkpoint per CREATE/DROP: far too slow on a busy server.)"""

    def __init__(self, url: str):
        self.server = make_url(url)
        self.admin = create_engine(self.server, isolation_level="AUTOCOMMIT")
        self.name = f"reliefmap_test_{uuid.uuid4().hex[:8]}"
        self._admin_execute(f'CREATE DATABASE "{self.name}"')
        self.url = self.server.set(database=self.name).render_as_string(hide_password=False)
        migrate.upgrade(self.url)
        self.engine = create_engine(self.url, isolation_level="AUTOCOMMIT")

    def _admin_execute(self, sql: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(sql))

    def new(self) -> str:
        """Delete every row (so triggers keep the search index right), restart the id sequences;
        end connections a previous test left open if they block that."""
        try:
            self._empty()
        except OperationalError:
            with self.engine.connect() as connection:
                connection.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            self._empty()
        return self.url

    def _empty(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '3s'"))
            extra = connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE tablename LIKE 'apscheduler%'")).scalars()
            for name in extra:
                connection.execute(text(f'DELETE FROM "{name}"'))
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
            connection.execute(text(
                "SELECT setval(s.oid, 1, false) FROM pg_class s WHERE s.relkind = 'S'"))

    def drop(self) -> None:
        self.engine.dispose()
        self._admin_execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.dispose()


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory):
    """A callable that returns the URL of a migrated, empty database."""
    if POSTGRES_URL:
        database = PostgresDatabase(POSTGRES_URL)
        yield database.new
        database.drop()
        return
    folder = tmp_path_factory.mktemp("databases")
    template = folder / "template.sqlite"
    migrate.upgrade(f"sqlite:///{template}")
    counter = iter(range(1_000_000))

    def new() -> str:
        path = folder / f"db{next(counter)}.sqlite"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"

    yield new


@pytest.fixture
def database_url(database_factory):
    return database_factory()


@pytest.fixture
def database(database_url):
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def config_file(tmp_path, database_url):
    """A copy of the project's config.toml with the test database; edit it to vary a test."""
    path = tmp_path / "config.toml"
    path.write_text((ROOT / "config.toml").read_text())
    return path


@pytest.fixture
def cli_env(config_file, database_url):
    """Environment for running `reliefmap` as a subprocess against the test config and database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("RELIEFMAP_")}
    env.update(RELIEFMAP_CONFIG=str(config_file), RELIEFMAP_DATABASE_URL=database_url)
    return env


@pytest.fixture
def config(config_file, cli_env):
    return load_config(config_file, env=cli_env)


@pytest.fixture
def run_cli(cli_env):
    """Run the installed `reliefmap` command as a user would; returns the CompletedProcess."""
    import subprocess
    import sys

    executable = str(Path(sys.executable).parent / "reliefmap")

    def run(*args, input=None, env=None, timeout=120):
        return subprocess.run([executable, *args], input=input, capture_output=True, text=True,
                              env={**cli_env, **(env or {})}, timeout=timeout)

    return run


pytest_plugins = ["tests.web_fixtures", "tests.editor_fixtures", "tests.public_fixtures",
                  "tests.api_fixtures", "tests.scheduler_fixtures", "tests.crawl_fixtures"]

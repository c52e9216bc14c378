from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from models import AuditEntry, Source, Term, User
from models.db import newest_revision

STRONG = "correct horse battery staple"


@pytest.fixture
def initialised(run_cli, database):
    result = run_cli("init")
    assert result.returncode == 0, result.stderr
    return database


def test_init_loads_taxonomy_and_is_repeatable(initialised, run_cli):
    with initialised.read_session() as session:
        crps = session.get(Term, "crps")
        assert crps.parent_slug == "neuropathic-pain" and "RSD" in crps.synonyms
        assert len(session.scalars(select(Term)).all()) == 25
    assert run_cli("init").returncode == 0


def test_init_creates_sources_from_config(config_file, run_cli, database):
    config_file.write_text(config_file.read_text() + """
[[sources]]
name = "demo"
kind = "resources"
feed_urls = ["http://127.0.0.1:1/feed.xml"]
schedule = "0 3 * * *"
""")
    assert run_cli("init").returncode == 0
    with database.read_session() as session:
        assert session.scalar(select(Source.kind).where(Source.name == "demo")) == "resources"


def test_init_with_admin_reads_the_password_from_stdin(run_cli, database):
    result = run_cli("init", "--admin", "ada", input=STRONG + "\n")
    assert result.returncode == 0, result.stderr
    with database.read_session() as session:
        user = session.scalar(select(User))
        assert (user.username, user.role) == ("ada", "admin")


def test_users_add_hashes_with_argon2_and_never_echoes(initialised, run_cli):
    result = run_cli("users", "add", "bea", input=STRONG + "\n")
    assert result.returncode == 0, result.stderr
    assert STRONG not in result.stdout + result.stderr
    with initialised.read_session() as session:
        user = session.scalar(select(User).where(User.username == "bea"))
        assert user.password_hash.startswith("$argon2id$")
        assert STRONG not in user.password_hash
        assert user.check_password(STRONG) and not user.check_password("wrong password!")
        assert session.scalar(select(AuditEntry.action)) == "user-add"


@pytest.mark.parametrize("password, problem", [
    ("", "the password is empty"),
    ("short", "at least 12 characters"),
    ("aaaaaaaaaaaaaaaa", "too few different characters"),
    ("password1234", "too easy to guess"),
    ("carla-is-my-name", "too easy to guess"),
])
def test_users_add_refuses_weak_passwords(initialised, run_cli, password, problem):
    result = run_cli("users", "add", "carla", input=password + "\n")
    assert result.returncode == 1
    assert problem in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    if password:
        assert password not in result.stdout + result.stderr
    with initialised.read_session() as session:
        assert session.scalar(select(User)) is None


def test_users_password_from_environment(initialised, run_cli):
    result = run_cli("users", "add", "dan", "--role", "admin", env={"RELIEFMAP_PASSWORD": STRONG})
    assert result.returncode == 0, result.stderr
    listing = run_cli("users", "list").stdout
    assert "dan\tadmin\tactive" in listing


def test_users_disable_and_set_password(initialised, run_cli):
    run_cli("users", "add", "eve", input=STRONG + "\n")
    assert run_cli("users", "disable", "eve").returncode == 0
    new = "another long passphrase"
    assert run_cli("users", "set-password", "eve", input=new + "\n").returncode == 0
    with initialised.read_session() as session:
        user = session.scalar(select(User).where(User.username == "eve"))
        assert not user.active and user.check_password(new)
    assert "eve\teditor\tdisabled" in run_cli("users", "list").stdout


def test_duplicate_and_unknown_users_are_one_line_errors(initialised, run_cli):
    run_cli("users", "add", "fay", input=STRONG + "\n")
    again = run_cli("users", "add", "fay", input=STRONG + "\n")
    assert again.returncode == 1 and "already exists" in again.stderr
    missing = run_cli("users", "disable", "nobody")
    assert missing.returncode == 1 and "no account named 'nobody'" in missing.stderr
    assert "Traceback" not in again.stderr + missing.stderr


def test_unreachable_database_is_a_one_line_error(run_cli, tmp_path):
    url = f"sqlite:///{tmp_path}/no/such/dir/x.sqlite"
    blocked = tmp_path / "no"
    blocked.write_text("a file where a folder should be")
    result = run_cli("init", env={"RELIEFMAP_DATABASE_URL": url})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.fixture
def database_without_tables(database, database_url, tmp_path):
    """A database that `reliefmap init` never saw: a new SQLite file, or on PostgreSQL the test
    database read through an empty schema."""
    if database.dialect == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.sqlite'}"
        return
    with database.engine.begin() as connection:
        connection.execute(text("CREATE SCHEMA no_tables"))
    yield make_url(database_url).update_query_dict(
        {"options": "-csearch_path=no_tables"}).render_as_string(hide_password=False)
    with database.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA no_tables CASCADE"))


@pytest.mark.parametrize("command", [["users", "list"], ["runs"], ["sources"], ["recount"],
                                     ["export", "--format", "csv", "--out", "out"],
                                     ["crawl", "rsdsa"], ["serve", "--port", "9"]])
def test_a_database_without_tables_is_a_one_line_error(run_cli, database_without_tables,
                                                       command):
    result = run_cli(*command, env={"RELIEFMAP_DATABASE_URL": database_without_tables})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "has no Relief Map tables: run 'reliefmap init'" in result.stderr
    assert not Path("out").exists()  # the export's folder is made only for a usable database


@pytest.fixture
def older_schema(database):
    """The database as if made by the code before the newest migration (its record only: the
    PostgreSQL test database serves the whole session, so the record is put back)."""
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0011'"))
    yield
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :newest"),
                           {"newest": newest_revision()})


def test_a_database_older_than_the_code_is_a_one_line_error(run_cli, older_schema):
    result = run_cli("runs")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "has schema 0011, older than this code's" in result.stderr
    assert "run 'reliefmap init' to upgrade it" in result.stderr


def test_init_makes_a_new_database_serve_the_commands(run_cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    assert run_cli("runs", env={"RELIEFMAP_DATABASE_URL": url}).returncode == 1
    assert run_cli("init", env={"RELIEFMAP_DATABASE_URL": url}).returncode == 0
    result = run_cli("runs", env={"RELIEFMAP_DATABASE_URL": url})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", [[], ["init"], ["users"], ["users", "add"], ["config", "check"],
                                     ["serve"]])
def test_every_command_has_help(run_cli, command):
    result = run_cli(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout

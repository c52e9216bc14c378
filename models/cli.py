"""The data layer's commands: `reliefmap init` (create or upgrade the database, load the
taxonomy and sources), `reliefmap users` (editor and admin accounts) and `reliefmap recount`
(the kept counts of models/counts.py); and the configured database opened with a one-line
error, for every command that needs it."""

from __future__ import annotations

import os
import sys

import click

from reliefmap.errors import UserError


def open_database(config, *, initialised: bool = True):
    """The configured database; a one-line error when it cannot be reached or, `initialised`,
    when `reliefmap init` has not made its schema this code's."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from models import Database
    from models.db import newest_revision, stored_revision

    shown = make_url(config.database_url).render_as_string(hide_password=True)
    try:
        database = Database(config.database_url)
        with database.engine.connect() as connection:
            stored = stored_revision(connection) if initialised else None
    except OSError as exc:
        raise UserError(
            f"cannot open the database {shown}: {exc.strerror}: {exc.filename}") from None
    except OperationalError as exc:
        raise UserError(f"cannot open the database {shown}: "
                        f"{str(exc.orig).strip().splitlines()[0]}") from None
    if initialised:
        newest = newest_revision()
        if stored is None:
            raise UserError(f"the database {shown} has no Relief Map tables: run "
                            "'reliefmap init' to create them")
        if stored < newest:
            raise UserError(f"the database {shown} has schema {stored}, older than this "
                            f"code's {newest}: run 'reliefmap init' to upgrade it")
    return database


def read_password(env_name: str, username: str) -> str:
    """A password from the environment, else stdin (prompted without echo on a terminal)."""
    from models import password_problem

    password = os.environ.get(env_name)
    if password is None:
        if sys.stdin.isatty():
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True,
                                    err=True)
        else:
            password = sys.stdin.readline().rstrip("\n")
    problem = password_problem(password, username)
    if problem:
        raise UserError(f"{problem}; choose a longer, less guessable one")
    return password


@click.command("init")
@click.option("--admin", "admin_name", help="Also create this admin account (password from "
              "$RELIEFMAP_ADMIN_PASSWORD or stdin).")
@click.pass_obj
def init_command(config, admin_name):
    """Create or upgrade the database and load the taxonomy and sources."""
    from models import migrate
    from models.setup import create_user, sync_config

    database = open_database(config, initialised=False)
    migrate.upgrade(config.database_url)
    with database.write_session.begin() as session:
        sync_config(session, config)
    click.echo(f"Database ready: {database.engine.url!r}")
    if admin_name:
        password = read_password("RELIEFMAP_ADMIN_PASSWORD", admin_name)
        with database.write_session.begin() as session:
            create_user(session, admin_name, password, "admin")
        click.echo(f"Admin account '{admin_name}' created.")


@click.command("recount")
@click.option("--check", is_flag=True, help="Only compare the kept counts with a count from "
              "scratch; exit 1 when they differ.")
@click.pass_obj
def recount_command(config, check):
    """Count the listed clinics per place and term anew (after changes made in SQL by hand)."""
    from models.counts import counted_anew, counts_kept, rebuild_counts

    database = open_database(config)
    if check:
        with database.read_session() as session:
            kept, anew = counts_kept(session), dict(counted_anew(session))
        wrong = sorted(key for key in kept.keys() | anew.keys()
                       if kept.get(key, 0) != anew.get(key, 0))
        if wrong:
            scope, facet, value = wrong[0]
            raise UserError(f"{len(wrong)} kept count(s) differ from the directory, first "
                            f"{scope or 'everywhere'} {facet} {value!r}: kept "
                            f"{kept.get(wrong[0], 0)}, counted {anew.get(wrong[0], 0)}; "
                            "run `reliefmap recount`")
        click.echo(f"The {len(kept)} kept counts match the directory.")
        return
    with database.write_session.begin() as session:
        rebuild_counts(session)
    click.echo("Counted the listed clinics anew.")


@click.group("users")
def users_group():
    """Manage editor and admin accounts."""


@users_group.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["editor", "admin"]), default="editor", show_default=True)
@click.pass_obj
def users_add(config, username, role):
    """Add an account; the password comes from $RELIEFMAP_PASSWORD or stdin, never argv."""
    from models.setup import create_user

    password = read_password("RELIEFMAP_PASSWORD", username)
    with open_database(config).write_session.begin() as session:
        create_user(session, username, password, role)
    click.echo(f"Account '{username}' ({role}) created.")


@users_group.command("list")
@click.pass_obj
def users_list(config):
    """List accounts."""
    from sqlalchemy import select

    from models import User

    with open_database(config).read_session() as session:
        for user in session.scalars(select(User).order_by(User.username)):
            state = "active" if user.active else "disabled"
            click.echo(f"{user.username}\t{user.role}\t{state}")


def _change_user(config, username, change, action):
    from sqlalchemy import select

    from models import User, record_audit

    with open_database(config).write_session.begin() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise UserError(f"no account named '{username}'; see 'reliefmap users list'")
        change(user)
        record_audit(session, None, action, "user", user.id, note="by the command line")


@users_group.command("disable")
@click.argument("username")
@click.pass_obj
def users_disable(config, username):
    """Disable an account so it can no longer log in."""
    _change_user(config, username, lambda user: user.set_active(False), "user-disable")
    click.echo(f"Account '{username}' disabled.")


@users_group.command("set-password")
@click.argument("username")
@click.pass_obj
def users_set_password(config, username):
    """Set a new password from $RELIEFMAP_PASSWORD or stdin."""
    password = read_password("RELIEFMAP_PASSWORD", username)
    _change_user(config, username, lambda user: user.set_password(password), "user-password")
    click.echo(f"Password of '{username}' changed.")

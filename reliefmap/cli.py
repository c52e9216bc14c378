"""The `reliefmap` command. Each area's commands live with that area and load on first use."""

import importlib
import json
import os
import sys

import click

from reliefmap.config import ConfigError, load_config
from reliefmap.errors import UserError

# Commands that live in their own layer: name -> "module:attribute", imported only when run.
LAZY_COMMANDS = {
    "crawl": "crawler.cli:crawl_command",
    "demo": "web.demo:demo_command",
    "export": "web.exports:export_command",
    "extract": "crawler.cli:extract_command",
    "runs": "jobs.cli:runs_command",
    "scheduler": "jobs.cli:scheduler_command",
    "scrapyd-deploy": "jobs.cli:scrapyd_deploy_command",
    "serve": "web.cli:serve_command",
    "sources": "jobs.cli:sources_command",
}


class ReliefMapGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx, name):
        if name in LAZY_COMMANDS:
            module, attribute = LAZY_COMMANDS[name].split(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"reliefmap: config error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=ReliefMapGroup)
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file (default: $RELIEFMAP_CONFIG or the project's config.toml).")
@click.pass_context
def main(ctx, config_path):
    """Relief Map: a directory of chronic-pain clinics and patient resources."""
    if config_path:
        os.environ["RELIEFMAP_CONFIG"] = os.path.abspath(config_path)
    ctx.obj = load_config(config_path)


def open_database(config):
    """The configured database; a one-line error when it cannot be reached."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from models import Database

    shown = make_url(config.database_url).render_as_string(hide_password=True)
    try:
        database = Database(config.database_url)
        with database.engine.connect():
            pass
    except OSError as exc:
        raise UserError(
            f"cannot open the database {shown}: {exc.strerror}: {exc.filename}") from None
    except OperationalError as exc:
        raise UserError(f"cannot open the database {shown}: "
                        f"{str(exc.orig).strip().splitlines()[0]}") from None
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


@main.command()
@click.option("--admin", "admin_name", help="Also create this admin account (password from "
              "$RELIEFMAP_ADMIN_PASSWORD or stdin).")
@click.pass_obj
def init(config, admin_name):
    """Create or upgrade the database and load the taxonomy and sources."""
    from models import migrate
    from reliefmap.setup import create_user, sync_config

    database = open_database(config)
    migrate.upgrade(config.database_url)
    with database.write_session.begin() as session:
        sync_config(session, config)
    click.echo(f"Database ready: {database.engine.url!r}")
    if admin_name:
        password = read_password("RELIEFMAP_ADMIN_PASSWORD", admin_name)
        with database.write_session.begin() as session:
            create_user(session, admin_name, password, "admin")
        click.echo(f"Admin account '{admin_name}' created.")


@main.group()
def users():
    """Manage editor and admin accounts."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["editor", "admin"]), default="editor", show_default=True)
@click.pass_obj
def users_add(config, username, role):
    """Add an account; the password comes from $RELIEFMAP_PASSWORD or stdin, never argv."""
    from reliefmap.setup import create_user

    password = read_password("RELIEFMAP_PASSWORD", username)
    with open_database(config).write_session.begin() as session:
        create_user(session, username, password, role)
    click.echo(f"Account '{username}' ({role}) created.")


@users.command("list")
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


@users.command("disable")
@click.argument("username")
@click.pass_obj
def users_disable(config, username):
    """Disable an account so it can no longer log in."""
    _change_user(config, username, lambda user: user.set_active(False), "user-disable")
    click.echo(f"Account '{username}' disabled.")


@users.command("set-password")
@click.argument("username")
@click.pass_obj
def users_set_password(config, username):
    """Set a new password from $RELIEFMAP_PASSWORD or stdin."""
    password = read_password("RELIEFMAP_PASSWORD", username)
    _change_user(config, username, lambda user: user.set_password(password), "user-password")
    click.echo(f"Password of '{username}' changed.")


@main.group("config")
def config_group():
    """Inspect the configuration."""


@config_group.command("check")
@click.pass_obj
def config_check(config):
    """Validate the configuration and print it resolved, with secrets masked."""
    click.echo(json.dumps(config.masked(), indent=2, default=str))

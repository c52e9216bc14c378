"""The `reliefmap` command. Each area's commands live with that area and load on first use."""

import importlib
import json
import os

import click

from reliefmap.config import ConfigError, load_config

# Commands that live in their own layer: name -> "module:attribute", imported only when run.
LAZY_COMMANDS = {
    "crawl": "crawler.cli:crawl_command",
    "demo": "web.demo:demo_command",
    "init": "models.cli:init_command",
    "recount": "models.cli:recount_command",
    "users": "models.cli:users_group",
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


@main.group("config")
def config_group():
    """Inspect the configuration."""


@config_group.command("check")
@click.pass_obj
def config_check(config):
    """Validate the configuration and print it resolved, with secrets masked."""
    click.echo(json.dumps(config.masked(), indent=2, default=str))

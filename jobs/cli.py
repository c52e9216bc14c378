"""`reliefmap scheduler`, `reliefmap sources` and `reliefmap runs`."""

import logging

import click
from sqlalchemy import select

from models import CrawlRun, Source
from models.cli import open_database
from reliefmap.errors import UserError


def make_executor(config):
    """The configured way to run a crawl: a local child process or a Scrapyd node."""
    settings = config.scheduler
    if settings.executor == "scrapyd":
        from jobs.scrapyd import ScrapydExecutor

        return ScrapydExecutor(settings.scrapyd_urls, settings.scrapyd_project,
                               kill_grace=settings.shutdown_grace_seconds,
                               spiders={name: source.spider for name, source
                                        in config.sources.items() if source.spider})
    from jobs.local import LocalExecutor

    return LocalExecutor(config, kill_grace=settings.shutdown_grace_seconds)


@click.command("scheduler")
@click.pass_obj
def scheduler_command(config):
    """Run every enabled source on its cron schedule, until SIGTERM or SIGINT."""
    from jobs import scheduler
    from models.setup import sync_config

    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    database = open_database(config)
    with database.write_session.begin() as session:
        sync_config(session, config)
    try:
        scheduler.run(config, database, make_executor(config))
    finally:
        database.dispose()


def when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def counts(run: CrawlRun) -> str:
    return (f"pages {run.pages}, new {run.items_new}, changed {run.items_changed}, "
            f"unchanged {run.items_unchanged}, rejected {run.items_rejected}, "
            f"errors {run.errors}")


@click.command("sources")
@click.pass_obj
def sources_command(config):
    """List the configured sources: schedule, next run, last run and health."""
    from jobs.scheduler import next_run_times

    database = open_database(config)
    try:
        next_runs = next_run_times(database)
        with database.read_session() as session:
            rows = {source.name: source for source in session.scalars(select(Source))}
            for name, source in sorted(config.sources.items()):
                row = rows.get(name)
                last = session.scalar(select(CrawlRun).where(CrawlRun.source_id == row.id)
                                      .order_by(CrawlRun.id.desc()).limit(1)) if row else None
                schedule = source.schedule if source.enabled else f"{source.schedule} (disabled)"
                health = row.health if row else "unknown (run 'reliefmap init')"
                if row and row.health_note:
                    health += f": {row.health_note}"
                last_run = (f"{last.status} {when(last.started_at)} ({counts(last)})"
                            if last else "never run")
                click.echo(f"{name}\t{source.kind}\t{schedule}\t"
                           f"next {when(next_runs.get(name))}\t{last_run}\t{health}")
    finally:
        database.dispose()


def when_exactly(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "not yet"


def print_run(run: CrawlRun) -> None:
    """One run in full: what the run page of the editor workspace shows."""
    duration = f" ({run.duration.total_seconds():.1f} s)" if run.duration is not None else ""
    click.echo(f"Run #{run.id} of {run.source.name}: {run.status}"
               f"{': ' + run.finish_reason if run.finish_reason else ''}\n"
               f"trigger   {run.trigger}\n"
               f"started   {when_exactly(run.started_at)}\n"
               f"finished  {when_exactly(run.finished_at)}{duration}\n"
               f"counts    {counts(run)}")
    click.echo("\nRejected items:")
    for rejection in run.rejections:
        click.echo(f"  {rejection['reason']}\n    page {rejection.get('url') or '-'}")
    if not run.rejections:
        click.echo(f"  {'none' if not run.items_rejected else 'reasons not recorded'}")
    click.echo("\nErrors:")
    for failure in run.failures or (["none"] if not run.errors else ["see the log"]):
        click.echo(f"  {failure}")
    click.echo("\nLog tail:")
    for line in (run.log_tail or "none recorded").splitlines():
        click.echo(f"  {line}")
    click.echo("\nStats:")
    for key, value in sorted(run.stats.items()):
        click.echo(f"  {key}: {value}")


@click.command("runs")
@click.argument("source_name", required=False)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1),
              help="How many runs to show, newest first.")
@click.option("--id", "run_id", type=int,
              help="Show one run in full: counts, rejected items and why, errors, log, stats.")
@click.pass_obj
def runs_command(config, source_name, limit, run_id):
    """Show the run history, newest first, of all sources or of one; or one run in full."""
    database = open_database(config)
    try:
        with database.read_session() as session:
            if run_id is not None:
                run = session.get(CrawlRun, run_id)
                if run is None:
                    raise UserError(f"no run #{run_id}; see 'reliefmap runs'")
                print_run(run)
                return
            query = select(CrawlRun).join(Source).order_by(CrawlRun.id.desc()).limit(limit)
            if source_name:
                if source_name not in config.sources and session.scalar(
                        select(Source.id).where(Source.name == source_name)) is None:
                    raise UserError(f"no source named '{source_name}'; "
                                    "see 'reliefmap sources'")
                query = query.where(Source.name == source_name)
            for run in session.scalars(query):
                click.echo(f"#{run.id}\t{run.source.name}\t{run.trigger}\t{run.status}\t"
                           f"{when(run.started_at)} - {when(run.finished_at)}\t{counts(run)}\t"
                           f"{run.finish_reason or ''}")
    finally:
        database.dispose()


@click.command("scrapyd-deploy")
@click.option("--url", "urls", multiple=True,
              help="A Scrapyd node (repeatable; default: [scheduler] scrapyd_urls).")
@click.option("--version", help="The version to upload as (default: the current time).")
@click.pass_obj
def scrapyd_deploy_command(config, urls, version):
    """Build an egg of the crawler and upload it to the Scrapyd nodes (addversion.json)."""
    import tempfile
    import time
    from pathlib import Path

    from jobs.scrapyd import ScrapydError, build_egg, deploy

    urls = urls or config.scheduler.scrapyd_urls
    if not urls:
        raise UserError("no Scrapyd node: give --url or set [scheduler] scrapyd_urls")
    version = version or str(int(time.time()))
    project = config.scheduler.scrapyd_project
    try:
        with tempfile.TemporaryDirectory() as out:
            egg = build_egg(Path(out), version)
            for url in urls:
                answer = deploy(url, project, egg, version)
                click.echo(f"{url}: project '{project}' version {version} deployed "
                           f"({answer.get('spiders', '?')} spider(s))")
    except ScrapydError as exc:
        raise UserError(str(exc)) from None

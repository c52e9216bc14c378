"""`reliefmap crawl SOURCE`: one crawl in this process, with live progress and a summary."""

from __future__ import annotations

import click

from models.runs import SKIPPED, SUCCEEDED, TRIGGERS
from reliefmap.errors import UserError

EXIT_STATUS = {SUCCEEDED: 0, SKIPPED: 3}  # anything else (failed, interrupted): 1


def crawl_settings(verbose: bool):
    """The project's Scrapy settings, with the progress line and a quiet log unless verbose."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions["crawler.extensions.progress.Progress"] = 200
    settings.set("EXTENSIONS", extensions, priority="cmdline")
    # The log goes to the run record (its tail); the terminal shows progress and the summary.
    settings.set("LOG_LEVEL", "INFO" if verbose else "CRITICAL", priority="cmdline")
    return settings


def summary(run) -> str:
    seconds = ((run.finished_at or run.started_at) - run.started_at).total_seconds()
    line = (f"{run.source.name}: {run.status} in {seconds:.1f}s: {run.pages} pages, "
            f"{run.items_new} new, {run.items_changed} changed, {run.items_unchanged} unchanged, "
            f"{run.items_rejected} rejected, {run.errors} errors (run {run.id})")
    if run.status != SUCCEEDED:
        line += f"\n{run.finish_reason}"
    return line


@click.command("crawl")
@click.argument("source_name", metavar="SOURCE")
@click.option("--max-pages", type=click.IntRange(min=1),
              help="Fetch at most this many pages (default: the source's max_pages).")
@click.option("--trigger", type=click.Choice(TRIGGERS), default="manual", show_default=True,
              help="What started the run, as recorded in the run history.")
@click.option("--run-id", type=int, help="Record into this existing run (made by a scheduler).")
@click.option("--verbose", is_flag=True, help="Show Scrapy's log on the terminal.")
@click.pass_obj
def crawl_command(config, source_name, max_pages, trigger, run_id, verbose):
    """Crawl one source into the database. Exit status: 0 succeeded, 1 failed, 3 skipped."""
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.source import SourceSpider
    from models.runs import CrawlRun
    from reliefmap.cli import open_database

    if source_name not in config.sources:
        known = ", ".join(sorted(config.sources)) or "none configured"
        raise UserError(f"unknown source '{source_name}' (known: {known})")
    database = open_database(config)
    settings = crawl_settings(verbose)
    process = CrawlerProcess(settings)
    custom = config.sources[source_name].spider
    try:
        spider_class = process.spider_loader.load(custom) if custom else SourceSpider
    except KeyError:
        raise UserError(f"source '{source_name}': no spider named '{custom}' in crawler/spiders "
                        f"(known: {', '.join(process.spider_loader.list())})") from None
    crawler = process.create_crawler(spider_class)
    process.crawl(crawler, source=source_name, trigger=trigger, run_id=run_id,
                  max_pages=max_pages)
    process.start()
    run_id = crawler.stats.get_value("reliefmap/run_id")
    try:
        with database.read_session() as session:
            run = session.get(CrawlRun, run_id) if run_id else None
            if run is None:
                raise UserError(f"the crawl of '{source_name}' did not start; "
                                "run it with --verbose to see why")
            click.echo(summary(run))
            status = run.status
    finally:
        database.dispose()
    raise SystemExit(EXIT_STATUS.get(status, 1))

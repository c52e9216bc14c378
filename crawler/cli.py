"""The crawler's commands: `reliefmap crawl SOURCE`, one crawl in this process with live progress
and a summary; `reliefmap extract`, the records a page would yield, or a folder's accuracy."""

from __future__ import annotations

import json
from pathlib import Path

import click

from crawler.preview import fetch, preview
from crawler.scoring import score_folder
from crawler.scrapy_settings import scrapy_settings
from models.runs import SKIPPED, SUCCEEDED, TRIGGERS
from reliefmap.config import load_config
from reliefmap.errors import UserError
from reliefmap.selectors import SelectorError

EXIT_STATUS = {SUCCEEDED: 0, SKIPPED: 3}  # anything else (failed, interrupted): 1


def crawl_settings(config, verbose: bool):
    """The project's Scrapy settings, with the progress line and a quiet log unless verbose."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setdict(scrapy_settings(config), priority="project")
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
    from models.cli import open_database
    from models.runs import CrawlRun

    if source_name not in config.sources:
        known = ", ".join(sorted(config.sources)) or "none configured"
        raise UserError(f"unknown source '{source_name}' (known: {known})")
    database = open_database(config)
    settings = crawl_settings(config, verbose)
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


@click.command("extract")
@click.argument("target", metavar="URL_OR_FILE")
@click.option("--url", "base_url", help="The URL a local file was saved from (its base URL).")
@click.option("--kind", type=click.Choice(["clinics", "resources", "details"]),
              default="clinics", show_default=True,
              help="What to look for on the page (details: with --score, the clinics' hours, "
                   "prices, payment and the like).")
@click.option("--country", default="US", show_default=True,
              help="Country (ISO alpha-2) assumed for phones and addresses that do not say.")
@click.option("--score", is_flag=True,
              help="TARGET is a folder of saved pages with expected records: print the accuracy.")
@click.option("--misses", is_flag=True, help="With --score: list every field that was wrong.")
@click.option("--fail-under", type=click.FloatRange(0, 100), metavar="PERCENT",
              help="With --score: exit 1 when the overall accuracy is below PERCENT.")
@click.pass_context
def extract_command(ctx, target, base_url, kind, country, score, misses, fail_under):
    """Print, one JSON object per line, the records a page or feed would yield."""
    config = ctx.obj or load_config()
    if score:
        print_score(target, kind, config, misses, fail_under)
        return
    if kind == "details":
        raise UserError("--kind details is for --score; a page's details are in its clinic "
                        "records (--kind clinics)")
    country = country.upper()
    content_type = None
    if target.startswith(("http://", "https://")):
        crawler = config.crawler
        body, content_type, final_url = fetch(target, crawler.user_agent,
                                              crawler.download_timeout, crawler.max_download_bytes)
        url = base_url or final_url
    else:
        path = Path(target)
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise UserError(f"cannot read {target}: {exc.strerror}") from None
        if kind == "resources" and not base_url:
            raise UserError(f"give --url with the address {target} was saved from: "
                            "a resource needs a web address")
        url = base_url or path.resolve().as_uri()
    try:
        records = preview(body, url, kind, country, config, content_type)
    except SelectorError as exc:
        raise UserError(str(exc)) from None
    for found in records:
        click.echo(json.dumps(found, ensure_ascii=False))


def print_score(folder: str, kind: str, config, misses: bool, fail_under: float | None) -> None:
    """`--score`: the accuracy table of a folder of saved pages, and the misses if asked."""
    try:
        result = score_folder(Path(folder), kind, config)
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"cannot score {folder}: {exc}") from None
    if not result.pages:
        raise UserError(f"{folder} holds no page with expected {kind} (NAME.html + NAME.json)")
    click.echo(result.table())
    if misses:
        click.echo("\n".join(result.misses))
    if fail_under is not None and result.accuracy * 100 < fail_under:
        click.echo(f"accuracy {result.accuracy:.1%} is under {fail_under:g}%", err=True)
        raise SystemExit(1)

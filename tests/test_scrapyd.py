"""executor = "scrapyd": crawls on a real Scrapyd on 127.0.0.1, deployed to by the test."""

import json
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from models.runs import SUCCEEDED
from tests.scheduler_fixtures import add_source, runs_of, set_keys, wait_for

SCRAPYD = str(Path(sys.executable).parent / "scrapyd")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/daemonstatus.json", timeout=2) as response:
            return json.loads(response.read())["status"] == "ok"
    except OSError:
        return False


@pytest.fixture
def scrapyd(tmp_path, cli_env):
    """A Scrapyd node on a free port, with the test's config and database in its environment."""
    folder = tmp_path / "scrapyd"
    folder.mkdir()
    port = free_port()
    (folder / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.5\n"
        f"max_proc = 2\nlogs_dir = {folder}/logs\neggs_dir = {folder}/eggs\n"
        f"dbs_dir = {folder}/dbs\n")
    log = open(folder / "scrapyd.log", "wb")
    process = subprocess.Popen([SCRAPYD], cwd=folder, env=cli_env, stdout=log,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: answers(url) or process.poll() is not None, 30,
                 message="Scrapyd to answer")
        assert process.poll() is None, (folder / "scrapyd.log").read_text()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_a_scheduled_crawl_runs_on_scrapyd_and_is_recorded(
        scheduler_config, clinic_site, scrapyd, run_cli, start_scheduler, database):
    add_source(scheduler_config, "directory", clinic_site.url, "*/3 * * * * *")
    scheduler_config.write_text(scheduler_config.read_text() + (  # a source with its own spider
        '\n[[sources]]\nname = "chain"\nkind = "clinics"\nspider = "store-locator"\n'
        f'start_urls = ["{clinic_site.url}/wp-json/wpsl/v1/locations.json"]\n'
        'schedule = "*/3 * * * * *"\n'))
    deployed = run_cli("scrapyd-deploy", "--url", scrapyd, "--version", "1")
    assert deployed.returncode == 0, deployed.stderr
    assert "version 1 deployed" in deployed.stdout
    set_keys(scheduler_config, executor="scrapyd", scrapyd_urls=[scrapyd])
    scheduler = start_scheduler()

    def succeeded():
        runs = runs_of(database, "directory")
        return [run for run in runs if run.status == SUCCEEDED]
    run = wait_for(succeeded, 90, message="a run on Scrapyd to succeed")[0]
    chain = wait_for(lambda: [run for run in runs_of(database, "chain")
                              if run.status == SUCCEEDED], 90,
                     message="the store-locator spider to run on Scrapyd")[0]
    assert scheduler.stop() == 0
    assert chain.items_new == 4  # the locator's four locations with an address
    assert run.trigger == "schedule" and run.pages >= 16 and run.items_total >= 16
    with urllib.request.urlopen(f"{scrapyd}/listjobs.json?project=reliefmap") as response:
        jobs = json.loads(response.read())
    assert any(job["id"].startswith(f"run-{run.id}-") for job in jobs["finished"])
    assert "started (schedule)" in scheduler.output()


def test_deploying_to_an_unreachable_node_is_one_clear_line(run_cli):
    result = run_cli("scrapyd-deploy", "--url", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and "addversion.json" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

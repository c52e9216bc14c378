"""A source with `spider = "store-locator"`: a chain's locations read from its locator JSON go
through the same pipelines as extracted pages."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Clinic, CrawlRun

LOCATOR = "/wp-json/wpsl/v1/locations.json"


def locator_source(add_source, config_file, url: str) -> None:
    add_source("chain-locator", start_urls=[url])
    with config_file.open("a") as fh:
        fh.write('spider = "store-locator"\n')


def test_a_locator_endpoint_becomes_normalised_classified_clinics(
        run_cli, database, add_source, config_file, sample_server):
    locator_source(add_source, config_file, sample_server.url + LOCATOR)
    result = run_cli("crawl", "chain-locator")
    assert result.returncode == 0, result.stdout + result.stderr
    with database.read_session() as session:
        clinics = {clinic.phone: clinic for clinic in session.scalars(
            select(Clinic).options(selectinload(Clinic.locations), selectinload(Clinic.terms)))}
        stats = session.scalar(select(CrawlRun)).stats
    assert set(clinics) == {"+13035550142", "+18015550177", "+19025550110", "+12085550100"}
    denver = clinics["+13035550142"]
    place = denver.locations[0]
    assert (denver.name, denver.state) == ("Front Range Ketamine Clinic", "pending")
    assert (place.street, place.locality, place.region, place.postal_code, place.country) == (
        "1400 Wewatta St, Suite 300", "Denver", "US-CO", "80202", "US")
    assert (place.latitude, place.longitude) == (39.753, -104.999)
    assert {"ketamine-iv-infusion", "crps", "depression"} <= {t.slug for t in denver.terms}
    assert clinics["+18015550177"].locations[0].latitude is not None  # geocoded offline
    halifax = clinics["+19025550110"].locations[0]
    assert (halifax.region, halifax.postal_code, halifax.country) == ("CA-NS", "B3J 3N8", "CA")
    boise = clinics["+12085550100"]
    assert "<" not in boise.name and "Boise Pain Relief" in boise.name
    assert boise.website is None  # its javascript: link was dropped
    assert stats["item/dropped/clinic/no_address"] == 1  # "No Address Clinic"

    again = run_cli("crawl", "chain-locator")  # unchanged: a 304, and nothing new or changed
    assert again.returncode == 0, again.stdout + again.stderr
    with database.read_session() as session:
        second = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()[-1]
    assert (second.items_new, second.items_changed, second.items_unchanged) == (0, 0, 4)


def test_an_answer_that_is_not_json_fails_the_run_with_a_clear_reason(
        run_cli, database, add_source, config_file, sample_server):
    locator_source(add_source, config_file, sample_server.url + "/index.html")
    result = run_cli("crawl", "chain-locator")
    with database.read_session() as session:
        run = session.scalar(select(CrawlRun))
    assert result.returncode == 1 and run.status == "failed"
    assert run.finish_reason == ("no page could be fetched: "
                                 f"{sample_server.url}/index.html: not a store-locator JSON answer")
    assert run.items_new == 0

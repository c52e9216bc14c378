"""End-to-end crawls of the sample resource hub: a feed and the pages its entries link to."""

import pytest
from sqlalchemy import func, select

from models import CrawlRun, Resource, ReviewItem, SourceRecord
from reliefmap.sample_server import SAMPLE_SITES, SampleServer

RESOURCES = 8  # the index links to 8 pages; the feed has entries for 4 of them


@pytest.fixture
def resource_hub(add_source):
    with SampleServer(SAMPLE_SITES / "resource-hub") as server:
        add_source("hub", kind="resources", feed_urls=[f"{server.url}/feed.xml"],
                   start_urls=[f"{server.url}/index.html"],
                   extract=["/articles/", "/groups/", "/orgs/", "/videos/", "/stories/"])
        yield server


def test_a_feed_entry_and_its_page_are_one_resource(run_cli, database, resource_hub):
    result = run_cli("crawl", "hub")
    assert result.returncode == 0, result.stderr
    with database.read_session() as session:
        resources = {resource.id: resource for resource in session.scalars(select(Resource))}
        records = list(session.scalars(select(SourceRecord)))
        run = session.scalar(select(CrawlRun))
        reviews = list(session.scalars(select(ReviewItem)))
        ketamine = next(r for r in resources.values() if r.url.endswith("/ketamine-for-crps.html"))
        assert ketamine.treatments == ["ketamine-iv-infusion"] and ketamine.conditions == ["crps"]
    assert len(resources) == len({r.url for r in resources.values()}) == RESOURCES
    assert len(records) == RESOURCES + 4
    for record in records:  # the feed entry's record and the page's name the same resource
        assert resources[record.resource_id].url == record.record_key.removesuffix("#feed")
    assert sorted(review.resource_id for review in reviews) == sorted(resources)
    assert all(review.kind == "new" for review in reviews)
    assert (run.items_new, run.items_changed + run.items_unchanged) == (RESOURCES, 4)

    again = run_cli("crawl", "hub")
    assert again.returncode == 0, again.stderr
    with database.read_session() as session:
        run = session.scalar(select(CrawlRun).order_by(CrawlRun.id.desc()))
        assert session.scalar(select(func.count()).select_from(Resource)) == RESOURCES
        assert session.scalar(select(func.count()).select_from(ReviewItem)) == RESOURCES
    assert (run.items_new, run.items_changed, run.items_unchanged) == (0, 0, RESOURCES + 4)

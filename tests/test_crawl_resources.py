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


@pytest.fixture
def patient_blog(add_source):
    with SampleServer(SAMPLE_SITES / "patient-blog") as server:
        add_source("blog", kind="resources", start_urls=[f"{server.url}/index.html"])
        yield server


def test_a_blog_crawl_keeps_its_posts_and_none_of_its_listings(run_cli, database, patient_blog):
    """Home, pagination, category, tag and author pages are followed but never resources,
    whatever their URLs look like; each post's date is the one it states, in its time zone."""
    result = run_cli("crawl", "blog")
    assert result.returncode == 0, result.stderr
    with database.read_session() as session:
        found = {resource.url.removeprefix(patient_blog.url): (
                     resource.title, str(resource.published), resource.kind,
                     resource.treatments, resource.conditions)
                 for resource in session.scalars(select(Resource))}
    assert sorted(found) == [
        "/2023/12/finding-a-support-group/index.html", "/2024/01/nerve-blocks-explained/index.html",
        "/2024/02/pacing-with-fibromyalgia/index.html",
        "/2024/03/questions-before-infusions/index.html", "/2024/04/late-night-flare/index.html"]
    assert found["/2024/04/late-night-flare/index.html"] == (
        "A late-night flare and what helped", "2024-04-02", "story", [], ["crps"])
    assert found["/2024/03/questions-before-infusions/index.html"][1:4] == (
        "2024-03-14", "article", ["ketamine-iv-infusion"])
    assert patient_blog.requested("/tag/pacing/index.html")  # listings are still followed


def test_links_repeated_on_every_page_do_not_use_up_the_page_cap(add_source, run_cli, database):
    """The blog's 12 pages link to each other dozens of times; a cap of 12 pages still reaches
    every one of them, whatever order the answers come in."""
    with SampleServer(SAMPLE_SITES / "patient-blog") as server:
        add_source("small-blog", kind="resources", max_pages=12,
                   start_urls=[f"{server.url}/index.html"])
        result = run_cli("crawl", "small-blog")
        assert result.returncode == 0, result.stderr
        fetched = {request["path"] for request in server.requests} - {"/robots.txt"}
    with database.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Resource)) == 5
    assert len(fetched) == 12

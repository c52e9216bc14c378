"""A crawl of the hostile pages: traps, oversized and failing pages are survived and bounded."""

from sqlalchemy import select

from models import Clinic, CrawlRun

CAP = 25


def test_hostile_pages_are_survived(run_cli, database, add_source, sample_server):
    base = sample_server.url
    sample_server.bomb()  # made now: compressing it would hold the GIL while the crawl runs
    add_source("hostile", max_pages=CAP, start_urls=[f"{base}/hostile/index.html"],
               follow=["/hostile/", "/private/"], extract=["/hostile/"])
    result = run_cli("crawl", "hostile", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr

    calendar = [e for e in sample_server.requests if e["path"].startswith("/hostile/calendar/")]
    assert 5 < len(calendar) < CAP  # the trap ran into the page cap, not forever
    assert len([e for e in sample_server.requests if e["path"].startswith("/hostile/loop/")]) <= 7
    assert not sample_server.requested("/private/hidden-clinic.html")
    assert [e["status"] for e in sample_server.requested("/hostile/flaky.html")] == [500, 200]
    assert sample_server.requested("/hostile/slow.html")

    with database.read_session() as session:
        clinics = {clinic.phone: clinic for clinic in session.scalars(select(Clinic))}
        run = session.scalar(select(CrawlRun))
        assert run.status == "succeeded"
        stats = run.stats
    assert "+15035550166" in clinics  # the flaky page recovered on retry
    assert "+16025550190" not in clinics  # the slow page timed out
    xss = clinics["+15045550155"]
    assert "<" not in xss.name and "Bayou Pain Relief" in xss.name
    assert xss.website is None  # its javascript: link was dropped
    assert stats.get("field/website/dropped_javascript", 0) >= 1
    assert stats.get("reliefmap/request_errors/DownloadTimeoutError") >= 1  # the slow page
    # The 30 MB page was cancelled on its Content-Length; the gzip bomb while decompressing.
    assert stats.get("reliefmap/request_errors/DownloadCancelledError") == 1
    assert stats.get("reliefmap/request_errors/IgnoreRequest", 0) >= 1
    assert 20_000_000 < stats["reliefmap/peak_rss_bytes"] < 400_000_000
    assert run.errors >= 3 and run.pages >= 8

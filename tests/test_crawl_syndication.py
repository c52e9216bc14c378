"""One resource, many sources: the same article crawled from two sources, or syndicated under
another URL (a canonical link, or the same title and author), is one resource that lists every
source, on its page too."""

import pytest
from sqlalchemy import select

from models import Resource, SourceRecord
from reliefmap.sample_server import SampleServer

ARTICLE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Pacing your days with CRPS</title>{canonical}
<meta name="author" content="Jo Writer">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "BlogPosting",
 "headline": "Pacing your days with CRPS", "author": {{"@type": "Person", "name": "Jo Writer"}},
 "datePublished": "2026-03-02"}}</script></head>
<body><header><a href="/">{site}</a></header><main><article>
<h1>Pacing your days with CRPS</h1><p class="byline">By Jo Writer · 2 March 2026</p>
<p>Living with complex regional pain syndrome means learning to pace. On good days it is
tempting to do everything at once, and then the flare comes.</p>
<p>Break tasks into short blocks, rest before the pain rises, and keep a diary of what helps.
Many people with CRPS find that a steady routine lowers the number of bad days.</p>
<p>Talk with your pain team about a plan that suits you, and ask about physical therapy.</p>
</article></main><footer>{site}</footer></body></html>"""


@pytest.fixture
def three_sites(tmp_path, add_source):
    """The original on one site, a copy naming it as canonical on a second, and a copy under
    another URL with the same title and author on a third."""
    folders = {name: tmp_path / name for name in ("original", "mirror", "syndicate")}
    for folder in folders.values():
        folder.mkdir()
    with SampleServer(folders["original"]) as original, \
            SampleServer(folders["mirror"]) as mirror, \
            SampleServer(folders["syndicate"]) as syndicate:
        first = f"{original.url}/articles/pacing.html"
        pages = {"original": ("articles/pacing.html", ""),
                 "mirror": ("copy/pacing.html", f'<link rel="canonical" href="{first}">'),
                 "syndicate": ("posts/pacing-with-crps.html", "")}
        for name, (path, canonical) in pages.items():
            (folders[name] / path).parent.mkdir(parents=True)
            (folders[name] / path).write_text(ARTICLE.format(canonical=canonical, site=name))
        for name, server in (("original", original), ("mirror", mirror),
                             ("syndicate", syndicate)):
            path = pages[name][0]
            add_source(name, kind="resources", trust="auto",
                       start_urls=[f"{server.url}/{path}"], extract=[f"/{path.split('/')[0]}/"])
        yield {name: f"{server.url}/{pages[name][0]}" for name, server in
               (("original", original), ("mirror", mirror), ("syndicate", syndicate))}


def test_one_article_from_three_sources_is_one_resource_listing_them(
        run_cli, database, client, three_sites):
    for name in ("original", "mirror", "syndicate"):
        result = run_cli("crawl", name)
        assert result.returncode == 0, result.stderr
    with database.read_session() as session:
        resources = list(session.scalars(select(Resource)))
        records = list(session.scalars(select(SourceRecord)))
        assert len(resources) == 1, [(r.title, r.url) for r in resources]
        resource = resources[0]
        assert resource.url == three_sites["original"]
        assert {record.resource_id for record in records} == {resource.id}
        assert {record.source.name for record in records} == {"original", "mirror",
                                                              "syndicate"}
        slug = resource.slug
    page = client.get(f"/resources/{slug}").get_data(as_text=True)
    for url in three_sites.values():
        assert f'href="{url}"' in page

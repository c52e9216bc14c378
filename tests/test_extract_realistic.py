"""Field-level accuracy of clinic extraction on the team's own pages built the way real sites are.

Each page in tests/pages/realistic/ has a JSON file beside it: the URL it stands for, the default
country, and the records a careful reader expects (`records: []` for pages that are not clinic
pages). `reliefmap extract --score tests/pages/realistic --misses` prints the table. These pages
were written by the team; the measure of extraction is the real-page corpus (test_corpus.py).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from crawler.scoring import extract_page, load_pages, score_clinics
from reliefmap.config import load_config

PAGES = Path(__file__).resolve().parent / "pages" / "realistic"


@cache
def _result():
    return score_clinics(load_pages(PAGES), extract_page(load_config()))


def test_realistic_pages_overall_accuracy():
    result = _result()
    assert result.accuracy >= 0.95, result.table() + "\n" + "\n".join(result.misses)


def test_realistic_non_clinic_pages_yield_nothing():
    extract = extract_page(load_config())
    non_clinic = [page for page in load_pages(PAGES) if not page.expected["records"]]
    assert len(non_clinic) >= 5
    assert {page.name: extract(page, "clinics") for page in non_clinic} == {
        page.name: [] for page in non_clinic}


def test_realistic_clinic_pages_yield_no_extra_records():
    assert _result().extra_records == {}

"""The gunicorn settings the README's command reads."""

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_a_worker_leaves_what_start_up_built_out_of_full_collections():
    settings = runpy.run_path(str(CONF))
    gc.unfreeze()
    try:
        settings["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 10_000  # the modules of the app at least
    finally:
        gc.unfreeze()


def test_the_master_reads_every_zip_code_before_it_starts_workers(monkeypatch):
    import zipcodes

    from reliefmap import zips

    settings = runpy.run_path(str(CONF))
    settings["on_starting"](server=None)
    assert zips._zips_starting.cache_info().currsize == 1000

    def no_more_reads(prefix):
        raise AssertionError(f"read prefix {prefix} while a patient waits")

    monkeypatch.setattr(zipcodes, "similar_to", no_more_reads)
    assert zips.us_zip("59801").state == "MT"  # Missoula
    assert zips.us_zip("00501").city == "Holtsville"
    assert zips.us_zip("99999") is None

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

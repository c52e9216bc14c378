"""gunicorn's settings for the web app: gunicorn reads this file when started from this folder,
as the README and bench/web run it (`gunicorn -w 4 'web:create_app()'`)."""

import gc


def on_starting(server):
    """Read every US ZIP code once, in the master: its workers inherit them. A worker that read
    them as patients asked spent about a millisecond on a prefix it had not met, one near question
    in two early on (varied near questions at 100,000 clinics)."""
    from reliefmap.zips import read_all

    read_all()


def post_worker_init(worker):
    """Leave what the app built at start-up (modules, the taxonomy, the map outlines, the ZIP
    codes, about 120,000 objects) out of the garbage collector's full passes, which stop every
    thread of the worker: under varied near questions at a million clinics they took up to
    216 ms, 85 ms with start-up frozen."""
    gc.freeze()

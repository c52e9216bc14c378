"""gunicorn's settings for the web app: gunicorn reads this file when started from this folder,
as the README and bench/web run it (`gunicorn -w 4 'web:create_app()'`)."""

import gc


def post_worker_init(worker):
    """Leave what the app built at start-up (modules, the taxonomy, the map outlines, about
    120,000 objects) out of the garbage collector's full passes, which stop every thread of the
    worker: under varied near questions at a million clinics they took up to 216 ms, 85 ms with
    start-up frozen."""
    gc.freeze()

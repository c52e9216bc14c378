"""A liveness check for operators and load balancers."""

from flask import Blueprint, Response

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process answers; touches nothing else, so it is also the benchmark's baseline."""
    return Response("ok\n", mimetype="text/plain")

"""The database session of the current request: a writer for POST and friends, else a reader."""

from flask import current_app, g, request
from sqlalchemy.orm import Session


def get_session() -> Session:
    """One session per request, closed when the request ends."""
    if "db_session" not in g:
        database = current_app.extensions["database"]
        writes = request.method not in ("GET", "HEAD", "OPTIONS")
        g.db_session = (database.write_session if writes else database.read_session)()
    return g.db_session

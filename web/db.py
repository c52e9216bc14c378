"""The database of the app and the session of the current request: a writer for POST and
friends, else a reader."""

from flask import Flask, current_app, g, request
from sqlalchemy.orm import Session

from models import Database


def get_session() -> Session:
    """One session per request, closed when the request ends."""
    if "db_session" not in g:
        database = current_app.extensions["database"]
        writes = request.method not in ("GET", "HEAD", "OPTIONS")
        g.db_session = (database.write_session if writes else database.read_session)()
    return g.db_session


def close_session(_exc=None) -> None:
    """Close the request's session, if it opened one."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask, database: Database) -> None:
    """Give the app its database and close each request's session when the request ends."""
    app.extensions["database"] = database
    app.teardown_appcontext(close_session)

"""Error pages a person can act on, and JSON errors for the API.

Every HTTP error (404, 405, 400 for a refused form token, a 500 from a failure Flask logged)
gets a page in the site's look with a way on (the search box, the home page), or
`{"error": ...}` under /api/. When the database cannot be reached or stays locked, the answer is
a 503 with Retry-After instead of a failure page.
"""

import logging

from flask import jsonify, make_response, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30
MESSAGES = {
    404: "We could not find that page. It may have moved, or the clinic may no longer be listed.",
    414: "That address is too long for us to read. Shorten the words you searched for and try "
         "again.",
    500: "Something went wrong on our side. Please try again in a moment.",
    503: "The directory is briefly unavailable. Please try again in a minute.",
}


def init_app(app) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(OperationalError, database_unavailable)


def http_error(error: HTTPException):
    if error.response is not None:  # abort(response): already a whole answer (e.g. a redirect)
        return error.response
    message = MESSAGES.get(error.code) or error.description
    if request.path.startswith("/api/"):
        body = jsonify({"error": message})
    else:
        body = render_template("error.html", code=error.code, name=error.name, message=message)
    response = make_response(body, error.code)
    for name, value in error.get_headers():  # e.g. Allow on a 405
        if name.lower() != "content-type":
            response.headers[name] = value
    if isinstance(error, ServiceUnavailable):
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def database_unavailable(error: OperationalError):
    log.error("database unavailable: %s", str(error.orig or error).splitlines()[0])
    return http_error(ServiceUnavailable())

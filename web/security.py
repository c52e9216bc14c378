"""Security headers on every response. Patients' searches are sensitive: no referrer leaves the
site, nothing loads from a third party, and no page can be framed."""

from flask import Flask

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",  # no inline script; JSON-LD blocks are data and never run
    "style-src 'self'",
    "img-src 'self' data:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # The "Use my location" button (static/locate.js) asks this site only for the position.
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    """Add the headers to every response that does not set its own."""

    @app.after_request
    def add_security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

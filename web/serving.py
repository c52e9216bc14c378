"""The development server of `reliefmap serve` and the demo. Its HTTP server answers some requests
before the app sees them (a request line over 64 KiB gets 414); those get the site's own error
page too."""

from werkzeug.exceptions import default_exceptions
from werkzeug.serving import WSGIRequestHandler

from web.errors import http_error


class SiteRequestHandler(WSGIRequestHandler):
    def send_error(self, code, message=None, explain=None):
        """The app's error page for `code`, with its headers, then close the connection."""
        app, exception = self.server.app, default_exceptions.get(code)
        if exception is None:
            return super().send_error(code, message, explain)
        with app.test_request_context("/"):
            response = app.process_response(app.make_response(http_error(exception())))
        body = response.get_data()
        self.log_error("code %d, message %s", code, message)
        self.send_response_only(code)
        for name, value in response.headers.items():
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True

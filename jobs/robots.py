"""robots.txt for the link check: each site's rules fetched once and read with Protego."""

import urllib.error
import urllib.request
from urllib.parse import urlsplit

from protego import Protego

# Like Google's limit: rules past the first 500 KiB are ignored.
MAX_ROBOTS_BYTES = 500 * 1024


class RobotsRules:
    """Whether each site's robots.txt lets `user_agent` fetch a URL; one fetch per site."""

    def __init__(self, user_agent: str, timeout: float):
        self.user_agent, self.timeout = user_agent, timeout
        self._parsers: dict[str, Protego | None] = {}

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return True
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._parsers:
            self._parsers[origin] = self._fetch(f"{origin}/robots.txt")
        parser = self._parsers[origin]
        return parser is None or parser.can_fetch(url, self.user_agent)

    def _fetch(self, url: str) -> Protego | None:
        """The site's rules; None (everything allowed) when it has none or they cannot be read,
        so that a site that is down is still checked, and flagged, as before."""
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read(MAX_ROBOTS_BYTES)
        except urllib.error.HTTPError as exc:
            exc.close()
            return None
        except (urllib.error.URLError, OSError, ValueError):
            return None
        return Protego.parse(body.decode("utf-8", errors="replace"))

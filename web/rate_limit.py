"""A per-address rate limit for the public forms, kept in process."""

import threading
import time
from collections import deque


class RateLimiter:
    """At most `limit` submissions per client address in a sliding `window` of seconds.

    In-process on purpose: it needs no table and no extra service, and the forms only need to
    slow down floods. Each web worker counts on its own, so with N gunicorn workers an address
    gets at most N times the limit.
    """

    def __init__(self, limit: int = 5, window: float = 600.0):
        self.limit, self.window = limit, window
        self._seen: dict[str, deque] = {}
        self._lock = threading.Lock()

    def allow(self, address: str) -> bool:
        """Count one submission from the address; False when it is over the limit."""
        now = time.monotonic()
        with self._lock:
            seen = self._seen.setdefault(address, deque())
            while seen and now - seen[0] > self.window:
                seen.popleft()
            if len(seen) >= self.limit:
                return False
            seen.append(now)
            if len(self._seen) > 10_000:  # forget idle addresses so memory stays bounded
                for key in [key for key, value in self._seen.items()
                            if not value or now - value[-1] > self.window]:
                    del self._seen[key]
            return True

    def retry_minutes(self) -> int:
        return max(1, round(self.window / 60))

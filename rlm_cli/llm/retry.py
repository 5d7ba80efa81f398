"""When to try a failed call again, and how long to wait first."""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter; a server's Retry-After wins over our own guess.

    Equal jitter (half fixed, half random) keeps a floor under the wait while
    spreading a batch's retries so sixteen rate-limited calls do not return in step.
    """

    max_attempts: int = 5  # attempts in all, the first included
    base_delay: float = 1.0  # seconds before the second attempt, doubled after each failure
    max_delay: float = 30.0
    max_retry_after: float = 120.0  # a longer Retry-After is clamped to this (the deadline still bounds it)

    def delay(self, failed_attempts: int, retry_after: Optional[float] = None, rng: Optional[random.Random] = None) -> float:
        """Seconds to wait after ``failed_attempts`` (>= 1) failures."""
        r = rng or random  # the module-level generator unless a test pins one
        step = min(self.max_delay, self.base_delay * (2 ** (failed_attempts - 1)))
        backoff = step / 2 + r.uniform(0, step / 2)
        if retry_after is not None and retry_after >= 0:
            # Honour the server, plus a little spread; never less than it asked for.
            return min(retry_after, self.max_retry_after) + r.uniform(0, min(step / 2, 1.0))
        return backoff


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds from a Retry-After header value: a number of seconds or an HTTP date."""
    if value is None:
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(0.0, email.utils.mktime_tz(parsed) - time.time())

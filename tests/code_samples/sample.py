"""Retry helpers."""
import functools


def backoff(base: float, attempt: int) -> float:
    return base * 2 ** attempt


class RetryPolicy:
    """How often and how long to retry."""

    class Limits:
        def __init__(self, tries: int) -> None:
            self.tries = tries

    def __init__(self, limits: "RetryPolicy.Limits") -> None:
        self.limits = limits

    @functools.lru_cache(maxsize=None)
    @staticmethod
    def next(attempt: int) -> float:
        return backoff(0.5, attempt)

    async def wait(self) -> None:
        pass


@functools.total_ordering
class Version:
    def __lt__(self, other: "Version") -> bool:
        return False

"""Run-wide limits and the accounting they are checked against (shared by every thread of a run)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, Optional

from .errors import BudgetExceeded


@dataclass(frozen=True)
class Limits:
    """The user's limits; None means unlimited. ``timeout`` is seconds for the whole run (--timeout)."""

    max_cost: Optional[float] = None  # USD, over calls whose price is known
    max_tokens: Optional[int] = None  # input + output tokens, all models, cache hits excluded
    max_subcalls: Optional[int] = None  # sub-model calls (llm_query / llm_batch items), cache hits included
    timeout: Optional[float] = None


@dataclass
class ModelUsage:
    """What one model consumed in this run."""

    calls: int = 0  # requests answered by the provider
    cached: int = 0  # answered from the response cache (free)
    failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0  # sum over calls with a known price
    unknown_cost_calls: int = 0  # calls whose price LiteLLM does not know: cost is then a lower bound


class Budget:
    """Thread-safe accounting of a run against its Limits.

    ``check`` runs before every call (the client does it) and raises
    BudgetExceeded; the first refusal is kept in ``exceeded`` so the engine can
    report why the run stopped. Calls already in flight when a limit is reached
    finish and are counted, so tokens and cost may overshoot by what was in flight.
    """

    def __init__(self, limits: Optional[Limits] = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or Limits()
        self._clock = clock
        self._lock = threading.Lock()
        self.started = clock()
        self.deadline: Optional[float] = None if self.limits.timeout is None else self.started + self.limits.timeout
        self.subcalls = 0
        self.by_model: Dict[str, ModelUsage] = {}
        self.exceeded: Optional[BudgetExceeded] = None
        self.cancelled: Optional[BudgetExceeded] = None  # cancel(): every later call is refused with it

    # -- totals -----------------------------------------------------------------
    @property
    def cost(self) -> float:
        with self._lock:
            return sum(u.cost for u in self.by_model.values())

    @property
    def cost_known(self) -> bool:
        """False once any call's price was unknown: ``cost`` is then a lower bound."""
        with self._lock:
            return not any(u.unknown_cost_calls for u in self.by_model.values())

    @property
    def tokens(self) -> int:
        with self._lock:
            return sum(u.input_tokens + u.output_tokens for u in self.by_model.values())

    def remaining_time(self) -> Optional[float]:
        """Seconds left before the deadline (may be <= 0), or None without --timeout."""
        return None if self.deadline is None else self.deadline - self._clock()

    # -- checks -----------------------------------------------------------------
    def check(self, role: str) -> None:
        """Refuse the next call if a limit is reached; a sub-call also takes one of --max-subcalls."""
        c = self.cancelled
        if c is not None:  # a fresh error each time: threads raise it concurrently
            raise BudgetExceeded(c.limit, str(c))
        with self._lock:
            lim = self.limits
            timed_out = self.exceeded is not None and self.exceeded.limit == "timeout"
            if self.deadline is not None and (timed_out or self._clock() >= self.deadline):
                # Sticky: a call cut short by the deadline ends the run even if its timeout fired a hair early.
                raise self._refusal("timeout", f"time limit of {lim.timeout:g}s reached")
            cost = sum(u.cost for u in self.by_model.values())
            if lim.max_cost is not None and cost >= lim.max_cost:
                raise self._refusal("max_cost", f"cost limit of ${lim.max_cost:g} reached (spent ${cost:.4f})")
            tokens = sum(u.input_tokens + u.output_tokens for u in self.by_model.values())
            if lim.max_tokens is not None and tokens >= lim.max_tokens:
                raise self._refusal("max_tokens", f"token limit of {lim.max_tokens} reached (used {tokens})")
            if role == "sub":
                if lim.max_subcalls is not None and self.subcalls >= lim.max_subcalls:
                    raise self._refusal("max_subcalls", f"sub-call limit of {lim.max_subcalls} reached")
                self.subcalls += 1  # reserved now, so concurrent batch items cannot all slip past the limit

    def cancel(self, limit: str, message: str) -> None:
        """Refuse every later call (Ctrl-C). No lock: a signal handler on the main thread may call it while
        that thread holds the lock; plain attribute stores are atomic."""
        err = BudgetExceeded(limit, message)
        self.cancelled = err
        if self.exceeded is None:
            self.exceeded = err

    def time_out(self) -> BudgetExceeded:
        """The error for a call cut short by the deadline (recorded like any refusal)."""
        with self._lock:
            return self._refusal("timeout", f"time limit of {self.limits.timeout:g}s reached")

    def _refusal(self, limit: str, message: str) -> BudgetExceeded:
        err = BudgetExceeded(limit, message)
        if self.exceeded is None:
            self.exceeded = err
        return err

    # -- accounting -------------------------------------------------------------
    def record(self, model: str, *, input_tokens: int = 0, output_tokens: int = 0, cost: Optional[float] = None,
               cached: bool = False, failed: bool = False) -> None:
        """Count one finished call. A cache hit is free: it adds no tokens and no cost."""
        with self._lock:
            u = self.by_model.setdefault(model, ModelUsage())
            if failed:
                u.failed += 1
            elif cached:
                u.cached += 1
            else:
                u.calls += 1
                u.input_tokens += input_tokens
                u.output_tokens += output_tokens
                if cost is None:
                    u.unknown_cost_calls += 1
                else:
                    u.cost += cost

    def snapshot(self) -> Dict[str, ModelUsage]:
        """A copy of the usage per model, for summaries and traces."""
        with self._lock:
            return {m: ModelUsage(**vars(u)) for m, u in self.by_model.items()}

"""Events the client emits around each model call, for progress views and traces.

Delivered synchronously on the calling thread (batch items run on worker
threads), so a subscriber must be thread-safe and quick.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union


@dataclass(frozen=True)
class CallStarted:
    call_id: int
    model: str
    role: str  # "root" or "sub"


@dataclass(frozen=True)
class CallRetrying:
    call_id: int
    model: str
    role: str
    attempt: int  # the attempt that failed (1-based)
    delay: float  # seconds until the next attempt
    reason: str  # one line, no secrets: "HTTP 429: ...", "timed out after 30.0s"


@dataclass(frozen=True)
class CallFinished:
    call_id: int
    model: str
    role: str
    input_tokens: int
    output_tokens: int
    cost: Optional[float]  # None: price unknown
    duration: float  # seconds, retries and waits included
    cached: bool
    attempts: int  # requests sent (0 for a cache hit or a refused call)
    error: Optional[str] = None  # one line when the call failed


LLMEvent = Union[CallStarted, CallRetrying, CallFinished]

"""The seam between the REPL and the models: what the host calls when a cell asks for a sub-call.

The engine implements ``SubcallHandler`` with the real model (and decides depth
limits, budgets and caching); tests plug in plain functions through
``FunctionHandler``. Every method is called on a host thread pool, several at
once, so implementations must be thread-safe.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Protocol, runtime_checkable

from .inputs import ReplInputs

ERROR_PREFIX = "[ERROR]"


@runtime_checkable
class SubcallHandler(Protocol):
    def llm_query(self, prompt: str, model: str | None, system: str | None) -> str:
        """One completion. Raising makes ``llm_query`` raise in the cell."""
        ...

    def llm_batch(self, prompts: list[str], model: str | None) -> list[str]:
        """One answer per prompt, in order; a failed item is a string starting ``[ERROR]``."""
        ...

    def rlm_query(self, prompt: str, context: ReplInputs | None) -> str:
        """A child RLM with its own REPL over ``context`` (None: the cell passed none); the handler limits depth."""
        ...


@dataclass(frozen=True)
class SubcallEvent:
    """Told to ``on_subcall`` when the host starts and finishes answering a worker's request."""

    call_id: int
    kind: str  # llm_query | llm_batch | rlm_query
    phase: str  # started | finished
    items: int  # prompts in the request (1 except for llm_batch)
    prompt_chars: int
    duration: float = 0.0
    error: str | None = None


def error_item(e: BaseException) -> str:
    return f"{ERROR_PREFIX} {type(e).__name__}: {e}"


class FunctionHandler:
    """A handler from plain functions; batch items run concurrently on a bounded pool."""

    def __init__(self, llm_query: Callable[[str, str | None, str | None], str] | None = None,
                 rlm_query: Callable[[str, ReplInputs | None], str] | None = None, concurrency: int = 16) -> None:
        self._llm = llm_query
        self._rlm = rlm_query
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="rlm-batch")

    def llm_query(self, prompt: str, model: str | None = None, system: str | None = None) -> str:
        if self._llm is None:
            raise RuntimeError("no model is attached to this REPL")
        return self._llm(prompt, model, system)

    def llm_batch(self, prompts: list[str], model: str | None = None) -> list[str]:
        def one(p: str) -> str:
            try:
                return str(self.llm_query(p, model, None))
            except Exception as e:  # one failed item must not sink the batch
                return error_item(e)

        return list(self._pool.map(one, prompts))

    def rlm_query(self, prompt: str, context: ReplInputs | None) -> str:
        if self._rlm is None:  # as at the depth limit: a plain sub-model call
            return self.llm_query(prompt, None, None)
        return self._rlm(prompt, context)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

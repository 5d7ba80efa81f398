"""LLMClient: model calls for the root loop and the REPL's sub-calls, under one run's budget.

Everything around the wire lives here: retries bounded by the deadline,
bounded concurrency shared by every thread of the run, the context-window
check, the response cache, accounting and events. The wire itself is a
Transport (LiteLLM unless told otherwise).

Threads, not asyncio: LiteLLM's sync completion on a thread pool meets the
fan-out target (see benchmarks/bench_fanout.py), and the REPL host calls
``query``/``batch`` from its own threads, which a private event loop would
have to be bridged to anyway.
"""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from .budget import Budget, Limits
from .cache import ResponseCache, cache_key
from .errors import BudgetExceeded, ContextWindowExceeded, LLMError, ProviderError, redact
from .events import CallFinished, CallRetrying, CallStarted, LLMEvent
from .retry import RetryPolicy
from .transport import LiteLLMTransport, Message, Request, Response, Transport, TransportError

ERROR_PREFIX = "[ERROR]"


@dataclass(frozen=True)
class LLMConfig:
    """How to reach the models. Built by the CLI from flags, environment and config file."""

    model: str  # root model, a LiteLLM model string
    sub_model: Optional[str] = None  # for llm_query/llm_batch; defaults to the root model
    api_base: Optional[str] = None  # --api-base: an OpenAI-compatible server (Ollama, vLLM, llama.cpp...)
    api_key: Optional[str] = field(default=None, repr=False)  # --api-key; never printed
    concurrency: int = 16  # --concurrency: requests in flight at once, across all threads
    request_timeout: float = 300.0  # one attempt; the run's --timeout cuts it further
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    cache: bool = True  # --no-cache turns it off
    cache_path: Optional[str] = None  # default: $RLM_CACHE_DIR or the user cache dir
    # Input windows for models LiteLLM does not know (e.g. openai/<local model>); unknown and unset: no check.
    context_windows: Mapping[str, int] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)  # completion parameters for every call (temperature...)


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    role: str
    input_tokens: int
    output_tokens: int
    cost: Optional[float]  # USD; None when the price is unknown; 0.0 for a cache hit (nothing was spent)
    duration: float
    cached: bool
    attempts: int


class LLMClient:
    """One per run, shared by the engine, child RLMs and the REPL host's threads.

    ``complete`` raises (ProviderError, BudgetExceeded, ContextWindowExceeded);
    ``query`` and ``batch`` are the sub-call forms the REPL exposes: a failed
    call comes back as a string starting ``[ERROR]``, except BudgetExceeded,
    which is raised because the run has to stop.
    """

    def __init__(self, config: LLMConfig, limits: Optional[Limits] = None, *, budget: Optional[Budget] = None,
                 transport: Optional[Transport] = None, cache: Optional[ResponseCache] = None,
                 on_event: Optional[Callable[[LLMEvent], None]] = None) -> None:
        if config.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.config = config
        self.budget = budget if budget is not None else Budget(limits)
        self.transport: Transport = transport if transport is not None else LiteLLMTransport()
        self.cache = (cache if cache is not None else ResponseCache(config.cache_path)) if config.cache else None
        self.on_event = on_event
        self._slots = threading.BoundedSemaphore(config.concurrency)
        self._ids = itertools.count(1)
        self._windows: Dict[str, Optional[int]] = {}
        self._windows_lock = threading.Lock()

    # -- public -----------------------------------------------------------------
    def complete(self, messages: Sequence[Message], model: Optional[str] = None, role: str = "root", *,
                 params: Optional[Mapping[str, Any]] = None, stream: bool = False,
                 on_delta: Optional[Callable[[str], None]] = None) -> Completion:
        """One chat completion. ``stream`` delivers text pieces to ``on_delta`` as they arrive."""
        if role not in ("root", "sub"):
            raise ValueError(f"role must be 'root' or 'sub', not {role!r}")
        model = model or (self.config.model if role == "root" else (self.config.sub_model or self.config.model))
        msgs = [dict(m) for m in messages]
        merged = {**self.config.params, **(params or {})}
        self.budget.check(role)  # before anything else: a refused call sends nothing
        call_id = next(self._ids)
        started = time.monotonic()
        self._emit(CallStarted(call_id, model, role))
        attempts = 0
        try:
            self._check_window(model, msgs)
            key = cache_key(model, msgs, merged, self.config.api_base) if self.cache is not None else None
            resp = self.cache.get(key) if (self.cache is not None and key is not None) else None
            cached = resp is not None
            if resp is not None:
                if on_delta is not None:
                    on_delta(resp.text)
            else:
                resp, attempts = self._send(call_id, role, Request(
                    model=model, messages=msgs, timeout=self.config.request_timeout, api_base=self.config.api_base,
                    api_key=self.config.api_key, params=merged, stream=stream, on_delta=on_delta))
        except LLMError as e:
            attempts = getattr(e, "attempts", attempts)
            self.budget.record(model, failed=True)
            self._emit(CallFinished(call_id, model, role, 0, 0, None, time.monotonic() - started, False, attempts, str(e)))
            raise
        if cached:
            self.budget.record(model, cached=True)
        else:
            self.budget.record(model, input_tokens=resp.input_tokens, output_tokens=resp.output_tokens, cost=resp.cost)
            if self.cache is not None and key is not None:
                self.cache.put(key, resp)
        done = Completion(text=resp.text, model=model, role=role, input_tokens=resp.input_tokens,
                          output_tokens=resp.output_tokens, cost=0.0 if cached else resp.cost,
                          duration=time.monotonic() - started, cached=cached, attempts=attempts)
        self._emit(CallFinished(call_id, model, role, done.input_tokens, done.output_tokens, done.cost,
                                done.duration, cached, attempts))
        return done

    def query(self, prompt: str, model: Optional[str] = None, system: Optional[str] = None) -> str:
        """``llm_query``: one sub-call. Failure -> ``"[ERROR] ..."``; BudgetExceeded is raised."""
        try:
            return self.complete(_messages(prompt, system), model=model, role="sub").text
        except BudgetExceeded:
            raise
        except LLMError as e:
            return f"{ERROR_PREFIX} {e}"

    def batch(self, prompts: Sequence[str], model: Optional[str] = None, system: Optional[str] = None) -> List[str]:
        """``llm_batch``: sub-calls run concurrently (at most ``concurrency`` in flight), answers in order.

        Each failed item is its own ``"[ERROR] ..."`` string. If a limit stops the
        run, items not yet sent are skipped, those in flight finish, then
        BudgetExceeded is raised.
        """
        items = list(prompts)
        if not items:
            return []

        def one(prompt: str) -> Tuple[str, Optional[BudgetExceeded]]:
            try:
                return self.query(prompt, model=model, system=system), None
            except BudgetExceeded as e:
                return f"{ERROR_PREFIX} {e}", e
            except Exception as e:  # noqa: BLE001 - one item's bug must not sink its siblings
                return f"{ERROR_PREFIX} {type(e).__name__}: {redact(str(e), [self.config.api_key])}", None

        workers = min(self.config.concurrency, len(items))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rlm-llm") as pool:
            results = list(pool.map(one, items))
        stop = next((e for _, e in results if e is not None), None)
        if stop is not None:
            raise stop
        return [text for text, _ in results]

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()

    # -- internals --------------------------------------------------------------
    def _emit(self, event: LLMEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _window(self, model: str) -> Optional[int]:
        if model in self.config.context_windows:
            return int(self.config.context_windows[model])
        with self._windows_lock:
            if model not in self._windows:
                self._windows[model] = self.transport.context_window(model)
            return self._windows[model]

    def _check_window(self, model: str, messages: List[Message]) -> None:
        window = self._window(model)
        if window is None:
            return  # unknown model and no configured window: the provider is the judge
        tokens = self.transport.count_tokens(model, messages)
        if tokens > window:
            raise ContextWindowExceeded(model, tokens, window)

    def _send(self, call_id: int, role: str, request: Request) -> Tuple[Response, int]:
        """Attempts with backoff; each holds a concurrency slot only while on the wire."""
        policy = self.config.retry
        attempt = 0
        while True:
            attempt += 1
            c = self.budget.cancelled
            if c is not None:  # Ctrl-C: no further attempt
                raise BudgetExceeded(c.limit, str(c))
            remaining = self.budget.remaining_time()
            if remaining is not None and remaining <= 0:
                raise self.budget.time_out()
            capped = remaining is not None and remaining < self.config.request_timeout
            request.timeout = remaining if capped else self.config.request_timeout  # type: ignore[assignment]
            if not self._slots.acquire(timeout=remaining if remaining is not None else None):
                raise self.budget.time_out()
            try:
                return self.transport.complete(request), attempt
            except TransportError as e:
                err = e
            finally:
                self._slots.release()
            if err.context_window:
                raise ContextWindowExceeded(request.model, detail=str(err)) from None
            if err.timeout and capped:
                raise self.budget.time_out() from None  # the deadline, not the provider, ended it
            reason = f"HTTP {err.status}: {err}" if err.status and not err.timeout else str(err)
            reason = redact(reason, [request.api_key])
            if not err.retryable or attempt >= policy.max_attempts:
                tries = f" after {attempt} attempts" if attempt > 1 else ""
                raise ProviderError(f"{role} model {request.model} failed{tries}: {reason}", model=request.model,
                                    status=err.status, attempts=attempt) from None
            delay = policy.delay(attempt, err.retry_after)
            left = self.budget.remaining_time()
            if left is not None and delay >= left:
                raise ProviderError(f"{role} model {request.model} failed after {attempt} attempts: {reason} "
                                    f"(the next try, in {delay:.1f}s, would pass the time limit)",
                                    model=request.model, status=err.status, attempts=attempt) from None
            self._emit(CallRetrying(call_id, request.model, role, attempt, delay, reason))
            time.sleep(delay)


def _messages(prompt: str, system: Optional[str]) -> List[Message]:
    msgs: List[Message] = [{"role": "system", "content": system}] if system else []
    msgs.append({"role": "user", "content": prompt if isinstance(prompt, str) else str(prompt)})
    return msgs

"""The seam between the client and a model provider: one small interface, the LiteLLM one and a mock.

Like httpx's transports: the client (retries, budgets, cache, concurrency)
never knows how a request travels, so tests and the engine can swap the
network out without monkeypatching. This module is the only importer of
LiteLLM, and imports it lazily: ``rlm --help`` and the offline commands never pay for it.
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Protocol, Union

from .errors import redact
from .retry import parse_retry_after

Message = Dict[str, Any]


@dataclass
class Request:
    """One chat completion, as the client hands it to a transport."""

    model: str  # a LiteLLM model string: "gpt-4o", "anthropic/claude-...", "openai/<name>" for local servers
    messages: List[Message]
    timeout: float  # seconds for this attempt (already cut to the run's deadline)
    api_base: Optional[str] = None
    api_key: Optional[str] = field(default=None, repr=False)
    params: Dict[str, Any] = field(default_factory=dict)  # temperature, max_tokens... passed through
    stream: bool = False
    on_delta: Optional[Callable[[str], None]] = field(default=None, repr=False, compare=False)


@dataclass
class Response:
    text: str
    model: str
    input_tokens: int
    output_tokens: int
    cost: Optional[float]  # USD; None when the price is unknown (never 0 for unknown)


class TransportError(Exception):
    """A failed attempt, classified so the client can decide to retry. The message is already redacted."""

    def __init__(self, message: str, *, status: Optional[int] = None, retryable: bool = False,
                 retry_after: Optional[float] = None, timeout: bool = False, context_window: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
        self.timeout = timeout
        self.context_window = context_window


class Transport(Protocol):
    def complete(self, request: Request) -> Response:
        """Send one attempt; raise TransportError on failure. Must be safe to call from many threads."""

    def context_window(self, model: str) -> Optional[int]:
        """The model's input window in tokens, or None when unknown."""

    def count_tokens(self, model: str, messages: List[Message]) -> int:
        """Tokens the messages take for this model (an estimate is fine)."""


# -- LiteLLM ----------------------------------------------------------------------

_load_lock = threading.Lock()
_litellm: Any = None
_QUIET_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm", "httpx", "openai")


def load_litellm() -> Any:
    """Import LiteLLM once, offline and quiet (thread-safe; see ``preload``)."""
    global _litellm
    with _load_lock:
        if _litellm is None:
            # The bundled price map, not a fetch from GitHub at import time.
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            os.environ.setdefault("LITELLM_LOG", "ERROR")
            # Its pydantic models warn on stderr at first use; not the user's concern.
            warnings.filterwarnings("ignore", module=r"litellm(\.|$)")
            warnings.filterwarnings("ignore", message=r".*`ReadOnly` qualifier", category=UserWarning)
            import litellm

            litellm.suppress_debug_info = True  # no "Give Feedback / Get Help" banners on stdout
            litellm.telemetry = False
            litellm.set_verbose = False
            litellm.num_retries = 0  # retries are ours, bounded by the run's deadline
            try:  # the OpenAI SDK imports its resources on first use (~1 s): pay it here, not inside a timed call
                import openai.resources  # noqa: F401
            except ImportError:
                pass
            for name in _QUIET_LOGGERS:
                # Provider debug logs can carry request headers; nothing below CRITICAL reaches the user.
                logging.getLogger(name).setLevel(logging.CRITICAL)
            _litellm = litellm
    return _litellm


def preload() -> threading.Thread:
    """Start importing LiteLLM in the background (it takes seconds) while the input loads."""
    t = threading.Thread(target=load_litellm, name="rlm-litellm-import", daemon=True)
    t.start()
    return t


_ENV_SECRET = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD)", re.I)
# "litellm.RateLimitError: RateLimitError: OpenAIException - real message" -> "real message"
_NOISE = re.compile(r"^(litellm\.\w+:\s*)?(\w+Error:\s*)?(\w+Exception\s*-\s*)?")


def _secrets(request: Request) -> List[Optional[str]]:
    return [request.api_key] + [v for k, v in os.environ.items() if _ENV_SECRET.search(k) and len(v) >= 8]


def _first_line(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return _NOISE.sub("", line)[:300]


class LiteLLMTransport:
    """Any LiteLLM provider. LiteLLM's own retries are off (we retry, bounded by the deadline)."""

    def __init__(self, extra: Optional[Dict[str, Any]] = None) -> None:
        self.extra = dict(extra or {})  # completion() keyword arguments for every call (api_version, ...)

    def complete(self, request: Request) -> Response:
        litellm = load_litellm()
        kwargs: Dict[str, Any] = {**self.extra, **request.params, "model": request.model, "messages": request.messages,
                                  "timeout": _quantize(request.timeout), "num_retries": 0, "max_retries": 0}
        if request.api_base:
            kwargs["api_base"] = request.api_base
        if request.api_key:
            kwargs["api_key"] = request.api_key
        elif request.api_base and request.model.startswith("openai/") and not os.environ.get("OPENAI_API_KEY"):
            # Local OpenAI-compatible servers (Ollama, llama.cpp, vLLM) want no key, but the
            # OpenAI client refuses to send a request without one.
            kwargs["api_key"] = "no-key"
        try:
            if request.stream:
                kwargs.update(stream=True, stream_options={"include_usage": True})
                chunks = []
                for chunk in litellm.completion(**kwargs):
                    chunks.append(chunk)
                    delta = chunk.choices[0].delta.content if chunk.choices else None
                    if delta and request.on_delta is not None:
                        request.on_delta(delta)
                resp = litellm.stream_chunk_builder(chunks, messages=request.messages)
            else:
                resp = litellm.completion(**kwargs)
        except Exception as e:  # noqa: BLE001 - every failure becomes a classified, redacted TransportError
            raise self._classify(e, request) from None
        return self._response(litellm, resp, request)

    def _response(self, litellm: Any, resp: Any, request: Request) -> Response:
        text = (resp.choices[0].message.content or "") if resp is not None and resp.choices else ""
        usage = getattr(resp, "usage", None)
        if usage is not None and getattr(usage, "prompt_tokens", None) is not None:
            tin, tout = int(usage.prompt_tokens or 0), int(usage.completion_tokens or 0)
        else:  # some local servers send no usage: estimate, so --max-tokens still bites
            tin = self.count_tokens(request.model, request.messages)
            tout = int(litellm.token_counter(model=request.model, text=text)) if text else 0
        try:
            cost: Optional[float] = float(litellm.completion_cost(completion_response=resp, model=request.model))
        except Exception:  # noqa: BLE001 - not in the price map: unknown, not free
            cost = None
        return Response(text=text, model=request.model, input_tokens=tin, output_tokens=tout, cost=cost)

    def _classify(self, e: Exception, request: Request) -> TransportError:
        litellm = load_litellm()
        status = getattr(e, "status_code", None)
        status = status if isinstance(status, int) else None
        message = redact(_first_line(str(e)) or type(e).__name__, _secrets(request))
        if isinstance(e, litellm.ContextWindowExceededError):
            return TransportError(message, status=status, context_window=True)
        if isinstance(e, litellm.Timeout):
            return TransportError(f"timed out after {request.timeout:.1f}s", status=status, retryable=True, timeout=True)
        if "missing credentials" in message.lower() or isinstance(e, litellm.AuthenticationError):
            # Raised before any request is sent (LiteLLM calls it a 500): retrying cannot help.
            return TransportError(f"{message} (set the provider's API key variable or pass --api-key)", status=status)
        retryable = isinstance(e, litellm.APIConnectionError) or status in (408, 409, 425, 429) or (status or 0) >= 500
        return TransportError(message, status=status, retryable=retryable, retry_after=_retry_after(e))

    def context_window(self, model: str) -> Optional[int]:
        try:
            info = load_litellm().get_model_info(model)
        except Exception:  # noqa: BLE001 - unknown model (e.g. openai/<local name>): no check
            return None
        window = info.get("max_input_tokens") or info.get("max_tokens")
        return int(window) if window else None

    def count_tokens(self, model: str, messages: List[Message]) -> int:
        return int(load_litellm().token_counter(model=model, messages=messages))


def _quantize(timeout: float) -> float:
    """Few distinct timeouts: LiteLLM caches one HTTP client per timeout value, so a timeout
    shrinking with the deadline would otherwise build a client (and connections) per call."""
    if timeout >= 10:
        return float(math.floor(timeout))
    return max(0.1, math.floor(timeout * 10) / 10)


def _retry_after(e: Exception) -> Optional[float]:
    """Retry-After from the provider's response headers (LiteLLM keeps them on the exception)."""
    for headers in (getattr(e, "litellm_response_headers", None), getattr(getattr(e, "response", None), "headers", None)):
        if not headers:
            continue
        try:
            ms = headers.get("retry-after-ms")
            if ms is not None:
                return float(ms) / 1000.0
            value = parse_retry_after(headers.get("retry-after"))
        except (AttributeError, TypeError, ValueError):
            continue
        if value is not None:
            return value
    return None


# -- Mock ---------------------------------------------------------------------------

Handler = Callable[[Request], Union[Response, str]]


class MockTransport:
    """A transport answered by a function, for engine tests that need no HTTP at all.

    The handler returns a Response or just the text (tokens estimated at four
    characters each, cost unknown), or raises TransportError to fail an attempt.
    """

    def __init__(self, handler: Handler, windows: Optional[Dict[str, int]] = None) -> None:
        self.handler = handler
        self.windows = dict(windows or {})
        self.requests: List[Request] = []
        self._lock = threading.Lock()

    def complete(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
        out = self.handler(request)
        if isinstance(out, Response):
            return out
        if request.on_delta is not None:
            request.on_delta(out)
        return Response(text=out, model=request.model, input_tokens=self.count_tokens(request.model, request.messages),
                        output_tokens=max(1, len(out) // 4), cost=None)

    def context_window(self, model: str) -> Optional[int]:
        return self.windows.get(model)

    def count_tokens(self, model: str, messages: List[Message]) -> int:
        return max(1, sum(len(str(m.get("content", ""))) for m in messages) // 4)

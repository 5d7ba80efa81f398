"""Errors the llm layer raises, each with a one-line message that is safe to show (no secrets)."""

from __future__ import annotations

import re
from typing import Iterable, Optional

# Provider keys in the shapes they take (sk-..., Bearer ..., key=...): scrubbed even when we were not told the key.
_KEYISH = re.compile(r"(?i)(bearer\s+|api[_-]?key[=:\s\"']+|sk-(?:ant-|proj-)?)[A-Za-z0-9._\-]{6,}")


def redact(text: str, secrets: Iterable[Optional[str]] = ()) -> str:
    """Remove known secrets and anything that looks like a key from ``text``."""
    for s in secrets:
        if s and len(s) >= 4:
            text = text.replace(s, "***")
    return _KEYISH.sub(lambda m: m.group(1) + "***", text)


class LLMError(Exception):
    """Base of this layer's errors; ``str(e)`` is one line fit for the user."""


class ProviderError(LLMError):
    """The provider failed: a permanent error, or a transient one that outlived the retries.

    The CLI maps it to exit code 4. ``status`` is the HTTP status when there was one.
    """

    def __init__(self, message: str, *, model: str, status: Optional[int] = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.model = model
        self.status = status
        self.attempts = attempts


class BudgetExceeded(LLMError):
    """A limit (--max-cost, --max-tokens, --max-subcalls, --timeout) refused a call.

    ``limit`` names the flag's setting ("max_cost", "max_tokens", "max_subcalls",
    "timeout"); the engine maps this to exit code 3 and reports ``str(e)``.
    """

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


class ContextWindowExceeded(LLMError):
    """The prompt does not fit the model's context window: refused before sending, or by the provider.

    Sub-calls turn it into an ``[ERROR]`` string so the model can send a smaller slice.
    """

    def __init__(self, model: str, tokens: Optional[int] = None, window: Optional[int] = None,
                 detail: Optional[str] = None) -> None:
        if tokens is not None and window is not None:
            msg = f"prompt of {tokens} tokens exceeds the context window of {model} ({window} tokens); send a smaller slice"
        else:
            msg = f"prompt exceeds the context window of {model} ({detail or 'provider refused it'}); send a smaller slice"
        super().__init__(msg)
        self.model = model
        self.tokens = tokens
        self.window = window

"""Model calls: the only layer that talks to providers, and the only importer of LiteLLM (lazily).

Importing this package does not import LiteLLM; the first call does (or
``preload()``, to overlap the import with loading the input).

    client = LLMClient(LLMConfig(model="openai/gpt-4o-mini", sub_model="openai/gpt-4o-mini"),
                       Limits(max_cost=1.0, timeout=600), on_event=print)
    client.complete(messages)          # root turn -> Completion; raises ProviderError / BudgetExceeded
    client.query("summarise: ...")     # llm_query -> str ("[ERROR] ..." on failure)
    client.batch(["...", "..."])       # llm_batch -> list[str], concurrent, failures isolated
    client.budget.exceeded, client.budget.cost, client.budget.snapshot()
"""

from .budget import Budget, Limits, ModelUsage
from .cache import ResponseCache, default_cache_dir
from .client import ERROR_PREFIX, Completion, LLMClient, LLMConfig
from .errors import BudgetExceeded, ContextWindowExceeded, LLMError, ProviderError, redact
from .events import CallFinished, CallRetrying, CallStarted, LLMEvent
from .retry import RetryPolicy
from .transport import LiteLLMTransport, MockTransport, Request, Response, Transport, TransportError, preload

__all__ = [
    "Budget", "BudgetExceeded", "CallFinished", "CallRetrying", "CallStarted", "Completion", "ContextWindowExceeded",
    "ERROR_PREFIX", "LLMClient", "LLMConfig", "LLMError", "LLMEvent", "Limits", "LiteLLMTransport", "MockTransport",
    "ModelUsage", "ProviderError", "Request", "Response", "ResponseCache", "RetryPolicy", "Transport",
    "TransportError", "default_cache_dir", "preload", "redact",
]

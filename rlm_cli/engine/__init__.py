"""The root loop: prompts, the context card, code-block parsing, turns, the answer protocol, recursion.

Emits typed events (``events``) and knows nothing of terminals or files.
Names are imported on first use so that importing the package (e.g. the
worker importing ``engine.card``) pulls in neither the REPL host nor LiteLLM.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "RLM": "loop", "EngineSettings": "loop", "RunResult": "loop", "run": "loop",
    "EngineHandler": "subcalls", "extract_code": "parse", "system_prompt": "prompts",
    "register_system_prompt": "prompts", "describe": "card",
}
__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS, globals())

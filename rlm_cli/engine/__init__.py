"""The root loop: prompts, the context card, code-block parsing, turns, the answer protocol, recursion.

Emits typed events (``events``) and knows nothing of terminals or files.
Names are imported on first use so that importing the package (e.g. the
worker importing ``engine.card``) pulls in neither the REPL host nor LiteLLM.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "RLM": "loop", "EngineSettings": "loop", "RunResult": "loop", "run": "loop",
    "EngineHandler": "subcalls", "extract_code": "parse", "system_prompt": "prompts",
    "register_system_prompt": "prompts", "describe": "card",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

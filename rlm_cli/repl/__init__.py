"""The sandboxed, persistent Python REPL the model works in.

``host`` starts and drives the worker (``worker``, run inside the sandbox
built by ``sandbox``) over the framed channel of ``protocol``; ``handler`` is
where the engine plugs the models in. Names are imported on first use, so the
worker (``python -m rlm_cli.repl.worker``) does not pay for the host's
imports; importing this package imports neither LiteLLM nor tree-sitter.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "CellResult": "host", "Repl": "host", "ReplError": "host",
    "ERROR_PREFIX": "handler", "FunctionHandler": "handler", "SubcallEvent": "handler", "SubcallHandler": "handler",
    "InputSpec": "inputs", "ReplInputs": "inputs",
    "SandboxError": "sandbox", "resolve_sandbox": "sandbox",
    "SANDBOX_MODES": "settings", "ReplSettings": "settings",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

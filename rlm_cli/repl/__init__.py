"""The sandboxed, persistent Python REPL the model works in.

``host`` starts and drives the worker (``worker``, run inside the sandbox
built by ``sandbox``) over the framed channel of ``protocol``; ``handler`` is
where the engine plugs the models in. Names are imported on first use, so the
worker (``python -m rlm_cli.repl.worker``) does not pay for the host's
imports; importing this package imports neither LiteLLM nor tree-sitter.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "CellResult": "host", "Repl": "host", "ReplError": "host",
    "ERROR_PREFIX": "handler", "FunctionHandler": "handler", "SubcallEvent": "handler", "SubcallHandler": "handler",
    "InputSpec": "inputs", "ReplInputs": "inputs",
    "SandboxError": "sandbox", "resolve_sandbox": "sandbox",
    "SANDBOX_MODES": "settings", "ReplSettings": "settings",
}
__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS, globals())

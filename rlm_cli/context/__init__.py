"""The input as lazily paged, read-only objects: no model, no UI.

Walking (``walk``), opening (``document``, ``corpus``), searching (``search``)
and chunking (``chunking``) are separate pieces; ``load`` wires them for
callers such as the CLI and the REPL worker. Names are imported on first use,
so ``rlm --help`` (which only needs the error types) does not pay for pathspec.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_WHERE = {
    "Corpus": "corpus", "Document": "document", "Loaded": "load", "load": "load", "WalkOptions": "walk",
    "Chunk": "types", "FileChangedError": "types", "InputError": "types", "Match": "types", "MatchList": "types",
    "Skipped": "types",
}

if TYPE_CHECKING:  # pragma: no cover
    from .corpus import Corpus
    from .document import Document
    from .load import Loaded, load
    from .types import Chunk, FileChangedError, InputError, Match, MatchList, Skipped
    from .walk import WalkOptions


def __getattr__(name: str):
    if name in _WHERE:
        module = importlib.import_module(f".{_WHERE[name]}", __name__)
        # Bind every name of that module now: importing submodule ``load`` sets the package attribute
        # ``load`` to the module, which would shadow the function for ``from rlm_cli.context import load``.
        for other, where in _WHERE.items():
            if where == _WHERE[name]:
                globals()[other] = getattr(module, other)
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_WHERE)

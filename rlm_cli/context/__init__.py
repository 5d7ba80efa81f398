"""The input as lazily paged, read-only objects: no model, no UI.

Walking (``walk``), opening (``document``, ``corpus``), searching (``search``)
and chunking (``chunking``) are separate pieces; ``load`` wires them for
callers such as the CLI and the REPL worker. Names are imported on first use,
so ``rlm --help`` (which only needs the error types) does not pay for pathspec.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

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

__getattr__ = lazy_exports(__name__, _WHERE, globals())
__all__ = sorted(_WHERE)

"""The input as lazily paged, read-only objects: no model, no UI.

Walking (``walk``), opening (``document``, ``corpus``), searching (``search``)
and chunking (``chunking``) are separate pieces; ``load`` wires them for
callers such as the CLI and the REPL worker.
"""

from .corpus import Corpus
from .document import Document
from .load import Loaded, load
from .types import Chunk, FileChangedError, InputError, Match, MatchList, Skipped
from .walk import WalkOptions

__all__ = ["Chunk", "Corpus", "Document", "FileChangedError", "InputError", "Loaded", "Match", "MatchList",
           "Skipped", "WalkOptions", "load"]

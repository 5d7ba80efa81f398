"""Code intelligence: outlines, symbol look-ups, definition-aware chunks and a repo map.

``parse`` turns a file into tags with tree-sitter (imported only there, only
when a file is parsed); ``cache`` keeps them on disk by (path, size, mtime);
``outline``, ``chunks`` and ``repomap`` build what the Document and Corpus
methods return. ``specs`` holds the per-language tables.
"""

from .chunks import code_chunks
from .outline import corpus_outline, corpus_symbols, document_symbols, outline_document, symbol_source, tags_for
from .repomap import RepoMap, document_map, rank_files, repo_map
from .symbols import CorpusOutline, Outline, Source, Symbol, SymbolList

__all__ = ["CorpusOutline", "Outline", "RepoMap", "Source", "Symbol", "SymbolList", "code_chunks", "corpus_outline",
           "corpus_symbols", "document_map", "document_symbols", "outline_document", "rank_files", "repo_map",
           "symbol_source", "tags_for"]

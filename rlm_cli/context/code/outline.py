"""Outlines and symbol look-ups for documents and corpora, backed by the parse cache."""

from __future__ import annotations

import difflib
import re
import weakref
from typing import TYPE_CHECKING, Iterable, Iterator

from .cache import TagCache, file_key, shared_cache
from .parse import MAX_PARSE_BYTES, Tags, parse_tags
from .specs import spec_for
from .symbols import CorpusOutline, Outline, Source, Symbol, SymbolList

if TYPE_CHECKING:
    from ..corpus import Corpus
    from ..document import Document

# Tags already read in this process, so outline() then symbol() then chunks() parse once.
_memo: "weakref.WeakKeyDictionary[Document, tuple[object, Tags]]" = weakref.WeakKeyDictionary()


def has_parser(doc: "Document") -> bool:
    return spec_for(doc.language) is not None


def tags_for(doc: "Document", cache: TagCache | None = None, flush: bool = True, refs: bool = False) -> Tags:
    """The document's tags: from memory, else the on-disk cache, else a fresh parse. Never raises.

    Memory keeps outlines only; referenced names (``refs=True``, for the repo
    map) come from the disk cache or a parse, so a big corpus stays small in RSS.
    """
    if not has_parser(doc):
        return Tags(doc.language, note=f"no outline: no parser for {doc.language or 'this file type'}")
    size = doc.size
    if size > MAX_PARSE_BYTES:
        return Tags(doc.language, note=f"no outline: {size >> 20} MiB is over the {MAX_PARSE_BYTES >> 20} MiB parse limit")
    key = file_key(doc.real_path, doc.language or "") if doc.path != "<stdin>" else None
    memo = _memo.get(doc)
    if not refs and memo is not None and memo[0] == key:  # stdin (key None) never changes
        return memo[1]
    cache = cache or shared_cache()
    tags = cache.get(key, doc.path, refs=refs) if key is not None else None
    if tags is None:
        was_open = doc._map is not None
        try:
            m = doc._open()
            src = bytes(m[doc._base:])
        except Exception as e:  # vanished, shrank, unreadable: say so in the outline
            return Tags(doc.language, note=f"no outline: {e}")
        finally:
            if not was_open:
                doc.close()
        tags = parse_tags(src, doc.language, doc.path)
        if key is not None:
            cache.put(key, tags, flush=flush)
    _memo[doc] = (key, tags.without_refs())
    return tags


def outline_document(doc: "Document") -> Outline:
    tags = tags_for(doc)
    return Outline(tags.symbols, doc.path, tags.language, tags.note)


def _source_of(doc: "Document", sym: Symbol) -> str:
    a, b = doc._line_start(sym.start_line), doc._line_start(sym.end_line + 1)
    return doc._read(a, b).decode("utf-8", "replace")


def symbol_source(doc: "Document", name: str) -> Source:
    """Source of the definition called ``name`` (qualified, or simple when unambiguous)."""
    outline = outline_document(doc)
    found = outline.find(name)
    if not found:
        names = sorted({s.qualified_name for s in outline.flat()})
        close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
        hint = f"; close: {', '.join(close)}" if close else ("" if names else f" ({outline.note or 'no definitions'})")
        raise KeyError(f"no definition {name!r} in {doc.path}{hint}")
    quals = sorted({s.qualified_name for s in found})
    if len(quals) > 1:
        where = ", ".join(f"{s.qualified_name} (L{s.start_line})" for s in found[:8])
        raise KeyError(f"{name!r} is ambiguous in {doc.path}: {where}; pass the qualified name")
    # Several definitions with one name (overloads, a Rust type and its impl): all of them, in order.
    text = "\n".join(_source_of(doc, s).rstrip("\n") for s in found) + "\n"
    return Source(text, doc.path, found[0] if len(found) == 1 else
                  Symbol(found[0].kind, found[0].name, found[0].qualified_name, found[0].start_line,
                         found[-1].end_line, [], doc.path))


def _code_files(corpus: "Corpus") -> tuple[list["Document"], int]:
    code = [d for d in corpus.files if has_parser(d)]
    return code, len(corpus.files) - len(code)


def corpus_tags(docs: Iterable["Document"], refs: bool = False) -> Iterator[tuple["Document", Tags]]:
    """Tags for many files, one at a time, writing the cache in batches."""
    cache = shared_cache()
    try:
        for doc in docs:
            yield doc, tags_for(doc, cache, flush=False, refs=refs)
    finally:
        cache.flush()


def corpus_outline(corpus: "Corpus") -> CorpusOutline:
    code, others = _code_files(corpus)
    outlines = [Outline(t.symbols, d.path, t.language, t.note) for d, t in corpus_tags(code)]
    return CorpusOutline(outlines, others)


def _matcher(query: str):
    """Smart case like ripgrep: case-insensitive unless the query has a capital; a bad regex is a literal."""
    flags = 0 if any(c.isupper() for c in query) else re.IGNORECASE
    try:
        return re.compile(query, flags).search
    except re.error:
        return re.compile(re.escape(query), flags).search


def corpus_symbols(corpus: "Corpus", query: str, max_results: int = 500) -> SymbolList:
    """Definitions whose name matches ``query`` (a name or a regex), in file order.

    A query with a dot (``RetryPolicy.next``, ``Policy\\.``) is matched against qualified names.
    """
    search = _matcher(query.replace("::", "."))
    qualified = "." in query or "::" in query
    code, _ = _code_files(corpus)
    out = SymbolList()
    for _doc, tags in corpus_tags(code):
        for top in tags.symbols:
            for s in top.walk():
                if search(s.qualified_name if qualified else s.name):
                    if len(out) >= max_results:
                        out.truncated = True
                        return out
                    out.append(s)
    return out


def document_symbols(doc: "Document", query: str) -> SymbolList:
    search = _matcher(query.replace("::", "."))
    qualified = "." in query or "::" in query
    return SymbolList(s for s in outline_document(doc).flat() if search(s.qualified_name if qualified else s.name))

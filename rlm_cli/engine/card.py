"""The context card: what the root model is told about its input before it looks.

Sizes, counts, a tree preview for corpora, a head and a tail preview: a fixed
budget of characters whatever the input's size, never the content beyond
that (the root context does not grow with the input). ``describe`` runs
inside the REPL worker (the engine sends it as a cell), so a child RLM's card
is built over exactly the object it was handed, and the worker's index is warm
afterwards; it must stay import-light.
"""

from __future__ import annotations

from typing import Any

from ..context.types import human_size

HEAD_CHARS = 1200
TAIL_CHARS = 600
LINE_CHARS = 200  # a preview line is cut here, so one huge line cannot blow the budget
TREE_LINES = 40
MAP_CHARS = 1500
MAP_MAX_FILES = 3000  # parsing more would delay the first turn for a preview

CARD_CELL = "print(__import__('rlm_cli.engine.card', fromlist=['describe']).describe(context), end='')"


def _clip_lines(text: str, max_lines: int = 30, last: bool = False) -> str:
    lines = text.splitlines()
    lines = lines[-max_lines:] if last else lines[:max_lines]
    return "\n".join(ln if len(ln) <= LINE_CHARS else ln[:LINE_CHARS] + f"… (+{len(ln) - LINE_CHARS:,} chars)"
                     for ln in lines)


def _previews(doc: Any, indent: str = "") -> list[str]:
    n = len(doc)
    if n <= HEAD_CHARS + TAIL_CHARS:
        return [f"{indent}content (all of it, {n:,} chars):", _clip_lines(doc[0:n], 60)]
    return [f"{indent}head:", _clip_lines(doc.head(HEAD_CHARS)), f"{indent}… {n - HEAD_CHARS - TAIL_CHARS:,} chars "
            "not shown …", f"{indent}tail:", _clip_lines(doc.tail(TAIL_CHARS), 15, last=True)]


def describe(ctx: Any) -> str:
    """The card for ``context``: a Document, a Corpus, or None."""
    if ctx is None:
        return "context is None (no input was given): answer from the question alone, using sub-calls if useful."
    if hasattr(ctx, "files"):
        return _corpus(ctx)
    return _document(ctx)


def _document(doc: Any) -> str:
    lang = getattr(doc, "language", None)
    out = [f"type: Document  path: {doc.path}" + (f"  language: {lang}" if lang else ""),
           f"size: {doc.size:,} bytes ({human_size(doc.size)}), {len(doc):,} characters, {doc.line_count:,} lines"]
    bad = getattr(doc, "invalid_bytes", 0)
    if bad:
        out.append(f"note: {bad:,} bytes were not valid UTF-8 and read as U+FFFD")
    out += _previews(doc)
    return "\n".join(out)


def _corpus(corpus: Any) -> str:
    files = corpus.files
    size = sum(d.size for d in files)
    out = [f"type: Corpus  {len(files):,} files, {size:,} bytes ({human_size(size)}), "
           f"{sum(d.line_count for d in files):,} lines"]
    langs: dict[str, int] = {}
    for d in files:
        key = getattr(d, "language", None) or "text"
        langs[key] = langs.get(key, 0) + 1
    out.append("languages: " + ", ".join(f"{k} {v}" for k, v in sorted(langs.items(), key=lambda kv: -kv[1])[:8]))
    skipped = getattr(corpus, "skipped", [])
    if skipped:
        out.append(f"skipped while loading: {len(skipped):,} (see context.skipped)")
    tree = corpus.tree(max_depth=2, max_entries=TREE_LINES)
    out += ["tree (depth 2):", tree]
    try:  # the repo map is optional (tree-sitter); a card must never fail because of it
        m = corpus.map(MAP_CHARS) if hasattr(corpus, "map") and len(files) <= MAP_MAX_FILES else ""
        m = str(m).strip()
        if m:
            out += ["repo map (most referenced definitions):", m[:MAP_CHARS]]
    except Exception:
        pass
    if files:
        biggest = max(files, key=lambda d: d.size)
        out.append(f"largest file: {biggest.path} ({human_size(biggest.size)}, {biggest.line_count:,} lines); "
                   f"first file {files[0].path}:")
        out += _previews(files[0], "  ")
    return "\n".join(out)

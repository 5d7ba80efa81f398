"""A repo map: files ranked by how often other files reference their definitions, cut to a budget.

The tags are aider's idea: each file defines names and references names. A
file scores when other files reference what it defines; a name defined in
several files splits its credit among them, repeated references count with
a square root (one file calling ``parse`` fifty times is not fifty files),
and private names (``_x``) count a tenth. The map is a tool the model calls
(``context.map(max_chars=...)``), not a blob in every prompt.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .outline import corpus_tags, has_parser, outline_document
from .symbols import Symbol

if TYPE_CHECKING:
    from ..corpus import Corpus
    from ..document import Document

PER_FILE = 8  # definitions listed under a file in the map
PRIVATE_WEIGHT = 0.1


@dataclass
class RankedFile:
    path: str
    score: float
    references: int  # references from other files to what this file defines (shared names split)
    symbols: list[tuple[Symbol, float]] = field(default_factory=list)  # (definition, its score), best first
    top_level: list[Symbol] = field(default_factory=list)


class RepoMap(str):
    """The rendered map (a ``str`` within ``max_chars``, so slicing and f-strings just work) plus ``ranked``.

    Its repr is the text itself, so a REPL echoes the map, not a quoted string.
    """

    ranked: list[RankedFile]
    max_chars: int

    def __new__(cls, ranked: list[RankedFile], text: str, max_chars: int) -> "RepoMap":
        obj = super().__new__(cls, text)
        obj.ranked, obj.max_chars = ranked, max_chars
        return obj

    @property
    def text(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return str.__str__(self)


def _weight(name: str) -> float:
    return PRIVATE_WEIGHT if name.startswith("_") and not name.startswith("__") else 1.0


def rank_files(corpus: "Corpus") -> list[RankedFile]:
    """Every code file, most referenced first.

    Two streaming passes keep memory flat: outlines first (who defines what),
    then each file's references, folded into per-name totals at once. A name
    referenced from many files (``list``, ``get``) says little about any one
    definer, so credit is scaled by its inverse document frequency.
    """
    docs = [d for d in corpus.files if has_parser(d)]
    outlines = [t.symbols for _d, t in corpus_tags(docs)]
    definers: dict[str, list[int]] = defaultdict(list)
    for i, symbols in enumerate(outlines):
        for name in {s.name for top in symbols for s in top.walk()}:
            definers[name].append(i)
    stats: dict[str, list[float]] = {}  # name -> [files referencing it, sum of sqrt(count), sum of count]
    own: dict[tuple[int, str], tuple[float, int]] = {}  # a definer's references to its own names
    for g, (_doc, tags) in enumerate(corpus_tags(docs, refs=True)):
        for name, count in (tags.refs or {}).items():
            files = definers.get(name)
            if files is None:
                continue
            st = stats.setdefault(name, [0, 0.0, 0])
            root = math.sqrt(count)
            st[0] += 1
            st[1] += root
            st[2] += count
            if g in files:
                own[(g, name)] = (root, count)
    n_files = len(docs)
    score = [0.0] * n_files
    refs = [0.0] * n_files
    sym_score: dict[tuple[int, str], float] = {}
    for name, (df, roots, counts) in stats.items():
        files = definers[name]
        idf = math.log(1 + n_files / df)
        for f in files:
            r, c = own.get((f, name), (0.0, 0))
            credit = _weight(name) * idf * (roots - r) / len(files)
            if credit > 0:
                score[f] += credit
                sym_score[(f, name)] = credit
                refs[f] += (counts - c) / len(files)
    ranked = []
    for i, doc in enumerate(docs):
        syms = [(s, sym_score.get((i, s.name), 0.0)) for top in outlines[i] for s in top.walk()]
        syms.sort(key=lambda p: (-p[1], p[0].start_line))
        ranked.append(RankedFile(doc.path, score[i], round(refs[i]), syms, list(outlines[i])))
    ranked.sort(key=lambda r: (-r.score, r.path))
    return ranked


def _block(r: RankedFile, n: int) -> str:
    """One file's entry: its header and up to ``n`` definitions (most referenced, shown in source order)."""
    head = r.path + (f"  (~{r.references:,} references from other files)" if r.references else "")
    chosen = [s for s, sc in r.symbols if sc > 0][:n] or r.top_level[:n]
    chosen.sort(key=lambda s: s.start_line)
    return "\n".join([head] + [f"  {s}" for s in chosen])


def render_map(ranked: list[RankedFile], max_chars: int, title: str) -> str:
    """As many whole file entries as fit, best first; an entry is shortened before it is dropped."""
    rows = [title]
    used = len(title) + 1
    shown = 0
    for r in ranked:
        footer = len(ranked) - shown - 1
        reserve = 60 if footer else 0
        for n in range(PER_FILE, -1, -1):
            block = _block(r, n)
            if used + len(block) + 1 + reserve <= max_chars:
                break
        else:
            break
        rows.append(block)
        used += len(block) + 1
        shown += 1
    if shown < len(ranked):
        rows.append(f"[… {len(ranked) - shown:,} more files not shown: raise max_chars]")
    return "\n".join(rows)[:max_chars]


def repo_map(corpus: "Corpus", max_chars: int = 8000) -> RepoMap:
    ranked = rank_files(corpus)
    if not ranked:
        return RepoMap([], "[no code files with an outline]", max_chars)
    title = f"Repo map: {len(ranked):,} code files, most referenced first (path, then definitions with lines)"
    return RepoMap(ranked, render_map(ranked, max_chars, title), max_chars)


def document_map(doc: "Document", max_chars: int = 4000) -> str:
    """A file's outline, depth first, cut to ``max_chars`` with a note saying how much was left out."""
    outline = outline_document(doc)
    flat = [(depth, s) for top in outline for depth, s in _walk_depth(top, 0)]
    rows = [outline.header()]
    used = len(rows[0]) + 1
    for i, (depth, s) in enumerate(flat):
        row = "  " * depth + str(s)
        reserve = 60 if i < len(flat) - 1 else 0
        if used + len(row) + 1 + reserve > max_chars:
            rows.append(f"[… {len(flat) - i:,} more definitions: .outline() lists all]")
            break
        rows.append(row)
        used += len(row) + 1
    if outline.note:
        rows.append(f"[{outline.note}]")
    return "\n".join(rows)[:max_chars]


def _walk_depth(sym: Symbol, depth: int):
    yield depth, sym
    for c in sym.children:
        yield from _walk_depth(c, depth + 1)

"""``Corpus``: several documents (a directory, or several inputs) as one object."""

from __future__ import annotations

import fnmatch
from functools import partial
from typing import Iterator

from .document import Document
from .search import Matcher
from .types import Chunk, FileChangedError, MatchList, Skipped, human_size


class Corpus:
    """The files of one or more inputs; ``skipped`` says what was left out and why."""

    def __init__(self, files: list[Document], skipped: list[Skipped] | None = None, roots: list[str] | None = None) -> None:
        self.files = files
        self.skipped = skipped if skipped is not None else []
        self.roots = roots or []
        self._by_path = {d.path: d for d in files}

    def __len__(self) -> int:
        return len(self.files)

    def __iter__(self) -> Iterator[Document]:
        return iter(self.files)

    def __getitem__(self, key: str | int) -> Document:
        if isinstance(key, int):
            return self.files[key]
        key = key.removeprefix("./")
        if key in self._by_path:
            return self._by_path[key]
        hits = [d for d in self.files if d.path.endswith("/" + key)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise KeyError(f"{key!r} is ambiguous: {', '.join(d.path for d in hits[:5])}")
        raise KeyError(f"no file {key!r} in the corpus (try .find('*{key.rsplit('/', 1)[-1]}'))")

    def __contains__(self, key: str) -> bool:
        return key in self._by_path

    def __repr__(self) -> str:
        return f"Corpus({len(self.files):,} files, {self.size:,} bytes)"

    @property
    def size(self) -> int:
        return sum(d.size for d in self.files)

    @property
    def line_count(self) -> int:
        return sum(d.line_count for d in self.files)

    def tree(self, max_depth: int = 3, max_entries: int = 200) -> str:
        """A directory tree with file counts and sizes, cut at ``max_depth``."""
        root: dict = {}
        for d in self.files:
            node = root
            parts = d.path.split("/")
            for p in parts[:-1]:
                node = node.setdefault(p + "/", {})
            node[parts[-1]] = d.size
        lines: list[str] = []

        def stats(node: dict) -> tuple[int, int]:
            n = b = 0
            for v in node.values():
                if isinstance(v, dict):
                    cn, cb = stats(v)
                    n, b = n + cn, b + cb
                else:
                    n, b = n + 1, b + v
            return n, b

        def walk(node: dict, depth: int, indent: str) -> None:
            for name in sorted(node, key=lambda k: (not k.endswith("/"), k)):
                if len(lines) >= max_entries:
                    return
                v = node[name]
                if isinstance(v, dict):
                    n, b = stats(v)
                    lines.append(f"{indent}{name} ({n} files, {human_size(b)})")
                    if depth < max_depth:
                        walk(v, depth + 1, indent + "  ")
                else:
                    lines.append(f"{indent}{name} ({human_size(v)})")

        walk(root, 1, "")
        if len(lines) >= max_entries:
            lines.append(f"… (tree cut at {max_entries} entries; use max_entries= or .find())")
        return "\n".join(lines)

    def find(self, glob: str) -> list[Document]:
        """Files whose path matches ``glob`` (``*`` crosses ``/``; a glob without ``/`` matches the name too)."""
        out = []
        for d in self.files:
            name = d.path.rsplit("/", 1)[-1]
            if fnmatch.fnmatchcase(d.path, glob) or ("/" not in glob and fnmatch.fnmatchcase(name, glob)):
                out.append(d)
        return out

    def grep(self, pattern: str, ignore_case: bool = False, context: int = 0, max_matches: int = 1000,
             fixed: bool = False, glob: str | None = None) -> MatchList:
        """Matching lines across files, in file order, as ``path:line: text``."""
        matcher = Matcher(pattern, ignore_case=ignore_case, fixed=fixed)
        out = MatchList()
        for doc in self.find(glob) if glob else self.files:
            remaining = max_matches - len(out)
            if remaining <= 0:
                out.truncated = True
                break
            was_open = doc._map is not None
            try:
                found = doc.grep(matcher, context=context, max_matches=remaining)
            except FileChangedError as e:
                self.skipped.append(Skipped(doc.path, str(e).split(": ", 1)[-1]))
                continue
            finally:
                if not was_open:
                    doc.close()
            out.extend(found)
            if found.truncated:
                out.truncated = True
                break
        return out

    def chunks(self, max_chars: int = 100_000, overlap: int = 0) -> list[Chunk]:
        """Chunks of at most ``max_chars``: small files packed whole, big files split by lines."""
        out: list[Chunk] = []
        pack: list[Document] = []
        pack_chars = 0

        def flush() -> None:
            nonlocal pack, pack_chars
            if pack:
                out.append(_packed(pack))
            pack, pack_chars = [], 0

        for doc in self.files:
            n = len(doc) + len(_header(doc)) + _needs_newline(doc)
            if n > max_chars:
                flush()
                out.extend(doc.chunks(max_chars=max_chars, overlap=overlap))
                continue
            if pack_chars + n > max_chars:
                flush()
            pack.append(doc)
            pack_chars += n
        flush()
        return out

    def outline(self):
        """Definitions across the code files."""
        from .code import corpus_outline

        return corpus_outline(self)

    def symbols(self, query: str):
        """Definitions whose name matches ``query`` (a name or a regex) across files."""
        from .code import corpus_symbols

        return corpus_symbols(self, query)

    def map(self, max_chars: int = 8000):
        """Code files ranked by how often other files reference their definitions, cut to ``max_chars``."""
        from .code import repo_map

        return repo_map(self, max_chars)


def _header(doc: Document) -> str:
    return f"=== {doc.path} ===\n"


def _needs_newline(doc: Document) -> bool:
    return bool(len(doc)) and doc[len(doc) - 1] != "\n"


def _packed_text(docs: list[Document]) -> str:
    return "".join(_header(d) + str(d) + ("\n" if _needs_newline(d) else "") for d in docs)


def _packed(docs: list[Document]) -> Chunk:
    if len(docs) == 1:
        d = docs[0]
        return Chunk(d.path, 1, max(1, d.line_count), 0, len(d), partial(d._text, 0, len(d)))
    total = sum(len(_header(d)) + len(d) + _needs_newline(d) for d in docs)
    label = f"{docs[0].path} … {docs[-1].path}"
    return Chunk(label, 1, 1, 0, total, partial(_packed_text, docs), tuple(d.path for d in docs))


__all__ = ["Corpus"]

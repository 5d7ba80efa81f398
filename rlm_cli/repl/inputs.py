"""What a worker opens: input paths on disk, the names the model sees, walk options.

The worker opens the inputs itself, read-only (nothing is copied through the
pipe), so every input must be a path: stdin and FIFOs are spooled to a file
first (by ``context.load`` on the host, or here). Paths are absolute because
the worker runs in its scratch directory; ``label`` keeps the name the user
typed so the model cites ``src/app.py:12``, not ``/home/.../src/app.py:12``.
"""

from __future__ import annotations

import os
import stat
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

from ..context import Loaded, WalkOptions


@dataclass(frozen=True)
class InputSpec:
    path: str  # absolute path on disk (a spool file for stdin)
    label: str  # what the model sees: the path as typed, or <stdin>


@dataclass
class ReplInputs:
    """The inputs of one REPL; also what ``rlm_query`` hands the handler for a child REPL."""

    specs: list[InputSpec] = field(default_factory=list)
    walk: WalkOptions = field(default_factory=WalkOptions)
    description: str = ""  # for a child: what the parent passed (e.g. "3 chunks, 120,000 characters")
    # What the host already walked (from_loaded): the worker opens exactly these files instead of
    # walking and sniffing the whole tree a second time. Rows: [path, real_path, encoding, language, root, rel].
    files: list[list[Any]] | None = None
    skipped: list[list[str]] = field(default_factory=list)  # [path, reason]
    single: bool = False

    @classmethod
    def from_paths(cls, paths: Sequence[str], walk: WalkOptions | None = None) -> "ReplInputs":
        """From command-line inputs; ``-`` (stdin) and FIFOs are spooled to files here."""
        from ..context.spool import spool_stdin, spool_stream

        specs = []
        for p in paths:
            if p == "-":
                specs.append(InputSpec(spool_stdin(), "<stdin>"))
                continue
            try:
                fifo = stat.S_ISFIFO(os.stat(p).st_mode)
            except OSError:
                fifo = False  # the worker reports a missing path the way load() does
            if fifo:
                with open(p, "rb") as f:
                    specs.append(InputSpec(spool_stream(f), p))
            else:
                specs.append(InputSpec(os.path.abspath(p), p))
        return cls(specs, walk or WalkOptions())

    @classmethod
    def from_loaded(cls, loaded: Loaded, walk: WalkOptions | None = None) -> "ReplInputs":
        """From what the host already loaded (stdin was spooled then; reuse the spool file)."""
        roots = set(loaded.roots)
        # A file input's document is backed by the file itself; stdin's and a FIFO's by a spool file.
        backing = {d.path: d.real_path for d in loaded.documents if d.path in roots or d.path == "<stdin>"}
        specs = []
        for root in loaded.roots:
            if root == "-":
                specs.append(InputSpec(backing["<stdin>"], "<stdin>"))
            else:
                specs.append(InputSpec(backing.get(root, os.path.abspath(root)), root))
        files = [[d.path, d.real_path, d.encoding, d.language, d.root, d.rel] for d in loaded.documents]
        skipped = [[k.path, k.reason] for k in loaded.skipped]
        return cls(specs, walk or WalkOptions(), files=files, skipped=skipped, single=loaded.single)

    def open(self) -> Loaded:
        """The context objects, in the worker: the host's file list when there is one, else a walk."""
        from ..context import Document, Skipped, load

        if self.files is None:
            loaded = load([s.path for s in self.specs], self.walk)
            relabel(loaded, self.specs)
            return loaded
        docs = []
        for path, real_path, encoding, language, root, rel in self.files:
            doc = Document(path, real_path, encoding=encoding, language=language)
            doc.root, doc.rel = root, rel
            docs.append(doc)
        return Loaded(docs, [Skipped(p, r) for p, r in self.skipped], self.single, [s.label for s in self.specs])

    def to_wire(self) -> dict[str, Any]:
        return {"specs": [asdict(s) for s in self.specs], "walk": asdict(self.walk), "description": self.description,
                "files": self.files, "skipped": self.skipped, "single": self.single}

    @classmethod
    def from_wire(cls, d: dict[str, Any]) -> "ReplInputs":
        walk = d.get("walk") or {}
        for k in ("include", "exclude"):
            if k in walk:
                walk[k] = tuple(walk[k])
        return cls([InputSpec(**s) for s in d.get("specs", [])], WalkOptions(**walk), d.get("description", ""),
                   d.get("files"), d.get("skipped") or [], bool(d.get("single")))


def relabel(loaded: Loaded, specs: Sequence[InputSpec]) -> None:
    """Give documents and roots the names the user typed instead of absolute paths."""
    names = {s.path: s.label for s in specs if s.label != s.path}
    if not names:
        return
    for d in loaded.documents:
        for path, label in names.items():
            if d.path == path:
                d.path = label
                break
            if d.path.startswith(path.rstrip("/") + "/"):
                d.path = label.rstrip("/") + "/" + d.path[len(path.rstrip("/")) + 1:]
                break
    loaded.roots = [names.get(r, r) for r in loaded.roots]

"""From what the user typed (paths, ``-``) to a ``Document`` or a ``Corpus``.

Every input either loads or is named in ``skipped`` with a reason; inputs that
cannot be used at all (missing path, a terminal on stdin) raise ``InputError``.
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

from .corpus import Corpus
from .document import Document
from .languages import detect_language
from .spool import spool_stdin, spool_stream, stdin_is_readable
from .types import InputError, Skipped
from .walk import Walker, WalkOptions

SNIFF = 8192


@dataclass
class Loaded:
    """What loading produced: documents with the root they came from, and what was left out."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    single: bool = False  # one file or stdin: the context is a Document, not a Corpus
    roots: list[str] = field(default_factory=list)

    @property
    def context(self) -> Document | Corpus:
        if self.single and len(self.documents) == 1:
            return self.documents[0]
        return Corpus(self.documents, self.skipped, self.roots)

    def require_some(self) -> "Loaded":
        """Raise a one-line error when nothing loadable was found."""
        if not self.documents:
            reasons = Counter(s.reason.split(" (")[0] for s in self.skipped)
            why = ", ".join(f"{n} {r}" for r, n in reasons.most_common(4))
            where = ", ".join(self.roots) or "the input"
            raise InputError(f"nothing to read in {where}" + (f" ({len(self.skipped)} skipped: {why})" if why else ": it is empty"))
        return self


def sniff(real_path: str) -> tuple[str | None, bytes]:
    """('utf-8' | 'utf-16' | None for binary, first bytes)."""
    with open(real_path, "rb") as f:
        head = f.read(SNIFF)
    if head[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        return None, head  # UTF-32: rare enough to treat as binary, and said so
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16", head
    if b"\x00" in head:
        return None, head
    return "utf-8", head


def load(inputs: Sequence[str], options: WalkOptions | None = None) -> Loaded:
    """Load ``inputs`` (paths, or ``-`` for stdin); with none, read stdin when it is a pipe or file."""
    opts = options or WalkOptions()
    inputs = list(inputs)
    if not inputs:
        if not stdin_is_readable(0) or os.isatty(0):
            raise InputError("no input: give a PATH, or pipe data in (cat big.log | rlm ...)")
        inputs = ["-"]
    out = Loaded(single=len(inputs) == 1)
    total = 0
    for spec in inputs:
        out.roots.append(spec)
        prefix = "" if len(inputs) == 1 else spec.rstrip("/") + "/"
        if spec == "-":
            out.documents.append(Document("<stdin>", spool_stdin()))
            continue
        try:
            st = os.stat(spec)
        except FileNotFoundError:
            raise InputError(f"{spec}: no such file or directory") from None
        except PermissionError:
            raise InputError(f"{spec}: permission denied") from None
        except OSError as e:
            raise InputError(f"{spec}: {e.strerror or e}") from None
        if stat.S_ISDIR(st.st_mode):
            out.single = False
            walker = Walker(spec, opts)
            for entry in walker:
                if total + entry.size > opts.max_total_size:
                    out.skipped.append(Skipped(prefix + entry.rel, "total size cap reached (use --max-total-size)"))
                    continue
                doc = _open_file(prefix + entry.rel, entry.real, out.skipped)
                if doc is not None:
                    doc.root, doc.rel = spec, entry.rel
                    total += entry.size
                    out.documents.append(doc)
            out.skipped.extend(Skipped(prefix + s.path, s.reason) for s in walker.skipped)
        elif stat.S_ISFIFO(st.st_mode):  # e.g. <(zcat log.gz): spool it like stdin
            with open(spec, "rb") as f:
                out.documents.append(Document(spec, spool_stream(f)))
        elif stat.S_ISREG(st.st_mode):
            doc = _open_file(spec, os.path.abspath(spec), out.skipped)
            if doc is None and len(inputs) == 1:
                raise InputError(f"{spec}: {out.skipped[-1].reason}")
            if doc is not None:
                total += st.st_size
                out.documents.append(doc)
        else:
            raise InputError(f"{spec}: not a regular file, directory or pipe (device or socket)")
    return out


def _open_file(path: str, real: str, skipped: list[Skipped]) -> Document | None:
    try:
        encoding, head = sniff(real)
    except FileNotFoundError:
        skipped.append(Skipped(path, "vanished before it could be read"))
        return None
    except PermissionError:
        skipped.append(Skipped(path, "permission denied"))
        return None
    except OSError as e:
        skipped.append(Skipped(path, e.strerror or str(e)))
        return None
    if encoding is None:
        skipped.append(Skipped(path, "binary file (NUL bytes or UTF-32)"))
        return None
    return Document(path, real, encoding=encoding, language=detect_language(path, head))

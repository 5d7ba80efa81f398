"""Walking directories with git's ignore rules, recording everything it leaves out.

Rules come from nested ``.gitignore`` files (and those of parent directories up
to the repository top), ``.git/info/exclude`` and ``.rlmignore``; deeper files
win over shallower ones, ``.rlmignore`` over ``.gitignore`` in the same
directory, and an ignored directory is never entered (so, as in git, a file
inside it cannot be re-included).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import Iterator

from pathspec import GitIgnoreSpec

from .types import Skipped

IGNORE_FILES = (".rlmignore", ".gitignore")  # checked in this order within a directory
ALWAYS_SKIP = {".git", ".hg", ".svn"}


@dataclass
class WalkOptions:
    hidden: bool = False
    follow_symlinks: bool = False
    no_ignore: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_file_size: int = 100 << 20
    max_total_size: int = 8 << 30


@dataclass
class WalkEntry:
    rel: str  # posix path relative to the walk root
    real: str  # absolute path
    size: int


@dataclass
class _Rules:
    base: str  # directory of the ignore file, posix, relative to the ignore root ("" for the root)
    spec: GitIgnoreSpec
    source: str  # for the skip reason


@dataclass
class Walker:
    """Yields the regular files under ``root`` that survive the rules; ``skipped`` says why others did not."""

    root: str
    options: WalkOptions = field(default_factory=WalkOptions)
    skipped: list[Skipped] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.root = os.path.abspath(self.root)  # so entry.path is absolute with no per-file abspath
        self._globs = _globs(self.options)
        self._seen_dirs: set[tuple[int, int]] = set()
        # Rules are matched against paths relative to the repository top, so that
        # .gitignore files above the walk root apply the way git applies them.
        self._top = _git_top(self.root) or self.root
        self._prefix = os.path.relpath(self.root, self._top).replace(os.sep, "/")
        self._prefix = "" if self._prefix == "." else self._prefix + "/"

    def __iter__(self) -> Iterator[WalkEntry]:
        rules: list[_Rules] = []
        if not self.options.no_ignore:
            rules += self._parent_rules()
        try:
            st = os.stat(self.root)
        except OSError as e:
            self.skipped.append(Skipped(self.root, _os_reason(e)))
            return
        self._seen_dirs.add((st.st_dev, st.st_ino))
        # An explicit stack rather than recursive generators: every yielded entry
        # would otherwise pass through one generator frame per directory level.
        stack = [frame for frame in (self._open_dir(self.root, "", rules),) if frame]
        while stack:
            entries, rel_dir, dir_rules = stack[-1]
            entry = next(entries, None)
            if entry is None:
                stack.pop()
                continue
            found = self._visit(entry, rel_dir, dir_rules)
            if isinstance(found, WalkEntry):
                yield found
            elif found is not None:
                stack.append(found)

    def _parent_rules(self) -> list[_Rules]:
        out: list[_Rules] = []
        exclude = os.path.join(self._top, ".git", "info", "exclude")
        if os.path.isfile(exclude):
            out += _load_rules(exclude, "", ".git/info/exclude")
        if self._prefix:
            parts = self._prefix.rstrip("/").split("/")
            for depth in range(len(parts)):
                base = "/".join(parts[:depth])
                d = os.path.join(self._top, *parts[:depth])
                for name in reversed(IGNORE_FILES):
                    p = os.path.join(d, name)
                    if os.path.isfile(p):
                        out += _load_rules(p, base, f"{base + '/' if base else ''}{name}")
        return out

    def _open_dir(self, real_dir: str, rel_dir: str, rules: list[_Rules]):
        """(sorted entries, rel_dir, rules in force) for one directory, or None if unreadable."""
        try:
            with os.scandir(real_dir) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            self.skipped.append(Skipped(rel_dir or ".", _os_reason(e)))
            return None
        if not self.options.no_ignore:
            base = (self._prefix + rel_dir).rstrip("/")
            names = {e.name for e in entries}
            local: list[_Rules] = []
            for name in reversed(IGNORE_FILES):  # .gitignore first, .rlmignore after: later wins
                if name in names:
                    local += _load_rules(os.path.join(real_dir, name), base, f"{rel_dir}{name}")
            if local:
                rules = rules + local
        return iter(entries), rel_dir, rules

    def _visit(self, entry: os.DirEntry, rel_dir: str, rules: list[_Rules]):
        """A WalkEntry for a file to load, a frame for a directory to enter, or None (recorded as skipped)."""
        opts = self.options
        rel = rel_dir + entry.name
        if entry.name in ALWAYS_SKIP:
            self.skipped.append(Skipped(rel + "/", "version-control directory"))
            return None
        if not opts.hidden and entry.name.startswith("."):
            self.skipped.append(Skipped(rel, "hidden (use --hidden)"))
            return None
        try:
            is_link = entry.is_symlink()
            if is_link and not opts.follow_symlinks:
                self.skipped.append(Skipped(rel, "symlink (use --follow-symlinks)"))
                return None
            is_dir = entry.is_dir()  # from d_type: no system call unless it is a link
        except OSError as e:
            self.skipped.append(Skipped(rel, _os_reason(e)))
            return None
        if rules:
            hit = _ignored(rules, self._prefix + rel, is_dir)
            if hit:
                self.skipped.append(Skipped(rel + ("/" if is_dir else ""), f"ignored by {hit}"))
                return None
        try:
            st = entry.stat() if (not is_dir or is_link) else None
        except FileNotFoundError:
            self.skipped.append(Skipped(rel, "broken symlink" if is_link else "vanished while walking"))
            return None
        except OSError as e:
            self.skipped.append(Skipped(rel, _os_reason(e)))
            return None
        if is_dir:
            if is_link:  # only links can close a loop
                key = (st.st_dev, st.st_ino)
                if key in self._seen_dirs:
                    self.skipped.append(Skipped(rel + "/", "symlink loop (directory already visited)"))
                    return None
                self._seen_dirs.add(key)
            return self._open_dir(entry.path, rel + "/", rules)
        if not stat.S_ISREG(st.st_mode):
            self.skipped.append(Skipped(rel, f"not a regular file ({_kind(st.st_mode)})"))
            return None
        if self._globs is not None and not self._globs(rel):
            self.skipped.append(Skipped(rel, "excluded by --include/--exclude"))
            return None
        if st.st_size > opts.max_file_size:
            self.skipped.append(Skipped(rel, f"larger than the per-file cap ({_mib(st.st_size)} > {_mib(opts.max_file_size)}; use --max-file-size)"))
            return None
        return WalkEntry(rel, entry.path, st.st_size)


def _load_rules(path: str, base: str, source: str) -> list[_Rules]:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    spec = GitIgnoreSpec.from_lines(lines)
    return [_Rules(base, spec, source)] if len(spec.patterns) else []


def _ignored(rules: list[_Rules], key: str, is_dir: bool) -> str | None:
    """The ignore file that excludes ``key`` (relative to the ignore root), or None."""
    for r in reversed(rules):  # deepest (and .rlmignore) first: the first decision wins
        if r.base:
            if not key.startswith(r.base + "/"):
                continue
            sub = key[len(r.base) + 1 :]
        else:
            sub = key
        result = r.spec.check_file(sub + "/" if is_dir else sub)
        if result.include is not None:
            return r.source if result.include else None
    return None


def _globs(opts: WalkOptions):
    """A predicate for --include/--exclude (gitignore-style globs), or None when neither is given."""
    if not opts.include and not opts.exclude:
        return None
    inc = GitIgnoreSpec.from_lines(opts.include) if opts.include else None
    exc = GitIgnoreSpec.from_lines(opts.exclude) if opts.exclude else None
    return lambda rel: (inc is None or inc.match_file(rel)) and not (exc is not None and exc.match_file(rel))


def _git_top(path: str) -> str | None:
    d = path
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def _os_reason(e: OSError) -> str:
    if isinstance(e, PermissionError):
        return "permission denied"
    if e.errno == 40:  # ELOOP
        return "symlink loop"
    return e.strerror or type(e).__name__


def _mib(n: int) -> str:
    return f"{n / (1 << 20):,.1f} MiB"

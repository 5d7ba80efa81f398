"""Language detection by file name, extension and shebang (no parser needed)."""

from __future__ import annotations

import os

EXTENSIONS = {
    ".py": "python", ".pyi": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".jsx": "javascript", ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".go": "go", ".rs": "rust", ".java": "java", ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp",
    ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp", ".cs": "csharp", ".rb": "ruby",
    ".php": "php", ".kt": "kotlin", ".kts": "kotlin", ".swift": "swift", ".scala": "scala", ".sc": "scala",
    ".sh": "bash", ".bash": "bash", ".zsh": "bash", ".lua": "lua", ".md": "markdown", ".markdown": "markdown",
    ".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".html": "html", ".htm": "html",
    ".css": "css", ".sql": "sql", ".xml": "xml", ".txt": "text", ".log": "log", ".csv": "csv", ".tsv": "csv",
    ".rst": "rst", ".ini": "ini", ".cfg": "ini",
    # more spellings of the languages that get an outline
    ".pyw": "python", ".rake": "ruby", ".gemspec": "ruby", ".ru": "ruby", ".ksh": "bash", ".bats": "bash",
    ".c++": "cpp", ".h++": "cpp", ".ipp": "cpp", ".tpp": "cpp", ".inl": "cpp", ".cu": "cpp", ".sbt": "scala",
    ".phtml": "php", ".luau": "lua", ".mkd": "markdown",
}
NAMES = {"Makefile": "make", "Dockerfile": "dockerfile", "Gemfile": "ruby", "Rakefile": "ruby", "BUILD": "starlark"}
SHEBANGS = {"python": "python", "python3": "python", "node": "javascript", "bash": "bash", "sh": "bash",
            "zsh": "bash", "ruby": "ruby", "lua": "lua", "php": "php", "ksh": "bash", "dash": "bash",
            "deno": "typescript", "ts-node": "typescript", "tsx": "typescript", "scala": "scala", "swift": "swift",
            "kotlin": "kotlin", "luajit": "lua", "pypy": "python", "pypy3": "python"}


def detect_language(path: str, head: bytes = b"") -> str | None:
    """Language name for ``path``; ``head`` (the first bytes) is used for a shebang."""
    name = os.path.basename(path)
    if name in NAMES:
        return NAMES[name]
    lang = EXTENSIONS.get(os.path.splitext(name)[1].lower())
    if lang:
        return lang
    if head.startswith(b"#!"):
        words = head[2:].split(b"\n", 1)[0].decode("utf-8", "replace").split()
        if words and os.path.basename(words[0]) == "env":
            words = [w for w in words[1:] if not w.startswith("-")]
        if words:
            return SHEBANGS.get(os.path.basename(words[0]).rstrip("0123456789."))
    return None

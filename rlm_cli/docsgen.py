"""Shell completions (bash, zsh, fish) and the man page, generated from the Typer app's command tree.

    python scripts/gen_docs.py          # rewrite completions/ and man/rlm.1
    python scripts/gen_docs.py --check  # exit 1 when they no longer match the app (tests/test_docs_fresh.py)

The completion scripts are static: every command, option and value hint is
written out, so completing never starts Python (Typer's dynamic completion runs
the app, with its imports, on every Tab press) and the scripts can be read,
packaged and checked (``bash -n``) like any file. The price is staleness, which
the freshness test catches. Output is deterministic: no dates, no machine
paths; the only version in it is the package's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__

FILES = ("completions/rlm.bash", "completions/_rlm", "completions/rlm.fish", "man/rlm.1")
# Value hints that names alone say: these options take a file (or '-', or inline JSON for --schema).
FILE_OPTIONS = {"--output", "--schema"}
PATH_ARGUMENTS = {"path", "paths"}


@dataclass
class Opt:
    names: list[str]  # long first, then short
    help: str
    flag: bool  # takes no value
    negations: list[str] = field(default_factory=list)  # --no-cache for --cache/--no-cache
    choices: tuple[str, ...] = ()
    kind: str = "text"  # text | number | file | choice
    repeatable: bool = False
    default: Any = None

    @property
    def metavar(self) -> str:
        if self.choices:
            return "|".join(self.choices)
        if self.kind == "number":
            return "N"
        return "FILE" if self.kind == "file" else self.names[0].lstrip("-").upper().replace("-", "_")


@dataclass
class Arg:
    name: str
    help: str
    required: bool
    many: bool
    kind: str  # path | text


@dataclass
class Cmd:
    path: list[str]  # ["runs", "show"]
    help: str
    options: list[Opt] = field(default_factory=list)
    args: list[Arg] = field(default_factory=list)
    subcommands: list["Cmd"] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return first_sentence(self.help)

    @property
    def usage(self) -> str:
        parts = ["rlm", *self.path]
        if self.subcommands:
            return " ".join(parts + ["COMMAND", "[OPTIONS]"])
        parts.append("[OPTIONS]")
        for a in self.args:
            name = a.name.upper() + ("..." if a.many else "")
            parts.append(name if a.required else f"[{name}]")
        return " ".join(parts)


def paragraphs(text: str) -> list[str]:
    """A docstring's paragraphs, each on one line."""
    return [" ".join(ln.strip() for ln in p.splitlines()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def first_sentence(text: str) -> str:
    """Up to the first full stop that ends a sentence (not "e.g. openai/...": the next word is capitalised)."""
    p = paragraphs(text)
    return re.split(r"(?<=\.)\s+(?=[A-Z])", p[0], maxsplit=1)[0] if p else ""


def _opt(p: Any) -> Opt:
    longs = sorted(p.opts, key=lambda o: (not o.startswith("--"), o))
    o = Opt(longs, p.help or "", bool(p.is_flag), list(p.secondary_opts), repeatable=bool(p.multiple),
            default=p.default)
    choices = getattr(p.type, "choices", None)  # an Enum option is a Choice of its values
    if choices:
        o.choices, o.kind = tuple(str(getattr(c, "value", c)) for c in choices), "choice"
    elif p.type.name.split()[0] in ("int", "integer", "float"):
        o.kind = "number"
    elif longs[0] in FILE_OPTIONS:
        o.kind = "file"
    return o


def _command(cmd: Any, path: list[str]) -> Cmd:
    out = Cmd(path, cmd.help or "")
    for p in cmd.params:
        if getattr(p, "hidden", False):
            continue
        if p.param_type_name == "argument":
            kind = "path" if p.name in PATH_ARGUMENTS else "text"
            out.args.append(Arg(p.name, p.help or "", bool(p.required), p.nargs == -1, kind))
        else:
            out.options.append(_opt(p))
    out.options.append(Opt(["--help", "-h"], "Show the help and exit.", True))
    for name, sub in getattr(cmd, "commands", {}).items():
        if not getattr(sub, "hidden", False):
            out.subcommands.append(_command(sub, path + [name]))
    return out


def command_tree() -> Cmd:
    import typer.main

    from .cli import app

    root = _command(typer.main.get_command(app), [])
    root.help = root.help or ""
    return root


# -- bash -------------------------------------------------------------------------------------------
def _words(opts: list[Opt]) -> str:
    return " ".join(n for o in opts for n in o.names + o.negations)


def bash(root: Cmd) -> str:
    cmds = _all(root)
    lines = [_header("#"), "_rlm() {",
             '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" cmd="" i w',
             "    COMPREPLY=()",
             "    # The command path so far: the words that name a command or a subcommand.",
             "    for ((i = 1; i < COMP_CWORD; i++)); do", '        w="${COMP_WORDS[i]}"', '        case "$cmd/$w" in']
    for c in cmds:
        if c.path:
            parent = " ".join(c.path[:-1])
            lines.append(f'            "{parent}/{c.path[-1]}") cmd="{" ".join(c.path)}" ;;')
    lines += ["        esac", "    done", '    case "$cmd" in']
    for c in [root, *cmds]:
        lines.append(f'        "{" ".join(c.path)}")')
        valued = [o for o in c.options if not o.flag]
        cases = []
        for o in valued:
            pat = "|".join(o.names)
            if o.choices:
                cases.append(f'                {pat}) COMPREPLY=($(compgen -W "{" ".join(o.choices)}" -- "$cur")); return ;;')
            elif o.kind == "file":
                cases.append(f'                {pat}) COMPREPLY=($(compgen -f -- "$cur")); return ;;')
            else:
                cases.append(f"                {pat}) return ;;")
        if cases:
            lines += ['            case "$prev" in', *cases, "            esac"]
        subs = " ".join(s.path[-1] for s in c.subcommands)
        lines.append('            if [[ "$cur" == -* ]]; then')
        lines.append(f'                COMPREPLY=($(compgen -W "{_words(c.options)}" -- "$cur"))')
        if subs:
            lines += ["            else", f'                COMPREPLY=($(compgen -W "{subs}" -- "$cur"))']
        elif any(a.kind == "path" for a in c.args):
            lines += ["            else", '                COMPREPLY=($(compgen -f -- "$cur"))']
        lines += ["            fi", "            ;;"]
    lines += ["    esac", "}", "complete -o filenames -o bashdefault -F _rlm rlm", ""]
    return "\n".join(lines)


def _all(root: Cmd) -> list[Cmd]:
    out: list[Cmd] = []
    for s in root.subcommands:
        out.append(s)
        out.extend(_all(s))
    return out


def _header(comment: str) -> str:
    return (f"{comment} Completion for rlm {__version__}. Generated by scripts/gen_docs.py from the app: "
            f"do not edit.")


# -- zsh --------------------------------------------------------------------------------------------
def _zq(text: str) -> str:
    """Text inside a single-quoted zsh _arguments spec: brackets and colons escaped."""
    text = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]").replace(":", "\\:")
    return text.replace("'", "'\\''")


def _zsh_fn(c: Cmd) -> str:
    return "_rlm" + "".join("_" + p.replace("-", "_") for p in c.path)


def _zsh_specs(c: Cmd) -> list[str]:
    specs = []
    for o in c.options:
        names = o.names + o.negations
        excl = f"({' '.join(names)})" if len(names) > 1 and not o.repeatable else ""
        star = "*" if o.repeatable else ""
        value = ""
        if not o.flag:
            action = f"({' '.join(o.choices)})" if o.choices else "_files" if o.kind == "file" else " "
            value = f":{o.metavar.lower() if not o.choices else o.names[0].lstrip('-')}:{action}"
        helptext = _zq(first_sentence(o.help))
        for n in o.names:
            specs.append(f"'{excl}{star}{n}[{helptext}]{value}'")
        for n in o.negations:
            specs.append(f"'{excl}{n}[{_zq('The opposite of ' + o.names[0] + '.')}]'")
    for i, a in enumerate(c.args, 1):
        action = "_files" if a.kind == "path" else " "
        pos = "*" if a.many else str(i)
        specs.append(f"'{pos}:{a.name}:{action}'")
    return specs


def zsh(root: Cmd) -> str:
    out = ["#compdef rlm", _header("#"), ""]
    for c in reversed([root, *_all(root)]):  # helpers before their callers (not required by zsh, but readable)
        out.append(f"{_zsh_fn(c)}() {{")
        specs = _zsh_specs(c)
        if c.subcommands:
            out.append("    local curcontext=\"$curcontext\" state line")
            out.append("    typeset -A opt_args")
            out.append("    _arguments -C -s \\")
            out += [f"        {s} \\" for s in specs]
            out += ["        '1:command:->command' \\", "        '*::argument:->argument'", "    case $state in",
                    "        command)", "            local -a commands=("]
            out += [f"                '{s.path[-1]}:{_zq(s.summary)}'" for s in c.subcommands]
            out += ["            )", "            _describe -t commands 'rlm command' commands ;;", "        argument)",
                    "            case $line[1] in"]
            out += [f"                {s.path[-1]}) {_zsh_fn(s)} ;;" for s in c.subcommands]
            out += ["            esac ;;", "    esac"]
        else:
            out.append("    _arguments -s \\")
            out += [f"        {s} \\" for s in specs[:-1]] + [f"        {specs[-1]}"]
        out += ["}", ""]
    out += ['_rlm "$@"', ""]
    return "\n".join(out)


# -- fish -------------------------------------------------------------------------------------------
def _fq(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def fish(root: Cmd) -> str:
    out = [_header("#"), "complete -c rlm -f  # files only where a command takes paths (below)", ""]
    for c in [root, *_all(root)]:
        if not c.path:
            cond = "__fish_use_subcommand"
        else:
            cond = " ; and ".join(f"__fish_seen_subcommand_from {p}" for p in c.path)
            if c.subcommands:
                cond += " ; and not __fish_seen_subcommand_from " + " ".join(s.path[-1] for s in c.subcommands)
        for s in c.subcommands:
            out.append(f"complete -c rlm -n {_fq(cond)} -a {s.path[-1]} -d {_fq(s.summary)}")
        if c.path and any(a.kind == "path" for a in c.args):
            out.append(f"complete -c rlm -n {_fq(cond)} -F")
        for o in c.options:
            names = " ".join(f"-l {n[2:]}" if n.startswith("--") else f"-s {n[1:]}" for n in o.names)
            value = ""
            if not o.flag:
                value = f" -x -a {_fq(' '.join(o.choices))}" if o.choices else " -r -F" if o.kind == "file" else " -x"
            out.append(f"complete -c rlm -n {_fq(cond)} {names}{value} -d {_fq(first_sentence(o.help))}")
            for n in o.negations:
                out.append(f"complete -c rlm -n {_fq(cond)} -l {n[2:]} -d {_fq('The opposite of ' + o.names[0])}")
        out.append("")
    return "\n".join(out)


# -- man page ---------------------------------------------------------------------------------------
def _r(text: str) -> str:
    """Roff-safe text: backslashes escaped, no line starting with a control character."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join("\\&" + ln if ln[:1] in (".", "'") else ln for ln in text.split("\n"))


def _man_option(o: Opt) -> list[str]:
    names = ", ".join(f"\\fB{_r(n)}\\fR" for n in o.names + o.negations)
    value = "" if o.flag else f" \\fI{_r(o.metavar)}\\fR"
    text = " ".join(paragraphs(o.help)) if o.help else ""
    if not (o.flag or o.default is None or o.default in ((), []) or "default" in text):
        text += f" (default {o.default})"
    if o.repeatable and "repeatable" not in text:
        text += " (repeatable)"
    return [".TP", names + value, _r(text)]


def man(root: Cmd) -> str:
    from .config import KEYS, PROJECT_FILE, PROVIDER_KEYS

    pars = paragraphs(root.help)
    out = [f'.TH RLM 1 "" "rlm {__version__}" "User Commands"', ".SH NAME",
           f"rlm \\- {_r(pars[0][0].lower() + pars[0][1:].rstrip('.'))}", ".SH SYNOPSIS"]
    for c in [root, *_all(root)]:
        if c.path and not c.subcommands:
            out += [".br", _r(c.usage).replace("rlm ", "\\fBrlm\\fR ", 1)]
    out[out.index(".SH SYNOPSIS") + 1:out.index(".SH SYNOPSIS") + 2] = []  # no .br before the first line
    out += [".SH DESCRIPTION"]
    for p in pars:
        out += [".PP", _r(p)]
    out += [".SH OPTIONS"]
    for o in root.options:
        out += _man_option(o)
    out += [".SH COMMANDS"]
    for c in _all(root):
        if c.subcommands:
            out += [f'.SS "{_r(" ".join(["rlm", *c.path]))}"', _r(" ".join(paragraphs(c.help)))]
            continue
        out += [f'.SS "{_r(c.usage)}"']
        for i, p in enumerate(paragraphs(c.help)):
            out += ([] if i == 0 else [".PP"]) + [_r(p)]
        for a in c.args:
            out += [".TP", f"\\fI{_r(a.name.upper())}\\fR", _r(" ".join(paragraphs(a.help)))]
        for o in c.options:
            out += _man_option(o)
    out += [".SH CONFIGURATION",
            _r(f"Settings are resolved, highest first, from: command-line flags; RLM_* environment variables; the "
               f"project file {PROJECT_FILE} (the nearest one above the first input path or the working directory, "
               "looked for up to the top of its git repository); the user config file; the defaults. Both files are "
               "flat TOML tables of these keys (rlm config show prints each value and where it came from; rlm config "
               "set KEY VALUE writes the user file). API keys are never written to a file by rlm."), ".PP"]
    for k in KEYS.values():
        default = "" if k.default is None else f" Default: {str(k.default).lower() if k.kind is bool else k.default}."
        out += [".TP", f"\\fB{_r(k.name)}\\fR ({k.kind.__name__}; {_r(k.flag)}; {_r(k.env)})",
                _r(k.help + default)]
    out += [".SH EXIT STATUS", ".TP", "0", "Answered (grep, outline: something was found; check: the check passed).",
            ".TP", "1", _r("A check failed (rlm check); grep or outline found nothing; rlm doctor found something "
                           "essential broken."),
            ".TP", "2", "Usage or configuration error, unusable input, no model configured.",
            ".TP", "3", "A limit was reached before the answer was ready (the partial answer is printed).",
            ".TP", "4", "The model provider failed after retries.",
            ".TP", "130", "Interrupted (Ctrl-C); the partial answer is printed first."]
    out += [".SH ENVIRONMENT"]
    for k in KEYS.values():
        out += [".TP", f"\\fB{_r(k.env)}\\fR", _r(f"{k.help} (the {k.name} setting, see CONFIGURATION)")]
    for name, text in (("RLM_CONFIG_DIR", "Directory of the user config file config.toml."),
                       ("RLM_CACHE_DIR", "Directory of the response cache, parse cache and stdin spool."),
                       ("RLM_DATA_DIR", "Directory whose runs/ folder holds the recorded traces."),
                       ("NO_COLOR", "When set, no colour in any output."),
                       ("OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, ...",
                        "Provider keys, read by LiteLLM for the matching model strings (rlm doctor lists which are "
                        f"set; known: {', '.join(PROVIDER_KEYS)}).")):
        out += [".TP", f"\\fB{_r(name)}\\fR", _r(text)]
    out += [".SH FILES"]
    for name, text in (("~/.config/rlm/config.toml", "The user config file on Linux ($XDG_CONFIG_HOME/rlm; "
                        "~/Library/Application Support/rlm on macOS; $RLM_CONFIG_DIR when set); rlm config path "
                        "prints it."),
                       (PROJECT_FILE, "Project settings, in the inputs' folder or a parent, up to the git top."),
                       (".rlmignore", "Ignore patterns with .gitignore syntax; wins over .gitignore."),
                       ("~/.cache/rlm", "Response cache and parse cache (Linux; $RLM_CACHE_DIR when set)."),
                       ("~/.local/share/rlm/runs", "JSONL traces of recorded runs (Linux; $RLM_DATA_DIR/runs when "
                        "set).")):
        out += [".TP", f"\\fI{_r(name)}\\fR", _r(text)]
    out += [".SH EXAMPLES"]
    for cmd, text in (('rlm ask "Where is the retry policy configured?" ./repo -m openai/gpt-4o-mini',
                       "Ask a question about a repository."),
                      ('cat huge.log | rlm ask "Which user ids got 5xx errors after 02:00?"',
                       "Ask about a pipe (stdin is read only when it is not a terminal)."),
                      ('rlm ask "List every force majeure clause" contracts/ --json --max-cost 0.50',
                       "JSON result for a script, with a budget."),
                      ("rlm chat ./repo", "Follow-up questions on the same input; variables persist."),
                      ('rlm check "No endpoint skips the auth decorator" . --format github',
                       "A check in CI; exit 1 when it fails."),
                      ("rlm inspect ./repo", "What would be loaded and what was skipped, with no model."),
                      ("rlm config set model openai/gpt-4o-mini", "Save a default model."),
                      ("rlm doctor", "What this machine gives rlm.")):
        out += [".PP", _r(text), ".RS", ".nf", _r(cmd), ".fi", ".RE"]
    out += [".SH SEE ALSO", "\\fBrg\\fR(1), \\fBbwrap\\fR(1)", ""]
    return "\n".join(out)


def generate() -> dict[str, str]:
    """{relative path: content} for every generated file."""
    root = command_tree()
    return dict(zip(FILES, (bash(root), zsh(root), fish(root), man(root))))


def write(repo: Path, check: bool = False) -> list[str]:
    """Write the files under ``repo`` (or, with check, only compare); returns the paths that differed."""
    stale = []
    for rel, text in generate().items():
        path = repo / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(rel)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    return stale


__all__ = ["FILES", "bash", "command_tree", "fish", "generate", "man", "write", "zsh"]

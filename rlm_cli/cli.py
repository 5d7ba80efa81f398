"""Command-line entry point: parses flags and wires the layers; no logic of its own.

Heavy modules (LiteLLM, tree-sitter) are imported inside the commands that need
them, never at start-up, so ``rlm --help`` and the offline commands stay fast.
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import List, Optional

import typer
from typing_extensions import Annotated

from . import __version__
from .exits import EXIT_USAGE, run_guarded

app = typer.Typer(
    name="rlm",
    help="Ask questions of inputs far larger than a model's context window (Recursive Language Models).\n\n"
    "The input is never pasted into a prompt: it is loaded into a sandboxed Python REPL that the model explores.\n"
    "Offline commands (inspect, grep, peek) show exactly what the model's helpers see, with no model at all.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    # Plain help, as click/llm print it: Rich's help renderer alone costs ~100 ms of start-up,
    # a third of the 0.3 s budget for `rlm --help`.
    rich_markup_mode=None,
)

# -- options shared by every command that reads inputs ----------------------------
Paths = Annotated[Optional[List[str]], typer.Argument(help="Files, directories, or - for stdin (default: stdin when piped).", show_default=False)]
Hidden = Annotated[bool, typer.Option("--hidden", help="Include hidden files and directories.", rich_help_panel="Walking")]
NoIgnore = Annotated[bool, typer.Option("--no-ignore", help="Ignore .gitignore, .rlmignore and .git/info/exclude.", rich_help_panel="Walking")]
Follow = Annotated[bool, typer.Option("--follow-symlinks", "-L", help="Follow symbolic links (loops are detected).", rich_help_panel="Walking")]
Include = Annotated[Optional[List[str]], typer.Option("--include", help="Only files matching this glob (repeatable).", rich_help_panel="Walking", show_default=False)]
Exclude = Annotated[Optional[List[str]], typer.Option("--exclude", help="Skip files matching this glob (repeatable).", rich_help_panel="Walking", show_default=False)]
MaxFile = Annotated[str, typer.Option("--max-file-size", help="Skip walked files larger than this (e.g. 100M, 2G).", rich_help_panel="Walking")]
MaxTotal = Annotated[str, typer.Option("--max-total-size", help="Stop loading once this much has been loaded.", rich_help_panel="Walking")]


def _walk_options(hidden: bool, no_ignore: bool, follow: bool, include, exclude, max_file: str, max_total: str):
    from .context import WalkOptions
    from .sizes import parse_size

    return WalkOptions(hidden=hidden, follow_symlinks=follow, no_ignore=no_ignore, include=tuple(include or ()),
                       exclude=tuple(exclude or ()), max_file_size=parse_size(max_file, "--max-file-size"),
                       max_total_size=parse_size(max_total, "--max-total-size"))


def _version(value: bool) -> None:
    if value:
        print(f"rlm {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False) -> None:
    pass


@app.command()
def inspect(
    paths: Paths = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON object (files, skipped, totals).")] = False,
    all_files: Annotated[bool, typer.Option("--all", help="List every file, not only the largest.")] = False,
    hidden: Hidden = False, no_ignore: NoIgnore = False, follow_symlinks: Follow = False,
    include: Include = None, exclude: Exclude = None, max_file_size: MaxFile = "100M", max_total_size: MaxTotal = "8G",
) -> None:
    """Show what would be loaded (files, bytes, lines, estimated tokens, languages) and what was skipped, and why."""
    from .context import load
    from .offline import inspect_report

    opts = _walk_options(hidden, no_ignore, follow_symlinks, include, exclude, max_file_size, max_total_size)
    code = inspect_report(load(paths or [], opts), json_out=json_out, all_files=all_files)
    raise typer.Exit(code)


@app.command()
def grep(
    pattern: Annotated[str, typer.Argument(help="A Python regular expression (or a literal with -F).", show_default=False)],
    paths: Paths = None,
    ignore_case: Annotated[bool, typer.Option("--ignore-case", "-i", help="Case-insensitive match.")] = False,
    fixed: Annotated[bool, typer.Option("--fixed-strings", "-F", help="Treat PATTERN as a literal string.")] = False,
    context: Annotated[int, typer.Option("--context", "-C", min=0, help="Lines of context around each match.")] = 0,
    max_count: Annotated[int, typer.Option("--max-count", "-m", min=0, help="Stop after this many matches (0: no limit).")] = 0,
    count: Annotated[bool, typer.Option("--count", "-c", help="Print only the number of matching lines.")] = False,
    hidden: Hidden = False, no_ignore: NoIgnore = False, follow_symlinks: Follow = False,
    include: Include = None, exclude: Exclude = None, max_file_size: MaxFile = "100M", max_total_size: MaxTotal = "8G",
) -> None:
    """Print lines matching PATTERN as path:line: text, exactly as the model's .grep() sees them.

    Exit status: 0 if a line matched, 1 if none did, 2 on bad input.
    """
    from .context import load
    from .offline import grep_command

    opts = _walk_options(hidden, no_ignore, follow_symlinks, include, exclude, max_file_size, max_total_size)
    loaded = load(paths or [], opts).require_some()
    found = grep_command(loaded, pattern, ignore_case=ignore_case, fixed=fixed, context=context,
                         max_count=max_count, count_only=count)
    raise typer.Exit(0 if found else 1)


@app.command()
def peek(
    path: Annotated[str, typer.Argument(help="A file, a directory (shows its tree), or - for stdin.", show_default=False)],
    lines: Annotated[Optional[str], typer.Option("--lines", "-n", help="Numbered lines A:B (1-based, inclusive; A: or :B work).", show_default=False)] = None,
    start: Annotated[int, typer.Option("--start", min=0, help="Character offset to start from.")] = 0,
    chars: Annotated[int, typer.Option("--chars", min=1, help="How many characters to show.")] = 2000,
    hidden: Hidden = False, no_ignore: NoIgnore = False, follow_symlinks: Follow = False,
) -> None:
    """Show part of a file as the model's .peek()/.lines() return it, or a directory's tree."""
    from .context import load
    from .offline import peek_command

    opts = _walk_options(hidden, no_ignore, follow_symlinks, None, None, "100M", "8G")
    peek_command(load([path], opts).require_some(), lines=lines, start=start, chars=chars)


@app.command()
def outline(
    paths: Paths = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON object (files with nested symbols).")] = False,
    max_depth: Annotated[Optional[int], typer.Option("--max-depth", min=1, help="Show nesting only this deep.", show_default=False)] = None,
    hidden: Hidden = False, no_ignore: NoIgnore = False, follow_symlinks: Follow = False,
    include: Include = None, exclude: Exclude = None, max_file_size: MaxFile = "100M", max_total_size: MaxTotal = "8G",
) -> None:
    """Print the definitions (classes, functions, methods, ...) of code files with line ranges, as .outline() returns them.

    Exit status: 0 if a definition was found, 1 if none, 2 on bad input.
    """
    from .context import load
    from .offline_code import outline_command

    opts = _walk_options(hidden, no_ignore, follow_symlinks, include, exclude, max_file_size, max_total_size)
    raise typer.Exit(outline_command(load(paths or [], opts).require_some(), json_out=json_out, max_depth=max_depth))


@app.command(name="map")
def map_(
    paths: Paths = None,
    max_chars: Annotated[int, typer.Option("--max-chars", min=200, help="Character budget for the map.")] = 8000,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON object (the map and every ranked file).")] = False,
    hidden: Hidden = False, no_ignore: NoIgnore = False, follow_symlinks: Follow = False,
    include: Include = None, exclude: Exclude = None, max_file_size: MaxFile = "100M", max_total_size: MaxTotal = "8G",
) -> None:
    """Print a repo map: code files ranked by how often other files reference their definitions, as .map() returns it."""
    from .context import load
    from .offline_code import map_command

    opts = _walk_options(hidden, no_ignore, follow_symlinks, include, exclude, max_file_size, max_total_size)
    raise typer.Exit(map_command(load(paths or [], opts).require_some(), max_chars=max_chars, json_out=json_out))


# -- model and limit options: shared by ask and chat. They default to None so that an unset flag falls through to
# the environment, the project and user config files, then the defaults (config.resolve; `rlm config show`).
_Limits = "Limits"
_Model = "Model"


def _opt(name: str, *decls: str, panel: Optional[str] = None, **kw):
    from .config import KEYS, flag_help

    key = KEYS[name]
    extra: dict = {"min": key.minimum} if key.minimum is not None and key.kind is not bool else {}
    return typer.Option(*(decls or (key.flag,)), help=flag_help(name), rich_help_panel=panel, show_default=False,
                        **extra, **kw)


ModelOpt = Annotated[Optional[str], _opt("model", "--model", "-m", panel=_Model)]
SubModelOpt = Annotated[Optional[str], _opt("sub_model", panel=_Model)]
ApiBaseOpt = Annotated[Optional[str], _opt("api_base", panel=_Model)]
ApiKeyOpt = Annotated[Optional[str], _opt("api_key", panel=_Model)]
MaxTurnsOpt = Annotated[Optional[int], _opt("max_turns", panel=_Limits)]
MaxDepthOpt = Annotated[Optional[int], _opt("max_depth", panel=_Limits)]
MaxSubcallsOpt = Annotated[Optional[int], _opt("max_subcalls", panel=_Limits)]
MaxCostOpt = Annotated[Optional[float], _opt("max_cost", panel=_Limits)]
MaxTokensOpt = Annotated[Optional[int], _opt("max_tokens", panel=_Limits)]
TimeoutOpt = Annotated[Optional[float], _opt("timeout", panel=_Limits)]
CellTimeoutOpt = Annotated[Optional[float], _opt("cell_timeout", panel=_Limits)]
ConcurrencyOpt = Annotated[Optional[int], _opt("concurrency", panel=_Limits)]
CacheOpt = Annotated[Optional[bool], _opt("cache")]
# An Enum, so --help and the completions list the values (this Typer's vendored click has no Choice).
SandboxMode = Enum("SandboxMode", {m: m for m in ("auto", "bwrap", "process")}, type=str)  # type: ignore[misc]
SandboxOpt = Annotated[Optional[SandboxMode], _opt("sandbox")]
LogOpt = Annotated[Optional[bool], _opt("log")]


def _settings(paths: Optional[List[str]], params: dict):
    """Resolve flags > env > project .rlm.toml (found from the first input) > user config > defaults.

    ``params``: the command's ``locals()``; those named like a config key are its flags.
    """
    from .config import KEYS, resolve

    flags = {k: (v.value if isinstance(v, Enum) else v) for k, v in params.items() if k in KEYS}
    return resolve(flags, start=(paths or [None])[0])


# -- output options of ask and check (formats: output.py, check.py) ------------------------------------------
_Output = "Output"
AskFormat = Enum("AskFormat", {m: m for m in ("text", "markdown", "json")}, type=str)  # type: ignore[misc]
CheckFormat = Enum("CheckFormat", {m: m for m in ("text", "markdown", "json", "github", "sarif")}, type=str)  # type: ignore[misc]
SchemaOpt = Annotated[Optional[str], typer.Option("--schema", help="A JSON Schema (a file, or inline JSON) the answer must match: the model puts it in answer[\"data\"], it is validated, and errors are sent back to be fixed.", rich_help_panel=_Output, show_default=False)]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Nothing on stderr but errors.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Full cell outputs and reasoning, child runs' steps, sub-call details.")]


def _ask_options(s, **output):
    from .ask import AskOptions

    return AskOptions(model=s.model, sub_model=s.sub_model, api_base=s.api_base, api_key=s.api_key,
                      max_turns=s.max_turns, max_depth=s.max_depth, max_subcalls=s.max_subcalls, max_cost=s.max_cost,
                      max_tokens=s.max_tokens, timeout=s.timeout, cell_timeout=s.cell_timeout,
                      concurrency=s.concurrency, cache=s.cache, sandbox=s.sandbox, log=s.log, **output)


# -- ask: one question, one run (logic in ask.py; engine, REPL and LiteLLM imported only when it runs) ------
@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question to answer about the inputs.", show_default=False)],
    paths: Paths = None,
    model: ModelOpt = None, sub_model: SubModelOpt = None, api_base: ApiBaseOpt = None, api_key: ApiKeyOpt = None,
    max_turns: MaxTurnsOpt = None, max_depth: MaxDepthOpt = None, max_subcalls: MaxSubcallsOpt = None,
    max_cost: MaxCostOpt = None, max_tokens: MaxTokensOpt = None, timeout: TimeoutOpt = None,
    cell_timeout: CellTimeoutOpt = None, concurrency: ConcurrencyOpt = None, cache: CacheOpt = None,
    sandbox: SandboxOpt = None,
    fmt: Annotated[Optional[AskFormat], typer.Option("--format", "-f", help="text: the answer as written; markdown: a document with run figures; json: the result object (README: JSON output). Default: the answer, rendered on a terminal.", rich_help_panel=_Output, show_default=False)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Same as --format json: answer, data, ready, stop_reason, turns, usage, cost, duration, trace, skipped.", rich_help_panel=_Output)] = False,
    schema: SchemaOpt = None,
    quiet: QuietOpt = False, verbose: VerboseOpt = False,
    log: LogOpt = None,
    hidden: Hidden = False, no_ignore: NoIgnore = False, follow_symlinks: Follow = False,
    include: Include = None, exclude: Exclude = None, max_file_size: MaxFile = "100M", max_total_size: MaxTotal = "8G",
) -> None:
    """Answer QUESTION about the inputs: the model explores them in a sandboxed REPL and builds the answer.

    Settings not given as flags come from RLM_* environment variables, then .rlm.toml, then the user config
    (see `rlm config show`).

    Exit status: 0 answered, 2 usage or configuration error, 3 a limit was reached without a ready
    answer (the partial answer is printed), 4 the model provider failed, 130 interrupted (Ctrl-C; the partial
    answer is printed; a second Ctrl-C exits at once).
    """
    from .ask import ask as run_ask
    from .output import parse_schema

    s = _settings(paths, locals())
    opts = _walk_options(hidden, no_ignore, follow_symlinks, include, exclude, max_file_size, max_total_size)
    parsed = parse_schema(schema) if schema is not None else None
    raise typer.Exit(run_ask(question, paths or [], opts, _ask_options(
        s, json_out=json_out, quiet=quiet, verbose=verbose, format=fmt.value if fmt else None, schema=parsed)))


@app.command()
def check(
    assertion: Annotated[str, typer.Argument(help="What must hold, e.g. \"No endpoint skips the auth decorator\".", show_default=False)],
    paths: Paths = None,
    model: ModelOpt = None, sub_model: SubModelOpt = None, api_base: ApiBaseOpt = None, api_key: ApiKeyOpt = None,
    max_turns: MaxTurnsOpt = None, max_depth: MaxDepthOpt = None, max_subcalls: MaxSubcallsOpt = None,
    max_cost: MaxCostOpt = None, max_tokens: MaxTokensOpt = None, timeout: TimeoutOpt = None,
    cell_timeout: CellTimeoutOpt = None, concurrency: ConcurrencyOpt = None, cache: CacheOpt = None,
    sandbox: SandboxOpt = None,
    fmt: Annotated[Optional[CheckFormat], typer.Option("--format", "-f", help="text (default): verdict and file:line findings; markdown; json: the result object; github: workflow annotations (+ $GITHUB_STEP_SUMMARY); sarif: SARIF 2.1.0.", rich_help_panel=_Output, show_default=False)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Same as --format json.", rich_help_panel=_Output)] = False,
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="Write the report (sarif, json, markdown) to this file instead of stdout.", rich_help_panel=_Output, show_default=False)] = None,
    quiet: QuietOpt = False, verbose: VerboseOpt = False,
    log: LogOpt = None,
    hidden: Hidden = False, no_ignore: NoIgnore = False, follow_symlinks: Follow = False,
    include: Include = None, exclude: Exclude = None, max_file_size: MaxFile = "100M", max_total_size: MaxTotal = "8G",
) -> None:
    """Check ASSERTION against the inputs: a verdict (pass/fail) with findings that cite file:line, for CI.

    Exit status: 0 the assertion holds, 1 it does not, 2 usage or configuration error,
    3 no verdict within the limits, 4 the model provider failed, 130 interrupted.
    """
    from .check import check as run_check

    s = _settings(paths, locals())
    opts = _walk_options(hidden, no_ignore, follow_symlinks, include, exclude, max_file_size, max_total_size)
    raise typer.Exit(run_check(assertion, paths or [], opts, _ask_options(s, quiet=quiet, verbose=verbose),
                               fmt="json" if json_out else (fmt.value if fmt else "text"), output=output))


# -- runs: the recorded traces (logic in runs.py; listing reads two lines per trace and imports no Rich) ------
runs_app = typer.Typer(name="runs", help="List, replay and remove recorded runs (JSONL traces in the user data dir, "
                       "or $RLM_DATA_DIR). A run is named by its id, a unique prefix of it, or 'last'.",
                       no_args_is_help=True)
app.add_typer(runs_app)
RunRef = Annotated[str, typer.Argument(help="A run id, a unique prefix of it (the ID column), or 'last'.", show_default=False)]


@runs_app.command("list")
def runs_list(
    limit: Annotated[int, typer.Option("--limit", "-n", min=0, help="Show this many, newest first (0: all).")] = 20,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON array of runs.")] = False,
) -> None:
    """List recorded runs: id, date, outcome, turns, cost, duration, model, question."""
    from .runs import list_command

    raise typer.Exit(list_command(limit=limit, json_out=json_out))


@runs_app.command("show")
def runs_show(
    run: RunRef,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Full cell outputs and reasoning, child runs' steps.")] = False,
) -> None:
    """Replay a run through the same view as `rlm ask` (steps on stderr) and print its answer on stdout."""
    from .runs import show_command

    raise typer.Exit(show_command(run, verbose=verbose))


@runs_app.command("rm")
def runs_rm(
    runs: Annotated[Optional[List[str]], typer.Argument(help="Run ids or unique prefixes.", show_default=False)] = None,
    all_runs: Annotated[bool, typer.Option("--all", help="Remove every recorded run.")] = False,
) -> None:
    """Remove recorded runs."""
    from .runs import rm_command

    raise typer.Exit(rm_command(runs or [], all_runs=all_runs))


# -- chat: follow-up questions over one REPL (logic in chat.py) ----------------------------------------------
@app.command()
def chat(
    paths: Annotated[List[str], typer.Argument(help="Files or directories, loaded once for the session.", show_default=False)],
    model: ModelOpt = None, sub_model: SubModelOpt = None, api_base: ApiBaseOpt = None, api_key: ApiKeyOpt = None,
    max_turns: MaxTurnsOpt = None, max_depth: MaxDepthOpt = None, max_subcalls: MaxSubcallsOpt = None,
    max_cost: MaxCostOpt = None, max_tokens: MaxTokensOpt = None, timeout: TimeoutOpt = None,
    cell_timeout: CellTimeoutOpt = None, concurrency: ConcurrencyOpt = None, cache: CacheOpt = None,
    sandbox: SandboxOpt = None, log: LogOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object per question (JSON Lines).")] = False,
    quiet: QuietOpt = False, verbose: VerboseOpt = False,
    hidden: Hidden = False, no_ignore: NoIgnore = False, follow_symlinks: Follow = False,
    include: Include = None, exclude: Exclude = None, max_file_size: MaxFile = "100M", max_total_size: MaxTotal = "8G",
) -> None:
    """Ask follow-up questions about the same input: loaded once, one REPL whose variables persist.

    Questions are read from the terminal, or one per line from stdin when it is not a terminal;
    /exit or end of input ends the session, /vars lists the REPL's variables. Limits apply per question.

    Exit status: 0 every question answered, 2 usage or configuration error, 3 a limit stopped a question,
    4 the model provider failed on a question.
    """
    from .chat import chat as run_chat

    s = _settings(paths, locals())
    opts = _walk_options(hidden, no_ignore, follow_symlinks, include, exclude, max_file_size, max_total_size)
    raise typer.Exit(run_chat(paths, opts, _ask_options(s, json_out=json_out, quiet=quiet, verbose=verbose)))


# -- config and doctor (logic in config.py and doctor.py) ------------------------------------------------
config_app = typer.Typer(name="config", no_args_is_help=True,
                         help="Show and edit settings: flags > RLM_* environment > project .rlm.toml > user config "
                         "> defaults.")
app.add_typer(config_app)


@config_app.command("show")
def config_show(
    path: Annotated[Optional[str], typer.Argument(help="Where to look for .rlm.toml (default: the current directory).", show_default=False)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON object: values with source and where, files.")] = False,
) -> None:
    """Print every setting, its value and where it came from (API keys masked)."""
    import json

    from .config import resolve, show_text

    s = resolve(start=path)
    print(json.dumps(s.to_json(), indent=2) if json_out else show_text(s))


@config_app.command("path")
def config_path() -> None:
    """Print the user config file's path ($RLM_CONFIG_DIR/config.toml, else the platform's config dir)."""
    from .config import user_config_path

    print(user_config_path())


def _config_file(project: bool):
    from pathlib import Path

    from .config import PROJECT_FILE, find_project_config, user_config_path

    return (find_project_config() or Path(PROJECT_FILE)) if project else user_config_path()


ProjectFlag = Annotated[bool, typer.Option("--project", help="Edit the project's .rlm.toml (the nearest one, else ./.rlm.toml) instead of the user config.")]


@config_app.command("set")
def config_set(
    key: Annotated[str, typer.Argument(help="A setting name, as listed by `rlm config show`.", show_default=False)],
    value: Annotated[str, typer.Argument(help="Its value (true/false for switches).", show_default=False)],
    project: ProjectFlag = False,
) -> None:
    """Save a setting in the user config (or --project). API keys are never written to a file."""
    from .config import set_value

    path = _config_file(project)
    print(f"{key.replace('-', '_')} = {set_value(path, key, value)!r} in {path}", file=sys.stderr)


@config_app.command("unset")
def config_unset(
    key: Annotated[str, typer.Argument(help="A setting name.", show_default=False)],
    project: ProjectFlag = False,
) -> None:
    """Remove a setting from the user config (or --project)."""
    from .config import set_value

    path = _config_file(project)
    set_value(path, key, None)
    print(f"{key.replace('-', '_')} removed from {path}", file=sys.stderr)


@app.command()
def doctor(
    path: Annotated[Optional[str], typer.Argument(help="Where to look for .rlm.toml (default: the current directory).", show_default=False)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON object: checks with status and details.")] = False,
) -> None:
    """Check this machine: config, model, provider keys (names only), sandbox, grammars, ripgrep, cache and runs dirs.

    Exit status: 0 when everything essential works (warnings included), 1 when a config file is invalid,
    the configured sandbox cannot start, or the cache or runs directory cannot be written.
    """
    from .doctor import doctor as run_doctor

    raise typer.Exit(run_doctor(json_out=json_out, start=path))


def main() -> None:
    """Console-script entry: run the app with rlm's exit codes and one-line errors."""
    from .interrupts import finish

    finish(run_guarded(app))  # after Ctrl-C, without waiting on sub-calls still on the wire


if __name__ == "__main__":  # pragma: no cover
    main()

__all__ = ["app", "main", "EXIT_USAGE"]

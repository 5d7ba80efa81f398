"""Settings: one value per key, resolved from five layers, each value remembering where it came from.

    defaults < user config < project .rlm.toml < environment (RLM_*) < flags

The user config is ``<config dir>/config.toml`` (``$RLM_CONFIG_DIR``, else
platformdirs' user config dir for rlm); the project file is the nearest
``.rlm.toml`` above the first input path (or the working directory), looked for
up to the top of its git repository. Both are flat TOML tables of the keys in
``KEYS``. Environment variables are resolved here rather than by Typer's
``envvar=`` so that ``rlm config show`` can say which layer won.

API keys may be read from a config file (``api_key``) but are never written by
``rlm config set`` and are masked wherever a value is shown.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

from .context.types import InputError

PROJECT_FILE = ".rlm.toml"
SOURCES = ("default", "user", "project", "env", "flag")  # lowest to highest precedence


class ConfigError(InputError):
    """A bad config file, environment variable or key: one line, exit 2 (``exits.run_guarded``)."""


@dataclass(frozen=True)
class Key:
    name: str
    kind: type  # str | int | float | bool
    default: Any
    help: str
    flag: str = ""  # the command-line flag that sets it ("" when none)
    minimum: Optional[float] = None
    choices: tuple[str, ...] = ()
    secret: bool = False

    @property
    def env(self) -> str:
        return "RLM_" + self.name.upper()


KEYS: dict[str, Key] = {k.name: k for k in (
    Key("model", str, None, "Root model (a LiteLLM model string, e.g. openai/gpt-4o-mini).", "--model"),
    Key("sub_model", str, None, "Model for llm_query/llm_batch (default: the root model).", "--sub-model"),
    Key("api_base", str, None, "An OpenAI-compatible server URL (Ollama, vLLM, ...).", "--api-base"),
    Key("api_key", str, None, "API key (default: the provider's environment variable).", "--api-key", secret=True),
    Key("max_turns", int, 20, "Root-model turns before the best answer is asked for.", "--max-turns", 1),
    Key("max_depth", int, 1, "Nesting of rlm_query (at the limit it is llm_query).", "--max-depth", 0),
    Key("max_subcalls", int, None, "Sub-model calls in all.", "--max-subcalls", 0),
    Key("max_cost", float, None, "USD, over calls with a known price.", "--max-cost", 0),
    Key("max_tokens", int, None, "Input + output tokens, all models.", "--max-tokens", 1),
    Key("timeout", float, None, "Seconds for the whole run.", "--timeout", 0.1),
    Key("cell_timeout", float, 60.0, "Seconds per REPL cell (sub-call waits excluded).", "--cell-timeout", 0.1),
    Key("concurrency", int, 16, "Model requests in flight at once.", "--concurrency", 1),
    Key("sandbox", str, "auto", "Where the model's code runs (auto: bwrap when it works, else process).", "--sandbox",
        choices=("auto", "bwrap", "process")),
    Key("cache", bool, True, "Read and write the response cache.", "--cache/--no-cache"),
    Key("log", bool, True, "Record each run's trace.", "--log/--no-log"),
)}

# Provider key variables LiteLLM reads, each with a model string that uses it (for the no-model hint and doctor).
PROVIDER_KEYS: dict[str, str] = {
    "OPENAI_API_KEY": "openai/gpt-4o-mini",
    "ANTHROPIC_API_KEY": "anthropic/claude-3-5-haiku-latest",
    "GEMINI_API_KEY": "gemini/gemini-2.0-flash",
    "MISTRAL_API_KEY": "mistral/mistral-small-latest",
    "GROQ_API_KEY": "groq/llama-3.1-8b-instant",
    "DEEPSEEK_API_KEY": "deepseek/deepseek-chat",
    "OPENROUTER_API_KEY": "openrouter/openai/gpt-4o-mini",
    "XAI_API_KEY": "xai/grok-2-latest",
    "TOGETHERAI_API_KEY": "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo",
    "FIREWORKS_AI_API_KEY": "fireworks_ai/accounts/fireworks/models/llama-v3p1-8b-instruct",
    "COHERE_API_KEY": "cohere/command-r",
    "AZURE_API_KEY": "azure/<your-deployment>",
    "AWS_ACCESS_KEY_ID": "bedrock/anthropic.claude-3-haiku-20240307-v1:0",
}


def provider_keys_found(env: Optional[Mapping[str, str]] = None) -> list[str]:
    """Names (never values) of the provider key variables that are set and non-empty."""
    env = os.environ if env is None else env
    return [name for name in PROVIDER_KEYS if env.get(name)]


# -- where the files are ----------------------------------------------------------------
def config_dir(env: Optional[Mapping[str, str]] = None) -> Path:
    env = os.environ if env is None else env
    if env.get("RLM_CONFIG_DIR"):
        return Path(env["RLM_CONFIG_DIR"])
    from platformdirs import user_config_dir

    return Path(user_config_dir("rlm"))


def user_config_path(env: Optional[Mapping[str, str]] = None) -> Path:
    return config_dir(env) / "config.toml"


def find_project_config(start: Optional[str] = None) -> Optional[Path]:
    """The nearest ``.rlm.toml`` from ``start`` (a path; its folder if a file) upward, up to the git top or /."""
    base = Path(start) if start and start != "-" and "://" not in start else Path.cwd()
    try:
        base = base.resolve()
    except OSError:
        return None
    if not base.is_dir():
        base = base.parent
    for d in (base, *base.parents):
        candidate = d / PROJECT_FILE
        if candidate.is_file():
            return candidate
        if (d / ".git").exists():  # a repository's top is as far as a project file is looked for
            return None
    return None


# -- values -------------------------------------------------------------------------------
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def coerce(key: Key, raw: Any, where: str) -> Any:
    """``raw`` (a TOML value or an environment string) as the key's type, checked; ConfigError naming ``where``."""
    def bad(why: str) -> ConfigError:
        return ConfigError(f"{where}: {key.name}: {why}")

    if key.kind is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        raise bad(f"expected true or false, not {raw!r}")
    if key.kind in (int, float):
        if isinstance(raw, bool):
            raise bad(f"expected a number, not {raw!r}")
        try:
            value = key.kind(raw.strip()) if isinstance(raw, str) else raw
        except ValueError:
            raise bad(f"expected {'an integer' if key.kind is int else 'a number'}, not {raw!r}") from None
        if key.kind is int and not isinstance(value, int) or not isinstance(value, (int, float)):
            raise bad(f"expected {'an integer' if key.kind is int else 'a number'}, not {raw!r}")
        if key.minimum is not None and value < key.minimum:
            raise bad(f"must be at least {key.minimum:g}, not {value}")
        return key.kind(value)
    if not isinstance(raw, str) or not raw:
        raise bad(f"expected a non-empty string, not {raw!r}")
    if key.choices and raw not in key.choices:
        raise bad(f"must be one of {', '.join(key.choices)}, not {raw!r}")
    return raw


def normalize_key(name: str, where: str) -> Key:
    key = KEYS.get(name.replace("-", "_"))
    if key is None:
        raise ConfigError(f"{where}: unknown key {name!r} (known: {', '.join(KEYS)})")
    return key


def read_config_file(path: Path) -> dict[str, Any]:
    """A config file's values, checked: {key: value}. ConfigError (file and key named) on any problem."""
    if sys.version_info >= (3, 11):  # imported here: most commands never read a config file
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    out: dict[str, Any] = {}
    for name, raw in data.items():
        key = normalize_key(name, str(path))
        if isinstance(raw, dict):
            raise ConfigError(f"{path}: {name}: expected a value, not a table")
        out[key.name] = coerce(key, raw, str(path))
    return out


@dataclass(frozen=True)
class Value:
    value: Any
    source: str  # one of SOURCES
    where: str = ""  # the file, the environment variable or the flag that set it

    def describe(self) -> str:
        return self.source if not self.where else f"{self.source} ({self.where})"


@dataclass
class Settings:
    """Resolved values: ``s.model``, ``s.values["model"].source``; ``files`` lists the config files in force."""

    values: dict[str, Value]
    files: dict[str, Optional[Path]] = field(default_factory=dict)  # "user"/"project" -> path, None when absent

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["values"][name].value
        except KeyError:
            raise AttributeError(name) from None

    def shown(self, name: str) -> Any:
        """The value as it may be printed (secrets masked)."""
        v = self.values[name].value
        return mask(v) if KEYS[name].secret and v else v

    def to_json(self) -> dict[str, Any]:
        return {"values": {k: {"value": self.shown(k), "source": v.source, "where": v.where}
                           for k, v in self.values.items()},
                "files": {k: (str(p) if p else None) for k, p in self.files.items()}}


def mask(secret: str) -> str:
    return "****" if len(secret) < 12 else f"{secret[:3]}...{secret[-2:]}"


def resolve(flags: Optional[Mapping[str, Any]] = None, start: Optional[str] = None,
            env: Optional[Mapping[str, str]] = None) -> Settings:
    """Resolve every key. ``flags``: {key: value or None (not given)}; ``start``: where to look for .rlm.toml."""
    env = os.environ if env is None else env
    values = {k.name: Value(k.default, "default") for k in KEYS.values()}
    user = user_config_path(env)
    files: dict[str, Optional[Path]] = {"user": user if user.is_file() else None, "project": find_project_config(start)}
    for layer in ("user", "project"):
        path = files[layer]
        if path is not None:
            for name, value in read_config_file(path).items():
                values[name] = Value(value, layer, str(path))
    for key in KEYS.values():
        raw = env.get(key.env)
        if raw is not None and raw != "":
            values[key.name] = Value(coerce(key, raw, key.env), "env", key.env)
    for name, value in (flags or {}).items():
        if value is not None:
            key = KEYS[name]
            flag = key.flag.split("/")[0] if value or key.kind is not bool else key.flag.split("/")[-1]
            values[name] = Value(coerce(key, value, flag), "flag", flag)
    return Settings(values, files)


# -- writing (rlm config set/unset): edit one line, keep the rest of the file and its comments --------------
def _toml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def set_value(path: Path, name: str, raw: Optional[str]) -> Optional[Any]:
    """Set (``raw`` a string) or remove (None) one key in ``path``; returns the stored value."""
    key = normalize_key(name, "rlm config")
    if key.secret and raw is not None:
        raise ConfigError(f"rlm config: {key.name} is never written to a file; set the provider's variable "
                          f"(e.g. OPENAI_API_KEY) or {key.env} in the environment")
    value = None if raw is None else coerce(key, raw, "rlm config")
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    pattern = re.compile(rf"^\s*{re.escape(key.name).replace('_', '[_-]')}\s*=")
    kept = [ln for ln in lines if not pattern.match(ln)]
    if value is not None:
        at = next((i for i, ln in enumerate(lines) if pattern.match(ln)), None)
        new = f"{key.name} = {_toml_scalar(value)}"
        if at is None:
            kept.append(new)
        else:  # in place, so comments above it stay with it
            kept.insert(sum(1 for ln in lines[:at] if not pattern.match(ln)), new)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(kept) + ("\n" if kept else ""), encoding="utf-8")
    read_config_file(path)  # what was written must read back
    return value


def no_model_message(env: Optional[Mapping[str, str]] = None) -> str:
    """What ``rlm ask`` says without a model: every way to set one, and the provider keys it can see (names only)."""
    found = provider_keys_found(env)
    example = PROVIDER_KEYS[found[0]] if found else "openai/gpt-4o-mini"
    ways = [(f"-m/--model {example}", "this command"), (f"export RLM_MODEL={example}", "this shell"),
            (f"rlm config set model {example}", f"saved in {user_config_path(env)}"),
            (f'model = "{example}" in {PROJECT_FILE}', "this project")]
    width = max(len(w) for w, _ in ways)
    lines = ["no model configured. Set one with any of:"] + [f"  {w.ljust(width)}  ({why})" for w, why in ways]
    if found:
        lines.append("Provider keys found in the environment: "
                     + ", ".join(f"{n} (e.g. {PROVIDER_KEYS[n]})" for n in found))
    else:
        lines.append("No provider keys found in the environment (looked for "
                     + ", ".join(list(PROVIDER_KEYS)[:4]) + ", ...). For a local OpenAI-compatible server: "
                     "-m openai/MODEL --api-base http://localhost:11434/v1")
    return "\n".join(lines)


def flag_help(name: str, text: Optional[str] = None) -> str:
    """A flag's help: its text, the default and the environment variable (for options that default to None)."""
    key = KEYS[name]
    # Parentheses, not brackets: Rich would take "[env: ...]" for markup and drop it from --help.
    if key.default is None or key.kind is bool:
        return f"{text or key.help} (env {key.env})"
    default = f"{key.default:g}" if isinstance(key.default, float) else key.default
    return f"{text or key.help} (default {default}; env {key.env})"

def show_text(s: Settings) -> str:
    """``rlm config show``: one line per key (value, where it came from), then the files looked at."""
    rows = [(name, "-" if s.shown(name) is None else str(s.shown(name)), v.describe()) for name, v in s.values.items()]
    w0, w1 = max(len(r[0]) for r in rows), min(40, max(len(r[1]) for r in rows))
    out = [f"{n.ljust(w0)}  {val.ljust(w1)}  {src}" for n, val, src in rows]
    user = s.files.get("user")
    out += ["", f"user config:    {user or str(user_config_path()) + ' (not present)'}",
            f"project config: {s.files.get('project') or f'none ({PROJECT_FILE} looked for up to the git top)'}"]
    return "\n".join(out)


__all__ = ["ConfigError", "KEYS", "Key", "PROJECT_FILE", "PROVIDER_KEYS", "Settings", "Value", "config_dir",
           "find_project_config", "flag_help", "mask", "no_model_message", "provider_keys_found", "read_config_file", "resolve",
           "set_value", "show_text", "user_config_path"]

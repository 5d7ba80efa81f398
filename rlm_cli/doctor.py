"""`rlm doctor`: what this machine gives rlm, found the way the commands find it, with no model call.

Exit 0 when everything essential works. Exit 1 when something essential is
broken: a config file or RLM_* variable is invalid, the configured sandbox
cannot start, or the cache or runs directory cannot be written. A missing
model, provider key, grammar or ripgrep is reported but is not a failure (the
offline commands work without them).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from . import __version__
from .exits import EXIT_CHECK_FAILED, EXIT_OK


@dataclass
class Check:
    name: str
    status: str  # ok | warn | fail
    detail: str
    data: dict[str, Any] = field(default_factory=dict)


def _writable(path: str) -> Optional[str]:
    """None when ``path`` exists (or can be made) and is writable, else why not."""
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        return f"cannot create: {e.strerror or e}"
    return None if os.access(path, os.W_OK | os.X_OK) else "not writable"


def grammars() -> tuple[list[str], dict[str, str]]:
    """(languages whose tree-sitter grammar loads, {language: why not}) for the languages outlines support."""
    from .context.code.specs import SPECS

    ok: list[str] = []
    missing: dict[str, str] = {}
    try:
        from tree_sitter_language_pack import get_parser
    except Exception as e:  # noqa: BLE001 - any import failure means no outlines at all
        return [], {name: f"tree_sitter_language_pack: {type(e).__name__}: {e}" for name in SPECS}
    for name, spec in SPECS.items():
        try:
            get_parser(spec.grammar)  # type: ignore[arg-type]
            ok.append(name)
        except Exception as e:  # noqa: BLE001
            missing[name] = f"{type(e).__name__}: {e}"
    return ok, missing


def checks(start: Optional[str] = None) -> list[Check]:
    from .config import ConfigError, PROVIDER_KEYS, provider_keys_found, resolve, user_config_path

    out = [Check("rlm", "ok", f"rlm {__version__}, Python {platform.python_version()} ({sys.executable})")]
    settings = None
    try:
        settings = resolve(start=start)
        files = {k: str(p) if p else None for k, p in settings.files.items()}
        out.append(Check("config", "ok", f"user {files['user'] or str(user_config_path()) + ' (not present)'}; "
                         f"project {files['project'] or 'none'}", files))
    except ConfigError as e:
        out.append(Check("config", "fail", str(e)))
    if settings is not None and settings.model:
        v = settings.values["model"]
        out.append(Check("model", "ok", f"{settings.model} (from {v.describe()})", {"model": settings.model,
                                                                                  "source": v.source}))
    else:
        out.append(Check("model", "warn", "no model configured: rlm ask/chat need -m, RLM_MODEL or "
                         "`rlm config set model ...` (the offline commands work without one)"))
    found = provider_keys_found()
    out.append(Check("provider keys", "ok" if found else "warn",
                     ", ".join(found) if found else f"none of {', '.join(PROVIDER_KEYS)} is set "
                     "(fine for a local --api-base server)", {"found": found}))
    out.append(_sandbox(settings.sandbox if settings is not None else "auto"))
    ok, missing = grammars()
    detail = f"{len(ok)} of {len(ok) + len(missing)} languages: {', '.join(ok) or 'none'}"
    if missing:
        detail += f"; missing {', '.join(missing)} (those files get plain line chunks, no outline)"
    out.append(Check("grammars", "ok" if not missing else "warn", detail, {"available": ok, "missing": missing}))
    rg = shutil.which("rg")
    out.append(Check("ripgrep", "ok" if rg else "warn", rg or "not found: grep over big files uses Python only",
                     {"path": rg}))
    from .llm.cache import default_cache_dir
    from .trace import runs_dir

    for name, path in (("cache dir", str(default_cache_dir())), ("runs dir", runs_dir())):
        why = _writable(path)
        out.append(Check(name, "ok" if why is None else "fail", path if why is None else f"{path}: {why}",
                         {"path": path}))
    return out


def _sandbox(mode: str) -> Check:
    from .repl.sandbox import SandboxError, resolve_sandbox

    try:
        chosen, reason = resolve_sandbox(mode)
    except SandboxError as e:
        return Check("sandbox", "fail", str(e), {"mode": mode})
    # auto falling back to the process sandbox works, but with less isolation: worth a warning
    status = "warn" if mode == "auto" and chosen != "bwrap" else "ok"
    return Check("sandbox", status, f"{chosen}: {reason}", {"mode": mode, "chosen": chosen})


def doctor(json_out: bool = False, start: Optional[str] = None) -> int:
    results = checks(start)
    if json_out:
        print(json.dumps({"checks": [asdict(c) for c in results],
                          "ok": all(c.status != "fail" for c in results)}, indent=2))
    else:
        width = max(len(c.name) for c in results)
        mark = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}
        for c in results:
            print(f"{mark[c.status]}  {c.name.ljust(width)}  {c.detail}")
    return EXIT_CHECK_FAILED if any(c.status == "fail" for c in results) else EXIT_OK

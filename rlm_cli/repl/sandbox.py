"""How the worker process is started: under bubblewrap, or as a plain process.

``bwrap``: new user, network, PID, IPC and UTS namespaces (so no network at
all, only an unconnected loopback), ``/usr`` and the Python installation
read-only, the inputs read-only at their own absolute paths, a private tmpfs
at ``/scratch`` as working directory and home, no real home directory, and an
environment built from nothing.

``process`` (the fallback) is best-effort: a minimal environment with no
credentials, resource limits, a scratch working directory, and an audit hook
in the worker that refuses sockets, process spawning, native-code loading and
writes outside the scratch directory. Python audit hooks are not a security
boundary (code that reaches native memory can get around them); they stop the
obvious and the planted-instruction cases, not a determined attacker. Use
``bwrap`` for untrusted inputs.

The worker also installs the audit hook under ``bwrap``: there it is a second
layer, not the only one.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from .settings import SANDBOX_MODES

BWRAP_SCRATCH = "/scratch"
WORKER_MODULE = "rlm_cli.repl.worker"

# Names that look like credentials never reach the worker, even through the allowlist.
CREDENTIAL_PATTERNS = ("*_API_KEY", "*_APIKEY", "*_KEY", "*_TOKEN", "*_SECRET", "*_SECRET_*", "*SECRET*", "*PASSWORD*",
                       "*PASSWD*", "*CREDENTIAL*", "AWS_*", "AZURE_*", "GOOGLE_*", "GCP_*", "GH_*", "GITHUB_*",
                       "HF_*", "HUGGING*", "OPENAI_*", "ANTHROPIC_*", "*_AUTH*", "*COOKIE*", "*SESSION*", "SSH_*",
                       "GPG_*", "NPM_*", "PYPI_*", "TWINE_*", "DOCKER_*", "KUBECONFIG", "VAULT_*", "DATABASE_URL",
                       "*_DSN", "*_URL")
# The only host variables passed on: locale and time zone.
PASSED_THROUGH = ("LANG", "LANGUAGE", "LC_*", "TZ")
# Single-threaded math libraries: fewer threads, less reserved memory, no surprise CPU use.
FIXED_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
             "NUMEXPR_NUM_THREADS": "1", "PYTHONIOENCODING": "utf-8", "PATH": "/usr/local/bin:/usr/bin:/bin"}
SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/alternatives",
             "/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/mime.types")


class SandboxError(RuntimeError):
    """The requested sandbox cannot run here; the message says why."""


def is_credential(name: str) -> bool:
    upper = name.upper()
    return any(fnmatch.fnmatchcase(upper, p) for p in CREDENTIAL_PATTERNS)


def scrub_env(environ: Mapping[str, str], scratch: str) -> dict[str, str]:
    """The worker's whole environment: locale and time zone from the host, fixed values, nothing else."""
    env = {k: v for k, v in environ.items()
           if any(fnmatch.fnmatchcase(k, p) for p in PASSED_THROUGH) and not is_credential(k)}
    env.setdefault("LANG", "C.UTF-8")
    env.update(FIXED_ENV)
    env.update(HOME=scratch, TMPDIR=scratch, RLM_CACHE_DIR=os.path.join(scratch, ".cache"))
    return env


@dataclass
class WorkerCommand:
    argv: list[str]
    env: dict[str, str]
    cwd: str | None  # host-side working directory (process mode)
    scratch: str  # the scratch directory as the worker sees it
    mode: str
    binds: list[str] = field(default_factory=list)  # read-only paths made visible (bwrap), for the record


def _python_argv() -> list[str]:
    # -I: no user site, no PYTHON* variables, no cwd on sys.path; -B: no .pyc writes.
    return [sys.executable, "-I", "-B", "-m", WORKER_MODULE]


def _python_roots() -> list[str]:
    """Directories the interpreter, its standard library, the venv and this package live in."""
    import rlm_cli

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))),
             os.path.dirname(os.path.abspath(rlm_cli.__file__))}
    out: list[str] = []
    for r in sorted(roots, key=len):
        if r and os.path.isdir(r) and not any(r == o or r.startswith(o.rstrip("/") + "/") for o in out + ["/usr"]):
            out.append(r)
    return out


def _bwrap_base(env: Mapping[str, str]) -> list[str]:
    # /tmp's tmpfs comes first: a bind made before it would be hidden under it, and the
    # venv or checkout may well live in /tmp (CI clones there).
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--clearenv",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--ro-bind", "/usr", "/usr"]
    for p in SYSTEM_LINKS:
        if os.path.islink(p):
            args += ["--symlink", os.readlink(p), p]
        elif os.path.isdir(p):
            args += ["--ro-bind", p, p]
    for p in ETC_FILES:
        args += ["--ro-bind-try", p, p]
    for r in _python_roots():
        args += ["--ro-bind", r, r]
    args += ["--tmpfs", BWRAP_SCRATCH, "--chdir", BWRAP_SCRATCH]
    for k, v in env.items():
        args += ["--setenv", k, v]
    return args


def build_command(mode: str, input_paths: Sequence[str], host_scratch: str | None,
                  environ: Mapping[str, str] | None = None) -> WorkerCommand:
    """The command line that starts a worker in ``mode`` ('bwrap' or 'process')."""
    environ = os.environ if environ is None else environ
    if mode == "bwrap":
        env = scrub_env(environ, BWRAP_SCRATCH)
        args = _bwrap_base(env)
        binds = []
        for p in input_paths:
            a = os.path.abspath(p)
            args += ["--ro-bind", os.path.realpath(a), a]
            binds.append(a)
        return WorkerCommand(args + ["--"] + _python_argv(), env, None, BWRAP_SCRATCH, "bwrap", binds)
    if mode == "process":
        if not host_scratch:
            raise ValueError("process mode needs a host scratch directory")
        env = scrub_env(environ, host_scratch)
        return WorkerCommand(_python_argv(), env, host_scratch, host_scratch, "process")
    raise ValueError(f"no such sandbox mode {mode!r}")


@functools.lru_cache(maxsize=1)
def bwrap_problem() -> str | None:
    """None when bubblewrap can start the worker's interpreter here, else why not."""
    import shutil

    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    env = scrub_env({}, BWRAP_SCRATCH)
    argv = _bwrap_base(env) + ["--", sys.executable, "-I", "-S", "-c", "pass"]
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"bwrap could not run ({e})"
    if r.returncode != 0:
        msg = r.stderr.decode("utf-8", "replace").strip().splitlines()
        return "bwrap cannot create its sandbox here" + (f": {msg[-1]}" if msg else f" (exit {r.returncode})")
    return None


def resolve_sandbox(mode: str = "auto") -> tuple[str, str]:
    """(the sandbox that will be used, a one-line reason) for ``--sandbox auto|bwrap|process``.

    ``auto`` uses bwrap when it works and says why not otherwise; an explicit
    ``bwrap`` that cannot work raises ``SandboxError`` rather than silently
    running with less protection.
    """
    if mode not in SANDBOX_MODES:
        raise SandboxError(f"--sandbox must be one of {', '.join(SANDBOX_MODES)}, not {mode!r}")
    if mode == "process":
        return "process", "process sandbox requested (best-effort: scrubbed environment, limits, audit hook)"
    problem = bwrap_problem()
    if problem is None:
        return "bwrap", "bubblewrap: no network, read-only inputs, private scratch, no home directory"
    if mode == "bwrap":
        raise SandboxError(f"--sandbox bwrap: {problem}")
    return "process", f"{problem}; using the best-effort process sandbox"

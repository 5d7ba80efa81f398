"""Exit codes (documented in README and the man page) and the guard that maps errors to them."""

from __future__ import annotations

import sys
from typing import Callable

EXIT_OK = 0
EXIT_CHECK_FAILED = 1  # `rlm check` found a violation; `rlm grep` found no match
EXIT_USAGE = 2  # bad flags, bad input, missing configuration
EXIT_LIMIT = 3  # a limit was reached before the answer was ready
EXIT_PROVIDER = 4  # the model provider failed after retries
EXIT_INTERRUPTED = 130


def error(message: str) -> None:
    """One line on stderr; never a traceback."""
    print(f"rlm: error: {message}", file=sys.stderr)


def run_guarded(run: Callable[[], object]) -> int:
    """Run the Typer app (standalone: it maps usage errors to 2 and Ctrl-C to 130) and map our errors."""
    from .context.types import InputError

    try:
        run()
        return EXIT_OK
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (EXIT_OK if e.code is None else EXIT_USAGE)
    except InputError as e:
        error(str(e))
        return EXIT_USAGE
    except Exception as e:
        # Checked by module so the guard never imports the llm layer itself (``rlm --help`` stays light).
        errors = sys.modules.get("rlm_cli.llm.errors")
        if errors is not None and isinstance(e, errors.ProviderError):
            error(str(e))
            return EXIT_PROVIDER
        sandbox = sys.modules.get("rlm_cli.repl.sandbox")
        if sandbox is not None and isinstance(e, sandbox.SandboxError):  # e.g. --sandbox bwrap without bwrap
            error(str(e))
            return EXIT_USAGE
        raise
    except KeyboardInterrupt:
        print("rlm: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED

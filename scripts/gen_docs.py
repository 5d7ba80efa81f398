#!/usr/bin/env python3
"""Regenerate completions/ (bash, zsh, fish) and man/rlm.1 from the app; --check only reports stale files.

Run it after adding or changing any command, option or help text:
    python scripts/gen_docs.py
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rlm_cli.docsgen import write  # noqa: E402


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = write(REPO, check=check)
    for rel in stale:
        print(f"{'stale' if check else 'wrote'}: {rel}", file=sys.stderr)
    if check and stale:
        print("run: python scripts/gen_docs.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

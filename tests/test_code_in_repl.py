"""The code-intelligence helpers work inside the sandboxed worker, as the model calls them."""

from __future__ import annotations

import ast

import pytest

from rlm_cli.context import WalkOptions
from rlm_cli.repl import Repl, ReplInputs, ReplSettings
from rlm_cli.repl.sandbox import bwrap_problem

SOURCE = '''import functools


class RetryPolicy:
    """Backoff settings."""

    @functools.cache
    def next(self, attempt):
        return min(2 ** attempt, 30)


def handler(event):
    return RetryPolicy().next(event)
'''


@pytest.mark.parametrize("mode", ["process", "bwrap"])
def test_outline_symbol_and_chunks_in_worker(tmp_path, mode):
    if mode == "bwrap" and bwrap_problem():
        pytest.skip(f"bubblewrap cannot run here: {bwrap_problem()}")
    (tmp_path / "retry.py").write_text(SOURCE)
    tree = ast.parse(SOURCE)
    cls = tree.body[1]
    with Repl(ReplInputs.from_paths([str(tmp_path)], WalkOptions()), settings=ReplSettings(sandbox=mode)) as repl:
        res = repl.run_cell(
            "o = context['retry.py'].outline()\n"
            "print(o)\n"
            "print(context['retry.py'].symbol('RetryPolicy.next'))\n"
            "print(context.symbols('handler'))\n"
        )
    assert res.error is None, res.error
    # ranges from Python's own parser: the decorator belongs to the method
    assert f"class RetryPolicy  L{cls.lineno}-{cls.end_lineno}" in res.stdout
    method = cls.body[1]
    assert f"method RetryPolicy.next  L{method.decorator_list[0].lineno}-{method.end_lineno}" in res.stdout
    assert "@functools.cache\n    def next(self, attempt):" in res.stdout
    assert f"retry.py:{tree.body[2].lineno}-{tree.body[2].end_lineno}" in res.stdout

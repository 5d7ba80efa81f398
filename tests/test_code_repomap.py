"""The repo map ranks files by cross-file references and fits its budget; the offline commands print it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rlm_cli.context import load

SAMPLES = os.path.join(os.path.dirname(__file__), "code_samples")


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RLM_CACHE_DIR", str(tmp_path_factory.mktemp("rlm-cache")))


@pytest.fixture
def repo(tmp_path):
    """core.py is used by three files, util.py by one, leaf.py by none."""
    (tmp_path / "core.py").write_text("class RetryPolicy:\n    def next_delay(self):\n        return 1\n\n\n"
                                      "def make_policy():\n    return RetryPolicy()\n")
    (tmp_path / "util.py").write_text("def format_delay(x):\n    return str(x)\n")
    (tmp_path / "leaf.py").write_text("def lonely_function():\n    pass\n")
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.py").write_text(f"from core import RetryPolicy, make_policy\n\n"
                                             f"def use_{name}():\n    p = make_policy()\n"
                                             f"    return RetryPolicy().next_delay()\n")
    (tmp_path / "d.py").write_text("from util import format_delay\nprint(format_delay(3))\n")
    (tmp_path / "README.md").write_text("# Demo\n\nUses RetryPolicy.\n")
    return tmp_path


def test_ranking(repo):
    corpus = load([str(repo)]).context
    m = corpus.map(max_chars=4000)
    order = [r.path for r in m.ranked]
    assert order[0] == "core.py" and order[1] == "util.py"
    assert order.index("leaf.py") > order.index("util.py")
    core = m.ranked[0]
    assert core.references == 3 * (2 + 2 + 1)  # per file: RetryPolicy and make_policy twice, next_delay once
    lines = str(m).splitlines()
    assert lines[1] == "core.py  (~15 references from other files)"
    assert lines[2:5] == ["  class RetryPolicy  L1-3", "  method RetryPolicy.next_delay  L2-3",
                          "  function make_policy  L6-7"]


@pytest.mark.parametrize("budget", [200, 400, 1000, 100_000])
def test_map_fits_budget(repo, budget):
    m = load([str(repo)]).context.map(max_chars=budget)
    assert isinstance(m, str) and repr(m) == str(m) == m[:budget]  # a str: the context card slices it
    text = str(m)
    assert len(text) <= budget
    assert text.splitlines()[1].startswith("core.py")


def test_samples_map_and_document_map():
    corpus = load([SAMPLES]).context
    m = corpus.map(max_chars=1500)
    assert len(str(m)) <= 1500 and "more files not shown" in str(m)
    d = corpus["sample.py"]
    short = d.map(max_chars=120)
    assert len(short) <= 120 and "more definitions" in short
    assert d.map(max_chars=5000) == str(d.outline())


def rlm(*args, env=None):
    return subprocess.run([sys.executable, "-m", "rlm_cli", *args], capture_output=True, text=True, timeout=120,
                          env=env or dict(os.environ))


def test_outline_command():
    p = rlm("outline", os.path.join(SAMPLES, "sample.go"))
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[1:] == ["  interface Handler  L6-8", "  struct Server  L10-12", "  type Port  L14-14",
                                         "  function NewServer  L16-18", "  method Server.Start  L20-23",
                                         "  method Server.String  L25-27"]
    p = rlm("outline", "--json", "--no-ignore", SAMPLES)
    data = json.loads(p.stdout)
    assert len(data["files"]) == len(os.listdir(SAMPLES))
    py = next(f for f in data["files"] if f["path"] == "sample.py")
    assert py["symbols"][1]["children"][2] == {"kind": "method", "name": "next", "qualified_name": "RetryPolicy.next",
                                               "start_line": 19, "end_line": 22, "children": []}
    p = rlm("outline", "--max-depth", "1", "--no-ignore", SAMPLES)
    assert "  class RetryPolicy  L9-25" in p.stdout and "RetryPolicy.next" not in p.stdout


def test_map_command(repo):
    p = rlm("map", "--no-ignore", "--max-chars", "300", str(repo))
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[1] == "core.py  (~15 references from other files)"
    assert len(p.stdout.rstrip("\n")) <= 300


def test_offline_commands_do_not_import_tree_sitter_or_litellm():
    for args in (["--help"], ["grep", "RetryPolicy", SAMPLES], ["inspect", SAMPLES], ["peek", SAMPLES]):
        p = subprocess.run([sys.executable, "-X", "importtime", "-m", "rlm_cli", *args], capture_output=True, text=True)
        assert "tree_sitter" not in p.stderr and "litellm" not in p.stderr, args
    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "rlm_cli", "outline", SAMPLES], capture_output=True,
                       text=True)
    assert "tree_sitter" in p.stderr and "litellm" not in p.stderr

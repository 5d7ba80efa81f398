"""completions/ and man/rlm.1 match the app (regenerated, compared), and each one parses in its own tool."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import List

import pytest

from rlm_cli.docsgen import FILES, generate

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def generated() -> dict:
    return generate()


@pytest.mark.parametrize("rel", FILES)
def test_committed_file_matches_the_app(rel: str, generated: dict, tmp_path: Path) -> None:
    fresh = tmp_path / rel
    fresh.parent.mkdir(parents=True, exist_ok=True)
    fresh.write_text(generated[rel], encoding="utf-8")
    committed = REPO / rel
    assert committed.exists(), f"{rel} is missing: run python scripts/gen_docs.py"
    assert committed.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8"), (
        f"{rel} is stale (a command, option or help text changed): run python scripts/gen_docs.py and commit it")


def test_generation_is_deterministic(generated: dict) -> None:
    assert generate() == generated


def test_every_command_and_option_is_covered(generated: dict) -> None:
    import typer.main

    from rlm_cli.cli import app

    def walk(cmd, path: List[str]):
        yield path, cmd
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, path + [name])

    for path, cmd in walk(typer.main.get_command(app), []):
        for p in cmd.params:
            if p.param_type_name == "option" and not p.hidden:
                for name in p.opts + p.secondary_opts:
                    for rel in FILES:
                        needle = name.replace("-", "\\-") if rel.endswith(".1") else name
                        if rel.endswith(".fish"):
                            needle = f"-l {name[2:]}" if name.startswith("--") else f"-s {name[1:]}"
                        assert needle in generated[rel], (rel, path, name)
        if path:
            assert f"rlm {' '.join(path)}".replace("-", "\\-") in generated["man/rlm.1"]


def _run(argv: List[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, **kw)


def test_bash_completion_parses_and_completes() -> None:
    if shutil.which("bash") is None:
        pytest.skip("bash not installed")
    script = REPO / "completions" / "rlm.bash"
    assert _run(["bash", "-n", str(script)]).returncode == 0

    def complete(*words: str) -> List[str]:
        line = " ".join(f"'{w}'" for w in words)
        code = (f"source '{script}'; COMP_WORDS=(rlm {line}); COMP_CWORD={len(words)}; _rlm; "
                'printf "%s\\n" "${COMPREPLY[@]}"')
        return _run(["bash", "-c", code]).stdout.split()

    assert {"ask", "chat", "config", "doctor", "inspect"} <= set(complete(""))
    assert complete("con") == ["config"]
    assert set(complete("config", "")) >= {"show", "path", "set", "unset"}
    assert complete("ask", "--sand") == ["--sandbox"]
    assert complete("ask", "--sandbox", "") == ["auto", "bwrap", "process"]
    assert "--no-cache" in complete("chat", "--no-")


def test_man_page_renders_without_warnings() -> None:
    if shutil.which("groff") is None:
        pytest.skip("groff not installed")
    r = _run(["groff", "-man", "-Tutf8", "-ww", "-z", str(REPO / "man" / "rlm.1")])
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr
    if shutil.which("man"):
        r = _run(["man", "-l", str(REPO / "man" / "rlm.1")], env={**os.environ, "MANWIDTH": "80", "MANPAGER": "cat"})
        assert r.returncode == 0 and "EXIT STATUS" in r.stdout and "rlm chat" in r.stdout, r.stderr


@pytest.mark.parametrize("shell, script", [("zsh", "_rlm"), ("fish", "rlm.fish")])
def test_zsh_and_fish_scripts_parse(shell: str, script: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} not installed")
    r = _run([shell, "-n", str(REPO / "completions" / script)])
    assert r.returncode == 0, r.stderr

"""The live view: a real scripted run rendered into a recording Rich console; the live area from synthetic events;
the plain printer, NO_COLOR, the view chosen for a stream, and the answer as Markdown or text."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from fakellm import FakeLLM, RecordedRequest
from rlm_cli.engine import RLM, EngineSettings
from rlm_cli.engine.events import (CellFinished, CellStarted, ModelReplied, RunFinished, RunStarted, SubcallFinished,
                                   SubcallStarted, TurnStarted)
from rlm_cli.llm import CallFinished, Limits, LLMClient, LLMConfig, RetryPolicy
from rlm_cli.repl import ReplInputs, ReplSettings
from rlm_cli.ui import progress_view
from rlm_cli.ui.answer import print_answer
from rlm_cli.ui.live import LiveView
from rlm_cli.ui.plain import PlainProgress

ROOT, SUB = "root-model", "sub-model"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RLM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("NO_COLOR", raising=False)


def turns(*replies: str):
    def respond(req: RecordedRequest) -> str:
        n = sum(1 for m in req.messages if m.get("role") == "assistant")
        return replies[min(n, len(replies) - 1)]
    return respond


SCRIPT = (
    "Let me look at the first lines before anything else.\n```repl\nprint(context.lines(1, 3))\n```\n",
    "Three lines. Now a batch over twenty items.\n```repl\nouts = llm_batch([f'item {i}' for i in range(20)])\n"
    "print('batch done', len(outs), outs[0])\nanswer['content'] = '# Result\\n\\n' + outs[0]\nanswer['ready'] = True\n```\n",
)


def scripted_run(server: FakeLLM, tmp_path: Path, view: object) -> str:
    doc = tmp_path / "words.txt"
    doc.write_text("alpha one\nbeta two\ngamma three\n")
    server.script(SUB, responder=lambda req: req.last_user.upper(), latency=0.002)
    server.script(ROOT, responder=turns(*SCRIPT))
    client = LLMClient(LLMConfig(model=f"openai/{ROOT}", sub_model=f"openai/{SUB}", api_base=server.url,
                                 api_key="sk-test-dummy", retry=RetryPolicy(max_attempts=2, base_delay=0.01),
                                 cache=False), Limits(max_subcalls=500, max_cost=2.0))
    try:
        result = RLM(client, EngineSettings(max_turns=5, repl=ReplSettings(sandbox="process")), [view]).run(
            "What do the words say?", ReplInputs.from_paths([str(doc)]))
    finally:
        client.close()
    return result.answer


def test_live_view_of_a_real_run_shows_reasoning_code_outputs_progress_and_footer(fake_llm: FakeLLM,
                                                                                  tmp_path: Path) -> None:
    console = Console(file=io.StringIO(), record=True, width=120, force_terminal=True, color_system="truecolor")
    view = LiveView(console, limits={"max_subcalls": 500, "max_cost": 2.0}, refresh_per_second=20)
    answer = scripted_run(fake_llm, tmp_path, view)
    view.close()
    assert answer.startswith("# Result")
    styled = console.export_text(styles=True, clear=False)
    assert "\x1b[" in styled  # code highlighted, reasoning dimmed: there are styles at all
    text = console.export_text(styles=False)
    assert "? What do the words say?" in text
    assert "Let me look at the first lines" in text  # reasoning, code stripped from it
    assert "print(context.lines(1, 3))" in text  # the code
    assert "alpha one" in text and "gamma three" in text  # the cell's output
    assert "batch done 20 ITEM 0" in text
    assert "turn 2/5" in text
    assert "llm_batch ×20 done" in text  # the batch's summary line
    assert re.search(r"sub-calls \d+/500", text) and "/$2" in text  # the footer, against the budget
    assert "sub-calls 20/500" in text
    assert "✓ ready after 2 turn(s) · 20 sub-calls" in text


def test_live_area_shows_batch_bar_children_and_footer_from_events() -> None:
    console = Console(file=io.StringIO(), record=True, width=120, force_terminal=True)
    view = LiveView(console, limits={"max_tokens": 10_000, "timeout": 60}, animate=False)
    view(RunStarted("q?", "openai/r", "openai/s", 7, 2, "process", "", 100))
    view(TurnStarted(3, 7))
    view(SubcallStarted(1, "llm_batch", 10, 5000))
    for _ in range(4):
        view(CallFinished(9, "openai/s", "sub", 100, 20, 0.001, 0.01, False, 1))
    view(SubcallStarted(2, "rlm_query", 1, 300))
    view(TurnStarted(2, 7, depth=1))
    console.print(view.render())
    text = console.export_text()
    assert "llm_batch" in text and "4/10" in text and "480 tok" in text and "$0.0040" in text
    assert "↳ rlm_query depth 1: turn 2/7" in text
    assert "turn 3/7 · depth 1 · sub-calls 4 · tokens 480/10,000 · cost $0.0040" in text and "/60s" in text
    view(SubcallFinished(2, "rlm_query", 1, 1.0, None))
    view(SubcallFinished(1, "llm_batch", 10, 2.0, None))
    console.print(view.render())
    text = console.export_text()
    assert "llm_batch ×10 done in 2.0s, 480 tokens, $0.0040" in text
    assert "4/10" not in text and "rlm_query depth 1" not in text.split("done in 2.0s")[-1]


def test_long_output_is_clipped_unless_verbose() -> None:
    out = "\n".join(f"row {i}" for i in range(500))
    for verbose in (False, True):
        console = Console(file=io.StringIO(), record=True, width=100, force_terminal=True)
        view = LiveView(console, verbose=verbose, animate=False)
        view(CellStarted(1, 1, "for i in range(500): print('row', i)"))
        view(CellFinished(1, 1, 0.1, len(out), len(out), None, False, False, 0, out))
        text = console.export_text()
        assert "row 0" in text and "row 499" in text
        assert ("row 250" in text) is verbose and ("more lines" in text) is not verbose


def test_no_color_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    buf = io.StringIO()
    view = LiveView(Console(file=buf, force_terminal=True, width=100), animate=False)
    view(CellStarted(1, 1, "x = [i for i in range(3)]\nprint('hi', x)"))
    view(CellFinished(1, 1, 0.1, 10, 10, "Traceback: boom", False, False, 0, "boom"))
    params = [p for seq in re.findall(r"\x1b\[([0-9;]*)m", buf.getvalue()) for p in seq.split(";") if p]
    colours = [p for p in params if p.isdigit() and (30 <= int(p) <= 49 or 90 <= int(p) <= 107)]
    assert "print('hi', x)" in buf.getvalue() and not colours, colours


def test_view_chosen_for_the_stream_and_plain_lines() -> None:
    assert progress_view(quiet=True) is None
    buf = io.StringIO()
    view = progress_view(stream=buf, verbose=True)
    assert isinstance(view, PlainProgress)
    view(TurnStarted(1, 4))
    view(CellStarted(1, 1, "print(42)"))
    view(CellFinished(1, 1, 0.01, 3, 3, None, False, False, 0, "42"))
    view(ModelReplied(1, "text", 1, 10, 5, None, 0.5, 100))
    view(RunFinished(True, "ready", 1, 1.5, None, 15, 2))
    lines = buf.getvalue().splitlines()
    assert lines[0] == "rlm: turn 1/4" and "rlm:     | print(42)" in lines and "rlm:     | 42" in lines
    assert lines[-1] == "rlm: ready after 1 turn(s), 15 tokens, cost unknown, 1.5s"
    assert "\x1b" not in buf.getvalue()

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert isinstance(progress_view(stream=Tty()), LiveView)


def test_answer_is_markdown_on_a_terminal_and_text_otherwise() -> None:
    text = "# Findings\n\n- **retry** at `conf.py:12`\n"
    plain = io.StringIO()
    print_answer(text, plain)
    assert plain.getvalue() == text + "\n"

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    print_answer(text, tty)
    out = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", tty.getvalue())
    assert "Findings" in out and "retry" in out and "# Findings" not in out and "**" not in out


def test_child_steps_are_printed_indented_with_verbose_only() -> None:
    for verbose in (False, True):
        console = Console(file=io.StringIO(), record=True, width=100, force_terminal=True)
        view = LiveView(console, verbose=verbose, animate=False)
        view(SubcallStarted(1, "rlm_query", 1, 40))
        view(TurnStarted(1, 5, depth=1))
        view(CellStarted(1, 1, "print(context.line_count)", depth=1))
        view(SubcallFinished(1, "rlm_query", 1, 0.5, None))
        text = console.export_text()
        assert "rlm_query ×1 done in 0.5s (child reached turn 1)" in text
        assert ("  rlm_query depth 1 · turn 1/5 ─" in text) is verbose
        assert ("  print(context.line_count)" in text) is verbose


def test_one_view_serves_several_runs_then_closes() -> None:
    """rlm chat feeds one view a run per question: the animation stops at each RunFinished and comes back."""
    view = LiveView(Console(file=io.StringIO(), force_terminal=True, width=80))
    for _ in range(2):
        view(RunStarted("q?", "m", "s", 3, 1, "process", "", 10))
        assert view._live is not None
        view(RunFinished(True, "ready", 1, 0.1, None, 10, 1))
        assert view._live is None
    view.close()
    view(TurnStarted(1, 3))
    assert view._live is None

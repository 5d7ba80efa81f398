"""The root loop end to end: scripted root trajectories (as a capable model writes them) against the fake server.

Ground truth is computed here independently of the REPL helpers. Most runs are
in-process (fast); the exit-code and --json cases run ``python -m rlm_cli ask``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, List, Optional

import pytest

from fakellm import FakeLLM, Fault, RecordedRequest, Reply
from rlm_cli.engine import RLM, EngineSettings
from rlm_cli.engine.events import CellFinished, LimitReached, Notice, RunFinished, SubcallStarted
from rlm_cli.engine.parse import extract_code
from rlm_cli.llm import CallRetrying, Limits, LLMClient, LLMConfig, ProviderError, RetryPolicy
from rlm_cli.repl import ReplInputs, ReplSettings

KEY = "sk-test-not-a-real-key-0123456789"
FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05)
ROOT, SUB = "root-model", "sub-model"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RLM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("RLM_DATA_DIR", str(tmp_path / "data"))


def turns(*replies: str) -> Callable[[RecordedRequest], str]:
    """A root model that answers by turn: the n-th reply after n-1 of its own; the last one repeats."""
    def respond(req: RecordedRequest) -> str:
        n = sum(1 for m in req.messages if m.get("role") == "assistant")
        return replies[min(n, len(replies) - 1)]
    return respond


def repl(code: str, prose: str = "") -> str:
    return f"{prose}\n```repl\n{code.strip()}\n```\n"


def engine_run(server: FakeLLM, tmp_path: Path, question: str, paths: List[str], limits: Optional[Limits] = None,
               max_turns: int = 8, max_depth: int = 1, events: Optional[list] = None, **cfg: Any):
    client = LLMClient(LLMConfig(model=f"openai/{ROOT}", sub_model=f"openai/{SUB}", api_base=server.url, api_key=KEY,
                                 retry=FAST, cache=False, **cfg), limits)
    settings = EngineSettings(max_turns=max_turns, max_depth=max_depth, repl=ReplSettings(sandbox="process"))
    try:
        return RLM(client, settings, [events.append] if events is not None else []).run(
            question, ReplInputs.from_paths(paths))
    finally:
        client.close()


def cli(args: List[str], tmp_path: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RLM_")}
    env.update(RLM_CACHE_DIR=str(tmp_path / "cache"), RLM_DATA_DIR=str(tmp_path / "data"))
    return subprocess.run([sys.executable, "-m", "rlm_cli", "ask", *args], capture_output=True, text=True,
                          env=env, timeout=timeout, stdin=subprocess.DEVNULL)


# -- inputs ---------------------------------------------------------------------

NEEDLE_LINE = 1_234_567
NEEDLE = "ERROR payment gateway rejected txn=7f3a9c secret-code=HX-4471"


@pytest.fixture(scope="session")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~200 MB of log lines, the needle at a known line (a repeated block: fast to write)."""
    path = tmp_path_factory.mktemp("log") / "app.log"
    line = "2024-05-01T02:00:00Z INFO request served path=/api/v1/items status=200 latency_ms=12\n"
    block = line * 10_000
    total_lines = (200 << 20) // len(line)
    before = NEEDLE_LINE - 1
    with open(path, "w") as f:
        for _ in range(before // 10_000):
            f.write(block)
        f.write(line * (before % 10_000))
        f.write(f"2024-05-01T02:13:07Z {NEEDLE}\n")
        rest = total_lines - NEEDLE_LINE
        for _ in range(rest // 10_000):
            f.write(block)
        f.write(line * (rest % 10_000))
    return path


def test_needle_in_200mb_log(fake_llm: FakeLLM, tmp_path: Path, big_log: Path) -> None:
    fake_llm.script(ROOT, responder=turns(
        repl("print(context.size, context.line_count)\nhits = context.grep(r'secret-code=\\S+')\n"
             "print(len(hits))\nfor h in hits[:5]:\n    print(h)", "First, the size, then grep for the code."),
        repl("h = hits[0]\nanswer['content'] = f\"{h.text.split('secret-code=')[1].strip()} (app.log:{h.line})\"\n"
             "answer['ready'] = True", "One match; answering with its line."),
    ))
    r = engine_run(fake_llm, tmp_path, "What is the secret code in the log, and on which line?", [str(big_log)])
    assert r.ready and r.stop_reason == "ready" and r.turns == 2
    assert r.answer == f"HX-4471 (app.log:{NEEDLE_LINE})"
    reqs = fake_llm.requests_for(ROOT)
    assert len(reqs) == 2
    for req in reqs:  # each turn the root received only a few KB, never the 200 MB
        assert len(req.last_user) < 5000, len(req.last_user)
    assert NEEDLE not in reqs[0].last_user  # the card previews head and tail only
    assert "1 \n" in reqs[1].last_user or "\n1\n" in reqs[1].last_user


def _purchases(path: Path) -> dict:
    import random

    rng = random.Random(7)
    rows = ["user_id,date,amount"]
    for i in range(100_000 - 1):
        rows.append(f"u{rng.randrange(3000):04d},{rng.choice((2022, 2023, 2024))}-{rng.randrange(1, 13):02d}-"
                    f"{rng.randrange(1, 29):02d},{rng.randrange(100, 50000) / 100:.2f}")
    path.write_text("\n".join(rows) + "\n")
    years: dict = defaultdict(set)
    spend: dict = defaultdict(list)
    for row in rows[1:]:
        user, date, amount = row.split(",")
        years[user].add(date[:4])
        spend[user].append(float(amount))
    return {u: round(sum(spend[u]) / len(spend[u]), 2) for u in years if {"2023", "2024"} <= years[u]}


PURCHASES_CELL = """
import csv, io, json
from collections import defaultdict
rows = list(csv.DictReader(io.StringIO(context[0:len(context)])))
years, spend = defaultdict(set), defaultdict(list)
for r in rows:
    years[r['user_id']].add(r['date'][:4])
    spend[r['user_id']].append(float(r['amount']))
both = {u: round(sum(spend[u]) / len(spend[u]), 2) for u in years if {'2023', '2024'} <= years[u]}
print(len(rows), 'rows;', len(both), 'users bought in both years')
print(sorted(both.items())[:3])
"""


def test_purchases_solved_in_the_repl(fake_llm: FakeLLM, tmp_path: Path) -> None:
    truth = _purchases(tmp_path / "purchases.csv")
    fake_llm.script(ROOT, responder=turns(
        repl("print(context.line_count)\nprint(context.head(200))", "Let me see the columns."),
        repl(PURCHASES_CELL, "CSV with user_id,date,amount. I will compute it exactly in Python."),
        repl("answer['content'] = json.dumps(dict(sorted(both.items())))\nanswer['ready'] = True"),
    ))
    r = engine_run(fake_llm, tmp_path, "Which users bought in both 2023 and 2024, and what is their average spend?",
                   [str(tmp_path / "purchases.csv")])
    assert r.ready and r.turns == 3
    assert json.loads(r.answer) == truth and len(truth) > 100
    assert "99999 rows" in fake_llm.requests_for(ROOT)[2].last_user


def _line_counter(req: RecordedRequest) -> str:
    body = req.last_user.split("<text>\n", 1)[1].rsplit("</text>", 1)[0]
    return str(len(body.splitlines()))


def test_fanout_chunks_sum_to_line_count(fake_llm: FakeLLM, tmp_path: Path) -> None:
    doc = tmp_path / "book.txt"
    lines = [f"line {i}: " + "lorem ipsum " * (i % 17) for i in range(12_345)]
    doc.write_text("\n".join(lines) + "\n")
    fake_llm.script(SUB, responder=_line_counter, latency=0.01)
    events: list = []
    fake_llm.script(ROOT, responder=turns(
        repl("chunks = context.chunks(max_chars=50_000)\nprint(len(chunks), [(c.start_line, c.end_line) for c in chunks][:3])"),
        repl("outs = llm_batch([f'How many lines are in this text? Reply with the number only.\\n<text>\\n{c}</text>' "
             "for c in chunks])\nprint(outs)\ntotal = sum(int(o) for o in outs)\n"
             "answer['content'] = str(total)\nanswer['ready'] = True"),
    ))
    r = engine_run(fake_llm, tmp_path, "How many lines does the book have? Count by chunks.", [str(doc)], events=events)
    assert r.ready and int(r.answer) == len(lines) == doc.read_text().count("\n")
    subs = fake_llm.requests_for(SUB)
    assert len(subs) > 5  # one per chunk, sent in one batch
    assert [e.kind for e in events if isinstance(e, SubcallStarted)] == ["llm_batch"]


# -- faults ---------------------------------------------------------------------

def test_subcall_429_is_retried_and_bad_item_isolated(fake_llm: FakeLLM, tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("alpha\nbeta\ngamma\n")
    fake_llm.fault(SUB, Fault(status=429, retry_after=0.01), times=2)
    fake_llm.script(SUB, responder=lambda req: Fault(status=400, message="poisoned item") if "poison" in req.last_user
                    else req.last_user.upper())
    events: list = []
    fake_llm.script(ROOT, responder=turns(
        repl("one = llm_query('alpha')\nmany = llm_batch(['beta', 'poison', 'gamma'])\nprint(one, many)"),
        repl("answer['content'] = ' '.join([one] + [m for m in many if not m.startswith('[ERROR]')])\n"
             "answer['ready'] = True"),
    ))
    r = engine_run(fake_llm, tmp_path, "Upper-case the words.", [str(doc)], events=events)
    assert r.ready and r.answer == "ALPHA BETA GAMMA"
    assert sum(isinstance(e, CallRetrying) for e in events) == 2
    assert "[ERROR]" in fake_llm.requests_for(ROOT)[1].last_user  # the model saw the failed item


def test_root_provider_down_raises(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.fault(ROOT, Fault(status=503), times=10)
    doc = tmp_path / "a.txt"
    doc.write_text("x\n")
    events: list = []
    with pytest.raises(ProviderError):
        engine_run(fake_llm, tmp_path, "q", [str(doc)], events=events)
    assert isinstance(events[-1], RunFinished) and events[-1].stop_reason == "provider_error"


def test_cli_provider_down_exits_4(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.fault(ROOT, Fault(status=401, message="Incorrect API key provided"), times=10)
    doc = tmp_path / "a.txt"
    doc.write_text("x\n")
    p = cli(["q", str(doc), "-m", f"openai/{ROOT}", "--api-base", fake_llm.url, "--api-key", KEY, "--sandbox",
             "process"], tmp_path)
    assert p.returncode == 4, p.stderr
    last = p.stderr.strip().splitlines()[-1]
    assert last.startswith("rlm: error: root model openai/root-model failed") and "Traceback" not in p.stderr
    assert KEY not in p.stderr


def test_cli_budget_exceeded_exits_3_with_partial_answer_json(fake_llm: FakeLLM, tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("".join(f"row {i}\n" for i in range(100)))
    fake_llm.script(ROOT, replies=[
        Reply(repl("answer['content'] = 'partial: 100 rows so far'\nprint(context.line_count)"), prompt_tokens=900,
              completion_tokens=100),
        Reply(repl("answer['ready'] = True"))])
    p = cli(["How many rows?", str(doc), "-m", f"openai/{ROOT}", "--api-base", fake_llm.url, "--api-key", KEY,
             "--sandbox", "process", "--max-tokens", "500", "--json", "-q"], tmp_path)
    assert p.returncode == 3, p.stderr
    out = json.loads(p.stdout)
    assert out["ready"] is False and out["stop_reason"] == "max_tokens"
    assert out["answer"] == "partial: 100 rows so far"
    assert out["turns"] == 1 and out["usage"][f"openai/{ROOT}"]["input_tokens"] == 900 and out["cost"] is None
    assert "token limit" in p.stderr and len(fake_llm.requests_for(ROOT)) == 1
    trace = Path(out["trace"])
    assert trace.parent.parent == tmp_path / "data"
    records = [json.loads(x) for x in trace.read_text().splitlines()]
    assert records[0]["type"] == "run" and records[-1]["type"] == "RunFinished"
    assert {"TurnStarted", "ModelReplied", "CellStarted", "CellFinished", "AnswerUpdated", "LimitReached"} <= {
        r["type"] for r in records}
    assert KEY not in trace.read_text()


def test_cli_without_model_exits_2(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("x\n")
    p = cli(["q", str(doc)], tmp_path)
    assert p.returncode == 2
    assert "-m/--model" in p.stderr and "RLM_MODEL" in p.stderr and "Traceback" not in p.stderr


def test_hanging_provider_stops_at_timeout(fake_llm: FakeLLM, tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("x\n")
    t0 = time.monotonic()

    def slow_second(req: RecordedRequest) -> Any:
        if any(m.get("role") == "assistant" for m in req.messages):
            return Fault(hang=30)
        return repl("answer['content'] = 'looked'\nprint(1)")

    fake_llm.script(ROOT, responder=slow_second)
    r = engine_run(fake_llm, tmp_path, "q", [str(doc)], limits=Limits(timeout=3.0))
    assert r.stop_reason == "timeout" and not r.ready and r.answer == "looked"
    assert time.monotonic() - t0 < 10


# -- a weak model ---------------------------------------------------------------

def test_weak_model_without_code_ends_at_turn_limit(fake_llm: FakeLLM, tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("x\n")
    fake_llm.script(ROOT, responder=lambda req: "I think the answer is 42.")
    events: list = []
    r = engine_run(fake_llm, tmp_path, "q", [str(doc)], max_turns=3, events=events)
    assert not r.ready and r.stop_reason == "max_turns" and r.turns == 3
    assert r.answer == "I think the answer is 42."  # the final call's best answer
    assert len(fake_llm.requests_for(ROOT)) == 4
    assert "no ```repl block" in fake_llm.requests_for(ROOT)[1].last_user
    assert [e.kind for e in events if isinstance(e, Notice)] == ["no_code"] * 3


def test_weak_model_broken_code_and_empty_reply_recover(fake_llm: FakeLLM, tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("one\ntwo\n")
    fake_llm.script(ROOT, replies=[
        repl("print(context.line_count"), "",
        repl("n = context.line_count\nprint(n)"), repl("answer['content'] = str(n)\nanswer['ready'] = True")])
    events: list = []
    r = engine_run(fake_llm, tmp_path, "How many lines?", [str(doc)], events=events)
    assert r.ready and r.answer == "2" and r.turns == 4
    reqs = fake_llm.requests_for(ROOT)
    assert "SyntaxError" in reqs[1].last_user
    assert "reply was empty" in reqs[2].last_user
    assert any(isinstance(e, CellFinished) and e.error for e in events)


def test_weak_model_ready_on_turn_one_is_refused_once(fake_llm: FakeLLM, tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("one\ntwo\n")
    guess = repl("answer['content'] = 'three lines'\nanswer['ready'] = True")
    fake_llm.script(ROOT, replies=[guess, guess])
    r = engine_run(fake_llm, tmp_path, "How many lines?", [str(doc)])
    assert r.ready and r.turns == 2  # refused on turn 1, accepted when set again after seeing output
    assert "not accepted" in fake_llm.requests_for(ROOT)[1].last_user


def test_weak_model_never_ready_stops_with_partial(fake_llm: FakeLLM, tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("one\ntwo\n")
    fake_llm.script(ROOT, responder=lambda req: repl("answer['content'] = 'maybe 2'\nprint(context.head(10))"))
    events: list = []
    r = engine_run(fake_llm, tmp_path, "How many lines?", [str(doc)], max_turns=2, events=events)
    assert not r.ready and r.stop_reason == "max_turns" and r.answer == "maybe 2"
    assert [e.limit for e in events if isinstance(e, LimitReached)] == ["max_turns"]
    assert "turn 2/2" in fake_llm.requests_for(ROOT)[-1].messages[-1]["content"]


# -- recursion ------------------------------------------------------------------

def test_rlm_query_runs_a_child_loop_over_a_chunk(fake_llm: FakeLLM, tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("".join(f"item {i}\n" for i in range(1, 301)))

    def root(req: RecordedRequest) -> str:
        first = req.messages[1]["content"]
        n = sum(1 for m in req.messages if m.get("role") == "assistant")
        if first.startswith("A parent model delegated"):  # the child, over its own REPL
            return [repl("print(context.line_count)"),
                    repl("answer['content'] = str(context.line_count)\nanswer['ready'] = True")][min(n, 1)]
        return [repl("c = context.chunks(max_chars=1000)\nprint(len(c), c[0].start_line, c[0].end_line)"),
                repl("sub = rlm_query('How many lines are in your context?', context=c[0])\nprint(sub)"),
                repl("answer['content'] = sub\nanswer['ready'] = True")][min(n, 2)]

    fake_llm.script(ROOT, responder=root)
    r = engine_run(fake_llm, tmp_path, "q", [str(doc)])
    assert r.ready
    from rlm_cli.context.load import load as load_inputs

    first = load_inputs([str(doc)]).context.chunks(max_chars=1000)[0]
    assert r.answer == str(first.end_line - first.start_line + 1) and int(r.answer) < 300
    assert sum(1 for q in fake_llm.requests_for(ROOT) if q.messages[1]["content"].startswith("A parent")) == 2


def test_parse_accepts_repl_and_python_blocks() -> None:
    ex = extract_code("a\n```repl\nx = 1\n```\nb\n```python\nprint(x)\n```\n```bash\nls\n```")
    assert ex.blocks == ["x = 1\n", "print(x)\n"] and ex.other_fences == 1 and not ex.unclosed
    assert extract_code(None).blocks == [] and extract_code("```repl\nprint(1)").unclosed


# -- pieces: card, prompt overrides, trace, depth limit ----------------------------

def test_card_has_sizes_tree_and_previews_only(tmp_path: Path) -> None:
    from rlm_cli.context.load import load as load_inputs
    from rlm_cli.engine.card import describe

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def main():\n    return 1\n")
    big = "".join(f"row {i} MIDDLE-{i}\n" if 40_000 < i < 40_010 else f"row {i}\n" for i in range(80_000))
    (tmp_path / "data.txt").write_text(big)
    card = describe(load_inputs([str(tmp_path)]).context)
    assert "type: Corpus  2 files" in card and "src/" in card and "80,002 lines" in card
    doc_card = describe(load_inputs([str(tmp_path / "data.txt")]).context)
    assert "80,000 lines" in doc_card and "row 0" in doc_card and "row 79999" in doc_card
    assert "MIDDLE" not in doc_card and len(doc_card) < 4000


def test_system_prompt_override_per_model() -> None:
    from rlm_cli.engine import prompts

    assert "```repl" in prompts.system_prompt("openai/x") and "llm_batch" in prompts.SYSTEM_PROMPT
    prompts.register_system_prompt("ollama/*", lambda text: text + "\nKeep cells short.")
    try:
        assert prompts.system_prompt("ollama/qwen").endswith("Keep cells short.")
        assert prompts.system_prompt("openai/x") == prompts.SYSTEM_PROMPT
    finally:
        prompts._OVERRIDES.clear()


def test_trace_is_flushed_per_event_and_redacted(tmp_path: Path) -> None:
    from rlm_cli.engine.events import ModelReplied
    from rlm_cli.trace import TraceWriter

    t = TraceWriter({"question": "q", "model": "m"}, secrets=["hunter2-secret"])
    assert Path(t.path).parent == tmp_path / "data" / "runs"
    t(ModelReplied(1, "key sk-abcdefghijklmnop and hunter2-secret", 0, 1, 1, None, 0.1, 10))
    lines = Path(t.path).read_text().splitlines()  # readable before close: a crash keeps it
    t.close()
    assert json.loads(lines[0])["type"] == "run" and json.loads(lines[1])["type"] == "ModelReplied"
    assert "abcdefghijklmnop" not in lines[1] and "hunter2" not in lines[1]


def test_rlm_query_at_depth_limit_is_llm_query(fake_llm: FakeLLM, tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("alpha\nbeta\n")
    fake_llm.script(SUB, responder=lambda req: "2" if "<context>\nalpha\nbeta" in req.last_user else "?")
    fake_llm.script(ROOT, responder=turns(
        repl("n = rlm_query('How many lines?', context=context.chunks()[0])\nprint(n)"),
        repl("answer['content'] = n\nanswer['ready'] = True")))
    r = engine_run(fake_llm, tmp_path, "q", [str(doc)], max_depth=0)
    assert r.ready and r.answer == "2" and len(fake_llm.requests_for(ROOT)) == 2


def test_subcall_cap_stops_the_run_with_a_final_answer(fake_llm: FakeLLM, tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("".join(f"{i}\n" for i in range(50)))
    fake_llm.script(ROOT, replies=[
        repl("answer['content'] = 'partial'\nouts = llm_batch([f'item {i}' for i in range(10)])\nprint(outs)"),
        "From what I saw: about 50 numbers."])  # the final call, after the limit
    events: list = []
    r = engine_run(fake_llm, tmp_path, "q", [str(doc)], limits=Limits(max_subcalls=3), events=events)
    assert not r.ready and r.stop_reason == "max_subcalls" and r.turns == 1
    assert r.answer == "From what I saw: about 50 numbers."
    assert len(fake_llm.requests_for(SUB)) == 3
    final = fake_llm.requests_for(ROOT)[-1].messages[-1]["content"]
    assert "sub-call limit of 3 reached" in final and "sub-calls 3/3" in final and "No more code will run" in final

"""The sandboxed REPL, end to end: real worker processes under both sandboxes, no mocks."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest

from rlm_cli.repl import FunctionHandler, Repl, ReplInputs, ReplSettings, SandboxError, resolve_sandbox
from rlm_cli.repl.sandbox import bwrap_problem

FAKE_CREDENTIALS = {"OPENAI_API_KEY": "sk-test-openai-0000", "GITHUB_TOKEN": "ghp_test0000",
                    "AWS_SECRET_ACCESS_KEY": "aws-test-0000", "MY_SERVICE_SECRET": "svc-test-0000",
                    "ANTHROPIC_API_KEY": "sk-ant-test-0000"}
MODES = ["process", pytest.param("bwrap", marks=pytest.mark.skipif(
    bwrap_problem() is not None, reason=f"bubblewrap cannot run here: {bwrap_problem()}"))]


def rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class Recorder:
    """A handler that answers in upper case, sleeps on request, fails on 'FAIL', and counts concurrency."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = self.peak = 0
        self.children: list = []
        self.answers: list[tuple[float, dict]] = []

    def llm(self, prompt: str, model: str | None, system: str | None) -> str:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            if prompt.startswith("sleep:"):
                time.sleep(float(prompt.split(":")[1]))
            if "FAIL" in prompt:
                raise RuntimeError("provider said no")
            return prompt.upper() + (f"|{system}" if system else "")
        finally:
            with self.lock:
                self.active -= 1

    def rlm(self, prompt: str, context: ReplInputs | None) -> str:
        self.children.append(context)
        if context is None:
            return "no context"
        spec = context.specs[0]
        return f"{spec.label}|{os.path.getsize(spec.path)}|{Path(spec.path).read_text()[:20]}"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repl-input")
    (root / "app.log").write_text("start\nERROR disk full\nok\nERROR again\n")
    (root / "src").mkdir()
    (root / "src" / "main.py").write_text("def main():\n    return 1\n")
    return root


@pytest.fixture(scope="module", params=MODES)
def env(request: pytest.FixtureRequest, inputs: Path):
    """One worker per sandbox, shared by the tests that don't need a fresh one; started with credentials set."""
    rec = Recorder()
    saved = {k: os.environ.get(k) for k in FAKE_CREDENTIALS}
    os.environ.update(FAKE_CREDENTIALS)
    try:
        repl = Repl(ReplInputs.from_paths([str(inputs)]), FunctionHandler(rec.llm, rec.rlm),
                    ReplSettings(sandbox=request.param, cell_timeout=1.0, interrupt_grace=1.0, memory_limit=2 << 30),
                    on_answer=lambda a: rec.answers.append((time.monotonic(), a))).start()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    yield repl, rec
    repl.close()


def ok(repl: Repl, code: str) -> str:
    res = repl.run_cell(code)
    assert res.error is None, res.to_model()
    return res.stdout


def test_sandbox_in_use_is_the_one_asked_for(env):
    repl, _ = env
    assert repl.sandbox == repl.settings.sandbox
    assert "Corpus(2 files" in repl.context_description


def test_state_persists_and_context_is_the_input(env):
    repl, _ = env
    ok(repl, "x = 41\ndef inc(v):\n    return v + 1")
    assert ok(repl, "inc(x)") == "42\n"
    out = ok(repl, "print(context.grep('ERROR'))\nprint(sorted(d.path for d in context.files))")
    assert "app.log:2: ERROR disk full" in out and "['app.log', 'src/main.py']" in out


def test_syntax_error_and_exception_come_back_as_text(env):
    repl, _ = env
    res = repl.run_cell("def broken(:\n    pass")
    assert res.error_type == "SyntaxError" and "SyntaxError" in res.error and "<cell-" in res.error
    res = repl.run_cell("y = 2\n{}['missing']")
    assert res.error_type == "KeyError" and "KeyError: 'missing'" in res.to_model()
    assert "worker.py" not in res.error  # the REPL's own frames are not shown
    assert ok(repl, "y * 3") == "6\n"
    res = repl.run_cell("raise SystemExit(3)")
    assert res.error_type == "SystemExit" and ok(repl, "y") == "2\n"


def test_runaway_cell_is_interrupted_and_state_survives(env):
    repl, _ = env
    ok(repl, "kept = 'still here'")
    t0 = time.monotonic()
    res = repl.run_cell("while True: pass")
    assert time.monotonic() - t0 < 1.0 + 1.5
    assert res.timed_out and not res.restarted and "TimeoutError" in res.error and "variables are kept" in res.error
    assert ok(repl, "kept") == "still here\n"


def test_cell_that_ignores_interrupts_is_killed_and_the_model_is_told(env):
    repl, _ = env
    ok(repl, "lost = 1")
    t0 = time.monotonic()
    res = repl.run_cell("import time\nwhile True:\n    try:\n        time.sleep(5)\n    except KeyboardInterrupt:\n        pass")
    assert time.monotonic() - t0 < 1.0 + 1.0 + 5.0  # timeout + grace + restart
    assert res.restarted and res.timed_out and "variables were lost" in res.error
    res = repl.run_cell("lost")
    assert res.error_type == "NameError"
    assert "app.log" in ok(repl, "print(context['app.log'].head(5))") + "app.log"


def test_huge_allocation_fails_inside_the_worker(env):
    repl, _ = env
    before = rss_bytes()
    res = repl.run_cell("big = bytearray(50 * 2**30)")
    assert res.error_type == "MemoryError" and not res.restarted
    res = repl.run_cell("s = 'x' * (40 * 2**30)")
    assert res.error_type == "MemoryError"
    assert rss_bytes() - before < 20 << 20
    assert ok(repl, "1 + 1") == "2\n"


def test_printing_a_gigabyte_is_truncated_and_host_memory_stays_flat(env):
    repl, _ = env
    before = rss_bytes()
    res = repl.run_cell("import sys\nblock = 'x' * (1 << 20)\nprint('BEGIN')\n"
                        "for _ in range(1024):\n    sys.stdout.write(block)\nprint('END')")
    assert res.error is None
    assert res.stdout_total == (1 << 30) + len("BEGIN\n") + len("END\n")
    assert res.stdout.startswith("BEGIN\n") and res.stdout.endswith("END\n")
    assert res.truncated and f"{res.stdout_total:,} characters in all" in res.stdout
    assert f"{res.omitted:,} characters omitted" in res.stdout
    assert len(res.stdout) < repl.settings.output_limit + 200
    assert rss_bytes() - before < 20 << 20


def test_no_credentials_in_the_worker_environment(env):
    repl, _ = env
    out = ok(repl, "import os\nprint(sorted(os.environ))\nprint(open('/proc/self/environ','rb').read())")
    for name, value in FAKE_CREDENTIALS.items():
        assert name not in out and value not in out
    res = repl.run_cell(f"import os\nopen('/proc/{os.getpid()}/environ','rb').read()")  # the host's environment
    assert res.error is not None and "sk-test" not in res.to_model()


def test_sockets_cannot_reach_a_loopback_listener(env):
    repl, _ = env
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(0.3)
    port = srv.getsockname()[1]
    try:
        res = repl.run_cell(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=0.5)")
        assert res.error is not None
        res = repl.run_cell(f"import _socket\ns = _socket.socket()\ns.connect(('127.0.0.1', {port}))")
        assert res.error is not None
        with pytest.raises(socket.timeout):
            srv.accept()
    finally:
        srv.close()


def test_no_process_spawning(env, tmp_path: Path):
    repl, _ = env
    marker = tmp_path / "pwned"
    res = repl.run_cell(f"import subprocess\nsubprocess.run(['sh', '-c', 'touch {marker}'])")
    assert res.error is not None
    res = repl.run_cell(f"import os\nos.system('touch {marker}')")
    assert res.error is not None
    assert not marker.exists()


def test_inputs_are_read_only_and_scratch_is_writable(env, inputs: Path):
    repl, _ = env
    target = inputs / "app.log"
    before = target.read_text()
    res = repl.run_cell(f"open({str(target)!r}, 'a').write('planted')")
    assert res.error is not None
    res = repl.run_cell(f"import os\nos.remove({str(target)!r})")
    assert res.error is not None
    assert target.read_text() == before
    assert ok(repl, "open('notes.txt', 'w').write('scratch ok')\nprint(open('notes.txt').read())") == "scratch ok\n"


def test_home_directory_is_not_readable(env):
    repl, _ = env
    secret = Path.home() / f".rlm-test-secret-{uuid.uuid4().hex}"
    secret.write_text("top secret")
    try:
        res = repl.run_cell(f"print(open({str(secret)!r}).read())")
        assert res.error is not None and "top secret" not in res.to_model()
    finally:
        secret.unlink()


def test_answer_ready_is_seen_by_the_host_at_once(env):
    repl, rec = env
    rec.answers.clear()
    t0 = time.monotonic()
    res = repl.run_cell("answer['content'] = 'two errors'\nanswer['ready'] = True\nimport time\ntime.sleep(0.6)")
    done = time.monotonic()
    assert res.ready and res.answer["content"] == "two errors" and repl.answer["ready"]
    seen_at, seen = rec.answers[0]
    assert seen["ready"] and seen_at - t0 < done - t0 - 0.4  # during the cell, not after it
    ok(repl, "answer['ready'] = False")


def test_reserved_names_are_restored_and_the_model_is_told(env):
    repl, _ = env
    res = repl.run_cell("context = 'gone'\nllm_query = None\ndel SHOW_VARS")
    text = res.to_model()
    assert "`context` is a reserved name" in text and "`llm_query`" in text and "`SHOW_VARS`" in text
    assert "Corpus" in ok(repl, "context") and ok(repl, "llm_query('hi')") == "HI\n"
    res = repl.run_cell("answer = 'final text'")
    assert "answer['content']" in res.to_model() and res.answer["content"] == "final text"
    res = repl.run_cell("answer = {'content': 'as a dict', 'ready': False, 'verdict': 'pass'}")
    assert res.error is None and res.answer == {"content": "as a dict", "ready": False, "verdict": "pass"}
    assert ok(repl, "type(answer).__name__") == "AnswerDict\n"


def test_show_vars_lists_user_variables(env):
    repl, _ = env
    ok(repl, "import json\ncounts = {'a': 1}\n_private = 3")
    out = ok(repl, "SHOW_VARS()")
    assert "counts: dict, len 1" in out and "json" not in out and "_private" not in out and "context" not in out


def test_subcalls_and_concurrent_batch(env):
    repl, rec = env
    assert ok(repl, "llm_query('hello', system='terse')") == "HELLO|terse\n"
    rec.peak = 0
    t0 = time.monotonic()
    out = ok(repl, "r = llm_batch([f'sleep:0.3:item {i}' for i in range(16)] + ['FAIL me'])\n"
                   "print(sum(x.startswith('SLEEP') for x in r), r[-1])")
    assert out.startswith("16 [ERROR] RuntimeError: provider said no")
    assert rec.peak >= 8 and time.monotonic() - t0 < 16 * 0.3 / 3
    res = repl.run_cell("llm_query('FAIL')")
    assert res.error_type == "SubcallError" and "provider said no" in res.error
    # Waiting on sub-calls is not cell time: 1.5 s of model time under a 1 s cell limit.
    res = repl.run_cell("llm_query('sleep:1.5')")
    assert res.error is None and not res.timed_out


def test_rlm_query_ships_documents_by_path_and_text_by_file(env, inputs: Path):
    repl, rec = env
    out = ok(repl, "print(rlm_query('q', context['app.log']))")
    assert out.startswith(f"app.log|{(inputs / 'app.log').stat().st_size}|start")
    out = ok(repl, "print(rlm_query('q', ['alpha', 'beta']))")
    assert out == "<rlm_query context>|11|alpha\n\nbeta\n"
    assert not os.path.exists(rec.children[-1].specs[0].path)  # removed once the child answered
    assert ok(repl, "print(rlm_query('q'))") == "no context\n"
    res = repl.run_cell("from rlm_cli.context import Document\nrlm_query('q', Document('x', '/etc/hostname'))")
    assert res.error_type == "SubcallError" and "not part of this REPL's inputs" in res.error


def test_resolve_sandbox_says_which_and_why():
    chosen, reason = resolve_sandbox("process")
    assert chosen == "process" and "best-effort" in reason
    chosen, reason = resolve_sandbox("auto")
    assert chosen == ("bwrap" if bwrap_problem() is None else "process") and reason
    with pytest.raises(SandboxError):
        resolve_sandbox("docker")
    if bwrap_problem() is not None:
        with pytest.raises(SandboxError):
            resolve_sandbox("bwrap")


def test_single_file_input_keeps_the_typed_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "notes.txt").write_text("one\ntwo\n")
    monkeypatch.chdir(tmp_path)
    with Repl(["notes.txt"], settings=ReplSettings(sandbox="process")) as repl:
        assert ok(repl, "print(context.path, context.line_count)") == "notes.txt 2\n"
        res = repl.run_cell("llm_query('x')")
        assert res.error_type == "SubcallError" and "no model is attached" in res.error


@pytest.mark.skipif(bwrap_problem() is not None, reason=f"bubblewrap cannot run here: {bwrap_problem()}")
def test_bwrap_isolation_holds_below_the_audit_hook(inputs: Path):
    """What the kernel enforces under bwrap, checked with calls the audit hook does not watch."""
    secret = Path.home() / f".rlm-test-secret-{uuid.uuid4().hex}"
    secret.write_text("top secret")
    try:
        with Repl([str(inputs)], settings=ReplSettings(sandbox="bwrap")) as repl:
            out = ok(repl, f"import os\nprint(os.path.exists({str(secret)!r}), os.path.exists({str(Path.home())!r} + '/.bashrc'))\n"
                           f"print(bool(os.statvfs({str(inputs / 'app.log')!r}).f_flag & os.ST_RDONLY))\n"
                           "print(sorted(l.split(':')[0].strip() for l in open('/proc/net/dev').read().splitlines()[2:]))\n"
                           "print(os.getcwd(), os.environ['HOME'])")
            assert out == "False False\nTrue\n['lo']\n/scratch /scratch\n"
    finally:
        secret.unlink()


def test_worker_that_dies_is_restarted_and_the_model_is_told(env):
    repl, _ = env
    ok(repl, "doomed = 1")
    res = repl.run_cell("import os\nos._exit(3)")
    assert res.restarted and not res.timed_out and "exit status 3" in res.error and "variables were lost" in res.error
    assert repl.run_cell("doomed").error_type == "NameError"
    assert ok(repl, "print(len(context))") == "2\n"


def test_importing_the_repl_package_stays_light():
    import subprocess
    import sys

    code = ("import sys, rlm_cli.repl\nfrom rlm_cli.repl import Repl, ReplSettings, resolve_sandbox\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('litellm', 'tree_sitter', 'tree_sitter_language_pack')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_numpy_scipy_sympy_import_under_the_limits(env):
    repl, _ = env
    res = repl.run_cell("import numpy, scipy.linalg, sympy\nprint(numpy.linalg.det(numpy.eye(3)), sympy.sqrt(8))",
                        timeout=60)
    assert res.error is None, res.to_model()
    assert res.stdout == "1.0 2*sqrt(2)\n"

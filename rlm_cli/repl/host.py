"""The host side of the REPL: start the sandboxed worker, send cells, enforce limits, answer sub-calls.

A reader thread takes every frame the worker sends. Sub-call requests go to a
thread pool, so a slow ``rlm_query`` or a 200-item ``llm_batch`` never blocks
other requests or the answer updates; results and lifecycle messages go to a
queue that ``run_cell`` waits on. A cell that runs past its time is first
interrupted (KeyboardInterrupt in the worker, state kept); if it does not stop
within the grace period the worker is killed and started again, and the model
is told plainly that its variables are gone.
"""

from __future__ import annotations

import itertools
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ..context import InputError
from .handler import FunctionHandler, SubcallEvent, SubcallHandler
from .inputs import InputSpec, ReplInputs
from .protocol import ChannelClosed, FrameWriter, read_frame
from .sandbox import _python_roots, build_command, resolve_sandbox
from .settings import ReplSettings
from .truncate import truncate

STDERR_KEEP = 32 << 10


class ReplError(RuntimeError):
    """The worker could not be started or restarted; the message says why."""


@dataclass
class CellResult:
    """What one cell did. ``stdout``/``stderr`` are already cut to the output limit (head and tail)."""

    stdout: str
    stderr: str
    error: str | None  # a short traceback, or a plain statement (timeout, worker restarted)
    duration: float
    stdout_total: int = 0  # true lengths, in characters
    stderr_total: int = 0
    omitted: int = 0  # characters left out of stdout and stderr together
    answer: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # reserved names restored, and the like
    error_type: str | None = None
    timed_out: bool = False
    restarted: bool = False  # the worker was replaced: every variable was lost

    @property
    def truncated(self) -> bool:
        return self.omitted > 0

    @property
    def ready(self) -> bool:
        return bool(self.answer.get("ready"))

    def to_model(self) -> str:
        """The cell's outcome as the model reads it."""
        parts = [p for p in (self.stdout.rstrip("\n"),) if p]
        if self.stderr.strip():
            parts.append("[stderr]\n" + self.stderr.rstrip("\n"))
        if self.error:
            parts.append(self.error.rstrip("\n"))
        parts += [f"[note] {n}" for n in self.notes]
        return "\n".join(parts) if parts else "(no output)"


class _Clock:
    """Cell time that stops while the worker waits on the host for sub-calls."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waiting = 0
        self.paused = 0.0
        self.since = 0.0

    def pause(self) -> None:
        with self.lock:
            if self.waiting == 0:
                self.since = time.monotonic()
            self.waiting += 1

    def resume(self) -> None:
        with self.lock:
            self.waiting -= 1
            if self.waiting == 0:
                self.paused += time.monotonic() - self.since

    def paused_total(self) -> tuple[float, bool]:
        with self.lock:
            extra = time.monotonic() - self.since if self.waiting else 0.0
            return self.paused + extra, self.waiting > 0


class _Worker:
    """One incarnation of the worker process and its channel."""

    def __init__(self, popen: subprocess.Popen, mode: str) -> None:
        self.popen = popen
        self.mode = mode
        self.writer = FrameWriter(popen.stdin)  # type: ignore[arg-type]
        self.events: queue.Queue[dict] = queue.Queue()
        self.stderr_tail = b""
        self.killed = False
        self.clock = _Clock()

    def send(self, msg: dict) -> bool:
        try:
            self.writer.send(msg)
            return True
        except ChannelClosed:
            return False

    def drain_stderr(self) -> None:
        # The worker's fd 1 and 2 (C extensions, warnings) end here, bounded.
        stream = self.popen.stderr
        assert stream is not None
        while True:
            b = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            if not b:
                return
            self.stderr_tail = (self.stderr_tail + b)[-STDERR_KEEP:]

    def kill(self) -> None:
        self.killed = True
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.popen.kill()
        except OSError:
            pass

    def stderr_text(self, n: int = 2000) -> str:
        return self.stderr_tail.decode("utf-8", "replace").strip()[-n:]


class Repl:
    """A persistent, sandboxed Python namespace holding ``context``.

    ``with Repl(ReplInputs.from_paths(["repo/"]), handler) as repl: repl.run_cell("print(len(context))")``
    """

    def __init__(self, inputs: ReplInputs | Sequence[str] | None = None, handler: SubcallHandler | None = None,
                 settings: ReplSettings | None = None, *, on_subcall: Callable[[SubcallEvent], None] | None = None,
                 on_answer: Callable[[dict], None] | None = None) -> None:
        if inputs is None:
            inputs = ReplInputs()
        elif not isinstance(inputs, ReplInputs):
            inputs = ReplInputs.from_paths(list(inputs))
        self.inputs = inputs
        self._own_handler = FunctionHandler() if handler is None else None  # closed with the REPL
        self.handler: SubcallHandler = handler if handler is not None else self._own_handler
        self.settings = settings or ReplSettings()
        self.on_subcall = on_subcall
        self.on_answer = on_answer
        self.answer: dict[str, Any] = {"content": "", "ready": False}
        self.sandbox = ""  # chosen at start(): bwrap | process
        self.sandbox_reason = ""
        self.context_description = ""
        self.restarts = 0
        self._w: _Worker | None = None
        self._dir: str | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._cell_ids = itertools.count(1)
        self._current: int | None = None
        self._lock = threading.Lock()

    # -- lifecycle ------------------------------------------------------------------
    def __enter__(self) -> "Repl":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def start(self) -> "Repl":
        if self._w is not None:
            return self
        self.sandbox, self.sandbox_reason = resolve_sandbox(self.settings.sandbox)
        self._dir = tempfile.mkdtemp(prefix="rlm-repl-")
        os.makedirs(os.path.join(self._dir, "scratch"), mode=0o700)
        os.makedirs(os.path.join(self._dir, "shipped"), mode=0o700)
        self._pool = ThreadPoolExecutor(max_workers=self.settings.subcall_threads, thread_name_prefix="rlm-subcall")
        try:
            self._w = self._spawn()
        except BaseException:
            self.close()
            raise
        return self

    def _spawn(self) -> _Worker:
        assert self._dir is not None
        paths = [s.path for s in self.inputs.specs]
        scratch = os.path.join(self._dir, "scratch")
        cmd = build_command(self.sandbox, paths, scratch)
        popen = subprocess.Popen(cmd.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 env=cmd.env, cwd=cmd.cwd or self._dir, start_new_session=True, close_fds=True)
        w = _Worker(popen, cmd.mode)
        threading.Thread(target=w.drain_stderr, name="rlm-worker-stderr", daemon=True).start()
        threading.Thread(target=self._read_loop, args=(w,), name="rlm-worker-channel", daemon=True).start()
        s = self.settings
        w.send({"t": "init", "inputs": self.inputs.to_wire(), "answer": self.answer, "output_limit": s.output_limit,
                "memory_limit": s.memory_limit, "file_size_limit": s.file_size_limit,
                "deny_read": [os.path.expanduser("~")],
                "allow_read": _python_roots() + paths})
        try:
            msg = w.events.get(timeout=s.start_timeout)
        except queue.Empty:
            w.kill()
            raise ReplError(f"the REPL worker did not start within {s.start_timeout:g} s") from None
        if msg.get("t") == "ready":
            self.context_description = msg.get("context", "")
            return w
        w.kill()
        if msg.get("t") == "fatal":
            if msg.get("error_type") in ("InputError", "FileChangedError"):
                raise InputError(msg.get("error", "the input could not be loaded"))
            raise ReplError(f"the REPL worker failed to start: {msg.get('error_type')}: {msg.get('error')}")
        w.popen.wait(timeout=5)
        raise ReplError(f"the REPL worker ({cmd.mode}) exited at start (status {w.popen.returncode}): "
                        f"{w.stderr_text() or 'no message'}")

    def close(self) -> None:
        w, self._w = self._w, None
        if w is not None:
            w.send({"t": "exit"})
            try:
                w.popen.wait(timeout=1)
            except subprocess.TimeoutExpired:
                w.kill()
                w.popen.wait(timeout=5)
            for s in (w.popen.stdin, w.popen.stdout):
                try:
                    s and s.close()
                except OSError:
                    pass
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        if self._own_handler is not None:
            self._own_handler.close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def restart(self) -> None:
        """Replace the worker: a fresh namespace over the same inputs; ``answer`` is carried over."""
        w, self._w = self._w, None
        if w is not None:
            w.kill()
            w.popen.wait(timeout=5)
        self.restarts += 1
        self._w = self._spawn()

    @property
    def pid(self) -> int | None:
        """The worker's process id as the host sees it (for bwrap, the bwrap process)."""
        return self._w.popen.pid if self._w else None

    # -- cells ---------------------------------------------------------------------------
    def interrupt(self, reason: str = "KeyboardInterrupt: the cell was interrupted; variables are kept") -> None:
        """Interrupt the running cell (from another thread, e.g. on Ctrl-C)."""
        w, cid = self._w, self._current
        if w is not None and cid is not None:
            w.send({"t": "interrupt", "id": cid, "reason": reason})

    def run_cell(self, code: str, timeout: float | None = None) -> CellResult:
        """Run ``code`` in the persistent namespace; never raises for what the code does."""
        if self._w is None:
            self.start()
        w = self._w
        assert w is not None
        limit = self.settings.cell_timeout if timeout is None else timeout
        cid = next(self._cell_ids)
        self._current = cid
        t0 = time.monotonic()
        paused0, _ = w.clock.paused_total()
        interrupted_at: float | None = None
        try:
            if not w.send({"t": "cell", "id": cid, "code": code}):
                return self._after_death(w, t0, "the REPL worker had exited before the cell could run")
            while True:
                now = time.monotonic()
                paused, waiting = w.clock.paused_total()
                used = now - t0 - (paused - paused0)
                if interrupted_at is None:
                    wait = 0.25 if waiting else max(0.0, limit - used)
                else:
                    wait = max(0.0, interrupted_at + self.settings.interrupt_grace - now)
                try:
                    msg = w.events.get(timeout=wait) if wait > 0 else w.events.get_nowait()
                except queue.Empty:
                    if interrupted_at is None:
                        if not waiting and used >= limit:
                            interrupted_at = time.monotonic()
                            w.send({"t": "interrupt", "id": cid, "reason":
                                    f"TimeoutError: the cell ran past the {limit:g} s limit and was interrupted; "
                                    "variables are kept. Do less per cell (smaller slices, fewer items)."})
                        continue
                    w.kill()
                    return self._after_death(w, t0, f"TimeoutError: the cell ran past the {limit:g} s limit and did "
                                             "not stop when interrupted, so the REPL was restarted", timed_out=True)
                t = msg.get("t")
                if t == "result" and msg.get("id") == cid:
                    return self._result(msg, timed_out=interrupted_at is not None)
                if t == "eof":
                    return self._after_death(w, t0, _death_reason(w))
        finally:
            self._current = None

    def _result(self, msg: dict, timed_out: bool) -> CellResult:
        lim = self.settings.output_limit
        out = truncate(msg.get("stdout", ""), lim, msg.get("stdout_total"))
        err = truncate(msg.get("stderr", ""), lim, msg.get("stderr_total"))
        self.answer = dict(msg.get("answer") or self.answer)
        return CellResult(out.text, err.text, msg.get("error"), float(msg.get("duration", 0.0)), out.total, err.total,
                          out.omitted + err.omitted, dict(self.answer), list(msg.get("notes") or []),
                          msg.get("error_type"), timed_out and msg.get("error_type") == "Interrupted", False)

    def _after_death(self, w: _Worker, t0: float, why: str, timed_out: bool = False) -> CellResult:
        try:
            w.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            w.kill()
        self._w = None
        self.restarts += 1
        self._w = self._spawn()
        error = (f"{why}. All variables were lost: the REPL was restarted with `context`, `answer` "
                 "(content kept) and the helper functions restored; recompute what you need.")
        return CellResult("", "", error, time.monotonic() - t0, answer=dict(self.answer),
                          error_type="TimeoutError" if timed_out else "WorkerRestarted", timed_out=timed_out,
                          restarted=True)

    # -- channel ----------------------------------------------------------------------------
    def _read_loop(self, w: _Worker) -> None:
        stream = w.popen.stdout
        while True:
            try:
                msg = read_frame(stream)  # type: ignore[arg-type]
            except ChannelClosed:
                w.events.put({"t": "eof"})
                return
            t = msg.get("t")
            if t == "call":
                pool = self._pool
                if pool is None:
                    continue
                w.clock.pause()  # paused from the moment the request is seen, so no cell time is charged
                try:
                    pool.submit(self._serve_call, w, msg)
                except RuntimeError:  # pool shut down: the REPL is closing
                    w.clock.resume()
            elif t == "answer":
                self.answer = dict(msg.get("answer") or {})
                if self.on_answer is not None:
                    self.on_answer(dict(self.answer))
            else:
                w.events.put(msg)

    def _serve_call(self, w: _Worker, msg: dict) -> None:
        kind, args, cid = msg.get("kind", ""), msg.get("args") or {}, msg.get("id")
        prompts = args.get("prompts") if kind == "llm_batch" else [args.get("prompt", "")]
        prompts = prompts or []
        self._emit(SubcallEvent(cid, kind, "started", len(prompts), sum(len(p) for p in prompts)))
        t0 = time.monotonic()
        reply: dict[str, Any] = {"t": "reply", "id": cid}
        shipped: str | None = None
        try:
            if kind == "llm_query":
                reply["value"] = str(self.handler.llm_query(args["prompt"], args.get("model"), args.get("system")))
            elif kind == "llm_batch":
                values = list(self.handler.llm_batch(list(prompts), args.get("model")))
                if len(values) != len(prompts):
                    raise RuntimeError(f"the handler answered {len(values)} of {len(prompts)} prompts")
                reply["value"] = [str(v) for v in values]
            elif kind == "rlm_query":
                child, shipped = self._child_inputs(args.get("context"))
                reply["value"] = str(self.handler.rlm_query(args["prompt"], child))
            else:
                raise ValueError(f"unknown sub-call {kind!r}")
        except Exception as e:  # the cell gets the failure as an exception with this text
            reply["error"] = f"{type(e).__name__}: {e}"
        finally:
            if shipped:
                try:
                    os.unlink(shipped)
                except OSError:
                    pass
            w.clock.resume()
        w.send(reply)
        self._emit(SubcallEvent(cid, kind, "finished", len(prompts), sum(len(p) for p in prompts),
                                time.monotonic() - t0, reply.get("error")))

    def _emit(self, event: SubcallEvent) -> None:
        if self.on_subcall is not None:
            try:
                self.on_subcall(event)
            except Exception:  # a broken subscriber must not break the REPL
                pass

    def _child_inputs(self, shipped: dict | None) -> tuple[ReplInputs | None, str | None]:
        """The worker's ``rlm_query`` context as inputs a child REPL can open (see worker._ship_context)."""
        if shipped is None:
            return None, None
        desc = shipped.get("description", "")
        if "files" in shipped:
            allowed = self._known_paths()
            specs = []
            for f in shipped["files"]:
                if not _inside(f["path"], allowed):  # a cell cannot name arbitrary host files for a child
                    raise PermissionError(f"{f['path']} is not part of this REPL's inputs")
                specs.append(InputSpec(f["path"], f["label"]))
            return ReplInputs(specs, self.inputs.walk, desc), None
        assert self._dir is not None
        fd, path = tempfile.mkstemp(prefix="rlm-query-", suffix=".txt", dir=os.path.join(self._dir, "shipped"))
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogatepass") as f:
            f.write(shipped.get("text", ""))
        return ReplInputs([InputSpec(path, "<rlm_query context>")], self.inputs.walk, desc), path

    def _known_paths(self) -> list[str]:
        return [os.path.realpath(s.path) for s in self.inputs.specs]


def _inside(path: str, roots: list[str]) -> bool:
    p = os.path.realpath(path)
    return any(p == r or p.startswith(r.rstrip("/") + "/") for r in roots)


def _death_reason(w: _Worker) -> str:
    try:
        code = w.popen.wait(timeout=5)
    except subprocess.TimeoutExpired:
        w.kill()
        code = w.popen.wait(timeout=5)
    how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
    hint = " (out of memory?)" if code in (-signal.SIGKILL, -signal.SIGSEGV) else ""
    tail = w.stderr_text(500)
    return f"the REPL worker process died ({how}{hint})" + (f": {tail.splitlines()[-1]}" if tail else "")

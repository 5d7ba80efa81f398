"""The REPL worker: one persistent namespace, run inside the sandbox.

Started as ``python -I -B -m rlm_cli.repl.worker`` with the channel on its
stdin/stdout; it moves the channel to private descriptors at once, so that
nothing a cell writes to fd 0/1 can reach or forge the protocol. A reader
thread owns the incoming side (replies to sub-calls, interrupts), the main
thread runs cells. An interrupt from the host becomes a KeyboardInterrupt in
the main thread, so a stopped cell keeps every variable.
"""

from __future__ import annotations

import ast
import io
import itertools
import linecache
import os
import queue
import resource
import signal
import sys
import threading
import time
import traceback
from typing import Any, Callable

from .protocol import ChannelClosed, FrameWriter, read_frame
from .truncate import CappedText, truncate

RESERVED = ("context", "answer", "llm_query", "llm_batch", "rlm_query", "SHOW_VARS")
MAX_ERROR_CHARS = 4000


class SubcallError(RuntimeError):
    """A sub-call the host could not answer (budget, provider failure, depth)."""


class _Interrupts:
    """SIGINT raises KeyboardInterrupt only while a cell runs outside channel writes."""

    armed = False
    pending = False
    reason = ""

    def handler(self, signum: int, frame: Any) -> None:
        if self.armed:
            raise KeyboardInterrupt
        self.pending = True

    def quiet(self) -> "_Quiet":
        return _Quiet(self)


class _Quiet:
    """No interrupt in the middle of a frame: hold it and raise right after."""

    def __init__(self, irq: _Interrupts) -> None:
        self.irq = irq
        self.was = False

    def __enter__(self) -> None:
        self.was, self.irq.armed = self.irq.armed, False

    def __exit__(self, *exc: Any) -> None:
        self.irq.armed = self.was
        if self.was and self.irq.pending:
            self.irq.pending = False
            raise KeyboardInterrupt


class CellStream(io.TextIOBase):
    """sys.stdout / sys.stderr for cells: keeps head and tail only, counts the rest."""

    def __init__(self, keep: int) -> None:
        super().__init__()
        self.buf = CappedText(keep)

    def write(self, s: str) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        return self.buf.write(s)

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


class AnswerDict(dict):
    """``answer``: tells the host the moment ``ready`` becomes true."""

    def __init__(self, initial: dict, notify: Callable[[], None]) -> None:
        super().__init__({"content": "", "ready": False})
        super().update(initial or {})
        self._notify = notify

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        if key == "ready" and value:
            self._notify()

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        if self.get("ready"):
            self._notify()

    def replace(self, new: dict) -> None:
        dict.clear(self)
        dict.update(self, {"content": "", "ready": False})
        dict.update(self, new)


class _Slot:
    def __init__(self) -> None:
        self.event = threading.Event()
        self.msg: dict = {}


class Worker:
    def __init__(self, reader: io.BufferedReader, writer: FrameWriter, init: dict) -> None:
        self.reader = reader
        self.writer = writer
        self.output_keep = int(init.get("output_limit", 20_000))
        self.irq = _Interrupts()
        self.inbox: queue.Queue[dict] = queue.Queue()
        self.pending: dict[int, _Slot] = {}
        self.ids = itertools.count(1)
        self.lock = threading.Lock()
        self.running: int | None = None
        self.main_ident = threading.main_thread().ident or 0
        self.context = None
        self.ns: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
        self.answer = AnswerDict(init.get("answer") or {}, self._answer_ready)
        self.reserved: dict[str, Any] = {}

    # -- start --------------------------------------------------------------------
    def load(self, inputs: dict) -> str:
        from .inputs import ReplInputs

        spec = ReplInputs.from_wire(inputs)
        if not spec.specs:
            self.context = None
            return "no input (context is None)"
        self.context = spec.open().context
        return repr(self.context)

    def build_namespace(self) -> None:
        self.reserved = {"context": self.context, "answer": self.answer, "llm_query": self.llm_query,
                         "llm_batch": self.llm_batch, "rlm_query": self.rlm_query, "SHOW_VARS": self.show_vars}
        self.ns.update(self.reserved)

    # -- the contract ----------------------------------------------------------------
    def _call(self, kind: str, args: dict) -> dict:
        cid = next(self.ids)
        slot = _Slot()
        self.pending[cid] = slot
        try:
            with self.irq.quiet():
                self.writer.send({"t": "call", "id": cid, "kind": kind, "args": args})
            slot.event.wait()  # interruptible: a timeout or Ctrl-C lands here as KeyboardInterrupt
        finally:
            self.pending.pop(cid, None)
        if slot.msg.get("error") is not None:
            raise SubcallError(f"{kind} failed: {slot.msg['error']}")
        return slot.msg

    def llm_query(self, prompt: Any, model: str | None = None, system: str | None = None) -> str:
        """One sub-model call; ``prompt`` may be a str or a Chunk (its text)."""
        return str(self._call("llm_query", {"prompt": str(prompt), "model": model,
                                            "system": None if system is None else str(system)})["value"])

    def llm_batch(self, prompts: Any, model: str | None = None) -> list[str]:
        """Many sub-model calls at once; a failed item is a string starting ``[ERROR]``."""
        if isinstance(prompts, (str, bytes)):
            raise TypeError("llm_batch takes a list of prompts; for one prompt use llm_query")
        items = [str(p) for p in prompts]
        if not items:
            return []
        value = self._call("llm_batch", {"prompts": items, "model": model})["value"]
        return [str(v) for v in value]

    def rlm_query(self, prompt: Any, context: Any = None) -> str:
        """A child RLM over ``context`` (a Document, Corpus, list of Documents, Chunk, str or list)."""
        return str(self._call("rlm_query", {"prompt": str(prompt), "context": _ship_context(context)})["value"])

    def show_vars(self) -> None:
        """Print the user's variables (name, type, a short preview)."""
        rows = []
        for name, value in self.ns.items():
            if name.startswith("_") or name in self.reserved or type(value).__name__ == "module":
                continue
            if callable(value) and getattr(value, "__module__", "") != "__main__":
                continue
            try:
                preview = repr(value)
            except Exception as e:  # a broken __repr__ must not break the listing
                preview = f"<repr failed: {type(e).__name__}>"
            preview = preview.replace("\n", " ")
            if len(preview) > 80:
                preview = preview[:77] + "..."
            size = ""
            if hasattr(value, "__len__") and not isinstance(value, type):
                try:
                    size = f", len {len(value):,}"
                except Exception:
                    pass
            rows.append(f"{name}: {type(value).__name__}{size} = {preview}")
        print("\n".join(rows) if rows else "(no user variables yet)")

    def _answer_ready(self) -> None:
        with self.irq.quiet():
            self.writer.send({"t": "answer", "answer": dict(self.answer)})

    # -- cells ----------------------------------------------------------------------
    def run_cell(self, msg: dict) -> dict:
        cid, code = msg["id"], msg["code"]
        fname = f"<cell-{cid}>"
        linecache.cache[fname] = (len(code), None, code.splitlines(True), fname)
        out, err = CellStream(self.output_keep), CellStream(self.output_keep)
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        error = error_type = None
        t0 = time.perf_counter()
        try:
            body, last = _compile(code, fname)
            with self.lock:
                self.running = cid
            self.irq.pending = False
            self.irq.armed = True
            exec(body, self.ns)
            if last is not None:
                value = eval(last, self.ns)
                self.irq.armed = False
                if value is not None:
                    print(value if isinstance(value, str) else repr(value))
            self.irq.armed = False
        except KeyboardInterrupt:
            self.irq.armed = False
            error_type = "Interrupted"
            error = self.irq.reason or "KeyboardInterrupt: the cell was interrupted; variables are kept"
        except BaseException as e:  # everything, SystemExit included, goes back to the model as text
            self.irq.armed = False
            error_type = type(e).__name__
            error = _short_traceback(e) if not isinstance(e, SyntaxError) else "".join(traceback.format_exception_only(type(e), e))
            if isinstance(e, SystemExit):
                error = "SystemExit: the REPL cannot be exited from a cell; set answer['ready'] = True to finish\n"
        finally:
            with self.lock:
                self.running = None
            self.irq.reason = ""
            sys.stdout, sys.stderr = saved
            try:
                sys.stdout.flush()
            except Exception:
                pass
        duration = time.perf_counter() - t0
        notes = self._restore_reserved()
        stdout, stdout_total = out.buf.excerpt()
        stderr, stderr_total = err.buf.excerpt()
        if error and len(error) > MAX_ERROR_CHARS:
            error = truncate(error, MAX_ERROR_CHARS).text
        return {"t": "result", "id": cid, "stdout": stdout, "stdout_total": stdout_total, "stderr": stderr,
                "stderr_total": stderr_total, "error": error, "error_type": error_type, "duration": duration,
                "notes": notes, "answer": dict(self.answer)}

    def _restore_reserved(self) -> list[str]:
        notes = []
        for name, obj in self.reserved.items():
            cur = self.ns.get(name, _MISSING)
            if cur is obj:
                continue
            self.ns[name] = obj
            if name != "answer":
                notes.append(f"`{name}` is a reserved name and was restored; use a different variable name.")
            elif isinstance(cur, dict):
                self.answer.replace(cur)  # `answer = {...}` is a fine way to set the answer: keep it
            elif isinstance(cur, str):
                self.answer["content"] = cur
                notes.append("`answer` must stay a dict; it was restored and your string was stored in answer['content'].")
            else:
                what = "deleted" if cur is _MISSING else f"rebound to a {type(cur).__name__}"
                notes.append(f"`answer` was {what}; it was restored (content kept). Set answer['content'] and answer['ready'].")
        return notes

    # -- channel ------------------------------------------------------------------------
    def read_loop(self) -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # SIGINT is for the main thread only
        while True:
            try:
                msg = read_frame(self.reader)
            except ChannelClosed:
                os._exit(0)  # the host is gone: nothing left to serve
            t = msg.get("t")
            if t == "reply":
                slot = self.pending.get(msg.get("id", -1))
                if slot is not None:
                    slot.msg = msg
                    slot.event.set()
            elif t == "interrupt":
                with self.lock:
                    if self.running is not None and self.running == msg.get("id"):
                        self.irq.reason = msg.get("reason") or ""
                        signal.pthread_kill(self.main_ident, signal.SIGINT)
            else:
                self.inbox.put(msg)

    def serve(self) -> None:
        while True:
            msg = self.inbox.get()
            if msg.get("t") == "cell":
                self.writer.send(self.run_cell(msg))
            elif msg.get("t") == "exit":
                return


_MISSING = object()


def _compile(code: str, fname: str) -> tuple[Any, Any]:
    """(statements, last expression or None): the value of a trailing expression is printed, as in a notebook."""
    tree = ast.parse(code, fname, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = compile(ast.Expression(tree.body.pop().value), fname, "eval")
    return compile(tree, fname, "exec"), last


def _short_traceback(e: BaseException) -> str:
    """The traceback from the cell's own frames on, the last few, without the REPL's own frames."""
    tb = e.__traceback__
    while tb is not None and not tb.tb_frame.f_code.co_filename.startswith("<cell-"):
        tb = tb.tb_next
    frames = [f for f in traceback.extract_tb(tb) if not f.filename.startswith(_HERE)][-6:]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames) + traceback.format_exception_only(type(e), e)
    return "".join(lines)


_HERE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _ship_context(obj: Any) -> dict | None:
    """What the host needs to start a child REPL on ``obj``: file paths when it is made of documents, else text.

    Documents travel as (real path, label) pairs, so the child maps the same
    files; anything else (a Chunk, a str, a list of them, ...) travels as its
    text, which the host writes to a file the child opens like any input.
    """
    from ..context import Corpus, Document

    if obj is None:
        return None
    docs = None
    if isinstance(obj, Document):
        docs = [obj]
    elif isinstance(obj, Corpus):
        docs = list(obj.files)
    elif isinstance(obj, (list, tuple)) and obj and all(isinstance(d, Document) for d in obj):
        docs = list(obj)
    if docs is not None:
        return {"files": [{"path": d.real_path, "label": d.path} for d in docs],
                "description": f"{len(docs)} file(s), {sum(d.size for d in docs):,} bytes"}
    if isinstance(obj, (list, tuple)):
        parts = [str(x) for x in obj]
        text = "\n\n".join(parts)
        desc = f"{len(parts)} item(s), {len(text):,} characters"
    else:
        text = str(obj)
        desc = f"{type(obj).__name__}, {len(text):,} characters"
    return {"text": text, "description": desc}


def _set_limits(init: dict) -> None:
    def lower(which: int, value: int) -> None:
        soft, hard = resource.getrlimit(which)
        v = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (v, v))  # hard too: a cell cannot raise it back

    if init.get("memory_limit"):
        lower(resource.RLIMIT_DATA, int(init["memory_limit"]))
    if init.get("file_size_limit"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails with EFBIG instead of killing us
        lower(resource.RLIMIT_FSIZE, int(init["file_size_limit"]))
    lower(resource.RLIMIT_CORE, 0)


def main() -> None:
    # Take the channel off fds 0/1 so no cell (or library, or C extension) can touch it.
    ch_in, ch_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    os.close(null)
    reader = os.fdopen(ch_in, "rb")
    writer = FrameWriter(os.fdopen(ch_out, "wb"))
    try:
        init = read_frame(reader)
    except ChannelClosed:
        return
    worker = Worker(reader, writer, init)
    signal.signal(signal.SIGINT, worker.irq.handler)
    try:
        _set_limits(init)
        from . import guard

        import ctypes  # noqa: F401  (imported before the hook so libraries that import it still can)

        guard.install(os.getcwd(), init.get("deny_read", []), init.get("allow_read", []))
        description = worker.load(init.get("inputs") or {})
        worker.build_namespace()
    except Exception as e:
        writer.send({"t": "fatal", "error": str(e) or type(e).__name__, "error_type": type(e).__name__})
        return
    threading.Thread(target=worker.read_loop, name="rlm-channel", daemon=True).start()
    writer.send({"t": "ready", "context": description, "pid": os.getpid()})
    worker.serve()


if __name__ == "__main__":
    main()

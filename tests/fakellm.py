"""A loopback OpenAI-compatible server for tests and benchmarks: scripted replies, faults, recording.

Tests drive the real LiteLLM code path against it (model ``openai/<name>``,
``api_base=server.url``, any dummy key), so what is exercised is what ships.
It binds 127.0.0.1 only and stops by itself after ``max_lifetime`` seconds
even if a test forgets to stop it; a hanging request is released at stop.

    with FakeLLM() as llm:
        llm.script("sub", replies=["first", "second"], latency=0.05)
        llm.script("sub2", responder=lambda req: req.last_user.upper())
        llm.fault("sub", Fault(status=429, retry_after=1), times=2)
        ... llm.requests, llm.max_in_flight ...
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple, Union


@dataclass
class Fault:
    """One injected failure, consumed by one request to the model it is set on.

    status: answer with this HTTP status (429, 500, 503...) and an OpenAI-style error body.
    retry_after: sent as the Retry-After header (seconds) with the status.
    hang: seconds to stall before answering at all (released early when the server stops).
    close: drop the connection without a response (after any hang).
    message: the error message in the body (providers' wording drives LiteLLM's classification).
    """

    status: Optional[int] = None
    retry_after: Optional[float] = None
    hang: float = 0.0
    close: bool = False
    message: Optional[str] = None


@dataclass
class Reply:
    """A scripted answer; usage is computed from the text when not given."""

    content: str
    prompt_tokens: Optional[int] = None
    completion_tokens: Optional[int] = None


@dataclass
class RecordedRequest:
    model: str
    messages: List[Dict[str, Any]]
    stream: bool
    body: Dict[str, Any]
    # Kept only so a test can assert a key was sent; tests use dummy keys.
    authorization: Optional[str]
    path: str
    started: float
    status: int = 200

    @property
    def last_user(self) -> str:
        for m in reversed(self.messages):
            if m.get("role") == "user":
                c = m.get("content")
                return c if isinstance(c, str) else json.dumps(c)
        return ""


# A responder may also return a Fault, to fail chosen requests (e.g. one poisoned item of a batch).
Responder = Callable[[RecordedRequest], Union[str, Reply, Fault]]


@dataclass
class _Script:
    replies: Deque[Union[str, Reply]] = field(default_factory=deque)
    responder: Optional[Responder] = None
    latency: float = 0.0
    faults: Deque[Fault] = field(default_factory=deque)


def _tokens(text: str) -> int:
    # Deterministic stand-in for a tokenizer: about four characters a token.
    return max(1, len(text) // 4)


def _echo(req: RecordedRequest) -> str:
    return f"echo: {req.last_user}"


class FakeLLM:
    """The server. Thread-safe; all state is read under one lock."""

    def __init__(self, max_lifetime: float = 120.0) -> None:
        self._lock = threading.Lock()
        self._scripts: Dict[str, _Script] = {}
        self._stopping = threading.Event()
        self.requests: List[RecordedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._watchdog = threading.Timer(max_lifetime, self.stop)
        self._watchdog.daemon = True

    # -- lifecycle --------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "FakeLLM":
        self._thread.start()
        self._watchdog.start()
        return self

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()  # releases hanging handlers
        self._watchdog.cancel()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeLLM":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting --------------------------------------------------------------
    def script(self, model: str, replies: Optional[List[Union[str, Reply]]] = None,
               responder: Optional[Responder] = None, latency: Optional[float] = None) -> None:
        """Queue replies for a model (used in order; then the responder, else an echo of the last user message)."""
        with self._lock:
            s = self._scripts.setdefault(model, _Script())
            s.replies.extend(replies or ())
            if responder is not None:
                s.responder = responder
            if latency is not None:
                s.latency = latency

    def fault(self, model: str, fault: Fault, times: int = 1) -> None:
        """Make the next ``times`` requests to ``model`` fail this way."""
        with self._lock:
            self._scripts.setdefault(model, _Script()).faults.extend([fault] * times)

    def requests_for(self, model: str) -> List[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.model == model]

    # -- serving ----------------------------------------------------------------
    def _next(self, req: RecordedRequest) -> "Tuple[Optional[Fault], float, Reply]":
        with self._lock:
            s = self._scripts.setdefault(req.model, _Script())
            fault = s.faults.popleft() if s.faults else None
            latency = s.latency
            if fault is not None:
                return fault, latency, Reply("")
            if s.replies:
                r = s.replies.popleft()
            else:
                r = None
            responder = s.responder or _echo
        if r is None:
            r = responder(req)  # outside the lock: a responder may be slow
        if isinstance(r, Fault):
            return r, latency, Reply("")
        return None, latency, r if isinstance(r, Reply) else Reply(str(r))

    def _handler_class(self) -> type:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real providers do
            disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms delayed-ACK stall

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _json(self, status: int, payload: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    with fake._lock:
                        names = sorted(fake._scripts)
                    self._json(200, {"object": "list", "data": [{"id": n, "object": "model", "owned_by": "fakellm"} for n in names]})
                else:
                    self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
                    return
                body = json.loads(raw or b"{}")
                req = RecordedRequest(model=str(body.get("model", "")), messages=list(body.get("messages") or []),
                                      stream=bool(body.get("stream")), body=body,
                                      authorization=self.headers.get("Authorization"), path=self.path,
                                      started=time.monotonic())
                with fake._lock:
                    fake.requests.append(req)
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    self._answer(req)
                finally:
                    with fake._lock:
                        fake.in_flight -= 1

            def _answer(self, req: RecordedRequest) -> None:
                fault, latency, reply = fake._next(req)
                if latency:
                    fake._stopping.wait(latency)
                if fault is not None:
                    if fault.hang:
                        fake._stopping.wait(fault.hang)
                    if fault.close or fault.status is None:
                        self.close_connection = True
                        req.status = 0
                        return
                    req.status = fault.status
                    headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
                    kind = "rate_limit_error" if fault.status == 429 else ("server_error" if fault.status >= 500 else "invalid_request_error")
                    message = fault.message or f"fakellm injected {fault.status}"
                    self._json(fault.status, {"error": {"message": message, "type": kind, "code": str(fault.status)}}, headers)
                    return
                p = reply.prompt_tokens if reply.prompt_tokens is not None else _tokens(json.dumps(req.messages))
                c = reply.completion_tokens if reply.completion_tokens is not None else _tokens(reply.content)
                usage = {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}
                ident = f"chatcmpl-fake{len(fake.requests)}"
                if req.stream:
                    self._stream(req, ident, reply.content, usage)
                    return
                self._json(200, {"id": ident, "object": "chat.completion", "created": int(time.time()), "model": req.model,
                                 "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.content}, "finish_reason": "stop"}],
                                 "usage": usage})

            def _stream(self, req: RecordedRequest, ident: str, text: str, usage: Dict[str, int]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")  # no chunked encoding: the body ends when the socket closes
                self.end_headers()
                self.close_connection = True

                def chunk(delta: Dict[str, Any], finish: Optional[str] = None, with_usage: bool = False) -> None:
                    payload: Dict[str, Any] = {"id": ident, "object": "chat.completion.chunk", "created": int(time.time()),
                                               "model": req.model,
                                               "choices": [] if with_usage else [{"index": 0, "delta": delta, "finish_reason": finish}]}
                    if with_usage:
                        payload["usage"] = usage
                    self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
                    self.wfile.flush()

                chunk({"role": "assistant", "content": ""})
                step = max(1, len(text) // 3)
                for i in range(0, len(text), step):
                    chunk({"content": text[i:i + step]})
                chunk({}, finish="stop")
                if (req.body.get("stream_options") or {}).get("include_usage"):
                    chunk({}, with_usage=True)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        return Handler

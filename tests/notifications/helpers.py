"""Shared test helpers: a bounded local HTTP sink, contact files, and a sample message context."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from notifications.messages.render import MessageContext

HOLIDAY_NOTE = "原定2016年6月5日(星期日)为休息日,顺延至2016年6月6日(星期一)"

SAMPLE = MessageContext(
    stage="reminder",
    level=0,
    role="handler",
    plan_title="信宜市推进供给侧结构性改革实施方案",
    doc_number="信府办〔2016〕12号",
    duty_kind="progress_report",
    duty_title="工作进展情况报送",
    duty_clause="各镇、各有关部门每半年报送一次工作进展情况",
    unit_name="镇隆镇",
    period="2016年上半年",
    nominal_due_on=date(2016, 6, 5),
    due_on=date(2016, 6, 6),
    holiday_note=HOLIDAY_NOTE,
    coordinator="市科工商务局",
    working_days_left=5,
    next_stage="urge",
    next_on=date(2016, 6, 7),
)


def context(**changes: Any) -> MessageContext:
    """The sample context with some fields changed."""
    return replace(SAMPLE, **changes)


def write_contacts(directory: Path, text: str, name: str = "contacts.yaml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Received:
    """One request the sink got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class HttpSink:
    """An HTTP server on 127.0.0.1 that records every request and answers with a set reply.

    Bounded: handler sockets time out after 5 s and the server shuts itself down after ``lifetime``
    seconds even if a test forgets; its threads are daemons. Use it as a context manager.
    """

    status: int = 200
    reply: Any = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    lifetime: float = 20.0
    delay: float = 0.0  # seconds between receiving a request (recorded at once) and answering it
    received: list[Received] = field(default_factory=list)
    status_for: Callable[[Received], int | None] | None = None  # a status for some requests; None: ``status``

    def __post_init__(self) -> None:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 5

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                got = Received(self.command, self.path, dict(self.headers.items()), body)
                sink.received.append(got)
                if sink.delay:
                    time.sleep(sink.delay)
                data = sink.reply if isinstance(sink.reply, bytes) else json.dumps(sink.reply).encode()
                chosen = sink.status_for(got) if sink.status_for is not None else None
                self.send_response(sink.status if chosen is None else chosen)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError):  # a client killed while waiting (the delivery drills)
                    self.wfile.write(data)

            do_POST = _answer  # noqa: N815 - http.server's naming
            do_GET = _answer  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._timer = threading.Timer(self.lifetime, self._server.shutdown)
        self._timer.daemon = True

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> HttpSink:
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._timer.cancel()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

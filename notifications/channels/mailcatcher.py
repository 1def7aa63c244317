"""A local SMTP catcher: every mail sent to it is kept as an ``.eml`` file, nothing is relayed.

A fresh install routes every contact to ``mailto://127.0.0.1:<port>?mode=insecure...`` (see
:func:`notifications.channels.contacts.default_contacts_yaml`), so the whole ladder can be watched offline; tests
use it as a real SMTP server. It listens on a loopback address only: it has no authentication.

Manual use::

    python -m notifications.channels.mailcatcher --dir var/mail --port 2525
"""

from __future__ import annotations

import argparse
import email
import email.policy
import ipaddress
import itertools
import logging
import os
import signal
import socket
import sys
import threading
from email.message import EmailMessage
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from aiosmtpd.controller import Controller

from models.dates import SystemClock, to_utc
from models.errors import NotificationError
from models.files import private_dir, write_private

_log = logging.getLogger(__name__)


class _Handler:
    """aiosmtpd handler: writes each message (with its envelope as two headers) to ``store_dir``."""

    def __init__(self, store_dir: Path) -> None:
        self.store_dir = store_dir
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        raw: bytes = envelope.original_content or envelope.content
        # The envelope is where Bcc recipients live; keep it, like a mail server's Delivered-To.
        head = (
            f"X-Envelope-From: {envelope.mail_from}\r\nX-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        self._store(head + raw)
        return "250 Message accepted for delivery"

    def _store(self, data: bytes) -> Path:
        private_dir(self.store_dir)
        while True:
            with self._lock:
                n = next(self._counter)
            # Stamped with the real clock, like a mail server's receipt time: a simulation's clock must not
            # reorder the caught files that read_messages returns oldest first.
            stamp = to_utc(SystemClock().now()).strftime("%Y%m%dT%H%M%S%fZ")
            final = self.store_dir / f"{stamp}-{n:06d}.eml"
            if final.exists():
                continue
            # Write then rename, so a reader never sees half a message.
            partial = final.with_suffix(".part")
            write_private(partial, data)  # 0600: caught mail is for the operator's eyes only
            os.replace(partial, final)
            _log.info("caught mail %s", final.name)
            return final


class _Controller(Controller):
    def _trigger_server(self) -> None:
        # aiosmtpd connects to self.port to wake the server; with port 0 learn the real one first.
        sockets = getattr(self.server, "sockets", None)
        if self.port == 0 and sockets:
            self.port = sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


def _check_free(host: str, port: int) -> None:
    # aiosmtpd reports a bind failure only after its whole ready_timeout; find out at once instead.
    # SO_REUSEADDR as asyncio's create_server sets it, so a port in TIME_WAIT does not count as busy.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise NotificationError(f"mail catcher cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def read_messages(store_dir: Path, limit: int | None = None) -> list[EmailMessage]:
    """The messages stored in ``store_dir``, oldest first (the newest ``limit`` if given)."""
    files = sorted(Path(store_dir).glob("*.eml"))
    if limit is not None:
        files = files[-limit:] if limit > 0 else []
    messages: list[EmailMessage] = []
    for path in files:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)  # guaranteed by policy.default
        messages.append(message)
    return messages


class MailCatcher:
    """An SMTP server on a loopback address that stores what it receives under ``store_dir``.

    Args:
        store_dir: where ``.eml`` files go (created if missing).
        host: a loopback IP address (default 127.0.0.1).
        port: the port; 0 picks a free one (read :attr:`port` after :meth:`start`).
    """

    def __init__(self, store_dir: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise NotificationError(f"mail catcher host {host!r} is not a loopback IP address; use 127.0.0.1")
        self.store_dir = Path(store_dir)
        self.host = host
        self._requested_port = port
        self._port = port
        self._controller: _Controller | None = None

    @property
    def port(self) -> int:
        """The listening port (the chosen one when started with port 0; kept after :meth:`stop`)."""
        return self._port

    def start(self) -> MailCatcher:
        """Start listening in a background thread.

        Raises:
            NotificationError: the port cannot be bound, or the catcher is already running.
        """
        if self._controller is not None:
            raise NotificationError(f"mail catcher on {self.host}:{self.port} is already running")
        private_dir(self.store_dir, tighten=True)
        if self._requested_port:
            _check_free(self.host, self._requested_port)
        controller = _Controller(
            _Handler(self.store_dir), hostname=self.host, port=self._requested_port, ready_timeout=5.0
        )
        try:
            controller.start()
        except (OSError, TimeoutError) as exc:
            controller.stop(no_assert=True)
            raise NotificationError(f"mail catcher cannot listen on {self.host}:{self._requested_port}: {exc}") from exc
        self._controller = controller
        self._port = int(controller.port)
        _log.info("mail catcher listening on %s:%d, storing in %s", self.host, self.port, self.store_dir)
        return self

    def stop(self) -> None:
        """Stop listening; safe to call twice."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self, limit: int | None = None) -> list[EmailMessage]:
        """The messages caught in :attr:`store_dir`, oldest first."""
        return read_messages(self.store_dir, limit)

    def __enter__(self) -> MailCatcher:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """Run a catcher until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="python -m notifications.channels.mailcatcher",
        description="A local SMTP catcher that stores mail as .eml files."
    )
    parser.add_argument("--dir", type=Path, default=Path("var/mail"), help="where .eml files go (default var/mail)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=2525, help="port to listen on, 0 for any (default 2525)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    try:
        catcher = MailCatcher(args.dir, host=args.host, port=args.port).start()
    except NotificationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"listening on {catcher.host}:{catcher.port}, storing mail in {catcher.store_dir}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        catcher.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

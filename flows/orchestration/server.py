"""`duban up`: start a local Prefect server, wait until it is healthy, serve every deployment (and rebuild the
forms' deployments when the plan or its report periods change, see :mod:`flows.orchestration.serving`).

Ctrl-C (or SIGTERM) stops the serving loop and then the server this command started.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType

from config.settings import Settings
from flows.ops.delivery import mail_dir, write_default_contacts
from flows.orchestration.env import apply_client_env, prefect_home, server_env, server_url
from models.errors import ServerError
from notifications.channels.mailcatcher import MailCatcher

HEALTH_TIMEOUT_S = 120.0


def _port_busy(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def healthy(settings: Settings) -> bool:
    """True when the server answers /api/health."""
    try:
        with urllib.request.urlopen(server_url(settings) + "/health", timeout=2) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_server(settings: Settings) -> subprocess.Popen[bytes]:
    """Start `prefect server start` in its own process group; return once it is healthy."""
    if _port_busy(settings.ui_host, settings.ui_port):
        raise ServerError(
            f"port {settings.ui_port} on {settings.ui_host} is already in use; stop what listens there "
            "or choose another with DUBAN_UI_PORT"
        )
    home = prefect_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / "server.log"
    env = {**os.environ, **server_env(settings)}
    env.pop("PREFECT_API_URL", None)
    log = log_path.open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", settings.ui_host,
         "--port", str(settings.ui_port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    log.close()
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(f"the Prefect server exited with code {proc.returncode}; see {_tail(log_path)}")
        if healthy(settings):
            return proc
        time.sleep(0.5)
    stop_server(proc)
    raise ServerError(f"the Prefect server did not answer /api/health in {HEALTH_TIMEOUT_S:.0f} s; see {log_path}")


def _tail(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return str(path)
    last = lines[-1] if lines else ""
    return f"{path} (last line: {last[:200]})"


def stop_server(proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """Stop the server's whole process group: SIGTERM, then SIGKILL after ``timeout``."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


def _raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _is_interrupt(exc: BaseException) -> bool:
    """True for Ctrl-C, also when anyio wraps it (with cancellations) in an exception group."""
    if isinstance(exc, BaseExceptionGroup):
        return all(_is_interrupt(e) for e in exc.exceptions)
    return isinstance(exc, KeyboardInterrupt | asyncio.CancelledError)


def _start_mail_catcher(settings: Settings) -> MailCatcher | None:
    """Without DUBAN_CONTACTS: catch every message locally and route every tag to the catcher."""
    if settings.contacts is not None:
        print(f"duban: sending through the contacts in {settings.contacts}", flush=True)
        return None
    catcher = MailCatcher(store_dir=mail_dir(settings), port=settings.mail_catcher_port).start()
    path = write_default_contacts(settings, catcher.port)
    print(f"duban: no DUBAN_CONTACTS set — every message goes to the local mail catcher on 127.0.0.1:"
          f"{catcher.port} and is stored under {mail_dir(settings)}/ (contacts: {path})", flush=True)
    return catcher


def run_up(settings: Settings) -> None:
    """Start the server and serve every deployment until interrupted."""
    url = f"http://{settings.ui_host}:{settings.ui_port}"
    print(f"duban: starting the Prefect server on {url} (log: {prefect_home(settings) / 'server.log'}) …",
          flush=True)
    proc = start_server(settings)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    catcher = None
    try:
        catcher = _start_mail_catcher(settings)
        apply_client_env(settings)
        from flows.orchestration.serving import serve

        def ready(count: int) -> None:
            print(f"duban: UI at {url} — serving {count} deployments; Ctrl-C stops.", flush=True)

        asyncio.run(serve(settings, ready=ready))
    except BaseException as exc:  # noqa: BLE001 - Ctrl-C reaches us wrapped in an exception group
        if not _is_interrupt(exc):
            raise
    finally:
        if catcher is not None:
            catcher.stop()
        print("duban: stopping the Prefect server …", flush=True)
        stop_server(proc)
        print("duban: stopped.", flush=True)

"""`duban up`: start a local Prefect server, wait until it is healthy, serve every deployment (and rebuild the
forms' deployments when the plan or its report periods change, see :mod:`flows.orchestration.serving`).

Ctrl-C (or SIGTERM) stops the serving loop and then the server this command started. The server runs
in its own process group (Ctrl-C in the terminal reaches duban first, which stops it in order); should
duban be killed outright (SIGKILL, the OOM killer), the server still dies with it: Linux sends it
SIGTERM when its parent dies (``PR_SET_PDEATHSIG``), and the next `duban up` stops a server that a
previous one left running, found through ``var/prefect/server.pid`` and checked to be that very process.
Everything the server writes is private to its user (umask 077).
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from config.settings import Settings
from flows.ops.delivery import mail_dir, write_default_contacts
from flows.orchestration.env import apply_client_env, prefect_home, server_env, server_url
from models.errors import ServerError
from models.files import open_private_append, private_dir, tighten_file, write_private
from notifications.channels.mailcatcher import MailCatcher

HEALTH_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 20.0
PIDFILE = "server.pid"
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


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
    home = prefect_home(settings)
    private_dir(settings.var_dir, tighten=True)
    private_dir(home, tighten=True)
    reclaim_stale_server(home)
    if _port_busy(settings.ui_host, settings.ui_port):
        raise ServerError(
            f"port {settings.ui_port} on {settings.ui_host} is already in use; stop what listens there "
            "or choose another with DUBAN_UI_PORT"
        )
    for name in ("prefect.db", "prefect.db-wal", "prefect.db-shm"):
        tighten_file(home / name)  # made by an older duban, before the umask below
    log_path = home / "server.log"
    env = {**os.environ, **server_env(settings)}
    env.pop("PREFECT_API_URL", None)
    log = open_private_append(log_path)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", settings.ui_host,
             "--port", str(settings.ui_port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            umask=0o077, preexec_fn=_die_with_parent(),  # a pre-exec hook is safe: no other thread runs yet
        )
    finally:
        os.close(log)
    owner = os.getpid()
    write_private(home / PIDFILE, json.dumps({"pid": proc.pid, "start": _start_ticks(proc.pid),
                                              "owner": owner, "owner_start": _start_ticks(owner)}).encode())
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            (home / PIDFILE).unlink(missing_ok=True)
            raise ServerError(f"the Prefect server exited with code {proc.returncode}; see {_tail(log_path)}")
        if healthy(settings):
            return proc
        time.sleep(0.5)
    stop_server(proc, pidfile=home / PIDFILE)
    raise ServerError(f"the Prefect server did not answer /api/health in {HEALTH_TIMEOUT_S:.0f} s; see {log_path}")


def _die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook asking Linux to SIGTERM the child when this process dies, however it dies.

    ``prctl`` is looked up here, in the parent: the child only calls it. Elsewhere than Linux, None (the
    pidfile alone then catches a server left behind).
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return hook


def _start_ticks(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot, from /proc), or None when it is gone or unknown.

    A pid and its start time name one process: a recycled pid has another start time.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    if fields[0] in ("Z", "X"):  # dead, waiting to be reaped
        return None
    return int(fields[19])


def _is_prefect_server(pid: int) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return argv[1:5] == [b"-m", b"prefect", b"server", b"start"]


def reclaim_stale_server(home: Path) -> bool:
    """Stop the Prefect server a previous `duban up` started and left running (it was killed outright).

    Only the process named in the pidfile, and only when it still is that process (same start time) and
    a Prefect server: a pid recycled for something else is left alone. Returns True when one was stopped.

    Raises:
        ServerError: when the `duban up` that started that server is still running (same var dir): its
            server is in use, not left behind.
    """
    path = home / PIDFILE
    try:
        recorded = json.loads(path.read_text())
        pid, start = int(recorded["pid"]), recorded["start"]
        owner, owner_start = recorded.get("owner"), recorded.get("owner_start")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        path.unlink(missing_ok=True)
        return False
    if owner is not None and owner_start is not None and _start_ticks(int(owner)) == owner_start:
        raise ServerError(f"duban up (pid {owner}) is already running with {home.parent}; stop it first, "
                          "or give this one another DUBAN_VAR_DIR and DUBAN_UI_PORT")
    stale = start is not None and _start_ticks(pid) == start and _is_prefect_server(pid)
    if stale:
        print(f"duban: stopping the Prefect server (pid {pid}) a previous `duban up` left running …", flush=True)
        _stop_group(pid, lambda: _start_ticks(pid) != start)
    path.unlink(missing_ok=True)
    return stale


def _stop_group(pid: int, gone: Callable[[], bool], timeout: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM (and SIGCONT, should it be stopped) the process group ``pid`` leads; SIGKILL after ``timeout``."""
    for sig in (signal.SIGTERM, signal.SIGCONT):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if gone():
            return
        time.sleep(0.2)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not gone():
        time.sleep(0.1)


def _tail(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return str(path)
    last = lines[-1] if lines else ""
    return f"{path} (last line: {last[:200]})"


def stop_server(proc: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT_S, *, pidfile: Path | None = None) -> None:
    """Stop the server's whole process group: SIGTERM, then SIGKILL after ``timeout``; remove its ``pidfile``."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        except ProcessLookupError:
            pass
    if pidfile is not None:
        pidfile.unlink(missing_ok=True)


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
        stop_server(proc, pidfile=prefect_home(settings) / PIDFILE)
        print("duban: stopped.", flush=True)

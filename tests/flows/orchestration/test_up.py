"""`duban up` starts its own Prefect server, serves the deployments, and stops on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import ROOT
from tests.flows.conftest import free_port

EXPECTED = {"load-plan", "sweep", "dispatch", "progress-reports", "submit-progress-report", "target-decomposition",
            "joint-meeting", "record-meeting-minutes", "inspection", "import-report-workbook"}


def _get_json(url: str, body: dict[str, object] | None = None) -> object:
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"},
                                 method="POST" if body is not None else "GET")
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


def test_up_serves_load_plan_and_stops(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "DUBAN_VAR_DIR": str(tmp_path / "var"), "DUBAN_UI_PORT": str(port),
           "DUBAN_DATABASE_URL": f"sqlite:///{tmp_path / 'duban.db'}", "DUBAN_MAIL_CATCHER_PORT": str(free_port())}
    assert subprocess.run([sys.executable, "-m", "flows.cli", "init"], cwd=ROOT, env=env, timeout=60).returncode == 0
    for key in ("PREFECT_API_URL", "PREFECT_HOME"):
        env.pop(key, None)
    out = (tmp_path / "up.log").open("w+")
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "up"], cwd=ROOT, env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"
    try:
        deployments: list[str] = []
        deadline = time.monotonic() + 150
        # The last deployment shows in the API a moment before `duban up` prints that it serves: wait for both.
        while time.monotonic() < deadline and not (set(deployments) >= EXPECTED
                                                   and "UI at" in (tmp_path / "up.log").read_text()):
            assert proc.poll() is None, (tmp_path / "up.log").read_text()
            try:
                assert _get_json(api + "/health") is True
                found = _get_json(api + "/deployments/filter", {})
                deployments = [d["name"] for d in found]  # type: ignore[union-attr]
            except OSError:
                pass
            time.sleep(0.5)
        assert set(deployments) >= EXPECTED, (tmp_path / "up.log").read_text()
        schedules = [s for d in _get_json(api + "/deployments/filter", {}) for s in d["schedules"]]  # type: ignore[union-attr]
        assert {s["schedule"]["timezone"] for s in schedules} == {"Asia/Shanghai"}
        assert (tmp_path / "var" / "contacts.yaml").exists()
        assert (tmp_path / "var" / "prefect" / "prefect.db").exists()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    log = (tmp_path / "up.log").read_text()
    assert f"UI at http://127.0.0.1:{port}" in log
    assert "duban: stopped." in log
    assert "local mail catcher on 127.0.0.1:" in log
    assert "Traceback" not in log
    # The server it started is gone: the port refuses connections.
    try:
        urllib.request.urlopen(api + "/health", timeout=2)
        raise AssertionError("the Prefect server is still answering after duban up stopped")
    except OSError:
        pass


def test_up_refuses_a_busy_port(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        env = {**os.environ, "DUBAN_VAR_DIR": str(tmp_path / "var"), "DUBAN_UI_PORT": str(port)}
        out = subprocess.run([sys.executable, "-m", "flows.cli", "up"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=60)
    assert out.returncode == 1
    assert f"duban: error: port {port} on 127.0.0.1 is already in use" in out.stderr


def test_up_with_basic_auth_refuses_anonymous_api_calls(tmp_path: Path) -> None:
    import base64
    import urllib.error

    port = free_port()
    env = {**os.environ, "DUBAN_VAR_DIR": str(tmp_path / "var"), "DUBAN_UI_PORT": str(port),
           "DUBAN_DATABASE_URL": f"sqlite:///{tmp_path / 'duban.db'}", "DUBAN_MAIL_CATCHER_PORT": str(free_port()),
           "DUBAN_UI_AUTH": "coordinator:pa55-word"}
    for key in ("PREFECT_API_URL", "PREFECT_HOME"):
        env.pop(key, None)
    assert subprocess.run([sys.executable, "-m", "flows.cli", "init"], cwd=ROOT, env=env, timeout=60).returncode == 0
    out = (tmp_path / "up.log").open("w+")
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "up"], cwd=ROOT, env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"
    token = base64.b64encode(b"coordinator:pa55-word").decode()
    try:
        deadline = time.monotonic() + 150
        served: list[object] = []
        while time.monotonic() < deadline and len(served) < len(EXPECTED):
            assert proc.poll() is None, (tmp_path / "up.log").read_text()
            headers = {"Content-Type": "application/json", "Authorization": f"Basic {token}"}
            req = urllib.request.Request(api + "/deployments/filter", data=b"{}", method="POST", headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=5) as resp:
                    served = json.loads(resp.read())
            except OSError:
                time.sleep(0.5)
        assert len(served) == len(EXPECTED)  # the serving process authenticated too
        anonymous = urllib.request.Request(api + "/deployments/filter", data=b"{}", method="POST",
                                           headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(anonymous, timeout=5)
            raise AssertionError("the API answered without credentials")
        except urllib.error.HTTPError as exc:
            assert exc.code == 401
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "pa55-word" not in (tmp_path / "up.log").read_text()


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def _alive(pid: int) -> str | None:
    """The process state letter (R, S, T…), or None once it is gone or a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state = stat[stat.rindex(")") + 2]
    return None if state in "ZX" else state


def _wait(what: str, check: object, timeout: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.25)
    raise AssertionError(f"{what} within {timeout:.0f} s" + (f"\n{log.read_text()}" if log else ""))


def _healthy(port: int) -> bool:
    try:
        return _get_json(f"http://127.0.0.1:{port}/api/health") is True
    except OSError:
        return False


def test_init_creates_var_and_the_database_private(tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = {**os.environ, "DUBAN_VAR_DIR": str(var)}
    env.pop("DUBAN_DATABASE_URL", None)
    assert subprocess.run([sys.executable, "-m", "flows.cli", "init"], cwd=ROOT, env=env, timeout=60).returncode == 0
    assert (_mode(var), _mode(var / "duban.db")) == (0o700, 0o600)
    # A database an older duban left readable by everyone is tightened, with SQLite's side files.
    for path in (var / "duban.db", var / "duban.db-wal"):
        path.touch()
        path.chmod(0o644)
    assert subprocess.run([sys.executable, "-m", "flows.cli", "init"], cwd=ROOT, env=env, timeout=60).returncode == 0
    assert (_mode(var / "duban.db"), _mode(var / "duban.db-wal")) == (0o600, 0o600)


def test_up_files_are_private_and_a_killed_up_leaves_no_server_behind(tmp_path: Path) -> None:
    """SIGKILL `duban up` twice: its server dies with it (parent-death signal); a server that outlived it anyway
    (stopped, so the signal waits) is reclaimed by the next `duban up` through the pidfile, on the same port."""
    import smtplib

    port, smtp_port = free_port(), free_port()
    var = tmp_path / "var"
    env = {**os.environ, "DUBAN_VAR_DIR": str(var), "DUBAN_UI_PORT": str(port),
           "DUBAN_MAIL_CATCHER_PORT": str(smtp_port)}
    for key in ("PREFECT_API_URL", "PREFECT_HOME", "DUBAN_DATABASE_URL"):
        env.pop(key, None)
    assert subprocess.run([sys.executable, "-m", "flows.cli", "init"], cwd=ROOT, env=env, timeout=60).returncode == 0
    pidfile = var / "prefect" / "server.pid"
    ups: list[subprocess.Popen[bytes]] = []
    servers: list[int] = []

    def up(n: int) -> tuple[subprocess.Popen[bytes], Path]:
        log = tmp_path / f"up{n}.log"
        proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "up"], cwd=ROOT, env=env, stdout=log.open("w"),
                                stderr=subprocess.STDOUT, start_new_session=True)
        ups.append(proc)
        _wait("the server answers", lambda: proc.poll() is None and _healthy(port) and pidfile.exists(), 150, log)
        servers.append(int(json.loads(pidfile.read_text())["pid"]))
        return proc, log

    try:
        first, log = up(1)
        _wait("the mail catcher runs", lambda: (var / "contacts.yaml").exists(), 60, log)  # written once it listens
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
            smtp.sendmail("duban@localhost", ["coordinator@localhost"], b"Subject: private\r\n\r\nhello\r\n")
        caught = list((var / "mail").glob("*.eml"))
        modes = {p.relative_to(var).as_posix(): _mode(p) for p in
                 [var, var / "mail", var / "prefect", var / "prefect" / "prefect.db", var / "prefect" / "server.log",
                  pidfile, var / "contacts.yaml", var / "duban.db", *caught]}
        print("\nmodes:", {k: oct(v) for k, v in modes.items()})
        assert len(caught) == 1
        assert all(mode == (0o700 if (var / name).is_dir() else 0o600) for name, mode in modes.items()), modes

        os.kill(first.pid, signal.SIGKILL)  # as the OOM killer would
        first.wait(timeout=10)
        _wait("the first server dies with duban up", lambda: _alive(servers[0]) is None, 30)

        second, log = up(2)  # the same port is free again
        os.kill(servers[1], signal.SIGSTOP)  # a server that does not die: the parent-death SIGTERM waits
        os.kill(second.pid, signal.SIGKILL)
        second.wait(timeout=10)
        time.sleep(1)  # were the server able to act on the signal, it would be gone by now
        assert _alive(servers[1]) == "T"  # still there, holding the port

        third, log = up(3)
        _wait("the third duban up serves", lambda: "UI at" in log.read_text(), 150, log)
        assert f"stopping the Prefect server (pid {servers[1]}) a previous `duban up` left running" in log.read_text()
        assert _alive(servers[1]) is None
        third.send_signal(signal.SIGINT)
        assert third.wait(timeout=60) == 0
        assert "duban: stopped." in log.read_text() and "Traceback" not in log.read_text()
        assert _alive(servers[2]) is None and not pidfile.exists()
    finally:
        for proc in ups:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        for pid in servers:
            if _alive(pid) is not None:
                os.killpg(pid, signal.SIGKILL)

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
        while time.monotonic() < deadline and not set(deployments) >= EXPECTED:
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

"""The pidfile of `duban up`'s Prefect server: a server left by a killed `duban up` is reclaimed, a server
whose `duban up` still runs is never touched. A stand-in process plays the server (same argv, no Prefect)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.orchestration import server as srv
from models.errors import ServerError
from models.files import write_private


@pytest.fixture
def stand_in(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process whose argv reads `python -m prefect server start`: a fake `prefect` package that sleeps."""
    package = tmp_path / "fake" / "prefect"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text("import time\ntime.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start"], cwd=package.parent,
                            start_new_session=True)
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait(10)


def _pidfile(home: Path, server: int, owner: int, owner_start: int | None) -> None:
    home.mkdir(parents=True, exist_ok=True)
    write_private(home / srv.PIDFILE, json.dumps({"pid": server, "start": srv._start_ticks(server),
                                                  "owner": owner, "owner_start": owner_start}).encode())


def test_a_server_whose_duban_up_still_runs_is_left_alone(tmp_path: Path,
                                                           stand_in: subprocess.Popen[bytes]) -> None:
    home = tmp_path / "var" / "prefect"
    _pidfile(home, stand_in.pid, os.getpid(), srv._start_ticks(os.getpid()))  # this test is the live owner
    with pytest.raises(ServerError, match="already running"):
        srv.reclaim_stale_server(home)
    assert stand_in.poll() is None  # still serving


def test_a_server_left_by_a_killed_duban_up_is_reclaimed(tmp_path: Path,
                                                         stand_in: subprocess.Popen[bytes]) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(10)  # the owner is dead: its pid has no start time any more (or another one)
    home = tmp_path / "var" / "prefect"
    _pidfile(home, stand_in.pid, gone.pid, 1)
    assert srv.reclaim_stale_server(home) is True
    assert stand_in.wait(30) is not None
    assert not (home / srv.PIDFILE).exists()

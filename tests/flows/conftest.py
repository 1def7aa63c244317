"""The Prefect harness: one real `prefect server start` for the test session (PostgreSQL-backed).

Rule tests never come here; only tests under tests/flows/ that ask for ``prefect_api`` start it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests.conftest import IN_CI, PG_ADMIN_URL, _pg_reachable, drop_pg_database, new_pg_database

PREFECT_QUIET = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_CLIENT_ENABLE_METRICS": "false",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prefect server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"prefect server at {url} not healthy after {timeout} s")


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Prefect server for the session; PREFECT_API_URL points at it."""
    home = tmp_path_factory.mktemp("prefect-home")
    problem = _pg_reachable()
    admin = pg_name = None
    if problem is None:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        pg_name, url = new_pg_database(admin)
        db_url = sa.make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    elif IN_CI:
        pytest.fail(f"PostgreSQL is not reachable for the Prefect test server ({problem})")
    else:
        db_url = f"sqlite+aiosqlite:///{home / 'prefect.db'}"
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, **PREFECT_QUIET, "PREFECT_HOME": str(home), "PREFECT_API_DATABASE_CONNECTION_URL": db_url}
    env.pop("PREFECT_API_URL", None)
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    saved = {k: os.environ.get(k) for k in [*PREFECT_QUIET, "PREFECT_API_URL", "PREFECT_HOME"]}
    try:
        wait_healthy(api, proc)
        os.environ.update({**PREFECT_QUIET, "PREFECT_API_URL": api, "PREFECT_HOME": str(home)})
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: api}):
            yield api
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
        log.close()
        if admin is not None and pg_name is not None:
            drop_pg_database(admin, pg_name)
            admin.dispose()



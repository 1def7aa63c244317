"""A private PostgreSQL cluster for drills that stop and restart the server.

The machine's shared PostgreSQL (127.0.0.1:5432) is never restarted: each drill module gets its own
cluster, made with ``initdb`` in a temporary folder, listening on a free port of 127.0.0.1 (trust auth)
and on a socket in that folder only. PostgreSQL refuses to run as root, so as root its binaries run as
the ``postgres`` user (``runuser``); the cluster is stopped and removed when the module ends.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

PG_ROOT = Path("/usr/lib/postgresql")


def find_bin() -> Path | None:
    """The newest PostgreSQL server binaries on this machine, or None."""
    found = sorted((p for p in PG_ROOT.glob("*/bin") if (p / "initdb").exists()),
                   key=lambda p: [int(x) for x in p.parent.name.split(".") if x.isdigit()])
    return found[-1] if found else None


def why_impossible() -> str | None:
    """Why no private cluster can be made here (None when one can)."""
    if find_bin() is None:
        return f"no PostgreSQL server binaries under {PG_ROOT}/*/bin (initdb, pg_ctl)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, and there is no 'postgres' user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root, and runuser is missing to run PostgreSQL as 'postgres'"
    return None


class PrivateCluster:
    """One throwaway PostgreSQL cluster: :meth:`start`, :meth:`stop`, :meth:`restart`, :meth:`remove`."""

    def __init__(self, port: int) -> None:
        bin_dir = find_bin()
        assert bin_dir is not None, why_impossible()
        self.bin = bin_dir
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="duban-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, tool: str, *args: str) -> None:
        argv = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=self.dir)
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{tool} {' '.join(args)} failed: {done.stderr.strip()}\n{log[-2000:]}")

    def _options(self) -> str:
        return (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.dir} "
                "-c fsync=off -c full_page_writes=off -c track_activity_query_size=32768")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._options(), "-w", "-t", "30",
                  "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; ``fast`` ends every session (rolling back their transactions)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def restart(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._options(), "-m", "fast",
                  "-w", "-t", "30", "restart")

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):  # not running
            self.stop("immediate")  # a throwaway cluster: no shutdown checkpoint
        shutil.rmtree(self.dir, ignore_errors=True)

"""The bad-workbook corpus through the real CLI (`duban report import`) on SQLite and PostgreSQL.

Each workbook of :data:`tests.corpus.bad_workbooks.cases.CASES` must be refused cleanly: exit code 1, nothing
on stdout, every stderr line a ``duban: error:`` line (the printer's one line per problem) and the first
the expected one, no traceback, and the database unchanged byte for byte (the SQLite file's bytes after a
checkpoint; on PostgreSQL every table's rows and every sequence's value). Each import runs in a forked
copy of the test process (imports warm, so it costs milliseconds), which is killed after 5 s and whose peak
resident memory growth is measured from the kernel's counters (``/proc/self/clear_refs`` resets the peak at
the start, ``VmHWM`` is read at the end); the figures are printed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import resource
import select
import signal
import sqlite3
import statistics
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from config.settings import get_settings
from flows.cli.main import app  # imported here, once: each forked import inherits it warm
from flows.ops.commands import engine_for, init_database, load_plan_path
from flows.ops.engine import engine_context, generate
from models.db import get_engine, make_engine
from notifications.documents.report_container import one_line
from tests.conftest import SEED_PLAN, drop_pg_database, new_pg_database
from tests.corpus.bad_workbooks.cases import CASES, Case, expected_pattern, write_base

TIMEOUT_S = 5.0
MEMORY_MB = 300
PREFIX = "duban: error: "
SEEDED_AT = dt.datetime(2015, 7, 6, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[Case, Path]]]:
    """The base workbook and every bad one, built once from the real template."""
    out = tmp_path_factory.mktemp("bad_workbooks")
    base = write_base(out)
    built = []
    for case in CASES:
        folder = out / case.name
        folder.mkdir()
        built.append((case, case.build(base, folder)))
    return base, built


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database on each backend with the seed plan loaded and its obligations generated; its URL."""
    folder = tmp_path_factory.mktemp(f"db-{request.param}")
    pg_name = None
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'duban.db'}"
    else:
        admin = request.getfixturevalue("pg_admin")
        pg_name, url = new_pg_database(admin)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DUBAN_VAR_DIR", str(folder / "var"))
        mp.setenv("DUBAN_DATABASE_URL", url)
        get_settings.cache_clear()
        init_database()
        load_plan_path(SEED_PLAN)
        generate(engine_context(), SEEDED_AT)
        engine_for().dispose()  # no pooled connection may be inherited by the forked imports
    get_engine.cache_clear()
    get_settings.cache_clear()
    try:
        yield url
    finally:
        if pg_name is not None:
            drop_pg_database(request.getfixturevalue("pg_admin"), pg_name)


def snapshot(url: str, *, sequences: bool = True) -> str:
    """A digest of the whole database: the SQLite file's bytes, or every PostgreSQL table's rows and (unless
    ``sequences`` is False) every sequence's value."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:  # fold any write-ahead log into the file before reading its bytes
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                          "ORDER BY tablename")).scalars().all()
            dump = {t: sorted(repr(tuple(r)) for r in conn.execute(sa.text(f'SELECT * FROM "{t}"'))) for t in tables}
            if sequences:
                dump["~sequences"] = [repr(tuple(r)) for r in conn.execute(sa.text(
                    "SELECT schemaname, sequencename, last_value FROM pg_sequences ORDER BY 1, 2"))]
    finally:
        engine.dispose()
    return hashlib.sha256(json.dumps(dump, sort_keys=True).encode()).hexdigest()


def _status(field: str) -> int:
    """A ``/proc/self/status`` figure in kB (VmRSS, VmHWM, VmSize)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _child(args: list[str], cli: Any) -> dict[str, Any]:
    """In the forked copy: run the CLI in-process, measuring its time and peak memory growth."""
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) restarts from the current RSS
    start = _status("VmRSS")
    spare = (_status("VmSize") + 2 * 1024 * 1024) * 1024  # a runaway stops at 2 GB more address space
    resource.setrlimit(resource.RLIMIT_AS, (spare, resource.getrlimit(resource.RLIMIT_AS)[1]))
    get_settings.cache_clear()
    get_engine.cache_clear()
    began = time.perf_counter()
    result = CliRunner().invoke(cli, args)
    elapsed = time.perf_counter() - began
    crash = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        crash = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else repr(result.exception)
    return {"exit_code": result.exit_code, "stdout": result.stdout, "stderr": result.stderr, "crash": crash,
            "seconds": elapsed, "rss_growth_mb": (_status("VmHWM") - start) / 1024}


def run_bounded(args: list[str], *, cli: Any = app, timeout: float = TIMEOUT_S) -> dict[str, Any]:
    """Run ``duban <args>`` in a forked copy of this process; killed (``hung``) after ``timeout`` seconds."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_end)
        try:
            payload = _child(args, cli)
        except BaseException:  # noqa: BLE001 - reported to the parent, which fails the case
            payload = {"crash": traceback.format_exc()}
        with os.fdopen(write_end, "wb") as fh:
            fh.write(json.dumps(payload).encode())
        os._exit(0)
    os.close(write_end)
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    hung = False
    while True:
        left = deadline - time.monotonic()
        ready = select.select([read_end], [], [], max(left, 0))[0] if left > 0 else []
        if not ready:
            hung = True
            os.kill(pid, signal.SIGKILL)
            break
        data = os.read(read_end, 1 << 16)
        if not data:
            break
        chunks.append(data)
    os.close(read_end)
    os.waitpid(pid, 0)
    if hung:
        return {"hung": True, "seconds": timeout}
    return {"hung": False, **json.loads(b"".join(chunks) or b'{"crash": "no report from the child"}')}


def problems_of(case: Case, path: Path, run: dict[str, Any], changed: bool) -> list[str]:
    """What is wrong with one refusal (empty when it was clean)."""
    if run["hung"]:
        return [f"hung: killed after {TIMEOUT_S:g} s"]
    if run.get("crash"):
        return [f"traceback:\n{run['crash']}"]
    out = []
    lines = run["stderr"].splitlines()
    if run["exit_code"] != 1:
        out.append(f"exit code {run['exit_code']}, expected 1")
    if run["stdout"]:
        out.append(f"stdout not empty: {run['stdout'][:200]!r}")
    if not lines or any(not line.startswith(PREFIX) for line in lines) or "Traceback" in run["stderr"]:
        out.append(f"stderr is not duban: error: lines: {run['stderr'][:500]!r}")
    elif not expected_pattern(case.first_line, one_line(str(path))).fullmatch(lines[0].removeprefix(PREFIX)):
        out.append(f"first line\n    got:  {lines[0].removeprefix(PREFIX)}\n    want: {case.first_line}")
    if run["rss_growth_mb"] > MEMORY_MB:
        out.append(f"peak memory grew {run['rss_growth_mb']:.0f} MB, more than {MEMORY_MB} MB")
    if changed:
        out.append("the database changed")
    return out


def test_the_bounds_catch_a_hang_and_measure_memory() -> None:
    # The harness itself can fail a case: a command that never ends is killed, one that allocates is seen.
    import typer

    toy = typer.Typer()

    @toy.command()
    def spend(megabytes: int = 0, sleep: float = 0.0) -> None:
        block = bytearray(megabytes << 20)
        block[:: 4096] = b"x" * len(block[:: 4096])  # touch every page: resident, not just reserved
        time.sleep(sleep)

    hung = run_bounded(["--sleep", "60"], cli=toy, timeout=0.5)
    assert hung["hung"]
    fat = run_bounded(["--megabytes", "64"], cli=toy)
    assert not fat["hung"] and fat["exit_code"] == 0, fat
    assert 64 <= fat["rss_growth_mb"] < 80, fat


def test_the_corpus_is_large_and_its_base_imports(corpus: tuple[Path, list[tuple[Case, Path]]], seeded: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    base, built = corpus
    assert len(built) >= 45
    assert len({case.name for case, _ in built}) == len(built)
    monkeypatch.setenv("DUBAN_DATABASE_URL", seeded)
    # A dry run records the report and rolls it back: PostgreSQL's sequences move on (nextval is not undone).
    before = snapshot(seeded, sequences=False)
    run = run_bounded(["report", "import", str(base), "--dry-run"])  # only the damage makes each case bad
    assert not run["hung"] and not run.get("crash"), run
    assert (run["exit_code"], run["stderr"]) == (0, ""), run
    assert run["stdout"].startswith("dry run: 镇隆镇 2016-06-05 would be recorded as version 1 (new)")
    assert snapshot(seeded, sequences=False) == before


def test_every_bad_workbook_is_refused_cleanly(corpus: tuple[Path, list[tuple[Case, Path]]], seeded: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUBAN_DATABASE_URL", seeded)
    backend = "sqlite" if seeded.startswith("sqlite") else "postgresql"
    failures: dict[str, list[str]] = {}
    figures: list[tuple[str, float, float]] = []
    tally = {"tried": 0, "refused cleanly": 0, "tracebacks": 0, "hangs": 0, "silent data changes": 0}
    before = snapshot(seeded)
    for case, path in corpus[1]:
        run = run_bounded(["report", "import", str(path)])
        after = snapshot(seeded)
        found = problems_of(case, path, run, changed=after != before)
        before = after
        tally["tried"] += 1
        tally["refused cleanly"] += not found
        tally["tracebacks"] += bool(run.get("crash"))
        tally["hangs"] += run["hung"]
        tally["silent data changes"] += "the database changed" in found
        figures.append((case.name, run["seconds"], run.get("rss_growth_mb", float("nan"))))
        if found:
            failures[case.name] = found
    slowest = max(figures, key=lambda f: f[1])
    hungriest = max(figures, key=lambda f: f[2])
    print(f"\nbad workbooks on {backend}: " + ", ".join(f"{k} {v}" for k, v in tally.items())
          + f"; median {statistics.median(f[1] for f in figures) * 1000:.0f} ms, slowest {slowest[0]} "
            f"{slowest[1] * 1000:.0f} ms; peak memory growth at most {hungriest[2]:.1f} MB ({hungriest[0]})")
    assert not failures, "\n".join(f"{name}: " + "; ".join(found) for name, found in failures.items())


def test_a_good_workbook_with_a_gbk_file_name_imports(corpus: tuple[Path, list[tuple[Case, Path]]], seeded: str,
                                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The name of a file copied from a Windows share may be GBK bytes: the report is recorded, its source
    # name escaped (\xNN) instead of the database refusing the undecodable name with a traceback.
    monkeypatch.setenv("DUBAN_DATABASE_URL", seeded)
    name = "进度填报.xlsx".encode("gbk")
    path = Path(os.fsdecode(os.fsencode(tmp_path) + b"/" + name))
    path.write_bytes(corpus[0].read_bytes())
    run = run_bounded(["report", "import", str(path)])
    assert not run["hung"] and not run.get("crash"), run
    assert (run["exit_code"], run["stderr"]) == (0, ""), run
    assert run["stdout"].strip() == "imported 镇隆镇 2016-06-05: version 1 (new)"
    engine = make_engine(seeded)
    try:
        with engine.connect() as conn:
            sources = conn.execute(sa.text("SELECT source FROM progress_report")).scalars().all()
    finally:
        engine.dispose()
    assert sources == [one_line(path.name)] == ["\\xbd\\xf8\\xb6\\xc8\\xcc\\uec68.xlsx"]

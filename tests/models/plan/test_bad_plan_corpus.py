"""The bad-plan corpus (``tests/corpus/bad_plans/``) through the real CLI, on SQLite and on PostgreSQL.

Each ``NN_<what>.yaml`` is a small plan (``_valid_base.yaml``) with one defect, or a file that is no plan at
all; ``NN_<what>.expected`` is every line duban must print on stderr, ``{path}`` standing for the file.
A few inputs are made at test time (too big to keep, or not files: a FIFO, ``/dev/zero``, a missing path).

The error form: **one line per problem**, ``duban: error: <file>[:<line>]: [<path inside>: ]<problem>``, each
complete by itself. Every corpus input holds one problem and prints one line, except
``32_schedule_0001_to_9999`` (the issue's own case: ``from`` and ``until`` are both out of range), which
prints two.

For each input, after the seed plan is loaded: exit code 1, stderr exactly the expected lines, nothing on
stdout, no planted secret anywhere, and the database unchanged (SQLite: the file's bytes; PostgreSQL: every
row of every table). Bounds: each input runs under a 5 s interval timer (a hang fails it; no timed assert)
and its peak RSS growth (the kernel's high-water mark, reset per input) must stay under 300 MB. That growth
can read low when an input reuses memory an earlier one freed, so the heaviest inputs also run each in a
fresh subprocess with ``RLIMIT_AS`` at its size + 300 MB and a 5 s alarm. The figures (tried / rejected
cleanly / tracebacks / hangs / silent data changes, slowest input, peak memory) are printed (``pytest -s``).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from flows.cli.main import app
from tests.conftest import ROOT, SEED_PLAN

CORPUS = ROOT / "tests" / "corpus" / "bad_plans"
BASE = CORPUS / "_valid_base.yaml"
SECRETS = ("CORPUSPLANTED",)
TIMEOUT_S = 5.0
MEMORY_MB = 300
# Run again in a subprocess under RLIMIT_AS: the inputs built to eat time or memory.
HEAVY = ("04_alias_bomb_classic", "05_alias_bomb_in_plan", "12_deep_brackets_20000", "32_schedule_0001_to_9999",
         "g1_oversized", "g2_hundred_thousand_values")
NOT_REGULAR = "is not a regular file, so not a plan file"


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    expected: list[str]


def _corpus_cases() -> list[Case]:
    cases = []
    for path in sorted(CORPUS.iterdir()):
        if re.match(r"^\d\d_", path.name) and path.suffix != ".expected":
            expected = path.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
            cases.append(Case(path.stem, path, [line.replace("{path}", str(path)) for line in expected]))
    return cases


def _generated_cases(tmp: Path) -> list[Case]:
    """Inputs made at test time: too large to keep in the repository, or not regular files."""
    base = BASE.read_text(encoding="utf-8")
    oversized = tmp / "g1_oversized.yaml"
    with oversized.open("wb") as fh:
        fh.write(base.encode("utf-8") + b"#" * (5 * 1024 * 1024 + 1 - len(base.encode("utf-8"))))
    many = tmp / "g2_hundred_thousand_values.yaml"
    many.write_text(base + "notes: [" + "0, " * 100_000 + "0]\n", encoding="utf-8")
    notes_line = base.count("\n") + 1
    fifo = tmp / "g4_fifo.yaml"
    os.mkfifo(fifo)
    missing = tmp / "g3_missing.yaml"
    dev_zero = Path("/dev/zero")
    return [
        Case("g1_oversized", oversized,
             [f"duban: error: {oversized}: file is 5242881 bytes; a plan file is at most 5242880"]),
        Case("g2_hundred_thousand_values", many,
             [f"duban: error: {many}:{notes_line}: more than 100000 values in one document"]),
        Case("g3_missing", missing, [f"duban: error: {missing}: no such file"]),
        Case("g4_fifo", fifo, [f"duban: error: {fifo}: {NOT_REGULAR}"]),
        Case("g5_dev_zero", dev_zero, [f"duban: error: {dev_zero}: {NOT_REGULAR}"]),
    ]


class Snapshots:
    """What must not change: the SQLite file's bytes, or every row of every PostgreSQL table."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = None if url.startswith("sqlite") else sa.create_engine(url)

    def take(self) -> Any:
        if self.engine is None:
            return Path(self.url.removeprefix("sqlite:///")).read_bytes()
        with self.engine.connect() as conn:
            tables = conn.execute(sa.text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name")).scalars().all()
            return {t: sorted(repr(tuple(row)) for row in conn.execute(sa.text(f'SELECT * FROM "{t}"')))
                    for t in tables}

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


class _Hang(Exception):
    """The interval timer fired: the input ran past the bound."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise _Hang(f"still running after {TIMEOUT_S} s")


@dataclass
class Figures:
    tried: int = 0
    clean: int = 0
    tracebacks: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    data_changes: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")

    peak: tuple[float, str] = (0.0, "")  # MB of peak RSS growth during one input, and which

    def report(self, backend: str) -> str:
        return (f"bad plans on {backend}: tried {self.tried} / rejected cleanly {self.clean} / tracebacks "
                f"{len(self.tracebacks)} / hangs {len(self.hangs)} / silent data changes {len(self.data_changes)}; "
                f"slowest {self.slowest[1]} {self.slowest[0] * 1000:.0f} ms; peak RSS growth "
                f"{self.peak[0]:.1f} MB ({self.peak[1]})")


class PeakRss:
    """Peak RSS growth during one input: Linux resets the peak (VmHWM) on writing 5 to clear_refs."""

    def __init__(self) -> None:
        self.start = 0

    @staticmethod
    def _status(key: str) -> int:
        with open("/proc/self/status", encoding="ascii") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith(key))

    def reset(self) -> None:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        self.start = self._status("VmRSS:")

    def growth_mb(self) -> float:
        return (self._status("VmHWM:") - self.start) / 1e6


def _run_one(runner: CliRunner, case: Case, snapshots: Snapshots, figures: Figures) -> None:
    """Run one input through `duban plan load` in-process; file each outcome under its figure."""
    before = snapshots.take()
    rss = PeakRss()
    rss.reset()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, TIMEOUT_S)
    start = time.perf_counter()
    try:
        result = runner.invoke(app, ["plan", "load", str(case.path)])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    elapsed = time.perf_counter() - start
    figures.tried += 1
    figures.slowest = max(figures.slowest, (elapsed, case.name))
    figures.peak = max(figures.peak, (rss.growth_mb(), case.name))
    changed = snapshots.take() != before
    if changed:
        figures.data_changes.append(case.name)
    if isinstance(result.exception, _Hang):
        figures.hangs.append(case.name)
        return
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        figures.tracebacks.append(f"{case.name}: {type(result.exception).__name__}: {result.exception}")
        return
    got = result.stderr.splitlines()
    leaked = [s for s in SECRETS if s in result.stderr or s in result.stdout]
    if result.exit_code == 1 and got == case.expected and not result.stdout and not leaked and not changed:
        figures.clean += 1
    else:
        figures.wrong.append(f"{case.name}: exit {result.exit_code}, stdout {result.stdout!r}, leaked {leaked}\n"
                             f"    got      {got}\n    expected {case.expected}")


@pytest.fixture
def seeded(db_url: str) -> Iterator[str]:
    """The database of each backend, migrated, with the seed plan loaded through the CLI."""
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    loaded = runner.invoke(app, ["plan", "load", str(SEED_PLAN)])
    assert loaded.exit_code == 0, loaded.stderr
    yield db_url


def test_bad_plan_corpus_has_at_least_45_inputs_each_with_expected_lines() -> None:
    cases = _corpus_cases()
    assert len(cases) >= 45
    for case in cases:
        assert case.expected and all(line.startswith("duban: error: ") for line in case.expected), case.name


def test_every_bad_plan_is_rejected_in_one_line_and_changes_nothing(seeded: str, tmp_path: Path,
                                                                    request: pytest.FixtureRequest) -> None:
    backend = request.node.callspec.params["db_url"]
    runner = CliRunner()
    runner.invoke(app, ["plan", "load", str(CORPUS / "01_duplicate_items_key.yaml")])  # warm up imports
    figures, snapshots = Figures(), Snapshots(seeded)
    try:
        for case in [*_corpus_cases(), *_generated_cases(tmp_path)]:
            _run_one(runner, case, snapshots, figures)
    finally:
        snapshots.close()
    print("\n" + figures.report(backend))
    assert figures.tracebacks == [] and figures.hangs == [] and figures.data_changes == []
    assert figures.wrong == [], "\n".join(figures.wrong)
    assert figures.clean == figures.tried
    assert figures.peak[0] < MEMORY_MB, figures.peak
    # The control: the base of the corpus itself loads, so each file is refused for its defect alone.
    good = runner.invoke(app, ["plan", "load", str(BASE)])
    assert good.exit_code == 0 and good.stdout.startswith("loaded plan corpus-mini:"), good.stderr


DRIVER = r"""
import resource, signal, sys, time
import flows.ops.commands  # imported before the limit: only the input's own cost is bounded
from flows.cli.main import app

def status(key):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) * 1024 for line in fh if line.startswith(key))

limit = status("VmSize:") + MEMORY_MB * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
rss = status("VmRSS:")
signal.alarm(int(TIMEOUT_S))  # the default action ends the process: a hang cannot outlive the bound
start = time.perf_counter()
try:
    app(["plan", "load", sys.argv[1]])
except SystemExit as exc:
    code = exc.code
else:
    code = 0
with open(sys.argv[2], "w") as fh:
    fh.write(f"{time.perf_counter() - start:.3f} {(status('VmHWM:') - rss) / 1e6:.1f}")
sys.exit(code)
""".replace("MEMORY_MB", str(MEMORY_MB)).replace("TIMEOUT_S", str(TIMEOUT_S))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_heaviest_bad_plans_stay_within_300_mb_in_a_subprocess(seeded: str, tmp_path: Path) -> None:
    cases = {c.name: c for c in [*_corpus_cases(), *_generated_cases(tmp_path)]}
    figures, snapshots = [], Snapshots(seeded)
    for name in HEAVY:
        case = cases[name]
        before = snapshots.take()
        out = tmp_path / f"{name}.figures"
        proc = subprocess.run([sys.executable, "-c", DRIVER, str(case.path), str(out)], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1, f"{name}: exit {proc.returncode} (-14: the 5 s alarm; MemoryError: the "\
                                     f"limit)\n{proc.stderr[-2000:]}"
        assert proc.stderr.splitlines() == case.expected, name
        assert snapshots.take() == before, name
        seconds, peak_mb = out.read_text().split()
        figures.append((name, float(seconds), float(peak_mb)))
    slowest = max(figures, key=lambda f: f[1])
    biggest = max(figures, key=lambda f: f[2])
    print(f"\nheaviest bad plans under RLIMIT_AS (+{MEMORY_MB} MB) and a {TIMEOUT_S:.0f} s alarm: "
          + ", ".join(f"{n} {s * 1000:.0f} ms {m:.1f} MB" for n, s, m in figures)
          + f"; slowest {slowest[0]} {slowest[1] * 1000:.0f} ms; peak RSS growth {biggest[0]} {biggest[2]:.1f} MB")

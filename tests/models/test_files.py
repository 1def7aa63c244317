"""duban's own folders are created 0700 and its files 0600, whatever the umask."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.files import open_private_append, private_dir, private_file, write_private


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual umask: without duban's modes everything would be readable by others
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_private_dir_creates_every_missing_parent_0700(tmp_path: Path) -> None:
    leaf = private_dir(tmp_path / "var" / "prefect")
    assert (_mode(tmp_path / "var"), _mode(leaf), _mode(tmp_path)) == (0o700, 0o700, _mode(tmp_path))


def test_private_dir_tightens_only_when_asked(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir(mode=0o755)
    private_dir(tmp_path / "var")
    assert _mode(tmp_path / "var") == 0o755
    private_dir(tmp_path / "var", tighten=True)
    assert _mode(tmp_path / "var") == 0o700


def test_files_are_created_or_rewritten_0600(tmp_path: Path) -> None:
    old = tmp_path / "contacts.yaml"
    old.write_text("old")
    old.chmod(0o644)
    write_private(old, b"new")
    assert (old.read_bytes(), _mode(old)) == (b"new", 0o600)
    assert _mode(private_file(tmp_path / "duban.db")) == 0o600
    fd = open_private_append(tmp_path / "server.log")
    os.write(fd, b"line\n")
    os.close(fd)
    assert _mode(tmp_path / "server.log") == 0o600

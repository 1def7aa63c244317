"""duban's own files are private: folders it creates are 0700, files 0600.

Under ``var/`` live the SQLite databases (duban's and Prefect's), the contacts file (bot keys, mail
passwords), every caught mail and the Prefect server's log: nothing another user of the machine may read.
The modes are set where each is created (``os.open`` with the mode, then ``chmod`` because the umask
masks it), not left to the umask of whoever started duban.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path, *, tighten: bool = False) -> Path:
    """Create ``path`` and its missing parents as 0700 folders; return it.

    Folders that already exist keep their mode, unless ``tighten`` asks to take the group and other bits
    off ``path`` itself (a folder duban owns, such as ``var/`` made world-readable by an older version).
    """
    missing = []
    here = path
    while not here.exists():
        missing.append(here)
        here = here.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            continue  # made meanwhile by another process: leave it as that process made it
        os.chmod(folder, PRIVATE_DIR)
    if tighten and not missing:
        _take_away_group_and_other(path)
    return path


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists as a file only its owner can read: created empty as 0600, or tightened."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
    os.close(fd)
    _take_away_group_and_other(path)
    return path


def tighten_file(path: Path) -> None:
    """Take the group and other bits off ``path`` if it exists (a file made before duban set modes)."""
    if path.exists():
        _take_away_group_and_other(path)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as a 0600 file (created, or truncated and tightened)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), PRIVATE_FILE)  # O_CREAT's mode applies to new files only
        out.write(data)


def create_private_once(path: Path, data: bytes) -> bytes:
    """The content of ``path``, a 0600 file created with ``data`` if it does not exist yet; return it.

    Made for a file written once and read ever after (a secret key): ``data`` goes to a 0600 file beside
    ``path`` that is then hard-linked to ``path``, so a reader never sees it half-written, and of two
    processes creating it at once one wins and both return the winner's content. Missing folders are made
    0700; an existing file loses its group and other bits.
    """
    if not path.exists():
        private_dir(path.parent)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
        write_private(draft, data)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first: its content is the one
        finally:
            draft.unlink()
    _take_away_group_and_other(path)
    return path.read_bytes()


def open_private_append(path: Path) -> int:
    """A file descriptor appending to ``path``, a 0600 file (for a log handed to a child process)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    return fd


def _take_away_group_and_other(path: Path) -> None:
    info = path.stat()
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077 and info.st_uid == os.geteuid():  # only the owner (or root) may change it
        os.chmod(path, mode & 0o700)

"""Target ids: keyed on the unmasked URL, independent of file order, the key a private file."""

from __future__ import annotations

import hashlib
import logging
import stat
from pathlib import Path

import pytest

from config.settings import get_settings
from models.errors import NotificationError
from notifications.channels import target_ids
from notifications.channels.contacts import Contacts, Recipient
from notifications.channels.send import AppriseSender
from tests.notifications.helpers import write_contacts

TAGS = "      - tag: unit-zhenlong, role-handler\n"
HANDLER = Recipient(unit_code="zhenlong", role="handler")
SECRET_A, SECRET_B = "aaaa1111aaaa1111", "bbbb2222bbbb2222"


def ids(tmp_path: Path, *tokens: str, key_file: Path | None = None) -> list[tuple[str, str]]:
    text = "urls:\n" + "".join(f"  - json://127.0.0.1:9/hook/{t}:\n{TAGS}" for t in tokens)
    sender = AppriseSender(Contacts.from_file(write_contacts(tmp_path, text)), min_gap_seconds=0,
                           key_file=key_file)
    return [(t.id, t.url) for t in sender.targets(HANDLER)]


def test_ids_follow_the_contact_not_its_place_in_the_file(tmp_path: Path) -> None:
    forward = ids(tmp_path, SECRET_A, SECRET_B)
    backward = ids(tmp_path, SECRET_B, SECRET_A)
    alone = ids(tmp_path, SECRET_B)
    assert forward[0][1] == forward[1][1]  # masked alike...
    assert forward[0][0] != forward[1][0]  # ...told apart all the same
    assert backward == forward[::-1]
    assert alone == [forward[1]]


def test_only_byte_identical_urls_are_numbered(tmp_path: Path) -> None:
    (first, _), (second, _), (other, _) = ids(tmp_path, SECRET_A, SECRET_A, SECRET_B)
    assert second == f"{first}#2" and "#" not in other


def test_the_key_is_a_private_file_made_once_and_the_id_shows_nothing_of_the_secrets(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ((tid, _),) = ids(tmp_path, SECRET_A)
    key_file = get_settings().var_dir / "target-key"
    key = key_file.read_bytes()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700  # var/ made by the key
    assert len(key) == 32 and len(tid) == 24 and int(tid, 16) >= 0
    url = f"json://127.0.0.1:9/hook/{SECRET_A}?method=POST&overflow=upstream&retry=0&wait=0.5&optional=no"
    assert tid == target_ids.target_id(key, url)  # keyed on the unmasked URL...
    for plain in (url, url.replace(SECRET_A, "****")):
        assert hashlib.sha256(plain.encode()).hexdigest()[:24] != tid  # ...not a bare hash anyone can redo
    assert SECRET_A not in tid and SECRET_A[:8] not in tid
    assert key.hex() not in caplog.text and key.hex()[:16] not in tid
    assert ids(tmp_path, SECRET_A) == [(tid, ids(tmp_path, SECRET_A)[0][1])]  # same key file, same id
    assert key_file.read_bytes() == key  # made once, not remade
    other_key = tmp_path / "other" / "target-key"
    ((elsewhere, _),) = ids(tmp_path, SECRET_A, key_file=other_key)
    assert elsewhere != tid and len(other_key.read_bytes()) == 32 and other_key.read_bytes() != key


def test_a_key_file_left_readable_is_tightened(tmp_path: Path) -> None:
    key_file = tmp_path / "loose-key"
    key_file.write_bytes(b"k" * 32)
    key_file.chmod(0o644)
    assert target_ids.load_key(key_file) == b"k" * 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_damaged_key_file_is_one_clear_error(tmp_path: Path) -> None:
    key_file = tmp_path / "short-key"
    key_file.write_bytes(b"too short")
    with pytest.raises(NotificationError, match=r"short-key: the target-id key must be 32 bytes, found 9"):
        target_ids.load_key(key_file)
    assert key_file.read_bytes() == b"too short"  # nothing written over it

"""Target ids: which contact a delivery state belongs to, named without naming its secrets.

A target id is 24 hex digits of HMAC-SHA256 over the contact's *unmasked* Apprise URL, under a key
private to this install (``<var_dir>/target-key``, 32 random bytes, 0600, made on first use and never
logged). The unmasked URL is what tells two contacts apart — two webhooks to one endpoint differ only in
a secret path token or header, which masking hides — so an id follows its contact whatever the file
order, and the key keeps the id from being a check on guesses of the secret (a plain hash of the URL
would let whoever reads the database test candidate keys offline).

Every dispatcher of one database must use the same key (the same ``var_dir``, or a copy of its
``target-key``): under another key every target has a new id, and rows being retried send once more to
targets that already had them. Losing the key does the same once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from pathlib import Path

from config.settings import get_settings
from models.errors import NotificationError
from models.files import create_private_once

KEY_FILE_NAME = "target-key"
KEY_BYTES = 32
ID_HEX_DIGITS = 24

_lock = threading.Lock()
_keys: dict[Path, bytes] = {}


def default_key_file() -> Path:
    """``<var_dir>/target-key``, the install's target-id key."""
    return get_settings().var_dir / KEY_FILE_NAME


def load_key(path: Path) -> bytes:
    """The key in ``path``, made there (0600) with :func:`secrets.token_bytes` if it does not exist yet.

    Raises:
        NotificationError: the file exists but does not hold exactly 32 bytes.
    """
    resolved = path.resolve()
    with _lock:
        key = _keys.get(resolved)
        if key is None:
            key = create_private_once(resolved, secrets.token_bytes(KEY_BYTES))
            if len(key) != KEY_BYTES:
                raise NotificationError(
                    f"{resolved}: the target-id key must be {KEY_BYTES} bytes, found {len(key)}; restore it "
                    "from a backup, or delete it to make a new one (rows being retried then send once more)"
                )
            _keys[resolved] = key
    return key


def target_id(key: bytes, url: str) -> str:
    """The id of the contact whose unmasked Apprise URL is ``url``."""
    return hmac.new(key, url.encode("utf-8"), hashlib.sha256).hexdigest()[:ID_HEX_DIGITS]

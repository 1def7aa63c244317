"""Where messages go: the configured contacts, or — out of the box — a local mail catcher.

With ``DUBAN_CONTACTS`` unset, `duban up` starts an SMTP catcher on 127.0.0.1 that stores every
message under ``<var_dir>/mail/`` and writes ``<var_dir>/contacts.yaml`` routing every tag of every
unit there, so a newcomer sees real messages flowing before anyone configures WeChat.
"""

from __future__ import annotations

from pathlib import Path

from config.settings import Settings, get_settings
from flows.ops.commands import engine_for
from models.db import session_scope
from models.errors import NotificationError
from models.files import private_dir, write_private
from models.records.units import unit_codes
from notifications.channels.contacts import Contacts, default_contacts_yaml
from notifications.channels.router import ContactsSender


def mail_dir(settings: Settings) -> Path:
    return settings.var_dir / "mail"


def contacts_path(settings: Settings | None = None) -> Path:
    """The contacts file in use: DUBAN_CONTACTS, else the generated <var_dir>/contacts.yaml."""
    settings = settings or get_settings()
    return settings.contacts if settings.contacts is not None else settings.var_dir / "contacts.yaml"


def write_default_contacts(settings: Settings, smtp_port: int) -> Path:
    """Write <var_dir>/contacts.yaml: every unit's handler and head, the coordinator, the leader → the catcher."""
    with session_scope(engine_for(settings)) as session:
        units = unit_codes(session=session)
    path = private_dir(settings.var_dir, tighten=True) / "contacts.yaml"
    # 0600 like every contacts file should be: the operator later adds bot keys and mail passwords here.
    write_private(path, default_contacts_yaml(units, smtp_host="127.0.0.1", smtp_port=smtp_port).encode("utf-8"))
    return path


def contacts_sender(settings: Settings | None = None) -> ContactsSender:
    """A sender over the contacts in use.

    Raises:
        NotificationError: when no contacts are configured yet.
    """
    path = contacts_path(settings)
    if not path.exists():
        raise NotificationError(
            f"no contacts at {path}: set DUBAN_CONTACTS to an Apprise YAML config, or run `duban up` once "
            "(without DUBAN_CONTACTS it writes one that routes everything to its local mail catcher)"
        )
    local = settings is None or settings.contacts is None
    # The local catcher needs no politeness gap; vendor bots allow ~20 messages a minute.
    return ContactsSender(Contacts.from_file(path), min_gap_seconds=0.0 if local else 3.0)

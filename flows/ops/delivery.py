"""Where messages go: the configured contacts, or — out of the box — a local mail catcher.

With ``DUBAN_CONTACTS`` unset, `duban up` starts an SMTP catcher on 127.0.0.1 that stores every
message under ``<var_dir>/mail/`` and writes ``<var_dir>/contacts.yaml`` routing every tag of every
unit there, so a newcomer sees real messages flowing before anyone configures WeChat.

What this module hands to a screen or an artifact (a target's result, an outbox error) goes through
:func:`notifications.channels.redact.scrub` once more: the sender already masked it, this keeps a secret
out even of text that reached the database some other way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from config.settings import Settings, get_settings
from flows.ops.commands import engine_for
from models.dates import to_local
from models.db import session_scope
from models.errors import NotificationError
from models.files import private_dir, write_private
from models.records.units import unit_codes
from notifications.channels.contacts import Contacts, default_contacts_yaml
from notifications.channels.redact import scrub
from notifications.channels.router import ContactsSender
from notifications.delivery.dispatch import Outcome


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


def target_lines(outcome: Outcome) -> list[str]:
    """One line per target of a send, for the terminal: ``ok   mailto  <masked URL>  delivered``."""
    return [f"{'ok  ' if t.ok else 'FAIL'} {t.service:<10} {scrub(t.url)}  {scrub(t.detail)}".rstrip()
            for t in outcome.targets]


def recent_messages_table(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The `recent-messages` artifact's rows (Chinese headers) from :func:`recent_messages` rows."""
    return [
        {"时间": to_local(r["sent_at"]).strftime("%Y-%m-%d %H:%M") if r["sent_at"] else "—",
         "状态": r["status"], "阶段": r["stage"], "级别": r["level"], "收件标签": r["recipient"],
         "标题": scrub(r["title"]), "尝试次数": r["attempts"], "各目标": scrub(r["targets"]),
         "错误": scrub(r["last_error"])}
        for r in rows
    ]

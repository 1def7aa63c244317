"""Who receives what: contacts kept in Apprise's own YAML config format, routed by ASCII tags.

Every contact (an Apprise URL) carries tags: ``unit-<code>`` for the unit it belongs to and
``role-<handler|head|coordinator|leader>`` for the part it plays. A :class:`Recipient` is the tag set
one outbox row is addressed to; :meth:`Contacts.targets_for` returns the contacts carrying *all* of
its tags. We check the match ourselves instead of trusting ``Apprise.notify(tag=...)``: Apprise
counts an untagged or ``always``-tagged server as a match, so a typo in a unit code would otherwise
look like a delivery (see docs/platform-notes.md, "Tags").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import apprise

from models import enums, safe_yaml
from models.enums import ROLE_TAG_PREFIX, UNIT_TAG_PREFIX, Role, recipient_key
from models.errors import NotificationError, YamlError
from notifications.channels.redact import redact_url, register_secrets, secrets_of

# Every role a contact may carry; "fallback" is the channel that tells the coordinator a message could not be
# delivered. Tuples in Role's order, not sets: the default contacts file lists them in this order.
ROLES: tuple[Role, ...] = tuple(Role)
UNIT_ROLES: tuple[Role, ...] = tuple(role for role in Role if role in enums.UNIT_ROLES)
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")  # the plan schema's unit-code rule
APP_ID = "duban"  # ASCII only: Apprise puts it into HTTP User-Agent headers

_log = logging.getLogger(__name__)


def make_asset() -> apprise.AppriseAsset:
    """The Apprise asset every duban contact is loaded with.

    ``app_id`` stays ASCII (a non-ASCII one breaks HTTP plugins); Chinese goes in ``app_desc``.
    ``allow_templates=False``: a contact is a concrete URL, never a pending ``{{var}}`` template.
    ``async_mode=False``: we notify one target at a time on the caller's thread.
    ``storage_mode="memory"``: plugins cache credentials (WeCom's access token) in Apprise's persistent
    store; it never goes to disk.
    """
    return apprise.AppriseAsset(
        app_id=APP_ID,
        app_desc="督办",
        app_url="https://github.com/duban",
        allow_templates=False,
        async_mode=False,
        storage_mode="memory",
    )


@dataclass(frozen=True)
class Recipient:
    """Whom one message is for: a role, of a unit (handler, head) or of the whole plan (coordinator, leader)."""

    unit_code: str | None
    role: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; known: {', '.join(ROLES)}")
        if self.unit_code is not None and not CODE_RE.match(self.unit_code):
            raise ValueError(f"invalid unit code {self.unit_code!r}; expected ASCII like 'zhenlong' or 'city-gov'")

    @property
    def tags(self) -> tuple[str, ...]:
        """The Apprise tags a contact must carry, e.g. ``("unit-zhenlong", "role-handler")``."""
        return tuple(self.key.split("+"))

    @property
    def key(self) -> str:
        """A stable text form for outbox rows and messages: ``unit-zhenlong+role-handler`` (:func:`recipient_key`)."""
        return recipient_key(self.role, self.unit_code)

    @classmethod
    def parse(cls, key: str) -> Recipient:
        """The inverse of :attr:`key`.

        Raises:
            ValueError: when ``key`` is not ``role-<role>`` or ``unit-<code>+role-<role>``.
        """
        expected = "expected 'unit-<code>+role-<role>' or 'role-<role>'"
        parts = key.strip().split("+")
        if len(parts) == 1 and parts[0].startswith(ROLE_TAG_PREFIX):
            unit_code, role = None, parts[0].removeprefix(ROLE_TAG_PREFIX)
        elif len(parts) == 2 and parts[0].startswith(UNIT_TAG_PREFIX) and parts[1].startswith(ROLE_TAG_PREFIX):
            unit_code, role = parts[0].removeprefix(UNIT_TAG_PREFIX), parts[1].removeprefix(ROLE_TAG_PREFIX)
        else:
            raise ValueError(f"invalid recipient key {key!r}; {expected}")
        try:
            return cls(unit_code=unit_code, role=role)
        except ValueError as exc:
            raise ValueError(f"invalid recipient key {key!r}: {exc}") from None


def quiet_apprise_logging() -> None:
    """Keep the ``apprise`` and ``urllib3`` loggers at INFO or above.

    Apprise's DEBUG lines print bot keys and tokens in clear, and urllib3 (under Apprise's HTTP plugins)
    logs every request line at DEBUG, webhook keys in the query string included.
    """
    for name in ("apprise", "urllib3"):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.INFO:
            logger.setLevel(logging.INFO)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _apprise_warnings() -> Iterator[list[str]]:
    """Collect what Apprise warns about while it parses a config (it reports problems only by logging).

    The records do not propagate meanwhile: they quote rejected values (possibly real keys) in clear; the
    collected messages are masked and raised as one NotificationError instead.
    """
    logger = logging.getLogger("apprise")
    handler = _Collect()
    saved_level, saved_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved_level)
        logger.propagate = saved_propagate


def _mask_config_message(message: str) -> str:
    # Apprise quotes the rejected value, e.g. "An invalid WeCom Bot Webhook Key (KEY) was specified" or
    # "Invalid URL wecom://KEY, entry #3": hide the value (it may be a real key with a typo elsewhere).
    message = re.sub(r"\(([^()]*)\)", "(****)", message)
    return re.sub(r"://[^\s,]+", "://****", message)


def _load_yaml(text: str, path: Path) -> Any:
    """The contacts file through the safe loader, before Apprise sees it: one line per refusal, URLs masked."""
    try:
        return safe_yaml.load(text)
    except YamlError as exc:
        line = f" at line {exc.line}" if exc.line is not None else ""
        problem = re.sub(r"://[^\s,']+", "://****", exc.problem)  # a duplicate key here may be a URL
        if problem.startswith("not valid YAML: "):
            raise NotificationError(f"contacts file {path} is not valid YAML{line}: "
                                    f"{problem.removeprefix('not valid YAML: ')}") from None
        raise NotificationError(f"contacts file {path} is refused{line}: {problem}") from None


class Contacts:
    """The configured contacts (Apprise servers), loaded once from an Apprise YAML file.

    Loading them teaches :func:`notifications.channels.redact.scrub` every secret they hold, so no text
    of this process (results, errors, log records) shows one.
    """

    def __init__(self, servers: list[Any], *, source: str, asset: apprise.AppriseAsset) -> None:
        self._servers = list(servers)
        self.source = source
        self.asset = asset
        register_secrets(secret for server in self._servers for secret in secrets_of(server))

    @classmethod
    def from_file(cls, path: Path | str, *, asset: apprise.AppriseAsset | None = None) -> Contacts:
        """Load contacts from an Apprise YAML config file.

        Raises:
            NotificationError: the file is missing, is not YAML, is not an Apprise YAML config, has an
                entry Apprise rejects, or loads no URL at all. The message names the file and the problem.
        """
        path = Path(path)
        asset = asset or make_asset()
        quiet_apprise_logging()
        try:
            text = safe_yaml.read_text(path)
        except FileNotFoundError as exc:
            raise NotificationError(f"contacts file {path} does not exist") from exc
        except (OSError, YamlError) as exc:
            raise NotificationError(f"contacts file {path} cannot be read: {exc}") from exc
        data = _load_yaml(text, path)
        if not isinstance(data, dict) or not isinstance(data.get("urls"), list):
            raise NotificationError(
                f"contacts file {path} is not an Apprise YAML config: expected a mapping with a 'urls' list"
            )
        config = apprise.AppriseConfig(asset=asset)
        with _apprise_warnings() as problems:
            # Apprise parses exactly the text the safe loader passed (not the file again, which may have
            # changed); "yaml" explicitly, whatever the file is called. Includes stay off (recursion 0).
            config.add_config(text, format="yaml")
            servers = list(config.services())
        problems = [_mask_config_message(p) for p in problems if not p.startswith("Failed to load Apprise config")]
        if problems:
            raise NotificationError(f"contacts file {path}: " + "; ".join(problems))
        if not servers:
            raise NotificationError(f"contacts file {path} defines no contact URL")
        if not asset.app_id.isascii():
            raise NotificationError(f"contacts file {path} sets a non-ASCII asset app_id; HTTP plugins need ASCII")
        _log.info("loaded %d contact(s) from %s", len(servers), path)
        return cls(servers, source=str(path), asset=asset)

    @property
    def servers(self) -> list[Any]:
        """Every configured Apprise server object, in file order."""
        return list(self._servers)

    def targets_for(self, recipient: Recipient) -> list[Any]:
        """The servers whose tags include every tag of ``recipient`` (AND); ``always`` alone never matches."""
        wanted = set(recipient.tags)
        return [s for s in self._servers if wanted <= {str(t).lower() for t in s.tags}]

    def masked_urls(self, recipient: Recipient) -> list[str]:
        """The matching contacts' URLs with keys and passwords masked, safe to log and show."""
        return [redact_url(str(s.url(privacy=True))) for s in self.targets_for(recipient)]

    def __len__(self) -> int:
        return len(self._servers)


def _mailto(mailbox: str, *, smtp_host: str, smtp_port: int, sender: str) -> str:
    # Verified against Apprise 2.0.1 + aiosmtpd: host:port in the netloc, mode=insecure for plain SMTP
    # without TLS or auth; the equivalent `mailto://localhost?smtp=HOST&port=N&mode=insecure` works too.
    return f"mailto://{smtp_host}:{smtp_port}?mode=insecure&from={sender}&to={mailbox}@duban.local"


def default_contacts_yaml(
    units: list[tuple[str, str]], *, smtp_host: str, smtp_port: int, sender: str = "duban@localhost"
) -> str:
    """An Apprise YAML config for a fresh install: every contact is a mailbox at the local mail catcher.

    Each (unit code, role) for the handler and head roles, plus ``role-coordinator`` and
    ``role-leader``, gets a ``mailto://`` URL to ``<code>.<role>@duban.local`` (``coordinator@`` and
    ``leader@duban.local``) via ``smtp_host:smtp_port``.

    Args:
        units: (unit code, unit name) pairs; the name becomes a YAML comment.
        smtp_host: the catcher's address (127.0.0.1).
        smtp_port: the catcher's port.
        sender: the From address.

    Raises:
        NotificationError: a unit code is not ASCII ``[a-z0-9-]``.
    """
    lines = [
        "# duban contacts, in Apprise's YAML config format (https://appriseit.com/getting-started/configuration/).",
        "# Tags route messages: unit-<code> + role-<handler|head> for a unit's people,",
        "# role-coordinator and role-leader for the plan's coordinator and leader in charge.",
        "# Replace a mailto:// URL with wecombot://KEY, dingtalk://TOKEN, mailtos://user:pass@host ...",
        "version: 1",
        "urls:",
    ]

    def entry(mailbox: str, tags: str, comment: str) -> None:
        url = _mailto(mailbox, smtp_host=smtp_host, smtp_port=smtp_port, sender=sender)
        lines.extend([f"  # {' '.join(comment.split())}", f'  - "{url}":', f"      - tag: {tags}"])

    for code, name in units:
        if not CODE_RE.match(code):
            raise NotificationError(f"invalid unit code {code!r} for {name}; expected ASCII like 'zhenlong'")
        for role in UNIT_ROLES:
            entry(f"{code}.{role}", ", ".join(Recipient(code, role).tags), f"{name} {role}")
    entry(Role.COORDINATOR, recipient_key(Role.COORDINATOR), "coordinator")
    entry(Role.LEADER, recipient_key(Role.LEADER), "leader in charge")
    entry(Role.FALLBACK, recipient_key(Role.FALLBACK), "fallback: undeliverable-message reports to the coordinator")
    return "\n".join(lines) + "\n"

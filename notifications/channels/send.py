"""Send one rendered message to one recipient through Apprise, with an honest result per target.

Honest means three things Apprise 2.0 does not do on its own (docs/platform-notes.md, "Apprise 2.0"):

* a recipient no contact matches is a failure, not a silent success (routing: :mod:`notifications.channels.contacts`);
* WeCom/DingTalk/Feishu/Lark/ServerChan bots answer a rejected message with HTTP 200 and a JSON error
  code, which Apprise reports as SUCCESS: we read the vendor's reply ourselves (:class:`_RequestsTap`);
* no key or password from the contacts file reaches a result, an error or a log line: every URL and detail
  goes through :mod:`notifications.channels.redact` (:func:`~notifications.channels.redact.redact_url`,
  :func:`~notifications.channels.redact.scrub`).

Each target gets the message in its channel's form (:func:`channel_form`), and a WeCom target gets it cut to the
vendor's byte limit at whole lines (:func:`cut_to_bytes`).

Retries are not ours here and not Apprise's (no ``?retry=``): the durable outbox retries a failed row.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import apprise
import jinja2
import requests

from notifications.channels.contacts import Contacts, Recipient, quiet_apprise_logging
from notifications.channels.redact import redact_url, scrub
from notifications.channels.target_ids import default_key_file, load_key, target_id
from notifications.messages.render import TEMPLATE_DIR, RenderedMessage

_log = logging.getLogger(__name__)

WECOM_TEXT_LIMIT = 2048  # bytes of UTF-8, the vendor's limit (Apprise counts characters)
BYTE_LIMITED_SERVICES = frozenset({"wecombot", "wechat"})
# The contacts that get the email form (the attached workbook, the mailbox to return it to): SMTP, the channel a
# government office returns a workbook on. Other plugins that can carry a file (json://, ntfy, Telegram, the
# mail APIs such as mailgun://) get the IM text form; the file still goes along where the plugin carries it.
EMAIL_SERVICES = frozenset({"mailto", "mailtos"})
# Plugins that post plain text whatever their ``format`` says (Apprise 2.0.1's wecombot always sends msgtype
# text): they get the text form even with ``?format=markdown``, passed through unconverted.
TEXT_ONLY_SERVICES = frozenset({"wecombot"})

# Services whose plugin judges only the HTTP status; the vendor's verdict is a JSON code in a 200 reply.
# service -> (code key, message key); a code of 0 means accepted.
VENDOR_REPLY_KEYS: dict[str, tuple[str, str]] = {
    "wecombot": ("errcode", "errmsg"),
    "dingtalk": ("errcode", "errmsg"),
    "feishu": ("code", "msg"),
    "lark": ("code", "msg"),
    "schan": ("code", "message"),
}


@dataclass(frozen=True)
class TargetResult:
    """What happened at one contact: ``url`` is masked, ``detail`` is scrubbed of secrets; ``target`` its id."""

    url: str
    service: str
    ok: bool
    detail: str
    target: str = ""


@dataclass(frozen=True)
class ContactTarget:
    """One contact a recipient's messages go to.

    ``id`` names it across runs without holding a secret: a hash of its masked URL, with ``#2``, ``#3``…
    after it for a second and third contact of the same recipient whose masked URLs are the same (two bot
    keys can mask alike). The outbox keeps each target's delivery state under this id.
    """

    id: str
    url: str
    service: str
    server: Any = field(repr=False, compare=False)


@dataclass(frozen=True)
class SendOutcome:
    """The result of one send: ``ok`` only when at least one target matched and every matched target accepted."""

    ok: bool
    targets: list[TargetResult] = field(default_factory=list)
    error: str | None = None


# --- the vendor reply ----------------------------------------------------------------------------

_replies: ContextVar[list[Any] | None] = ContextVar("duban_vendor_replies", default=None)
_tap_lock = threading.Lock()


class _RequestsTap:
    """Stands in for the ``requests`` module inside the few bot plugins whose vendor reply we must read.

    Why this way: those plugins call the module-level ``requests.post(...)`` and keep the response in a
    local variable, so neither a hook argument nor a subclass can see it short of copying their
    ``send()``. Replacing the name ``requests`` in *those plugin modules only* with this pass-through
    keeps every argument, timeout and exception exactly as Apprise wrote it; it records the response
    only while :func:`_capture_replies` is active in the current context (Apprise copies the context
    into its worker threads), so other users of the same plugins are unaffected.
    """

    def __init__(self, real: ModuleType) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def post(self, *args: Any, **kwargs: Any) -> Any:
        response = self._real.post(*args, **kwargs)
        sink = _replies.get()
        if sink is not None:
            sink.append(response)
        return response


def tap_plugin(server: Any) -> bool:
    """Route the plugin module behind ``server.send`` through :class:`_RequestsTap`; False if impossible."""
    module = inspect.getmodule(type(server).send)
    if module is None:
        return False
    with _tap_lock:
        current = getattr(module, "requests", None)
        if isinstance(current, _RequestsTap):
            return True
        if current is requests:
            module.requests = _RequestsTap(requests)  # type: ignore[attr-defined]
            return True
    return False


@contextmanager
def _capture_replies() -> Iterator[list[Any]]:
    sink: list[Any] = []
    token = _replies.set(sink)
    try:
        yield sink
    finally:
        _replies.reset(token)


def vendor_verdict(service: str, replies: list[Any]) -> str | None:
    """None when the vendor accepted every request of this send, else why not (the first refusal)."""
    if not replies:
        return "no reply from the vendor was seen; delivery cannot be confirmed"
    for reply in replies:  # one per request: several only if the message was split
        problem = _judge_reply(service, reply)
        if problem is not None:
            return problem
    return None


def _judge_reply(service: str, reply: Any) -> str | None:
    code_key, message_key = VENDOR_REPLY_KEYS[service]
    status = getattr(reply, "status_code", None)
    try:
        data = json.loads(reply.content)
    except (ValueError, TypeError):
        data = None
    if not isinstance(data, dict):
        text = (getattr(reply, "text", "") or "")[:200]
        return f"HTTP {status} with a reply that is not the vendor's JSON: {text!r}"
    code = data.get(code_key, data.get("StatusCode"))  # older Feishu hooks answer StatusCode/StatusMessage
    message = data.get(message_key, data.get("StatusMessage", ""))
    if code is None:
        return f"HTTP {status} without '{code_key}' in the vendor's reply: {json.dumps(data, ensure_ascii=False)[:200]}"
    if code != 0:
        return f"{code_key} {code}: {message}"
    return None


# --- forms and trimming --------------------------------------------------------------------------


def channel_form(server: Any, service: str) -> tuple[str, apprise.NotifyFormat]:
    """Which form of a message (``RenderedMessage.form``) a contact gets, and the ``body_format`` to send it with.

    * SMTP (:data:`EMAIL_SERVICES`): the ``email`` form as plain text (an HTML mailbox, ``?format=html``, gets it
      converted by Apprise, line breaks kept).
    * A contact whose plugin renders markdown when the caller states no format, i.e. one set to
      ``?format=markdown`` (``dingtalk://``, ``wechat://``) or a markdown-only plugin: the ``markdown`` form with
      ``body_format`` MARKDOWN. Apprise converts only when the stated and the resolved format differ, so the
      markdown reaches the vendor as written (a TEXT body would arrive with its ``*``, ``.`` and ``(`` escaped).
    * Anything else (``wecombot://``, ``feishu://``, ``json://``…): the ``text`` form as plain text. A text-only
      plugin set to markdown (:data:`TEXT_ONLY_SERVICES`) gets it stated as MARKDOWN so that nothing is escaped.
    """
    if service in EMAIL_SERVICES:
        return "email", apprise.NotifyFormat.TEXT
    # resolve_format() with no caller preference: the contact's ?format=, else the plugin's (first) declared one.
    if server.resolve_format() == apprise.NotifyFormat.MARKDOWN:
        if service in TEXT_ONLY_SERVICES:
            return "text", apprise.NotifyFormat.MARKDOWN
        return "markdown", apprise.NotifyFormat.MARKDOWN
    return "text", apprise.NotifyFormat.TEXT


@lru_cache(maxsize=64)
def truncation_note(items: int) -> str:
    """The line that ends a list cut to a channel's size limit (``truncated.j2``), naming the list's ``items``."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), undefined=jinja2.StrictUndefined,
                             autoescape=False, trim_blocks=True, lstrip_blocks=True)
    return " ".join(env.get_template("truncated.j2").render(items=items).split())


def trim_utf8(text: str, limit: int, marker: str) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, never inside a character, ending in ``marker`` if cut."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    budget = max(0, limit - len(marker.encode("utf-8")))
    # errors="ignore" drops the partial character a byte cut may leave at the end.
    return data[:budget].decode("utf-8", errors="ignore") + marker


# A line that starts a list entry: "1." "1、" "1)" "(1)" "（1）" or a markdown bullet "- " "* " "+ ".
_ITEM_LINE = re.compile(r"^\s*(?:\d{1,4}[.\u3001\uff0e)\uff09]|[(\uff08]\d{1,4}[)\uff09]|[-*+]\s)")
# The last lines every message keeps when cut: the contact line and the two-line 落款 (issuer, date) that
# _common.j2's contact_line and signoff print at the end.
TAIL_LINES = 3


def _size(lines: list[str]) -> int:
    return len("\n".join(lines).encode("utf-8"))


def cut_to_bytes(text: str, limit: int, items: int = 0) -> tuple[str, str]:
    """``text`` cut to at most ``limit`` UTF-8 bytes at whole lines, and what was done ("" when it fits).

    The rule:

    1. The first line (the title) and the last :data:`TAIL_LINES` non-blank lines (the contact line and the
       落款) are kept.
    2. Between them, the list (from the first to the last line that starts an entry, ``1.``, ``（1）``, ``- ``…)
       loses lines from its end, one at a time, until the message fits: the reader keeps the first entries,
       numbered, and everything after the list.
    3. If the whole list is gone and it still does not fit, the lines after the list go next, then the lines
       before it, from the list backwards: what is left out is always one run of lines.
    4. One line, :func:`truncation_note`, stands where the lines were left out: "（共N项，…）" when list entries
       were, with N = ``items`` (the message's own count); "（内容较长，此处从略，…）" when only other lines were,
       or ``items`` is 0.

    A text of at most :data:`TAIL_LINES` non-blank lines, title included, has no protected last lines (it is no
    templated message). Only when the kept lines alone exceed ``limit`` is the text cut inside a line (never
    inside a character), ending in the note.
    """
    if len(text.encode("utf-8")) <= limit:
        return text, ""
    lines = text.split("\n")
    head = 1
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    tail = max(head, nonblank[-TAIL_LINES] if len(nonblank) > TAIL_LINES else len(lines))
    entries = [i for i in range(head, tail) if _ITEM_LINE.match(lines[i])]
    first, last = (entries[0], entries[-1]) if entries else (tail, tail - 1)
    entry_set = set(entries)
    order = [*range(last, first - 1, -1), *range(last + 1, tail), *range(first - 1, head - 1, -1)]
    dropped: list[int] = []
    for index in order:
        dropped.append(index)
        start, end = min(dropped), max(dropped) + 1  # one run of lines, by the order's construction
        listed = not entry_set.isdisjoint(dropped)
        kept = [*lines[:start], truncation_note(items if listed else 0), *lines[end:]]
        if _size(kept) <= limit:
            return "\n".join(kept), f"cut to {limit} bytes at whole lines ({len(dropped)} left out)"
    return trim_utf8(text, limit, truncation_note(0)), f"cut to {limit} bytes inside a line (no whole lines fit)"


# --- the sender ----------------------------------------------------------------------------------


def _service_of(masked_url: str) -> str:
    return masked_url.split("://", 1)[0].lower()


class AppriseSender:
    """Sends messages to the contacts of one :class:`Contacts`, one target at a time."""

    def __init__(
        self, contacts: Contacts, *, min_gap_seconds: float | None = None, key_file: Path | None = None
    ) -> None:
        """Prepare to send to ``contacts``.

        Args:
            contacts: the loaded contacts.
            min_gap_seconds: the least time between two sends to the *same* contact. Apprise's default
                (``request_rate_per_sec``) is 5.5 s for most plugins, email included, and it also delays
                the first send after loading; vendor bot limits (~20/minute) need only 3 s. ``None`` keeps
                Apprise's value; 0 turns it off (the local mail catcher, simulations).
            key_file: the target-id key; ``None`` is ``<var_dir>/target-key``, read (or made) on first use.
        """
        quiet_apprise_logging()
        if min_gap_seconds is not None and min_gap_seconds < 0:
            raise ValueError(f"min_gap_seconds must be >= 0, got {min_gap_seconds}")
        self.contacts = contacts  # Contacts taught redact.scrub their secrets
        self.key_file = default_key_file() if key_file is None else key_file
        for server in contacts.servers:
            # The durable outbox retries; Apprise's in-memory ?retry= would be lost in a crash and would
            # multiply sends behind the outbox's back.
            server.retry = 0
            if min_gap_seconds is not None:
                server.request_rate_per_sec = float(min_gap_seconds)
            if _service_of(str(server.url(privacy=True))) in VENDOR_REPLY_KEYS:
                tap_plugin(server)

    def _key(self) -> bytes:
        return load_key(self.key_file)

    def targets(self, recipient: Recipient) -> list[ContactTarget]:
        """The contacts matching ``recipient``, in file order, each with its stable id and masked URL.

        The id (:mod:`notifications.channels.target_ids`) follows the contact, not its place in the file.
        """
        out: list[ContactTarget] = []
        seen: Counter[str] = Counter()
        for server in self.contacts.targets_for(recipient):
            # The one place the sending path masks a contact's URL: results, logs and the outbox use this.
            masked = redact_url(str(server.url(privacy=True)))
            # The id comes from the unmasked URL (masking hides what tells two contacts apart), keyed so it
            # is no check on guesses of the secrets; ``#n`` only for byte-identical URLs.
            digest = target_id(self._key(), str(server.url(privacy=False)))
            seen[digest] += 1
            tid = digest if seen[digest] == 1 else f"{digest}#{seen[digest]}"
            out.append(ContactTarget(id=tid, url=masked, service=_service_of(masked), server=server))
        return out

    def send(
        self,
        recipient: Recipient,
        message: RenderedMessage,
        attachments: Sequence[Path] = (),
        only: Collection[str] | None = None,
    ) -> SendOutcome:
        """Send ``message`` to the contacts matching ``recipient``; never raises for delivery problems.

        Each target gets the message's form for its channel (:func:`channel_form`); a plain title and body is
        ``RenderedMessage(title, body)``, the same text on every channel. ``only``: send only to the targets
        with these ids (:meth:`targets`), e.g. the ones a retry still owes; ``None`` sends to all of them.
        Attachments reach only the channels whose plugin carries them (mailto/mailtos, also json://); the others
        get the text, and their result says so.
        """
        targets = self.targets(recipient)
        if not targets:
            error = f"no contact matches tags {recipient.key}"
            _log.warning("send to %s: %s", recipient.key, error)
            return SendOutcome(ok=False, targets=[], error=error)
        if only is not None:
            targets = [t for t in targets if t.id in only]
            if not targets:
                return SendOutcome(ok=False, targets=[],
                                   error=f"no contact of tags {recipient.key} has the target id(s) asked for")
        missing = [str(p) for p in attachments if not Path(p).is_file()]
        if missing:
            return SendOutcome(ok=False, targets=[], error=f"attachment not found: {', '.join(missing)}")
        results = [self._send_one(t, message, list(attachments)) for t in targets]
        failed = [r for r in results if not r.ok]
        summary = "; ".join(f"{r.url}: {r.detail}" for r in failed) if failed else None
        return SendOutcome(ok=not failed, targets=results, error=summary)

    def _send_one(self, target: ContactTarget, message: RenderedMessage, attachments: list[Path]) -> TargetResult:
        server, target_id, masked, service = target.server, target.id, target.url, target.service
        notes: list[str] = []
        form, body_format = channel_form(server, service)
        title, body = message.title, message.form(form)
        if service in BYTE_LIMITED_SERVICES:
            # WeCom has no title field; fold it in ourselves so the byte limit covers both.
            heading = f"**{title}**" if form == "markdown" and title else title
            text = f"{heading}\n{body}" if heading else body
            body, cut = cut_to_bytes(text, WECOM_TEXT_LIMIT, message.items)
            title = ""
            if cut:
                notes.append(cut)
        attach = None
        if attachments:
            if getattr(server, "attachment_support", False):
                attach = [str(p) for p in attachments]
            else:
                notes.append("this channel carries no attachments; sent without them")
        checked = service in VENDOR_REPLY_KEYS
        if checked and not tap_plugin(server):
            return self._result(target_id, masked, service, False, "cannot read this plugin's vendor reply; not sent")
        # One Apprise per target, though notify() reports per target anyway: it keeps each vendor reply
        # tied to its own target (and bypasses Apprise's tag matching, which we did ourselves).
        manager = apprise.Apprise(asset=self.contacts.asset)
        manager.add(server)
        try:
            with _capture_replies() as replies:
                result = manager.notify(body=body, title=title, body_format=body_format, attach=attach)
        except Exception as exc:  # noqa: BLE001 - one target's crash must not hide the others' results
            return self._result(target_id, masked, service, False, f"{type(exc).__name__}: {exc}")
        with result:
            per_target = list(result)
            if not per_target:
                return self._result(target_id, masked, service, False, f"not dispatched ({result.status.name})")
            outcome = per_target[0]
            if not outcome:
                return self._result(target_id, masked, service, False, self._why(outcome, replies, service))
        if checked:
            verdict = vendor_verdict(service, replies)
            if verdict is not None:
                return self._result(target_id, masked, service, False, verdict)
        return self._result(target_id, masked, service, True, "; ".join(["delivered", *notes]))

    def _why(self, outcome: Any, replies: list[Any], service: str) -> str:
        """Why Apprise reported a failure: the vendor's code if it sent one, else Apprise's last warning."""
        if service in VENDOR_REPLY_KEYS and replies:
            status = getattr(replies[-1], "status_code", None)
            verdict = vendor_verdict(service, replies)
            if verdict is not None and not verdict.startswith("HTTP"):
                return f"HTTP {status}; {verdict}"
        messages = [e.message for e in outcome.logs() if e.level in ("WARNING", "ERROR", "CRITICAL")]
        return messages[-1] if messages else f"failed ({outcome.status.name})"

    def _result(self, target: str, url: str, service: str, ok: bool, detail: str) -> TargetResult:
        result = TargetResult(url=scrub(url), service=service, ok=ok, detail=scrub(detail), target=target)
        level = logging.INFO if ok else logging.WARNING
        _log.log(level, "%s %s: %s", result.url, "ok" if ok else "failed", result.detail)
        return result

"""Secrets out of sight: one redaction for every Apprise URL form, and one scrubber for any text.

Two layers, because neither alone is complete:

* :func:`redact_url` knows the *shapes*. It masks what may be a secret in any contact URL, configured or
  as Apprise prints it: a password (``user:****@``), a bot key in the host or path (``wecombot://KEY``,
  ``dingtalk://SECRET@TOKEN``, ``feishu://TOKEN``, ``schan://KEY``, ``pushplus://TOKEN``,
  ``wxpusher://AT_TOKEN/UID_x``, ``https://…/hook/TOKEN``), every ``+header=`` and ``-query=`` value of a
  ``json://``/``form://``/``xml://`` contact (Apprise's ``url(privacy=True)`` shows those in clear), and
  the value of every parameter whose name says secret (``?key=``, ``?token=``, ``?secret=``,
  ``?apikey=``, ``?pass=``…). It needs no list of secrets, so it also covers runtime credentials such as
  a vendor's ``access_token``.
* :class:`Scrubber` knows the *values*: the secrets of every contact loaded in this process
  (:func:`secrets_of`, in their URL-encoded and Basic-auth forms too), replaced wherever they show up
  (an exception text, a vendor reply quoting the key, a urllib3 request line), then :func:`redact_text`.

:func:`scrub` applies both with the process-wide scrubber; the delivery rows, outbox errors, failure
reports, CLI output and artifacts pass their text through it, and :func:`install_log_scrubbing` makes
every log record of the process pass through it (Apprise's and urllib3's included).
"""

from __future__ import annotations

import base64
import logging
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

MASK = "****"
MIN_SECRET_LEN = 4  # shorter fragments would mangle ordinary words; real keys and passwords are longer

# Schemes whose host is a real host name: their password, parameters and generated-looking path segments are
# secret. Mail: the path is the recipients. Every other scheme is a vendor's, whose "host" is usually its key.
WEB_SCHEMES = frozenset({"http", "https", "json", "jsons", "form", "forms", "xml", "xmls", "apprise", "apprises"})
MAIL_SCHEMES = frozenset({"mailto", "mailtos"})

# A parameter whose name (lower case, without "-" and "_") is one of these, or ends in one of the suffixes,
# holds a secret. Deliberately not "ends in key" alone: stage_key, idempotency keys and the like are not.
SECRET_NAMES = frozenset({
    "key", "pass", "pwd", "sign", "auth", "authorization", "cookie", "credential", "credentials",
    "sendkey", "sckey", "appkey", "webhookkey", "botkey", "privatekey", "accesskey", "secretkey",
})
SECRET_SUFFIXES = ("token", "secret", "password", "passwd", "apikey", "signature")

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,30}")
# A URL inside free text: stops at white space and quotes; trailing punctuation is trimmed off.
_URL_IN_TEXT = re.compile(r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,30}://[^\s'\"<>`]+")
_TRAILING = ".,;:)]}"
# name=value outside a URL, e.g. "hint: [key=…]" in a vendor reply or "…/send?key=…" in a requests error.
_PAIR_IN_TEXT = re.compile(r"(?<![\w%+.-])([+:-]?[A-Za-z][\w.-]{0,40})=([^\s&'\"<>,;)\]}]+)")
# "name": "value" in a JSON text, e.g. a vendor's {"access_token": "…"} reply quoted in a debug line.
_JSON_PAIR_IN_TEXT = re.compile(r'"([+:-]?[A-Za-z][\w.-]{0,40})"(\s*:\s*)"([^"\\]*)"')
_ALREADY_MASKED = re.compile(r"\*{4}|^.?\.\.\..?$")  # ours, or Apprise's "W...3"


def is_secret_name(name: str) -> bool:
    """True when a URL parameter or header called ``name`` carries a secret (``X-Token``, ``apikey``…)."""
    bare = name.lstrip("+-:").lower().replace("-", "").replace("_", "")
    return bare in SECRET_NAMES or bare.endswith(SECRET_SUFFIXES)


def _masked(text: str) -> bool:
    return not text or bool(_ALREADY_MASKED.search(text))


def _token_like(segment: str) -> bool:
    """A path segment that looks generated rather than chosen: long, or letters and digits mixed."""
    plain = unquote(segment)
    if _masked(plain) or len(plain) < 8:
        return False
    mixed = any(c.isdigit() for c in plain) and any(c.isalpha() for c in plain)
    return mixed or (len(plain) >= 20 and "-" not in plain and "." not in plain)


def _vendor_host_secret(host: str) -> bool:
    """A vendor URL's "host" is its key (wecombot://KEY), except a real host name or a numeric id."""
    if _masked(host) or host.startswith("[") or "." in host or host.lower() == "localhost":
        return False
    return not (host.isdigit() and len(host) <= 10)  # WeCom's agent id, a chat id


def _hide(value: str, found: list[str]) -> str:
    if _masked(value):
        return value
    found.append(value)
    return MASK


def _netloc(netloc: str, kind: str, found: list[str]) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    if at:
        user, colon, password = userinfo.partition(":")
        if colon:  # a password is masked whole, also where Apprise shows its first and last character
            _hide(password, found)
            userinfo = f"{user}:{MASK if password else ''}"
        elif kind == "vendor":
            userinfo = _hide(user, found)  # dingtalk://SECRET@TOKEN: a bare user part of a bot URL is a key
        userinfo += "@"
    if kind != "vendor":
        return userinfo + hostport
    host, colon, port = hostport.rpartition(":")
    if not (colon and port.isdigit()):
        host, port = hostport, ""
    if _vendor_host_secret(host):
        host = _hide(host, found)
    return userinfo + host + (f":{port}" if port else "")


def _path(path: str, kind: str, found: list[str]) -> str:
    if kind == "mail":  # mailto://host/a@b.cn: the path is the recipients
        return path
    return "/".join(_hide(seg, found) if _token_like(seg) else seg for seg in path.split("/"))


def _query(query: str, found: list[str]) -> str:
    parts = []
    for part in query.split("&"):
        raw_name, eq, value = part.partition("=")
        name = unquote(raw_name)
        if eq and value and (name[:1] in "+-" or is_secret_name(name)):
            value = _hide(value, found)
        parts.append(f"{raw_name}{eq}{value}")
    return "&".join(parts)


def _redact(url: str, *, paths: bool = True) -> tuple[str, list[str]]:
    """``url`` with its secrets masked, and the masked values as they appeared (possibly %-encoded)."""
    scheme, sep, rest = url.partition("://")
    if not sep or not _SCHEME.fullmatch(scheme):
        return url, []
    lower = scheme.lower()
    kind = "web" if lower in WEB_SCHEMES else "mail" if lower in MAIL_SCHEMES else "vendor"
    found: list[str] = []
    rest, hash_, fragment = rest.partition("#")
    rest, qmark, query = rest.partition("?")
    netloc, slash, path = rest.partition("/")
    netloc = _netloc(netloc, kind, found)
    if paths:
        path = _path(path, kind, found)
    query = _query(query, found)
    if fragment:
        fragment = _hide(fragment, found)
    return f"{scheme}://{netloc}{slash}{path}{qmark}{query}{hash_}{fragment}", found


def redact_url(url: str) -> str:
    """A contact URL (any Apprise form) with every part that may be a secret masked as ``****``.

    Idempotent, and safe on Apprise's own masked form (``wecombot://W...3/`` stays as it is). A text that
    is not a URL comes back through :func:`redact_text`.
    """
    if "://" not in url:
        return redact_text(url)
    return _redact(url.strip())[0]


def variants(value: str) -> set[str]:
    """The forms a secret takes in text: as is, %-decoded, %-encoded (both ways), and its last word.

    The last word covers header values like ``Bearer <token>`` when a server echoes just the token.
    """
    forms = {value, unquote(value), unquote_plus(value)}
    for plain in list(forms):
        forms |= {quote(plain, safe=""), quote(plain), quote_plus(plain)}
        words = plain.split()
        if len(words) > 1:
            forms.add(words[-1])
    return {f for f in forms if len(f) >= MIN_SECRET_LEN}


def basic_auth(user: str, password: str) -> str:
    """The ``Authorization: Basic`` credential a plugin builds from ``user:password``."""
    return base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def url_secrets(url: str) -> set[str]:
    """Every value :func:`redact_url` masks in ``url``, in every form of :func:`variants`."""
    _, found = _redact(url)
    secrets: set[str] = set()
    for value in found:
        secrets |= variants(value)
    netloc = re.split(r"[/?#]", url.partition("://")[2], maxsplit=1)[0]
    user, _, password = netloc.rpartition("@")[0].partition(":")
    if user and password:
        secrets.add(basic_auth(unquote(user), unquote(password)))
    return secrets


def secrets_of(server: Any) -> set[str]:
    """The secrets of one configured Apprise server, for :class:`Scrubber`.

    Two sources: the values :func:`redact_url` masks in the server's full URL, and the values of the
    plugin's ``private`` template tokens as the plugin holds them (a key the URL form hides elsewhere).
    """
    try:
        found = url_secrets(str(server.url(privacy=False)))
    except Exception:  # noqa: BLE001 - a plugin that cannot print its URL still contributes its tokens
        found = set()
    for name, spec in getattr(server, "template_tokens", {}).items():
        if isinstance(spec, dict) and spec.get("private"):
            for attr in {name, spec.get("map_to", name)}:
                value = getattr(server, str(attr), None)
                if isinstance(value, str):
                    found |= variants(value)
    user, password = getattr(server, "user", None), getattr(server, "password", None)
    if isinstance(user, str) and isinstance(password, str) and password:
        found |= variants(password) | {basic_auth(user, password)}
    return found


def _redact_url_in_text(match: re.Match[str]) -> str:
    text = match.group(0)
    url = text.rstrip(_TRAILING)
    # In free text an http(s) URL is often ours (a Prefect link): mask passwords and parameters, keep paths.
    web = url.partition("://")[0].lower() in ("http", "https")
    return _redact(url, paths=not web)[0] + text[len(url):]


def _redact_pair(match: re.Match[str]) -> str:
    name, value = match.group(1), match.group(2)
    if not is_secret_name(name) or _masked(value):
        return match.group(0)
    return f"{name}={MASK}"


def _redact_json_pair(match: re.Match[str]) -> str:
    name, colon, value = match.groups()
    if not is_secret_name(name) or _masked(value):
        return match.group(0)
    return f'"{name}"{colon}"{MASK}"'


def redact_text(text: str) -> str:
    """Free text with every URL in it redacted and every ``secret-name=value`` (or JSON) pair masked."""
    if "://" in text:
        text = _URL_IN_TEXT.sub(_redact_url_in_text, text)
    if "=" in text:
        text = _PAIR_IN_TEXT.sub(_redact_pair, text)
    if '":' in text or '" :' in text:
        text = _JSON_PAIR_IN_TEXT.sub(_redact_json_pair, text)
    return text


class Scrubber:
    """Replaces every known secret in a text with ``****``, then applies :func:`redact_text`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self._ordered: tuple[str, ...] = ()
        self._lock = threading.Lock()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        """Know these secrets too (shorter than :data:`MIN_SECRET_LEN` are ignored)."""
        with self._lock:
            self._secrets |= {s for s in secrets if len(s) >= MIN_SECRET_LEN}
            # Longest first, so a secret that contains another is replaced whole.
            self._ordered = tuple(sorted(self._secrets, key=len, reverse=True))

    def __len__(self) -> int:
        return len(self._secrets)

    def __call__(self, text: str) -> str:
        for secret in self._ordered:
            if secret in text:
                text = text.replace(secret, MASK)
        return redact_text(text)


KNOWN = Scrubber()  # every contact loaded in this process adds its secrets (register_contacts)


def scrub(text: str | None) -> str:
    """``text`` without any secret of any contact loaded in this process and with every URL redacted."""
    return KNOWN(text) if text else ""


def register_secrets(secrets: Iterable[str]) -> None:
    """Teach the process-wide scrubber these secrets, and scrub every log record from now on."""
    KNOWN.add(secrets)
    install_log_scrubbing()


_factory_lock = threading.Lock()
_factory_installed = False
_formatter = logging.Formatter()
UNFORMATTABLE_EXCEPTION = "(the exception of this record could not be formatted)"


def _scrub_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string or a str() that raises
        # logging's handleError would print msg and args raw: keep them, scrubbed, as one plain message.
        record.msg, record.args = KNOWN(_plain(f"{_plain(record.msg)} {_plain(record.args, repr)}")), None
    else:
        clean = KNOWN(message)
        if clean != message:
            record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[1] is not None:
        # Formatters print exc_text when set: the traceback's exception message is scrubbed too.
        try:
            record.exc_text = KNOWN(_formatter.formatException(record.exc_info))
        except Exception:  # noqa: BLE001 - a malformed exc_info tuple, or an exception whose str() raises
            record.exc_text = UNFORMATTABLE_EXCEPTION  # formatters print exc_text instead of formatting


def _plain(value: object, show: Callable[[object], str] = str) -> str:
    try:
        return show(value)
    except Exception:  # noqa: BLE001 - a __str__/__repr__ that raises
        return f"<unprintable {type(value).__name__}>"


def install_log_scrubbing() -> None:
    """Scrub every log record this process creates, whichever logger and handler it goes to.

    A record factory, not a logger filter: a filter sees only records logged on its own logger (not on
    child loggers such as ``urllib3.connectionpool``), while every record is born in the factory —
    Apprise's, urllib3's, ours, Prefect's run loggers'. Defence in depth behind
    :func:`notifications.channels.contacts.quiet_apprise_logging`, should someone turn DEBUG back on.
    """
    global _factory_installed
    with _factory_lock:
        if _factory_installed:
            return
        make_record = logging.getLogRecordFactory()

        def scrubbed_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make_record(*args, **kwargs)
            _scrub_record(record)
            return record

        logging.setLogRecordFactory(scrubbed_record)
        _factory_installed = True

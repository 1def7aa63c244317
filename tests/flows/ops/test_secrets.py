"""Planted secrets: no token of any contact lands anywhere duban writes or prints.

Contacts of every URL form, each holding its own random tokens (a json:// with a password, a ``+header``
and a ``-query``; a jsons:// with a bearer header and a query token; wecombot, dingtalk with its signing
secret, feishu, wechat's app secret, mailto's password), pointed at real servers on 127.0.0.1: an
aiosmtpd mail catcher and HTTP sinks, the vendor plugins' API URLs redirected there. Some sinks refuse
and quote the token back, as vendors do. Then ``duban notify test`` (the real CLI, in a subprocess), a
dispatch whose sends fail until the row is given up, and the failure report to the fallback contact;
then every place a token could land is searched for each token, as written and %-encoded: every text
of every table (SQLite and PostgreSQL), every file under the test's directory (the SQLite file, the var
dir, the caught mail as bytes and decoded), the captured log records with tracebacks, the CLI's stdout
and stderr, and the recent-messages artifact's rows.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import logging
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path
from unittest import mock
from urllib.parse import quote, quote_plus

import pytest
import sqlalchemy as sa
from apprise.plugins.dingtalk import NotifyDingTalk
from apprise.plugins.feishu import NotifyFeishu
from apprise.plugins.wechat import NotifyWeChat
from apprise.plugins.wecombot import NotifyWeComBot

from flows.ops.delivery import recent_messages_table
from flows.ops.engine import engine_context, run_dispatch
from models.db import session_scope
from models.enums import OutboxStatus, Role, recipient_key
from notifications.channels.contacts import Contacts
from notifications.channels.mailcatcher import MailCatcher
from notifications.channels.router import ContactsSender
from notifications.delivery.dispatch import recent_messages
from notifications.delivery.outbox import RetryPolicy, queue_info
from tests.conftest import ROOT
from tests.notifications.helpers import HttpSink, write_contacts

TZ = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.datetime(2015, 11, 30, 9, 30, tzinfo=TZ)  # a working day, inside working hours
HANDLER = recipient_key(Role.HANDLER, "zhenlong")


def _token(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(12)}"  # [a-z0-9]: every plugin's key pattern accepts it


# Fresh for every run, so a hit can only come from this run's contacts.
PLANTED = {
    "json password": _token("jsonpw"),
    "json +X-Token header": _token("hdrtok"),
    "json -apikey query": _token("qrykey"),
    "jsons bearer header": _token("bearer"),
    "jsons -access_token query": _token("acctok"),
    "wecombot key": _token("wecomkey"),
    "dingtalk secret": _token("dingsec"),
    "dingtalk token": _token("dingtok"),
    "feishu token": _token("feishu"),
    "wechat app secret": _token("wechatsec"),
    "mailto password": f"pw/{secrets.token_hex(10)}@x",  # needs %-encoding in the URL
}
PT = PLANTED


def forms(token: str) -> set[str]:
    """The ways a token can be written down: as is, %-encoded (either way), and inside Basic auth."""
    return {token, quote(token, safe=""), quote_plus(token), quote(token)}


FORMS = {name: forms(token) for name, token in PLANTED.items()}
FORMS["json password"].add(base64.b64encode(f"duban:{PT['json password']}".encode()).decode())
FORMS["mailto password"].add(base64.b64encode(f"duban:{PT['mailto password']}".encode()).decode())


def hits(where: str, text: str) -> list[str]:
    """Every planted token (in any form) found in ``text``, as 'where: which token'."""
    return [f"{where}: {name}" for name, found in FORMS.items() if any(f in text for f in found)]


@dataclass
class Planted:
    contacts: Path
    catcher: MailCatcher
    refusing: HttpSink  # a vendor answering "invalid key" in a 200 reply that quotes the key
    accepting: HttpSink
    broken: HttpSink  # HTTP 500 quoting the header and query tokens

    def urls(self) -> dict[str, str]:
        """Where the vendor plugins are redirected: (plugin attribute) -> URL."""
        bad, good = self.refusing.url(), self.accepting.url()
        return {"wecombot": bad + "/cgi-bin/webhook/send?key={key}",
                "dingtalk": good + "/robot/send?access_token={token}",
                "feishu": bad + "/open-apis/bot/v2/hook/{token}/",
                "wechat_token": bad + "/cgi-bin/gettoken", "wechat": bad + "/cgi-bin/message/send"}


def contacts_yaml(catcher_port: int, broken_port: int, accepting_port: int) -> str:
    tags = "      - tag: unit-zhenlong, role-handler\n"
    entries = [
        f"json://duban:{PT['json password']}@127.0.0.1:{broken_port}/hook"
        f"?+X-Token={PT['json +X-Token header']}&-apikey={PT['json -apikey query']}",
        # jsons:// to a plain HTTP port: the TLS handshake fails, and requests quotes the URL in its error.
        f"jsons://127.0.0.1:{accepting_port}/hook?+Authorization=Bearer%20{PT['jsons bearer header']}"
        f"&-access_token={PT['jsons -access_token query']}",
        f"wecombot://{PT['wecombot key']}",
        f"dingtalk://{PT['dingtalk secret']}@{PT['dingtalk token']}",
        f"feishu://{PT['feishu token']}",
        f"wechat://ww1234corp:{PT['wechat app secret']}@1000002/@all",
        # The catcher offers no AUTH: the login fails with the password in hand.
        f"mailto://duban:{quote(PT['mailto password'], safe='')}@127.0.0.1:{catcher_port}"
        "?mode=insecure&from=duban@localhost&to=zhenlong@duban.local",
    ]
    fallback = (f'  - "mailto://127.0.0.1:{catcher_port}?mode=insecure&from=duban@localhost&to=coordinator@duban.local":\n'
                "      - tag: role-fallback\n")
    return "urls:\n" + "".join(f'  - "{url}":\n{tags}' for url in entries) + fallback


@pytest.fixture
def planted(tmp_path: Path) -> Iterator[Planted]:
    quoted = f"invalid webhook url, hint: [key={PT['wecombot key']}]; token {PT['feishu token']} not valid"
    refusal = {"errcode": 93000, "errmsg": quoted, "code": 19001, "msg": quoted}
    echo = {"error": f"bad X-Token {PT['json +X-Token header']} or apikey {PT['json -apikey query']}"}
    with MailCatcher(tmp_path / "mail") as catcher, HttpSink(reply=refusal, lifetime=120) as refusing, \
            HttpSink(lifetime=120) as accepting, HttpSink(status=500, reply=echo, lifetime=120) as broken:
        path = write_contacts(tmp_path, contacts_yaml(catcher.port, broken.port, accepting.port))
        yield Planted(path, catcher, refusing, accepting, broken)


@contextmanager
def vendors_redirected(urls: dict[str, str]) -> Iterator[None]:
    """Point the real vendor plugins at the local sinks (the plugins build some URLs when loaded)."""
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(NotifyWeComBot, "notify_url", urls["wecombot"]))
        stack.enter_context(mock.patch.object(NotifyDingTalk, "notify_url", urls["dingtalk"]))
        stack.enter_context(mock.patch.object(NotifyFeishu, "notify_url", urls["feishu"]))
        stack.enter_context(mock.patch.object(NotifyWeChat, "token_url", urls["wechat_token"]))
        stack.enter_context(mock.patch.object(NotifyWeChat, "notify_url", urls["wechat"]))
        yield


# The real CLI in a subprocess, with the vendor plugins redirected as above and every log record to stderr.
RUN_CLI = """
import json, logging, sys
from tests.flows.ops.test_secrets import vendors_redirected
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
with vendors_redirected(json.loads(sys.argv[1])):
    from flows.cli.main import app
    app(sys.argv[2:], prog_name="duban")
"""


def files_under(root: Path, skip: Path) -> Iterator[tuple[str, bytes]]:
    """Every file under ``root`` but the contacts file (where the secrets belong), and each caught mail decoded."""
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p != skip):
        data = path.read_bytes()
        yield str(path.relative_to(root)), data
        if path.suffix == ".eml":
            mail = message_from_bytes(data, policy=policy.default)
            decoded = [f"{k}: {v}" for k, v in mail.items()]
            decoded += [str(part.get_content()) for part in mail.walk() if not part.is_multipart()]
            yield f"{path.relative_to(root)} (decoded)", "\n".join(decoded).encode()


def search_files(root: Path, skip: Path) -> tuple[int, list[str]]:
    searched, found = 0, []
    for where, data in files_under(root, skip):
        searched += 1
        found += hits(where, data.decode("utf-8", errors="replace"))
    return searched, found


def search_database(engine: sa.Engine) -> tuple[int, list[str]]:
    """Every value of every column of every table (reflected, so a table added later is searched too)."""
    values, found = 0, []
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(sa.select(table)):
                for column, value in zip(table.columns, row, strict=True):
                    if value is not None:
                        values += 1
                        found += hits(f"{table.name}.{column.name}", str(value))
    return values, found


def test_notify_test_prints_no_secret(planted: Planted, tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", RUN_CLI, json.dumps(planted.urls()),
         "notify", "test", "--tag", "unit-zhenlong,role-handler"],
        cwd=ROOT, env={**os.environ, "DUBAN_CONTACTS": str(planted.contacts), "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 1, out.stderr  # some targets refuse
    lines = out.stdout.splitlines()
    assert len(lines) == 7 and sum(line.startswith("ok") for line in lines) == 1, out.stdout  # dingtalk accepts
    assert "duban: error:" in out.stderr and "WARNING apprise" in out.stderr  # the error line, and the log records
    # The tokens were live: the vendors got them (the CLI ran against these very sinks).
    assert any(PT["wecombot key"] in r.path for r in planted.refusing.received)
    assert any(r.headers.get("X-Token") == PT["json +X-Token header"] for r in planted.broken.received)
    found = hits("notify test stdout", out.stdout) + hits("notify test stderr", out.stderr)
    searched, in_files = search_files(tmp_path, planted.contacts)
    print(f"\nnotify test: {len(PLANTED)} tokens × their forms; stdout {len(out.stdout)} chars, stderr "
          f"{len(out.stderr)} chars, {searched} files: {len(found + in_files)} hits")
    assert found + in_files == []


def test_dispatch_failures_and_the_failure_report_store_no_secret(
    planted: Planted, engine: sa.Engine, db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ctx = dataclasses.replace(engine_context(db_url=db_url), policy=RetryPolicy(max_attempts=2))
    with vendors_redirected(planted.urls()):
        sender = ContactsSender(Contacts.from_file(planted.contacts), min_gap_seconds=0)
        for name in ("apprise", "urllib3", "urllib3.connectionpool"):  # someone debugging turns them back on
            caplog.set_level(logging.DEBUG, logger=name)
        with session_scope(engine) as session:
            queue_info(session=session, recipient=HANDLER, role=Role.HANDLER, title="【测试】密钥", body="正文",
                       key="planted@1", now=MONDAY, cal=ctx.cal, hours=ctx.hours)
        first = run_dispatch(ctx, sender, MONDAY)  # fails, retried later
        later = MONDAY + dt.timedelta(hours=1)
        second = run_dispatch(ctx, sender, later)  # fails again: given up, a failure report queued
        third = run_dispatch(ctx, sender, later)  # the failure report goes to the fallback mailbox
    assert (first.retrying, second.failed, third.sent) == (1, 1, 1)
    with session_scope(engine) as session:
        artifact = json.dumps(recent_messages_table(recent_messages(session=session)), ensure_ascii=False)
    assert OutboxStatus.FAILED in artifact and "****" in artifact  # an error was recorded, masked
    mails = planted.catcher.messages()
    assert [m["X-Envelope-To"] for m in mails] == ["coordinator@duban.local"]
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM delivery WHERE NOT ok")).scalar_one()
    assert stored >= 12  # six failing targets, twice
    values, in_db = search_database(engine)
    searched, in_files = search_files(tmp_path, planted.contacts)
    logged = "\n".join(caplog.text.splitlines())
    found = in_db + in_files + hits("log records", logged) + hits("recent-messages artifact", artifact)
    print(f"\n{engine.dialect.name}: {len(PLANTED)} tokens × their forms; {values} database values, {searched} "
          f"files, {len(caplog.records)} log records, artifact {len(artifact)} chars: {len(found)} hits")
    assert found == []

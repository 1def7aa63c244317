"""Sending through the real Apprise plugins to real local servers: SMTP (MailCatcher) and an HTTP sink.

Only vendor endpoints that cannot be reached here are redirected: the bot plugins' ``notify_url`` is
pointed at the local sink (the platform notes' recipe); nothing of ours is mocked.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from apprise.plugins.dingtalk import NotifyDingTalk
from apprise.plugins.feishu import NotifyFeishu
from apprise.plugins.lark import NotifyLark
from apprise.plugins.serverchan import NotifyServerChan
from apprise.plugins.wecombot import NotifyWeComBot

from notifications.channels.contacts import Contacts, Recipient, default_contacts_yaml
from notifications.channels.mailcatcher import MailCatcher
from notifications.channels.redact import Scrubber, secrets_of
from notifications.channels.send import (
    AppriseSender,
    SendOutcome,
    tap_plugin,
    trim_utf8,
)
from notifications.messages.render import RenderedMessage, render
from tests.notifications.helpers import HttpSink, context, write_contacts

WECOM_KEY = "duban-wecom-key-0123456789abcdef"
DING_TOKEN = "dingtoken0123456789abcdef"
DING_SECRET = "dingsecret0123456789"
HANDLER = Recipient("zhenlong", "handler")


def plain(title: str, body: str) -> RenderedMessage:
    """A message with the same text on every channel (what ``duban notify test``-like callers send)."""
    return RenderedMessage(title=title, body=body)


def sender_for(tmp_path: Path, yaml_text: str) -> AppriseSender:
    # No throttle: Apprise waits 5.5 s between two sends on one contact (Lark even within one send).
    return AppriseSender(Contacts.from_file(write_contacts(tmp_path, yaml_text)), min_gap_seconds=0)


@contextmanager
def wecom_sink(tmp_path: Path, reply: object, status: int = 200) -> Iterator[tuple[HttpSink, AppriseSender]]:
    """A sink posing as WeCom, and a sender whose zhenlong handler is a wecombot:// contact."""
    with HttpSink(status=status, reply=reply) as sink:
        url = sink.url("/cgi-bin/webhook/send?key={key}")
        # NotifyWeComBot builds its API URL in __init__, so redirect it before the contacts are loaded.
        with mock.patch.object(NotifyWeComBot, "notify_url", url):
            sender = sender_for(
                tmp_path, f"urls:\n  - wecombot://{WECOM_KEY}:\n      - tag: unit-zhenlong, role-handler\n"
            )
        yield sink, sender


def assert_no_secret(outcome: SendOutcome, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in repr(outcome)


class TestMail:
    def test_send_reminder_by_mail_with_chinese_subject_body_and_attachment(self, tmp_path: Path) -> None:
        sheet = tmp_path / "进度报表.xlsx"
        sheet.write_bytes(b"PK\x03\x04 not really a workbook \xe4\xb8\xad")
        message = render(context())
        with MailCatcher(tmp_path / "mail") as catcher:
            yaml_text = default_contacts_yaml([("zhenlong", "镇隆镇")], smtp_host="127.0.0.1", smtp_port=catcher.port)
            sender = sender_for(tmp_path, yaml_text)
            outcome = sender.send(HANDLER, message, [sheet])
            caught = catcher.messages()
        assert outcome.ok, outcome
        assert outcome.error is None
        (target,) = outcome.targets
        assert target.service == "mailto" and target.ok
        assert target.url.startswith(f"mailto://127.0.0.1:{catcher.port}/")
        (mail,) = caught
        assert mail["Subject"] == message.title
        assert mail["X-Envelope-To"] == "zhenlong.handler@duban.local"
        body = mail.get_body(("plain",))
        assert body is not None
        assert body.get_content().replace("\r\n", "\n").strip() == message.body  # SMTP sends CRLF lines
        (attachment,) = list(mail.iter_attachments())
        assert attachment.get_filename() == "进度报表.xlsx"
        assert attachment.get_content() == sheet.read_bytes()

    def test_send_to_a_dead_smtp_server_fails_that_target(self, tmp_path: Path) -> None:
        with MailCatcher(tmp_path / "mail") as catcher:
            port = catcher.port
        sender = sender_for(
            tmp_path, default_contacts_yaml([("zhenlong", "镇隆镇")], smtp_host="127.0.0.1", smtp_port=port)
        )
        outcome = sender.send(HANDLER, plain("标题", "正文"))
        assert not outcome.ok
        (target,) = outcome.targets
        assert not target.ok and target.detail
        assert outcome.error is not None and target.url in outcome.error

    def test_missing_attachment_is_an_error(self, tmp_path: Path) -> None:
        yaml_text = default_contacts_yaml([("zhenlong", "镇隆镇")], smtp_host="127.0.0.1", smtp_port=9)
        sender = sender_for(tmp_path, yaml_text)
        outcome = sender.send(HANDLER, plain("标题", "正文"), [tmp_path / "没有.xlsx"])
        assert outcome == SendOutcome(ok=False, targets=[], error=f"attachment not found: {tmp_path / '没有.xlsx'}")


class TestJson:
    def test_json_post_reaches_the_sink(self, tmp_path: Path) -> None:
        with HttpSink(reply={"ok": True}) as sink:
            sender = sender_for(tmp_path, f"urls:\n  - json://127.0.0.1:{sink.port}/hook:\n      - tag: role-leader\n")
            outcome = sender.send(Recipient(None, "leader"), plain("【提请督办】标题", "正文：镇隆镇"))
        assert outcome.ok, outcome
        (request,) = sink.received
        assert request.method == "POST" and request.path == "/hook"
        payload = request.json()
        assert payload["title"] == "【提请督办】标题"
        assert payload["message"] == "正文：镇隆镇"
        assert request.headers["User-Agent"] == "duban"

    def test_http_error_fails_the_target(self, tmp_path: Path) -> None:
        with HttpSink(status=500, reply={"error": "boom"}) as sink:
            sender = sender_for(tmp_path, f"urls:\n  - json://127.0.0.1:{sink.port}/hook:\n      - tag: role-leader\n")
            outcome = sender.send(Recipient(None, "leader"), plain("t", "b"))
        (target,) = outcome.targets
        assert not outcome.ok and not target.ok
        assert "500" in target.detail

    def test_each_target_gets_its_own_result(self, tmp_path: Path) -> None:
        with HttpSink(reply={}) as good, HttpSink(status=503, reply={}) as bad:
            tags = "      - tag: unit-zhenlong, role-handler\n"
            sender = sender_for(
                tmp_path,
                f"urls:\n  - json://127.0.0.1:{good.port}/a:\n{tags}  - json://127.0.0.1:{bad.port}/b:\n{tags}",
            )
            outcome = sender.send(HANDLER, plain("t", "b"))
            ids = [t.id for t in sender.targets(HANDLER)]
        assert [t.ok for t in outcome.targets] == [True, False]
        assert [t.target for t in outcome.targets] == ids  # without ``only``: every target, each result named
        assert not outcome.ok
        assert outcome.error is not None and f"127.0.0.1:{bad.port}/b" in outcome.error
        assert len(good.received) == len(bad.received) == 1



class TestRouting:
    def test_unmatched_tag_is_an_error_even_with_an_untagged_server(self, tmp_path: Path) -> None:
        with HttpSink(reply={}) as sink:
            text = (
                f"urls:\n  - json://127.0.0.1:{sink.port}/untagged\n"
                f"  - json://127.0.0.1:{sink.port}/always:\n      - tag: always\n"
            )
            outcome = sender_for(tmp_path, text).send(Recipient("nosuch", "handler"), plain("t", "b"))
        assert outcome == SendOutcome(ok=False, targets=[], error="no contact matches tags unit-nosuch+role-handler")
        assert sink.received == []


class TestVendorReply:
    def test_wecom_errcode_zero_is_delivered(self, tmp_path: Path) -> None:
        with wecom_sink(tmp_path, {"errcode": 0, "errmsg": "ok"}) as (sink, sender):
            outcome = sender.send(HANDLER, plain("【催办】标题", "正文"))
        assert outcome.ok, outcome
        (request,) = sink.received
        assert request.path == f"/cgi-bin/webhook/send?key={WECOM_KEY}"
        assert request.json() == {"msgtype": "text", "text": {"content": "【催办】标题\n正文"}}
        (target,) = outcome.targets
        assert target.service == "wecombot" and WECOM_KEY not in target.url

    def test_wecom_rejection_with_http_200_fails_the_target(self, tmp_path: Path) -> None:
        with wecom_sink(tmp_path, {"errcode": 93000, "errmsg": "invalid webhook url"}) as (_sink, sender):
            outcome = sender.send(HANDLER, plain("t", "b"))
        (target,) = outcome.targets
        assert not outcome.ok and not target.ok
        assert target.detail == "errcode 93000: invalid webhook url"
        assert outcome.error == f"{target.url}: errcode 93000: invalid webhook url"

    def test_wecom_http_error_carries_the_vendor_code(self, tmp_path: Path) -> None:
        with wecom_sink(tmp_path, {"errcode": 45009, "errmsg": "api freq out of limit"}, status=429) as (_s, sender):
            outcome = sender.send(HANDLER, plain("t", "b"))
        assert outcome.targets[0].detail == "HTTP 429; errcode 45009: api freq out of limit"

    def test_wecom_reply_that_is_not_json_is_not_a_success(self, tmp_path: Path) -> None:
        with wecom_sink(tmp_path, b"<html>proxy login</html>") as (_sink, sender):
            outcome = sender.send(HANDLER, plain("t", "b"))
        assert not outcome.ok
        assert "not the vendor's JSON" in outcome.targets[0].detail

    def test_attachment_to_a_channel_without_attachments_says_so(self, tmp_path: Path) -> None:
        sheet = tmp_path / "进度报表.xlsx"
        sheet.write_bytes(b"x")
        with wecom_sink(tmp_path, {"errcode": 0, "errmsg": "ok"}) as (sink, sender):
            outcome = sender.send(HANDLER, plain("t", "b"), [sheet])
        assert outcome.ok
        assert "sent without them" in outcome.targets[0].detail
        assert len(sink.received) == 1

    @pytest.mark.parametrize("secret", [None, DING_SECRET])
    def test_dingtalk_errcode(self, tmp_path: Path, secret: str | None) -> None:
        auth = f"{secret}@" if secret else ""
        sender = sender_for(tmp_path, f"urls:\n  - dingtalk://{auth}{DING_TOKEN}:\n      - tag: role-leader\n")
        leader = Recipient(None, "leader")
        replies = [
            ({"errcode": 0, "errmsg": "ok"}, True),
            ({"errcode": 310000, "errmsg": "keywords not in content"}, False),
        ]
        for reply, ok in replies:
            with HttpSink(reply=reply) as sink, mock.patch.object(
                NotifyDingTalk, "notify_url", sink.url("/robot/send?access_token={token}")
            ):
                outcome = sender.send(leader, plain("标题", "正文"))
            assert outcome.ok is ok
            assert sink.received[0].path.startswith(f"/robot/send?access_token={DING_TOKEN}")
            if not ok:
                assert outcome.targets[0].detail == "errcode 310000: keywords not in content"
            assert_no_secret(outcome, DING_TOKEN, DING_SECRET)

    def test_feishu_code(self, tmp_path: Path) -> None:
        sender = sender_for(tmp_path, "urls:\n  - feishu://feishutoken0123456789:\n      - tag: role-leader\n")
        reply = {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
        with HttpSink(reply=reply) as sink, mock.patch.object(
            NotifyFeishu, "notify_url", sink.url("/open-apis/bot/v2/hook/{token}/")
        ):
            outcome = sender.send(Recipient(None, "leader"), plain("标题", "正文"))
        assert outcome.targets[0].detail == "code 19001: param invalid: incoming webhook access token invalid"

    def test_lark_code(self, tmp_path: Path) -> None:
        with HttpSink(reply={"code": 0, "msg": "success"}) as sink:
            with mock.patch.object(NotifyLark, "notify_url", sink.url("/open-apis/bot/v2/hook/")):
                sender = sender_for(tmp_path, "urls:\n  - lark://larktoken0123456789:\n      - tag: role-leader\n")
            outcome = sender.send(Recipient(None, "leader"), plain("标题", "正文"))
        assert outcome.ok, outcome
        assert sink.received[0].path == "/open-apis/bot/v2/hook/larktoken0123456789"

    @pytest.mark.parametrize("plugin", [NotifyWeComBot, NotifyDingTalk, NotifyFeishu, NotifyLark, NotifyServerChan])
    def test_every_checked_plugin_can_be_tapped(self, plugin: type) -> None:
        # Guards an Apprise upgrade: if a plugin stops calling requests.post, we must know.
        server = plugin.__new__(plugin)
        assert tap_plugin(server)


class TestSecrets:
    def test_secrets_never_reach_results_or_logs(self, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG)
        password = "Sm7pPassw0rd"
        reply = {"errcode": 93000, "errmsg": f"invalid webhook url, hint: [key={WECOM_KEY}]"}
        with HttpSink(reply=reply) as sink:
            url = sink.url("/cgi-bin/webhook/send?key={key}")
            with mock.patch.object(NotifyWeComBot, "notify_url", url):
                sender = sender_for(
                    tmp_path,
                    "urls:\n"
                    f"  - wecombot://{WECOM_KEY}:\n      - tag: unit-zhenlong, role-handler\n"
                    f"  - mailtos://duban:{password}@127.0.0.1:1?from=a@b.cn&to=c@d.cn:\n"
                    "      - tag: unit-zhenlong, role-handler\n",
                )
            outcome = sender.send(HANDLER, plain("标题", "正文"))
        assert not outcome.ok
        assert [t.ok for t in outcome.targets] == [False, False]
        assert outcome.targets[0].detail == "errcode 93000: invalid webhook url, hint: [key=****]"
        assert_no_secret(outcome, WECOM_KEY, password)
        leaked = [r.getMessage() for r in caplog.records if WECOM_KEY in r.getMessage() or password in r.getMessage()]
        assert leaked == []
        assert caplog.records  # something was logged, so the check above means something

    def test_secrets_of_known_plugins(self, tmp_path: Path) -> None:
        contacts = Contacts.from_file(
            write_contacts(
                tmp_path,
                "urls:\n"
                f"  - wecombot://{WECOM_KEY}\n"
                f"  - dingtalk://{DING_SECRET}@{DING_TOKEN}\n"
                "  - mailtos://user:p%40ss%2Fw0rd@smtp.example.cn?to=a@b.cn\n"
                "  - json://jsonuser:jsonpass99@127.0.0.1:9/x\n",
            )
        )
        wecom, ding, mail, js = (secrets_of(s) for s in contacts.servers)
        assert WECOM_KEY in wecom
        assert {DING_TOKEN, DING_SECRET} <= ding
        assert "p@ss/w0rd" in mail
        assert "jsonpass99" in js
        assert "127.0.0.1" not in js and "smtp.example.cn" not in mail

    def test_scrubber_replaces_longest_first(self) -> None:
        scrub = Scrubber(["abcd", "abcdefgh", "xy"])
        assert scrub("key=abcdefgh; k2=abcd; xy stays") == "key=****; k2=****; xy stays"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("abc", 3, "abc"),
        ("abcd", 3, "a~~"),
        ("中文字", 9, "中文字"),
        ("中文字", 8, "中文~~"),  # 6 bytes budget -> two characters
        ("中文字", 7, "中~~"),  # 5 bytes budget -> one whole character, never half of one
        ("中文字", 5, "中~~"),
        ("中文字", 4, "~~"),
    ],
)
def test_trim_utf8_cuts_on_character_boundaries(text: str, limit: int, expected: str) -> None:
    assert trim_utf8(text, limit, marker="~~") == expected


def test_debug_logging_turned_back_on_is_still_scrubbed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with wecom_sink(tmp_path, {"errcode": 0, "errmsg": "ok"}) as (_sink, sender):
        # Someone debugging turns the noisy loggers back on after the sender quieted them.
        for name in ("apprise", "urllib3"):
            caplog.set_level(logging.DEBUG, logger=name)
        outcome = sender.send(HANDLER, plain("t", "b"))
    assert outcome.ok
    messages = [r.getMessage() for r in caplog.records]
    assert any("/cgi-bin/webhook/send?key=****" in m for m in messages)  # the request line was logged...
    assert not [m for m in messages if WECOM_KEY in m]  # ...with the key scrubbed


def test_apprise_retry_in_the_contacts_file_is_ignored(tmp_path: Path) -> None:
    with HttpSink(status=500, reply={}) as sink:
        sender = sender_for(
            tmp_path, f"urls:\n  - json://127.0.0.1:{sink.port}/hook?retry=3&wait=0:\n      - tag: role-leader\n"
        )
        outcome = sender.send(Recipient(None, "leader"), plain("t", "b"))
    assert not outcome.ok
    assert len(sink.received) == 1  # the outbox retries, durably; Apprise must not


class TestTargets:
    """Each contact of a recipient is a target with a stable id that holds no secret; a send can name targets."""

    def test_target_ids_are_stable_distinct_and_secret_free(self, tmp_path: Path) -> None:
        twin = WECOM_KEY[0] + "another-key-9876543210" + WECOM_KEY[-1]  # masks like WECOM_KEY: same first, last
        password = "Sm7pPassw0rd"
        text = (f"urls:\n  - wecombot://{WECOM_KEY}:\n      - tag: unit-zhenlong, role-handler\n"
                f"  - wecombot://{twin}:\n      - tag: unit-zhenlong, role-handler\n"
                f"  - mailtos://duban:{password}@127.0.0.1:1?from=a@b.cn&to=c@d.cn:\n"
                "      - tag: unit-zhenlong, role-handler\n")
        first, again = sender_for(tmp_path, text).targets(HANDLER), sender_for(tmp_path, text).targets(HANDLER)
        assert [t.id for t in first] == [t.id for t in again]  # a new process names them the same
        assert [t.service for t in first] == ["wecombot", "wecombot", "mailtos"]
        assert first[0].url == first[1].url  # masked alike, told apart by the unmasked URL, not by file order:
        assert "#" not in first[0].id + first[1].id and first[0].id != first[1].id
        assert len({t.id for t in first}) == 3
        for secret in (WECOM_KEY, twin, password):
            assert secret not in repr(first)

    def test_only_sends_to_the_named_targets(self, tmp_path: Path) -> None:
        with HttpSink(reply={}) as a, HttpSink(reply={}) as b:
            tags = "      - tag: unit-zhenlong, role-handler\n"
            sender = sender_for(
                tmp_path, f"urls:\n  - json://127.0.0.1:{a.port}/a:\n{tags}  - json://127.0.0.1:{b.port}/b:\n{tags}"
            )
            first, second = sender.targets(HANDLER)
            outcome = sender.send(HANDLER, plain("t", "b"), only={second.id})
            unknown = sender.send(HANDLER, plain("t", "b"), only={"0123456789abcdef"})
        assert outcome.ok and [(r.target, r.ok) for r in outcome.targets] == [(second.id, True)]
        assert (len(a.received), len(b.received)) == (0, 1)
        assert unknown == SendOutcome(
            ok=False, targets=[], error="no contact of tags unit-zhenlong+role-handler has the target id(s) asked for")
        assert first.id != second.id

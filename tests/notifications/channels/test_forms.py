"""Each contact gets the message in its channel's form, through the real Apprise plugins to real local servers.

Mail goes to a real SMTP server (:class:`MailCatcher`, aiosmtpd); the WeCom and DingTalk plugins post to a local
HTTP sink (their ``notify_url`` pointed at it, the platform notes' recipe). Nothing of ours is mocked. The WeCom
2048-byte cap is checked on what the sink received.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import apprise
import pytest
from apprise.plugins.dingtalk import NotifyDingTalk
from apprise.plugins.wechat import NotifyWeChat
from apprise.plugins.wecombot import NotifyWeComBot

from notifications.channels.contacts import Contacts, Recipient
from notifications.channels.mailcatcher import MailCatcher
from notifications.channels.router import ContactsSender
from notifications.channels.send import (
    WECOM_TEXT_LIMIT,
    AppriseSender,
    channel_form,
    cut_to_bytes,
    truncation_note,
)
from notifications.delivery.dispatch import Job
from notifications.messages.render import RenderedMessage
from tests.notifications.helpers import HttpSink, write_contacts

WECOM_KEY = "duban-wecom-key-0123456789abcdef"
DING_TOKEN = "dingtoken0123456789abcdef"
HANDLER = Recipient("zhenlong", "handler")
TAGS = "      - tag: unit-zhenlong, role-handler\n"

CONTACT = "联系人：市科工商务局督查股李明，电话：0668-8812345，邮箱：dbk@kgswj.xinyi.example"
SIGNOFF = ["市科工商务局", "2016年6月23日"]

# One message, three forms that differ, so each target's form can be told apart.
MESSAGE = RenderedMessage(
    title="【催办】请于6月14日前报送2016年上半年工作进展情况",
    body="镇隆镇人民政府：\n请填写附件报表，经分管领导审核后发送至dbk@kgswj.xinyi.example。\n" + CONTACT,
    text="镇隆镇人民政府：\n请将报表经分管领导审核后发送至dbk@kgswj.xinyi.example，或致电0668-8812345联系报送。\n"
         + CONTACT,
    markdown="镇隆镇人民政府：\n请于**6月14日(星期二)**前报送：\n1. 项目建设进展情况\n2. 各项工作进展情况\n" + CONTACT,
    items=2,
)


def digest(items: int) -> RenderedMessage:
    """A coordinator's digest shaped as the templates lay one out: 称谓, lead-in, numbered list, ask, contact, 落款."""
    towns = ["镇隆镇", "金垌镇", "北界镇", "合水镇", "钱排镇", "白石镇"]
    entries = [f"{i}. {towns[i % len(towns)]}2016年上半年项目建设和各项工作进展情况（逾期{i}个工作日，已于6月7日催办）"
               for i in range(1, items + 1)]
    text = "\n".join(["市科工商务局：", f"截至6月23日，以下{items}项工作仍未报送：", *entries,
                      "请于6月28日前督促上述单位报送。", CONTACT, "", *SIGNOFF])
    return RenderedMessage(title=f"【督办汇总】截至6月23日共{items}项未报送", body=text, items=items)


def sender_for(tmp_path: Path, yaml_text: str) -> AppriseSender:
    return AppriseSender(Contacts.from_file(write_contacts(tmp_path, yaml_text)), min_gap_seconds=0)


def server_of(tmp_path: Path, url: str) -> object:
    (server,) = Contacts.from_file(write_contacts(tmp_path, f"urls:\n  - {url}\n")).servers
    return server


@contextmanager
def wecom(tmp_path: Path) -> Iterator[tuple[HttpSink, AppriseSender]]:
    with HttpSink(reply={"errcode": 0, "errmsg": "ok"}) as sink:
        # NotifyWeComBot builds its API URL in __init__: redirect it before the contacts are loaded.
        with mock.patch.object(NotifyWeComBot, "notify_url", sink.url("/cgi-bin/webhook/send?key={key}")):
            sender = sender_for(tmp_path, f"urls:\n  - wecombot://{WECOM_KEY}:\n{TAGS}")
        yield sink, sender


class TestChannelForm:
    @pytest.mark.parametrize(("url", "form", "body_format"), [
        ("mailto://127.0.0.1:25?mode=insecure&from=a@b.cn&to=c@d.cn", "email", "text"),
        ("mailtos://duban:formsMailPass0099@smtp.example.cn?to=c@d.cn", "email", "text"),
        # An HTML mailbox: Apprise makes the HTML from the plain text.
        ("mailto://127.0.0.1:25?mode=insecure&from=a@b.cn&to=c@d.cn&format=html", "email", "text"),
        (f"dingtalk://{DING_TOKEN}", "text", "text"),
        (f"dingtalk://{DING_TOKEN}?format=markdown", "markdown", "markdown"),
        ("wechat://ww5678corp:formsAppSecret0099@1000002/@zhangsan", "text", "text"),
        ("wechat://ww5678corp:formsAppSecret0099@1000002/@zhangsan?format=markdown", "markdown", "markdown"),
        (f"wecombot://{WECOM_KEY}", "text", "text"),
        # The 2.0.1 wecombot plugin posts msgtype text whatever its format: the text form, stated as markdown so
        # that Apprise escapes nothing.
        (f"wecombot://{WECOM_KEY}?format=markdown", "text", "markdown"),
        ("feishu://feishutoken0123456789", "text", "text"),
        ("json://127.0.0.1:9/hook", "text", "text"),
    ])
    def test_form_per_contact(self, tmp_path: Path, url: str, form: str, body_format: str) -> None:
        server = server_of(tmp_path, url)
        assert channel_form(server, url.split("://")[0]) == (form, apprise.NotifyFormat(body_format))


class TestFormsReachTheirChannels:
    def test_one_send_gives_each_contact_its_own_form(self, tmp_path: Path) -> None:
        sheet = tmp_path / "进度报表.xlsx"
        sheet.write_bytes(b"PK\x03\x04 workbook \xe4\xb8\xad")
        with MailCatcher(tmp_path / "mail") as catcher, HttpSink() as wecom_sink, HttpSink() as ding_sink:
            mail_url = f"mailto://127.0.0.1:{catcher.port}?mode=insecure&from=duban@localhost&to=zl@duban.local"
            with mock.patch.object(NotifyWeComBot, "notify_url", wecom_sink.url("/cgi-bin/webhook/send?key={key}")):
                sender = sender_for(tmp_path, f"urls:\n  - {mail_url}:\n{TAGS}  - wecombot://{WECOM_KEY}:\n{TAGS}"
                                              f"  - dingtalk://{DING_TOKEN}?format=markdown:\n{TAGS}")
            with mock.patch.object(NotifyDingTalk, "notify_url", ding_sink.url("/robot/send?access_token={token}")):
                outcome = sender.send(HANDLER, MESSAGE, [sheet])
            caught = catcher.messages()
        assert outcome.ok, outcome
        assert [t.service for t in outcome.targets] == ["mailto", "wecombot", "dingtalk"]
        assert outcome.targets[1].detail == "delivered; this channel carries no attachments; sent without them"

        (mail,) = caught  # the email form, with the workbook
        assert mail["Subject"] == MESSAGE.title
        plain = mail.get_body(("plain",))
        assert plain is not None and plain.get_content().replace("\r\n", "\n").strip() == MESSAGE.body
        (attachment,) = list(mail.iter_attachments())
        assert attachment.get_filename() == "进度报表.xlsx" and attachment.get_content() == sheet.read_bytes()

        (wecom_request,) = wecom_sink.received  # the text form, the title folded in, untouched (it is short)
        assert wecom_request.json() == {"msgtype": "text", "text": {"content": f"{MESSAGE.title}\n{MESSAGE.text}"}}

        (ding_request,) = ding_sink.received  # the markdown form, as written: no escaped * . (
        sent = ding_request.json()
        assert sent["msgtype"] == "markdown"
        assert sent["markdown"] == {"title": MESSAGE.title, "text": f"# {MESSAGE.title}\n{MESSAGE.markdown}"}
        assert "**6月14日(星期二)**" in sent["markdown"]["text"] and "\\" not in sent["markdown"]["text"]

    def test_dingtalk_without_format_gets_the_text_form(self, tmp_path: Path) -> None:
        sender = sender_for(tmp_path, f"urls:\n  - dingtalk://{DING_TOKEN}:\n{TAGS}")
        with HttpSink() as sink, mock.patch.object(NotifyDingTalk, "notify_url",
                                                   sink.url("/robot/send?access_token={token}")):
            outcome = sender.send(HANDLER, MESSAGE)
        assert outcome.ok, outcome
        sent = sink.received[0].json()
        assert sent["msgtype"] == "text" and sent["text"] == {"content": f"{MESSAGE.title}\r\n{MESSAGE.text}"}

    def test_wecom_app_set_to_markdown_gets_the_markdown_form_with_a_bold_title(self, tmp_path: Path) -> None:
        sender = sender_for(tmp_path, f"urls:\n  - wechat://ww5678corp:formsAppSecret0099@1000002/@zhangsan?format=markdown:\n"
                                      f"{TAGS}")
        reply = {"errcode": 0, "errmsg": "ok", "access_token": "token-from-the-sink", "expires_in": 7200}
        with HttpSink(reply=reply) as sink, mock.patch.object(NotifyWeChat, "token_url", sink.url("/gettoken")), \
                mock.patch.object(NotifyWeChat, "notify_url", sink.url("/message/send")):
            outcome = sender.send(HANDLER, MESSAGE)
        assert outcome.ok, outcome
        token_request, send_request = sink.received
        assert token_request.method == "GET" and token_request.path.startswith("/gettoken?")
        assert send_request.path == "/message/send?access_token=token-from-the-sink"
        sent = send_request.json()
        assert sent["msgtype"] == "markdown"
        assert sent["markdown"] == {"content": f"**{MESSAGE.title}**\n{MESSAGE.markdown}"}

    def test_the_dispatchers_sender_passes_the_whole_message(self, tmp_path: Path) -> None:
        with HttpSink() as sink:
            with mock.patch.object(NotifyWeComBot, "notify_url", sink.url("/cgi-bin/webhook/send?key={key}")):
                contacts = Contacts.from_file(write_contacts(tmp_path, f"urls:\n  - wecombot://{WECOM_KEY}:\n{TAGS}"))
            sender = ContactsSender(contacts, min_gap_seconds=0)
            job = Job(outbox_id=1, recipient=HANDLER.key, role="handler", stage="urge", level=1, message=MESSAGE)
            outcome = sender.send(job)
        assert outcome.error is None and [t.ok for t in outcome.targets] == [True]
        assert sink.received[0].json()["text"]["content"] == f"{MESSAGE.title}\n{MESSAGE.text}"

    def test_a_plain_title_and_body_go_the_same_on_every_channel(self, tmp_path: Path) -> None:
        with wecom(tmp_path) as (sink, sender):
            outcome = sender.send(HANDLER, RenderedMessage(title="【测试】通道测试", body="这是一条测试消息。"))
        assert outcome.ok
        assert sink.received[0].json()["text"]["content"] == "【测试】通道测试\n这是一条测试消息。"


class TestWeComByteLimit:
    def test_a_30_item_digest_is_cut_at_whole_lines_keeping_title_contact_and_signoff(self, tmp_path: Path) -> None:
        message = digest(30)
        folded = f"{message.title}\n{message.body}"
        assert len(folded.encode("utf-8")) > WECOM_TEXT_LIMIT + 1000  # far over: the cut has work to do
        with wecom(tmp_path) as (sink, sender):
            outcome = sender.send(HANDLER, message)
        assert outcome.ok, outcome
        content = sink.received[0].json()["text"]["content"]
        assert len(content.encode("utf-8")) <= WECOM_TEXT_LIMIT
        got, original = content.split("\n"), folded.split("\n")
        marker = truncation_note(30)
        assert marker == "（共30项，此处未能全部列出，详见邮件或联系督办单位）"
        assert got.count(marker) == 1
        cut = got.index(marker)
        # Whole lines only: before the marker a prefix of the original, after it a suffix of it.
        assert got[:cut] == original[:cut]
        assert got[cut + 1:] == original[len(original) - (len(got) - cut - 1):]
        assert got[0] == message.title
        assert got[-4:] == [CONTACT, "", *SIGNOFF]
        assert got[cut + 1] == "请于6月28日前督促上述单位报送。"  # what follows the list stays
        kept = [line for line in got if line[:1].isdigit() and ". " in line]
        assert [int(line.split(".")[0]) for line in kept] == list(range(1, len(kept) + 1))
        assert 5 < len(kept) < 30  # the first entries, as many as fit
        # As many as fit: one more entry would not.
        one_more = [*got[:cut], original[cut], *got[cut:]]
        assert len("\n".join(one_more).encode("utf-8")) > WECOM_TEXT_LIMIT
        assert outcome.targets[0].detail == f"delivered; cut to 2048 bytes at whole lines ({30 - len(kept)} left out)"

    def test_a_short_message_is_untouched(self, tmp_path: Path) -> None:
        message = digest(3)
        with wecom(tmp_path) as (sink, sender):
            outcome = sender.send(HANDLER, message)
        assert sink.received[0].json()["text"]["content"] == f"{message.title}\n{message.body}"
        assert outcome.targets[0].detail == "delivered"

    def test_a_line_too_long_to_keep_is_left_out_whole(self, tmp_path: Path) -> None:
        body = "督办内容" * 1250  # one line of 15000 bytes
        with wecom(tmp_path) as (sink, sender):
            outcome = sender.send(HANDLER, RenderedMessage(title="【催办】标题", body=body))
        assert outcome.ok
        assert sink.received[0].json()["text"]["content"] == f"【催办】标题\n{truncation_note(0)}"
        assert outcome.targets[0].detail == "delivered; cut to 2048 bytes at whole lines (1 left out)"

    def test_only_a_title_over_the_limit_is_cut_inside_a_line_on_a_character(self, tmp_path: Path) -> None:
        title = "督办" * 400  # 2400 bytes: the last resort
        with wecom(tmp_path) as (sink, sender):
            outcome = sender.send(HANDLER, RenderedMessage(title=title, body="正文"))
        assert outcome.ok
        content = sink.received[0].json()["text"]["content"]
        raw = content.encode("utf-8")
        assert len(raw) <= WECOM_TEXT_LIMIT and len(raw) > WECOM_TEXT_LIMIT - 3  # whole characters, no more lost
        assert content.startswith("督办督办") and content.endswith(truncation_note(0))
        assert outcome.targets[0].detail == "delivered; cut to 2048 bytes inside a line (no whole lines fit)"


def size(lines: list[str]) -> int:
    return len("\n".join(lines).encode("utf-8"))


class TestCutToBytes:
    """The rule, exactly: each case gives the limit as the size of the expected result, then one byte less.

    Entries are 61 bytes, so that leaving out two of them makes room for the note (about 80 bytes).
    """

    A, B, C, D = (f"{n}. {letter * 58}" for n, letter in zip("1234", "abcd", strict=True))
    LINES = ["T", "intro", A, B, C, D, "after", "contact", "unit", "date"]
    TEXT = "\n".join(LINES)

    def test_what_fits_is_untouched(self) -> None:
        assert cut_to_bytes(self.TEXT, size(self.LINES)) == (self.TEXT, "")

    def test_the_list_loses_entries_from_its_end_and_the_note_takes_their_place(self) -> None:
        note = truncation_note(4)
        two = ["T", "intro", self.A, self.B, note, "after", "contact", "unit", "date"]
        one = ["T", "intro", self.A, note, "after", "contact", "unit", "date"]
        assert size(two) < size(self.LINES)
        assert cut_to_bytes(self.TEXT, size(two), items=4) == (
            "\n".join(two), f"cut to {size(two)} bytes at whole lines (2 left out)")
        assert cut_to_bytes(self.TEXT, size(two) - 1, items=4)[0] == "\n".join(one)

    def test_then_the_lines_after_the_list_then_those_before_it(self) -> None:
        note = truncation_note(4)
        with_after = ["T", "intro", note, "after", "contact", "unit", "date"]
        intro = ["T", "intro", note, "contact", "unit", "date"]
        bare = ["T", note, "contact", "unit", "date"]
        assert cut_to_bytes(self.TEXT, size(with_after), items=4)[0] == "\n".join(with_after)
        assert cut_to_bytes(self.TEXT, size(with_after) - 1, items=4)[0] == "\n".join(intro)
        assert cut_to_bytes(self.TEXT, size(bare), items=4)[0] == "\n".join(bare)

    def test_without_a_list_the_middle_loses_lines_from_its_end_and_the_note_speaks_of_content(self) -> None:
        paragraphs = [f"paragraph {n} " + "x" * 80 for n in range(3)]
        lines = ["T", *paragraphs, "contact", "", "unit", "date"]
        note = truncation_note(0)
        assert note == "（内容较长，此处从略，详见邮件或联系督办单位）"
        expected = ["T", paragraphs[0], note, "contact", "", "unit", "date"]
        # items=7, but no list entry was left out: no "（共7项" claim.
        assert cut_to_bytes("\n".join(lines), size(expected), items=7)[0] == "\n".join(expected)

    def test_items_zero_with_a_list_cut_speaks_of_content(self) -> None:
        expected = ["T", "intro", self.A, self.B, truncation_note(0), "after", "contact", "unit", "date"]
        assert cut_to_bytes(self.TEXT, size(expected), items=0)[0] == "\n".join(expected)

    @pytest.mark.parametrize("numbering", [("- ", "- ", "- "), ("1、", "2、", "3、"), ("（1）", "（2）", "（3）"),
                                           ("(1)", "(2)", "(3)"), ("1) ", "2) ", "3) "), ("1．", "2．", "3．")])
    def test_markdown_bullets_and_other_numbering_are_list_entries(self, numbering: tuple[str, ...]) -> None:
        entries = [f"{mark}{'镇' * 30}" for mark in numbering]
        lines = ["T", "intro", *entries, "after", "c", "u", "d"]
        expected = ["T", "intro", entries[0], truncation_note(3), "after", "c", "u", "d"]
        assert cut_to_bytes("\n".join(lines), size(expected), items=3)[0] == "\n".join(expected)

    def test_bold_text_and_dates_do_not_start_an_entry(self) -> None:
        bold, dated = "**6月14日(星期二)**前报送" + "x" * 60, "2016年6月14日前报送" + "x" * 60
        lines = ["T", bold, dated, self.A, self.B, "c", "u", "d"]
        expected = ["T", bold, dated, truncation_note(2), "c", "u", "d"]
        assert cut_to_bytes("\n".join(lines), size(expected), items=2)[0] == "\n".join(expected)

    def test_never_more_than_the_limit_and_never_inside_a_character(self) -> None:
        tail = ["联系人：李明", "市科工商务局", "2016年6月23日"]
        text = "\n".join(["标题", *[f"{i}. 镇隆镇工作进展" for i in range(1, 40)], *tail])
        for limit in range(size(["标题", truncation_note(39), *tail]), len(text.encode()) + 1):
            out, _ = cut_to_bytes(text, limit, items=39)
            got = out.split("\n")
            assert len(out.encode("utf-8")) <= limit
            assert got[0] == "标题" and got[-3:] == tail
            assert set(got) <= {*text.split("\n"), truncation_note(39)}  # whole lines of the text, and the note

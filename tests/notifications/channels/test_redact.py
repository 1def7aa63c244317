"""The one redaction: every Apprise URL form, free text, the known-secret scrubber and the log records."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import apprise
import pytest

from notifications.channels.contacts import Contacts
from notifications.channels.redact import (
    KNOWN,
    MASK,
    UNFORMATTABLE_EXCEPTION,
    Scrubber,
    basic_auth,
    is_secret_name,
    redact_text,
    redact_url,
    register_secrets,
    scrub,
    secrets_of,
    url_secrets,
)
from tests.notifications.helpers import write_contacts

# (configured URL, what redact_url makes of it, the secrets in it)
URL_FORMS = [
    pytest.param("json://duban:jsonPass99@127.0.0.1:8080/hook?+X-Token=hdrTok123&-apikey=qryKey456&:note=hello",
                 "json://duban:****@127.0.0.1:8080/hook?+X-Token=****&-apikey=****&:note=hello",
                 {"jsonPass99", "hdrTok123", "qryKey456"}, id="json user:pass, +header, -query"),
    pytest.param("jsons://hooks.example.cn/notify/a1b2c3d4e5f6?+Authorization=Bearer%20bearTok77&token=plainTok88",
                 "jsons://hooks.example.cn/notify/****?+Authorization=****&token=****",
                 {"a1b2c3d4e5f6", "Bearer%20bearTok77", "bearTok77", "plainTok88"}, id="jsons path token, header"),
    pytest.param("form://127.0.0.1/x?-secret=formSec1&+X-Api-Key=formKey2&mode=plain",
                 "form://127.0.0.1/x?-secret=****&+X-Api-Key=****&mode=plain", {"formSec1", "formKey2"}, id="form"),
    pytest.param("xml://127.0.0.1/api/v2/notify?key=xmlKey33&apikey=xmlKey44&secret=xmlSec55",
                 "xml://127.0.0.1/api/v2/notify?key=****&apikey=****&secret=****",
                 {"xmlKey33", "xmlKey44", "xmlSec55"}, id="xml plain key/apikey/secret"),
    pytest.param("wecombot://wecomKey0123456789", "wecombot://****", {"wecomKey0123456789"}, id="wecombot"),
    pytest.param("dingtalk://dingSecret01@dingToken02/13800138000", "dingtalk://****@****/13800138000",
                 {"dingSecret01", "dingToken02"}, id="dingtalk secret@token/mobile"),
    pytest.param("feishu://feishuTok03", "feishu://****", {"feishuTok03"}, id="feishu"),
    pytest.param("lark://larkTok04", "lark://****", {"larkTok04"}, id="lark"),
    pytest.param("wechat://ww1234corp:wechatSecret05@1000002/@all",
                 "wechat://ww1234corp:****@1000002/@all", {"wechatSecret05"}, id="wechat corpid:secret@agentid"),
    pytest.param("pushplus://" + "ab12" * 8, "pushplus://****", {"ab12" * 8}, id="pushplus"),
    pytest.param("schan://SCT123abcKey", "schan://****", {"SCT123abcKey"}, id="schan"),
    pytest.param("wxpusher://AT_wxpTok06/UID_someone", "wxpusher://****/UID_someone", {"AT_wxpTok06"},
                 id="wxpusher"),
    pytest.param("mailto://duban:mailPass07@127.0.0.1:2525?to=a@b.cn&from=x@y.cn",
                 "mailto://duban:****@127.0.0.1:2525?to=a@b.cn&from=x@y.cn", {"mailPass07"}, id="mailto user:pass"),
    pytest.param("mailtos://smtp.example.cn/a@b.cn?user=duban&pass=p%40ss%2Fw0rd",
                 "mailtos://smtp.example.cn/a@b.cn?user=duban&pass=****", {"p%40ss%2Fw0rd", "p@ss/w0rd"},
                 id="mailtos ?pass="),
    pytest.param("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wecomKey0123456789",
                 "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****", {"wecomKey0123456789"},
                 id="vendor API URL with ?key="),
    pytest.param("https://open.feishu.cn/open-apis/bot/v2/hook/feishuTok0123/",
                 "https://open.feishu.cn/open-apis/bot/v2/hook/****/", {"feishuTok0123"}, id="vendor API path token"),
    pytest.param("mailto://127.0.0.1:2525?mode=insecure&from=duban@localhost&to=zhenlong.handler@duban.local",
                 "mailto://127.0.0.1:2525?mode=insecure&from=duban@localhost&to=zhenlong.handler@duban.local",
                 set(), id="the default contact has nothing to hide"),
]


@pytest.mark.parametrize(("url", "expected", "secrets"), URL_FORMS)
def test_redact_url_masks_every_form(url: str, expected: str, secrets: set[str]) -> None:
    assert redact_url(url) == expected
    assert redact_url(expected) == expected  # idempotent
    assert secrets <= url_secrets(url)
    for secret in secrets:
        assert secret not in redact_url(url)


# Contacts whose plugin keeps a secret in its own URL (the xml plugin drops plain ?key= parameters; vendor API
# URLs are not contacts; the default contact holds none).
CONTACT_FORMS = [p for p in URL_FORMS if p.values[2] and not str(p.values[0]).startswith(("https://", "xml://"))]


@pytest.mark.parametrize(("url", "expected", "secrets"), CONTACT_FORMS)
def test_apprise_masked_form_is_masked_too(url: str, expected: str, secrets: set[str]) -> None:
    server = apprise.Apprise.instantiate(url)
    assert server is not None
    full, masked = str(server.url(privacy=False)), redact_url(str(server.url(privacy=True)))
    kept = {s for s in secrets if s in full}  # a plugin drops parameters it does not know (jsons ?token=)
    assert kept, full
    assert not [s for s in kept if s in masked], masked
    assert kept <= secrets_of(server)


def test_apprise_privacy_misses_headers_and_queries_we_do_not() -> None:
    server = apprise.Apprise.instantiate("json://127.0.0.1/hook?+X-Token=hdrTok123&-apikey=qryKey456")
    apprise_masked = str(server.url(privacy=True))
    assert "hdrTok123" in apprise_masked and "qryKey456" in apprise_masked  # why this module exists
    assert "hdrTok123" not in redact_url(apprise_masked) and "qryKey456" not in redact_url(apprise_masked)


def test_apprise_short_form_of_a_key_is_kept_but_a_password_is_masked_whole() -> None:
    assert redact_url("wecombot://W...3/?format=text") == "wecombot://W...3/?format=text"
    assert redact_url("wechat://corp:W...4@1000002/@all") == "wechat://corp:****@1000002/@all"


@pytest.mark.parametrize(
    ("name", "secret"),
    [("key", True), ("token", True), ("access_token", True), ("+X-Token", True), ("-apikey", True),
     ("api-key", True), ("corpsecret", True), ("Authorization", True), ("pass", True), ("password", True),
     ("to", False), ("from", False), ("user", False), ("mode", False), ("format", False), ("stage_key", False),
     ("errcode", False), (":note", False)],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


class TestText:
    def test_urls_inside_text_are_redacted(self) -> None:
        text = "Invalid target json://u:pw998877@h/x?+X-Token=abc12345, retry later."
        assert redact_text(text) == "Invalid target json://u:****@h/x?+X-Token=****, retry later."

    def test_a_requests_error_with_a_query_key(self) -> None:
        text = ("HTTPSConnectionPool(host='127.0.0.1', port=9): Max retries exceeded with url: "
                "/hook?apikey=qryKey456&x=1 (Caused by SSLError(...))")
        assert "qryKey456" not in redact_text(text) and "apikey=****&x=1" in redact_text(text)

    def test_ordinary_text_and_links_are_left_alone(self) -> None:
        text = ("View at http://127.0.0.1:4200/runs/flow-run/0a1b2c3d-4e5f-6a7b stage_key=reminder@-5 "
                "errcode=93000 镇隆镇 2016年上半年")
        assert redact_text(text) == text

    def test_vendor_reply_quoting_a_key(self) -> None:
        assert redact_text("invalid webhook url, hint: [key=abcd1234]") == "invalid webhook url, hint: [key=****]"

    def test_a_json_reply_with_a_runtime_token(self) -> None:
        reply = '{"errcode": 0, "errmsg": "ok", "access_token": "runtimeTok0123", "expires_in": 7200}'
        assert redact_text(reply) == '{"errcode": 0, "errmsg": "ok", "access_token": "****", "expires_in": 7200}'


class TestScrubber:
    def test_replaces_longest_first(self) -> None:
        scrub_ = Scrubber(["abcd", "abcdefgh", "xy"])
        assert scrub_("k1 abcdefgh; k2 abcd; xy stays") == "k1 ****; k2 ****; xy stays"

    def test_known_secrets_anywhere_and_in_their_encoded_forms(self) -> None:
        scrub_ = Scrubber(url_secrets("mailtos://duban:p%40ss%2Fw0rd99@smtp.example.cn"))
        for text in ("login failed for p@ss/w0rd99", "pass=p%40ss%2Fw0rd99", "p%40ss%2Fw0rd99",
                     f"Basic {basic_auth('duban', 'p@ss/w0rd99')}"):
            assert "w0rd99" not in scrub_(text) and "ZHViYW46cEBzcy93MHJkOTk" not in scrub_(text), text

    def test_secrets_of_known_plugins(self, tmp_path: Path) -> None:
        contacts = Contacts.from_file(write_contacts(tmp_path, (
            "urls:\n"
            "  - wecombot://duban-wecom-key-0123456789abcdef\n"
            "  - dingtalk://dingsecret0123456789@dingtoken0123456789abcdef\n"
            "  - mailtos://user:p%40ss%2Fw0rd@smtp.example.cn?to=a@b.cn\n"
            "  - json://jsonuser:jsonpass99@127.0.0.1:9/x?+X-Token=hdrTok123&-apikey=qryKey456\n"
            "  - wechat://ww1234corp:wechatSecret05@1000002/@all\n"
        )))
        wecom, ding, mail, js, wechat = (secrets_of(s) for s in contacts.servers)
        assert "duban-wecom-key-0123456789abcdef" in wecom
        assert {"dingtoken0123456789abcdef", "dingsecret0123456789"} <= ding
        assert {"p@ss/w0rd", "p%40ss%2Fw0rd", basic_auth("user", "p@ss/w0rd")} <= mail
        assert {"jsonpass99", "hdrTok123", "qryKey456"} <= js
        assert "wechatSecret05" in wechat
        assert not {"127.0.0.1", "smtp.example.cn", "user", "jsonuser", "ww1234corp", "1000002"} & (mail | js | wechat)
        # Loading them taught the process-wide scrubber.
        assert scrub("errcode 40001, corpsecret=wechatSecret05 hdrTok123") == "errcode 40001, corpsecret=**** ****"


def test_every_log_record_is_scrubbed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    Contacts.from_file(write_contacts(tmp_path, "urls:\n  - json://127.0.0.1:9/x?+X-Token=logTok0123456\n"))
    caplog.set_level(logging.DEBUG)
    child = logging.getLogger("urllib3.connectionpool")  # a child logger: a filter on "urllib3" never sees it
    child.setLevel(logging.DEBUG)
    try:
        child.debug('%s "%s %s"', "http://127.0.0.1:9", "POST", "/x?token=logTok0123456")
        try:
            raise ValueError("the server said logTok0123456 is wrong")
        except ValueError:
            logging.getLogger("apprise").exception("send failed with %s", "logTok0123456")
    finally:
        child.setLevel(logging.NOTSET)
    text = caplog.text
    assert len(caplog.records) == 2 and "the server said **** is wrong" in text
    assert "logTok0123456" not in text and MASK in text
    assert len(KNOWN) > 0


@pytest.fixture
def plain_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing to a string through a plain StreamHandler (not pytest's), secrets registered."""
    register_secrets({"badLogTok98765"})
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    log = logging.getLogger("tests.redact.plain")
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(logging.INFO)
    yield log, out
    log.removeHandler(handler)
    log.propagate = True


def test_a_record_whose_message_cannot_be_formatted_is_scrubbed_not_printed_raw(
        plain_log: tuple[logging.Logger, io.StringIO], capsys: pytest.CaptureFixture[str]) -> None:
    log, out = plain_log

    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("no str")

    log.info("bad arity %s %s", "badLogTok98765")  # logging's handleError would print the args raw
    log.info(Unprintable())
    text = out.getvalue() + capsys.readouterr().err
    assert "badLogTok98765" not in text
    assert text.splitlines() == ["bad arity %s %s ('****',)", "<unprintable Unprintable> ()"]


def test_a_record_whose_exception_cannot_be_formatted_does_not_raise_into_the_caller(
        plain_log: tuple[logging.Logger, io.StringIO]) -> None:
    log, out = plain_log
    log.error("odd tuple", exc_info=(ValueError, "not an exception", None))  # type: ignore[arg-type]
    try:
        raise ValueError("badLogTok98765 rejected")
    except ValueError:
        log.exception("normal")
    text = out.getvalue()
    assert text.startswith(f"odd tuple\n{UNFORMATTABLE_EXCEPTION}\nnormal\nTraceback")
    assert "ValueError: **** rejected" in text and "badLogTok98765" not in text

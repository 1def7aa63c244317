"""The local SMTP catcher: a real aiosmtpd server on 127.0.0.1, real smtplib clients."""

from __future__ import annotations

import re
import select
import signal
import smtplib
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

from models.errors import NotificationError
from notifications.channels.mailcatcher import MailCatcher, read_messages
from tests.conftest import ROOT


def chinese_mail(subject: str = "【督办单】关于督促镇隆镇办理进度报表报送的督办通知") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "duban@localhost"
    message["To"] = "zhenlong.head@duban.local"
    message["Subject"] = subject
    message.set_content("镇隆镇主要负责同志：\n    请于2016年6月6日(星期一)前报送。\n")
    message.add_attachment(
        b"PK\x03\x04workbook",
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename="进度报表.xlsx",
    )
    return message


def send(port: int, message: EmailMessage, bcc: list[str] | None = None) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.send_message(message, to_addrs=[str(message["To"]), *(bcc or [])])


def test_mailcatcher_keeps_chinese_subject_body_and_attachment(tmp_path: Path) -> None:
    with MailCatcher(tmp_path / "mail") as catcher:
        assert catcher.port > 0
        send(catcher.port, chinese_mail(), bcc=["coordinator@duban.local"])
        (caught,) = catcher.messages()
    assert caught["Subject"] == "【督办单】关于督促镇隆镇办理进度报表报送的督办通知"
    body = caught.get_body(("plain",))
    assert body is not None and "请于2016年6月6日(星期一)前报送" in body.get_content()
    (attachment,) = list(caught.iter_attachments())
    assert attachment.get_filename() == "进度报表.xlsx"
    assert attachment.get_content() == b"PK\x03\x04workbook"
    assert caught["X-Envelope-From"] == "duban@localhost"
    assert caught["X-Envelope-To"] == "zhenlong.head@duban.local, coordinator@duban.local"


def test_mailcatcher_stores_eml_files_in_order(tmp_path: Path) -> None:
    store = tmp_path / "mail"
    with MailCatcher(store) as catcher:
        for n in range(3):
            send(catcher.port, chinese_mail(subject=f"第{n}封"))
    files = sorted(p.name for p in store.iterdir())
    assert len(files) == 3
    assert all(re.fullmatch(r"\d{8}T\d{12}Z-\d{6}\.eml", name) for name in files)
    assert [m["Subject"] for m in read_messages(store)] == ["第0封", "第1封", "第2封"]
    assert [m["Subject"] for m in read_messages(store, limit=2)] == ["第1封", "第2封"]
    assert read_messages(store, limit=0) == []


def test_mailcatcher_stop_is_idempotent_and_frees_the_port(tmp_path: Path) -> None:
    catcher = MailCatcher(tmp_path / "mail").start()
    port = catcher.port
    catcher.stop()
    catcher.stop()
    assert catcher.port == port
    with pytest.raises(OSError):
        send(port, chinese_mail())
    with MailCatcher(tmp_path / "mail", port=port) as again:
        send(again.port, chinese_mail())
        assert len(again.messages()) == 1


def test_mailcatcher_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    with MailCatcher(tmp_path / "a") as first, pytest.raises(NotificationError, match="cannot listen on 127.0.0.1"):
        MailCatcher(tmp_path / "b", port=first.port).start()


def test_mailcatcher_twice_started_is_an_error(tmp_path: Path) -> None:
    with MailCatcher(tmp_path / "a") as catcher, pytest.raises(NotificationError, match="already running"):
        catcher.start()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "localhost", "example.org"])
def test_mailcatcher_listens_on_loopback_only(tmp_path: Path, host: str) -> None:
    with pytest.raises(NotificationError, match="not a loopback IP address"):
        MailCatcher(tmp_path, host=host)


def test_mailcatcher_command_line(tmp_path: Path) -> None:
    store = tmp_path / "mail"
    process = subprocess.Popen(
        [sys.executable, "-m", "notifications.channels.mailcatcher", "--dir", str(store), "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 15)
        assert ready, "the catcher printed nothing within 15 s"
        line = process.stdout.readline()
        found = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        assert found, line
        send(int(found.group(1)), chinese_mail())
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
    assert [m["Subject"] for m in read_messages(store)] == ["【督办单】关于督促镇隆镇办理进度报表报送的督办通知"]

"""The joint meeting's notice: members are invited to attend; the convener is not invited to its own meeting."""

from __future__ import annotations

import datetime as dt

from models.dates import local_tz
from notifications.messages.render import render_values

AT = dt.datetime(2016, 6, 20, 9, 30, tzinfo=local_tz())


def _notice(unit: str) -> str:
    return render_values("meeting_invitation", {
        "unit_name": unit, "meeting_title": "部门间联席会议", "starts_at": AT, "place": "市政府第一会议室",
        "agenda": [], "coordinator": "市科工商务局", "has_ics": True}).body


def test_a_member_is_invited_to_attend() -> None:
    body = _notice("市发改局")
    assert "请你单位分管负责同志准时参加" in body and "请于会前准备本单位工作进展情况" in body


def test_the_convener_is_told_to_prepare_and_minute_not_to_attend() -> None:
    body = _notice("市科工商务局")
    assert "准时参加" not in body and "会议通知已发各成员单位" in body and "会议纪要" in body

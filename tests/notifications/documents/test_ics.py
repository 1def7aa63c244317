"""notifications.documents.ics: the joint meeting's invitation, read back with icalendar."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from icalendar import Calendar

from notifications.documents.ics import meeting_ics

TZ = dt.timezone(dt.timedelta(hours=8))
STARTS = dt.datetime(2016, 6, 20, 9, 30, tzinfo=TZ)
STAMP = dt.datetime(2016, 6, 13, 10, 0, tzinfo=TZ)
MEMBERS = [("信宜市发展和改革局", "fgj"), ("信宜市财政局", "czj")]


def _ics(**overrides: Any) -> bytes:
    args: dict[str, Any] = {
        "plan_code": "xinyi-2015-2017", "meeting_id": 7, "title": "联席会议", "starts_at": STARTS,
        "place": "市政府三楼会议室", "organizer": "信宜市人民政府办公室", "members": MEMBERS, "stamp": STAMP,
    }
    return meeting_ics(**(args | overrides))


def _event(data: bytes) -> Any:
    cal = Calendar.from_ical(data)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_meeting_ics_is_a_request_with_organizer_attendees_and_utc_times() -> None:
    data = _ics()
    cal = Calendar.from_ical(data)
    assert str(cal["METHOD"]) == "REQUEST" and str(cal["VERSION"]) == "2.0"
    event = _event(data)
    assert event.decoded("DTSTART") == dt.datetime(2016, 6, 20, 1, 30, tzinfo=dt.UTC)
    assert event.decoded("DTEND") == dt.datetime(2016, 6, 20, 3, 30, tzinfo=dt.UTC)
    assert event.decoded("DTSTAMP") == dt.datetime(2016, 6, 13, 2, 0, tzinfo=dt.UTC)
    assert b"DTSTART:20160620T013000Z\r\n" in data
    organizer = event["ORGANIZER"]
    assert str(organizer) == "urn:duban:role-coordinator"
    assert organizer.params["CN"] == "信宜市人民政府办公室"
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == ["urn:duban:unit-fgj+role-head", "urn:duban:unit-czj+role-head"]
    assert [a.params["CN"] for a in attendees] == ["信宜市发展和改革局", "信宜市财政局"]
    assert str(event["SUMMARY"]) == "联席会议"


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_meeting_ics_place_with_a_line_break_stays_one_location(newline: str) -> None:
    place = newline.join(["三楼会议室", "ATTENDEE:evil", "METHOD:CANCEL;x,y"])
    data = _ics(place=place)
    assert b"\nATTENDEE:evil" not in data and b"\nMETHOD:CANCEL" not in data
    event = _event(data)
    assert len(event.property_items(recursive=False)) == len(_event(_ics()).property_items(recursive=False))
    assert str(event["LOCATION"]) == "\n".join(["三楼会议室", "ATTENDEE:evil", "METHOD:CANCEL;x,y"])
    assert [str(a) for a in event["ATTENDEE"]] == ["urn:duban:unit-fgj+role-head", "urn:duban:unit-czj+role-head"]
    assert str(Calendar.from_ical(data)["METHOD"]) == "REQUEST"


def test_meeting_ics_folds_long_chinese_text_within_75_octets() -> None:
    title = "信宜市贯彻落实广东省实施珠三角规划纲要联席会议" * 6
    data = _ics(title=title, place="信宜市人民政府大院三号楼三楼第一会议室" * 5)
    lines = data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # it did fold
    for line in lines:
        line.decode("utf-8")  # no character split across a fold
    assert str(_event(data)["SUMMARY"]) == title


def test_meeting_ics_uid_is_stable_per_meeting() -> None:
    first, second = _event(_ics()), _event(_ics(stamp=STAMP + dt.timedelta(days=1), place="另一会议室"))
    assert str(first["UID"]) == str(second["UID"]) == "meeting-7.xinyi-2015-2017@duban"
    assert str(_event(_ics(meeting_id=8))["UID"]) != str(first["UID"])


def test_meeting_ics_rejects_a_naive_start() -> None:
    with pytest.raises(ValueError, match="naive"):
        _ics(starts_at=dt.datetime(2016, 6, 20, 9, 30))

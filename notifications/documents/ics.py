"""The joint meeting's invitation as an iCalendar (.ics) file, built with the ``icalendar`` package.

The package does what a hand-written file got wrong: text values are escaped (a place containing a line break
stays one LOCATION instead of injecting properties), long lines are folded at 75 octets without splitting a
UTF-8 character, and parameters such as CN are quoted when they need it.

duban keeps no e-mail addresses: contacts are Apprise URLs found by tag. So each calendar address is
``urn:duban:<recipient key>`` — the key the invitation itself is queued to (``role-coordinator`` for the
convener, ``unit-<code>+role-head`` for each member) — with the unit's name as CN, which is what calendar
clients show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from icalendar import Calendar, Event, vCalAddress

from models.dates import to_utc
from models.enums import Role, recipient_key

PRODID = "-//duban//joint-meeting//ZH"
MEETING_LENGTH = dt.timedelta(hours=2)


def meeting_uid(plan_code: str, meeting_id: int) -> str:
    """The UID of a meeting's invitation: the same for every file about that meeting, so a resend replaces it."""
    return f"meeting-{meeting_id}.{plan_code}@duban"


def _address(name: str, key: str, role: str | None = None) -> vCalAddress:
    """A calendar address for the unit ``name`` reached through recipient ``key``; ``role`` for an attendee."""
    addr = vCalAddress(f"urn:duban:{key}")
    addr.params["CN"] = name
    if role is not None:
        addr.params["ROLE"] = role
    return addr


def meeting_ics(
    *,
    plan_code: str,
    meeting_id: int,
    title: str,
    starts_at: dt.datetime,
    place: str,
    organizer: str,
    members: Sequence[tuple[str, str]],
    stamp: dt.datetime,
    length: dt.timedelta = MEETING_LENGTH,
) -> bytes:
    """Build the METHOD:REQUEST invitation to a joint meeting.

    Args:
        plan_code: the plan's code; with ``meeting_id`` it makes the stable UID.
        meeting_id: the meeting's id.
        title: the SUMMARY, e.g. the joint-meeting duty's title.
        starts_at: when the meeting starts (aware; written in UTC).
        place: the LOCATION, as typed by the convener (any characters; escaped here).
        organizer: the convening unit's name (the plan's coordinator); ORGANIZER.
        members: ``(name, unit code)`` of each member unit invited; one ATTENDEE each, heads invited.
        stamp: when the invitation was made (aware; DTSTAMP, in UTC).
        length: how long the meeting lasts; DTEND is ``starts_at + length``.

    Returns:
        The file's bytes: UTF-8, CRLF line ends, lines folded at 75 octets.

    Raises:
        ValueError: if ``starts_at`` or ``stamp`` is naive.
    """
    start = to_utc(starts_at)
    event = Event()
    event.add("uid", meeting_uid(plan_code, meeting_id))
    event.add("dtstamp", to_utc(stamp))
    event.add("dtstart", start)
    event.add("dtend", start + length)
    event.add("sequence", 0)
    event.add("summary", title)
    event.add("location", place)
    event.add("organizer", _address(organizer, recipient_key(Role.COORDINATOR)))
    for name, code in members:
        event.add("attendee", _address(name, recipient_key(Role.HEAD, code), "REQ-PARTICIPANT"))
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    cal.add_component(event)
    ical: bytes = cal.to_ical()  # icalendar leaves to_ical untyped
    return ical

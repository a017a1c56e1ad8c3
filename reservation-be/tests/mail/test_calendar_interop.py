"""The .ics a calendar client gets (the invitation in a mail, a subscribed feed), read the way
clients read it: RFC 5545's rules on the raw octets, then parsed by vobject, a second parser
independent of icalendar (which writes them), whose time zones come from the VTIMEZONE in the
file, not from a zone database looked up by name."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import vobject

from tests.mail.helpers import book

# Commas and semicolons are escaped in TEXT values; the rest makes the line fold inside
# multi-byte characters.
TITLE = "Calibration; rack A, then B — " + "è" * 40 + " 🚀 done"
ROME = ZoneInfo("Europe/Rome")
NEW_YORK = ZoneInfo("America/New_York")


def raw_checked(body: bytes) -> str:
    """RFC 5545 section 3.1 on the octets: CRLF line ends only, lines of at most 75 octets,
    folded without splitting a UTF-8 character; returns the text."""
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    lines = body.split(b"\r\n")[:-1]
    for line in lines:
        assert b"\n" not in line and b"\r" not in line, line  # no bare LF or CR
        assert len(line) <= 75, line
        line.decode("utf-8")  # raises if a fold cut a character in two
    return body.decode("utf-8")


def folded(body: bytes) -> bool:
    return b"\r\n " in body


def read(body: bytes) -> Any:
    return vobject.readOne(raw_checked(body))


def inline_invitation(message: EmailMessage) -> tuple[str, bytes]:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return str(part.get_param("method")), payload
    raise AssertionError("no text/calendar part")


async def _feed_url(client, headers) -> str:
    response = await client.post("/api/v1/users/me/calendar-feed", headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["url"]).removeprefix("http://testserver")


async def test_invitations_request_update_cancel_read_by_a_second_parser(
    client, auth, lab, sink, worker
):
    bob, alice = await auth("bob"), await auth("alice")
    start = datetime.combine(date.today() + timedelta(days=20), time(9), UTC)
    reservation = await book(client, bob, lab.server1, start, start + timedelta(hours=2))
    renamed = await client.patch(
        f"/api/v1/reservations/{reservation['id']}",
        json={"title": TITLE, "end": (start + timedelta(hours=3)).isoformat()},
        headers={**bob, "If-Match": '"1"'},
    )
    assert renamed.status_code == 200, renamed.text
    cancelled = await client.post(f"/api/v1/reservations/{reservation['id']}/cancel", headers=alice)
    assert cancelled.status_code == 200, cancelled.text
    await worker.drain()
    mails = await sink.wait_for(3)
    assert len(mails) == 3

    seen = []
    for mail in mails:
        method, body = inline_invitation(mail.message)
        cal = read(body)
        # RFC 6047: the MIME method parameter is the calendar's METHOD.
        assert cal.method.value == method
        [event] = cal.vevent_list
        seen.append((method, event))
        if mail is not mails[0]:
            assert folded(body)  # the long title
    assert [m for m, _ in seen] == ["REQUEST", "REQUEST", "CANCEL"]
    uids = {e.uid.value for _, e in seen}
    assert uids == {f"reservation-{reservation['id']}@platform.test"}
    sequences = [int(e.sequence.value) for _, e in seen]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3, sequences
    first, changed, cancel = (e for _, e in seen)
    assert first.dtstart.value == start
    assert (changed.dtstart.value, changed.dtend.value) == (start, start + timedelta(hours=3))
    assert changed.summary.value == TITLE  # escaped, folded and read back unchanged
    assert cancel.status.value == "CANCELLED"
    assert first.organizer.value == "mailto:reservations@platform.test"
    assert first.attendee.value == "mailto:bob@example.com"


async def test_a_feed_across_both_dst_changes_is_read_right_from_its_own_vtimezone(
    client, auth, lab
):
    bob = await auth("bob")
    await client.patch("/api/v1/users/me", json={"timezone": "America/New_York"}, headers=bob)
    year = date.today().year + 1
    # 09:00-11:00 New York time in winter, in summer, and on the morning after each change.
    days = [date(year, 1, 12), date(year, 7, 13), date(year, 3, 15), date(year, 11, 8)]
    booked = {}
    for index, day in enumerate(days):
        if (datetime.combine(day, time(9), NEW_YORK) - datetime.now(UTC)).days > 390:
            continue  # beyond the feed's 400 days
        start = datetime.combine(day, time(9), NEW_YORK)
        resource = lab.server1 if index % 2 else lab.server2
        made = await book(client, bob, resource, start, start + timedelta(hours=2), title=TITLE)
        booked[f"reservation-{made['id']}@localhost"] = start
    assert len(booked) >= 2

    url = await _feed_url(client, bob)
    response = await client.get(url)
    assert response.status_code == 200, response.text
    cal = read(response.content)
    assert folded(response.content)
    assert not hasattr(cal, "method")  # a published calendar
    [vtimezone] = cal.vtimezone_list
    assert vtimezone.tzid.value == "America/New_York"
    read_back = {}
    for event in cal.vevent_list:
        value = event.dtstart.value
        # The time zone vobject built from the file's VTIMEZONE, not a named database zone.
        assert type(value.tzinfo).__module__.startswith("dateutil"), type(value.tzinfo)
        read_back[event.uid.value] = value.astimezone(UTC)
        assert event.summary.value == TITLE
        assert (value.hour, value.minute) == (9, 0)
    assert read_back == {uid: start.astimezone(UTC) for uid, start in booked.items()}

    # The same feed again is the same octets (stable UIDs, DTSTAMP from the last change).
    again = await client.get(url)
    assert again.content == response.content


async def test_an_all_day_booking_in_the_feed_is_a_date_for_a_second_parser(client, auth, lab):
    bob = await auth("bob")
    await client.patch("/api/v1/users/me", json={"timezone": "Europe/Rome"}, headers=bob)
    day = date.today() + timedelta(days=5)
    start = datetime.combine(day, time(0), ROME)
    await book(client, bob, lab.server1, start, start + timedelta(days=1), title=TITLE)
    response = await client.get(await _feed_url(client, bob))
    [event] = read(response.content).vevent_list
    assert event.dtstart.value == day and not isinstance(event.dtstart.value, datetime)
    assert event.dtend.value == day + timedelta(days=1)

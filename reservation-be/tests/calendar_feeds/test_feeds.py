"""iCal feeds: a secret URL per user, per site and per resource for members; RFC 5545 output."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from tests.mail.helpers import book
from tests.reservations.factories import hours_from_now, make_lab

ROME = ZoneInfo("Europe/Rome")


async def _feed_url(client, headers) -> str:
    response = await client.post("/api/v1/users/me/calendar-feed", headers=headers)
    assert response.status_code == 201, response.text
    url = response.json()["url"]
    assert url.endswith(".ics") and response.json()["token"] in url
    return url.removeprefix("http://testserver")


def assert_rfc5545(body: bytes) -> Calendar:
    """What every calendar client relies on, checked on the raw text and parsed back."""
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    for line in body.split(b"\r\n"):
        assert b"\n" not in line and len(line) <= 75, line  # CRLF, folded at 75 octets
    cal = Calendar.from_ical(body)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    zones = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    uids = set()
    for event in cal.walk("VEVENT"):
        for prop in ("UID", "DTSTAMP", "DTSTART"):
            assert prop in event, prop
        assert event["UID"] not in uids
        uids.add(event["UID"])
        for prop in ("DTSTART", "DTEND"):
            tzid = event[prop].params.get("TZID")
            assert tzid is None or tzid in zones, f"{tzid} has no VTIMEZONE"
    return cal


async def test_the_own_feed_lists_ones_bookings_in_ones_time_zone(client, auth, lab, people):
    bob = await auth("bob")
    await client.patch("/api/v1/users/me", json={"timezone": "Europe/Rome"}, headers=bob)
    start, end = hours_from_now(1), hours_from_now(3)
    kept = await book(client, bob, lab.server1, start, end, title="Kept")
    gone = await book(client, bob, lab.server2, start, end, title="Gone")
    await client.post(f"/api/v1/reservations/{gone['id']}/cancel", headers=bob)
    await book(client, await auth("alice"), lab.server2, start, end, title="Alice's")

    url = await _feed_url(client, bob)
    response = await client.get(url)  # no Authorization: the URL is the credential
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "private, max-age=300"
    cal = assert_rfc5545(response.content)
    assert "METHOD" not in cal  # a published calendar, not an invitation
    [event] = cal.walk("VEVENT")
    assert event["SUMMARY"] == "Kept"
    assert event["UID"] == f"reservation-{kept['id']}@localhost"
    assert event["DTSTART"].params["TZID"] == "Europe/Rome"
    assert event.decoded("DTSTART") == start.astimezone(ROME)
    assert event.decoded("DTEND") == end
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Rome"]
    assert event["LOCATION"] == "server-1"


async def test_a_booking_from_midnight_to_midnight_is_an_all_day_event(client, auth, lab):
    bob = await auth("bob")
    await client.patch("/api/v1/users/me", json={"timezone": "Europe/Rome"}, headers=bob)
    day = date.today() + timedelta(days=3)
    start = datetime.combine(day, time(0), ROME)
    end = datetime.combine(day + timedelta(days=2), time(0), ROME)
    await book(client, bob, lab.server1, start.astimezone(UTC), end.astimezone(UTC))
    response = await client.get(await _feed_url(client, bob))
    [event] = assert_rfc5545(response.content).walk("VEVENT")
    assert event["DTSTART"].params.get("VALUE") == "DATE"
    assert event.decoded("DTSTART") == day
    assert event.decoded("DTEND") == day + timedelta(days=2)


async def test_an_unchanged_feed_answers_304_to_its_etag(client, auth, lab):
    bob = await auth("bob")
    await book(client, bob, lab.server1, hours_from_now(1), hours_from_now(2))
    url = await _feed_url(client, bob)
    first = await client.get(url)
    etag = first.headers["etag"]
    again = await client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    await book(client, bob, lab.server2, hours_from_now(1), hours_from_now(2))
    changed = await client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


async def test_rotating_the_token_ends_the_old_url_and_revoking_ends_the_new(client, auth, lab):
    bob = await auth("bob")
    old = await _feed_url(client, bob)
    new = await _feed_url(client, bob)
    gone = await client.get(old)
    assert gone.status_code == 404
    assert gone.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(new)).status_code == 200
    prefs = await client.get("/api/v1/users/me/notification-preferences", headers=bob)
    assert prefs.json()["calendar_feed"]["active"] is True
    assert (await client.delete("/api/v1/users/me/calendar-feed", headers=bob)).status_code == 204
    assert (await client.get(new)).status_code == 404
    prefs = await client.get("/api/v1/users/me/notification-preferences", headers=bob)
    assert prefs.json()["calendar_feed"] == {"active": False, "created_at": None}


async def test_site_and_resource_feeds_show_every_members_bookings(client, auth, lab):
    bob, alice = await auth("bob"), await auth("alice")
    start, end = hours_from_now(1), hours_from_now(2)
    parent = await book(client, alice, lab.rack, start, end, title="Whole rack")
    other = await book(client, bob, lab.server1, hours_from_now(5), hours_from_now(6), title="Mine")
    token_url = (await _feed_url(client, bob)).removesuffix(".ics")

    site = await client.get(f"{token_url}/sites/{lab.site.slug}.ics")
    assert site.status_code == 200, site.text
    summaries = {str(e["SUMMARY"]) for e in assert_rfc5545(site.content).walk("VEVENT")}
    assert summaries == {"Whole rack (alice)", "Mine (bob)"}

    # The rack's booking holds server-2 too: the resource feed shows what holds it.
    resource = await client.get(f"{token_url}/resources/{lab.server2.id}.ics")
    events = assert_rfc5545(resource.content).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"reservation-{parent['id']}@localhost"]
    assert other["id"] not in resource.text

    foreign = await client.get(f"{token_url}/sites/{lab.other_site.slug}.ics")
    assert foreign.status_code == 403  # a public site where bob is no member


async def test_a_feed_of_a_site_one_left_stops_working(client, auth, lab, session, people):
    other = await make_lab(session, people)
    bob = await auth("bob")
    token_url = (await _feed_url(client, bob)).removesuffix(".ics")
    assert (await client.get(f"{token_url}/sites/{other.site.slug}.ics")).status_code == 200
    left = await client.delete(
        f"/api/v1/sites/{other.site.slug}/members/{people['bob']}", headers=bob
    )
    assert left.status_code == 204, left.text
    assert (await client.get(f"{token_url}/sites/{other.site.slug}.ics")).status_code == 403

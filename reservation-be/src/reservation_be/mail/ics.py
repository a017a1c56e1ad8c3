"""iCalendar (RFC 5545) for invitations (RFC 5546 iTIP) and feeds, made with ``icalendar``.

A reservation is one event whose UID never changes (``reservation-<id>@<domain>``) and whose
SEQUENCE is the reservation's version, so every change supersedes what a calendar holds.
Invitations carry UTC times; feeds carry times in the subscriber's zone with its VTIMEZONE, and
a booking from midnight to midnight there as an all-day event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from icalendar import Calendar

# icalendar (~2 MB) is imported by the functions that build a calendar, when the first mail or
# feed is made: an API process that makes none never loads it.

PRODID = "-//reservation platform//reservations//EN"

_STATUS = {
    "pending": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "active": "CONFIRMED",
    "completed": "CONFIRMED",
    "cancelled": "CANCELLED",
    "rejected": "CANCELLED",
    "failed": "CANCELLED",
}


def uid(reservation_id: str, domain: str) -> str:
    return f"reservation-{reservation_id}@{domain}"


def _calendar(method: str | None, name: str | None = None) -> Calendar:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
        cal.add("name", name)
    return cal


def invitation(
    ctx: dict[str, Any], *, method: str, organizer: str, attendee: str, domain: str
) -> bytes:
    """An iTIP REQUEST (add or update) or CANCEL for the reservation in ``ctx``."""
    from icalendar import Event, vCalAddress, vText

    r = ctx["reservation"]
    cal = _calendar(method)
    event = Event()
    event.add("uid", uid(r["id"], domain))
    event.add("sequence", int(r["version"]))
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", datetime.fromisoformat(r["start"]).astimezone(UTC))
    event.add("dtend", datetime.fromisoformat(r["end"]).astimezone(UTC))
    event.add("summary", r["title"])
    event.add("location", " / ".join(ctx["resource"]["path"]))
    if r.get("description"):
        event.add("description", r["description"])
    event.add(
        "status", "CANCELLED" if method == "CANCEL" else _STATUS.get(r["status"], "CONFIRMED")
    )
    org = vCalAddress(f"mailto:{organizer}")
    org.params["cn"] = vText(ctx["site"]["name"])
    event.add("organizer", org)
    who = vCalAddress(f"mailto:{attendee}")
    who.params["role"] = vText("REQ-PARTICIPANT")
    who.params["partstat"] = vText("ACCEPTED")
    event.add("attendee", who)
    cal.add_component(event)
    return bytes(cal.to_ical())


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedEvent:
    reservation_id: str
    title: str
    description: str
    status: str
    start: datetime
    end: datetime
    version: int
    location: str
    updated_at: datetime


def _is_all_day(start: datetime, end: datetime) -> bool:
    midnight = time(0, 0)
    return (
        start.timetz().replace(tzinfo=None) == midnight
        and end.timetz().replace(tzinfo=None) == midnight
        and end.date() > start.date()
    )


def feed(events: Iterable[FeedEvent], *, name: str, tz: ZoneInfo, domain: str) -> bytes:
    """A published calendar (no METHOD: subscribers read it, they do not reply)."""
    from icalendar import Event

    cal = _calendar(None, name)
    cal.add("x-wr-timezone", tz.key)
    cal.add("refresh-interval", timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT15M")
    items = list(events)
    for item in items:
        event = Event()
        event.add("uid", uid(item.reservation_id, domain))
        event.add("sequence", item.version)
        event.add("dtstamp", item.updated_at.astimezone(UTC))
        event.add("last-modified", item.updated_at.astimezone(UTC))
        start, end = item.start.astimezone(tz), item.end.astimezone(tz)
        if _is_all_day(start, end):
            event.add("dtstart", start.date())
            event.add("dtend", end.date())
        else:
            event.add("dtstart", start)
            event.add("dtend", end)
        event.add("summary", item.title)
        event.add("location", item.location)
        if item.description:
            event.add("description", item.description)
        event.add("status", _STATUS.get(item.status, "CONFIRMED"))
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    if items:
        # The zone's transitions over the events' dates only: icalendar's default (1970-2038)
        # is two RDATE lists of ~70 dates, which some readers (vobject, so the servers and
        # clients built on it) take as their first date alone, putting every summer event an
        # hour off. Derived from the events, not the clock, so an unchanged feed keeps its ETag.
        first = min(item.start.astimezone(tz).date() for item in items) - timedelta(days=1)
        last = max(item.end.astimezone(tz).date() for item in items) + timedelta(days=2)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return bytes(cal.to_ical())


__all__ = ["FeedEvent", "feed", "invitation", "uid"]

"""Opening hours: when a resource may be booked, on the wall clock of its site's time zone.

Three levels may hold a schedule: the site, the resource's type, the resource. On a given
local date the hours are, in order: an exception for that date of the resource, else of the
type, else of the site (closed, or its own hours); otherwise the weekly hours of the most
specific level that has any. No weekly hours anywhere means open all day. A booking's period
(not widened by lead time or teardown) must lie inside one open span: spans that touch across
midnight (``24:00`` then ``00:00``) join. Local times become instants with ``zoneinfo``, so a
day with a DST change has its true length and 09:00 is 09:00 on both sides of the change.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from reservation_be.kit.errors import FieldError, UnprocessableEntity

LEVELS = ("resource", "resource_type", "site")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class OutsideOpeningHours(UnprocessableEntity):
    slug, title = "outside-opening-hours", "The booking falls outside the opening hours"


def minutes(clock: str) -> int:
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)


@dataclass
class Effective:
    """The schedule that applies to one resource (see the module docstring)."""

    level: str | None = None
    weekly: list[dict[str, Any]] = field(default_factory=list)
    # date -> (level, the exception)
    exceptions: dict[date, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    @property
    def restricts(self) -> bool:
        return bool(self.weekly or self.exceptions)

    def hours_on(self, day: date) -> list[tuple[int, int]]:
        found = self.exceptions.get(day)
        if found is not None:
            exc = found[1]
            if exc.get("closed"):
                return []
            return [(minutes(exc["opens"]), minutes(exc["closes"]))]
        if not self.weekly:
            return [(0, 24 * 60)]
        return sorted(
            (minutes(w["opens"]), minutes(w["closes"]))
            for w in self.weekly
            if w["weekday"] == day.weekday()
        )


def level_of(row: Mapping[str, Any]) -> str:
    if row.get("resource_id") is not None:
        return "resource"
    if row.get("resource_type_id") is not None:
        return "resource_type"
    return "site"


def effective(rows: Iterable[Mapping[str, Any]]) -> Effective:
    """The schedule from the rows of the resource's site, type and resource (any order)."""
    by_level = {level_of(r): r for r in rows}
    out = Effective()
    for level in LEVELS:
        row = by_level.get(level)
        if row is None:
            continue
        if not out.weekly and row.get("weekly"):
            out.level, out.weekly = level, list(row["weekly"])
        for exc in row.get("exceptions") or []:
            day = date.fromisoformat(str(exc["date"]))
            out.exceptions.setdefault(day, (level, exc))
    return out


def _instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    if minute >= 24 * 60:
        return _instant(day + timedelta(days=1), 0, zone)
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return local.astimezone(UTC)


def open_spans(
    schedule: Effective, zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The open spans overlapping [start, end), joined where they touch."""
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    spans: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        for opens, closes in schedule.hours_on(day):
            lo, hi = _instant(day, opens, zone), _instant(day, closes, zone)
            if hi <= lo:
                continue
            if spans and lo <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], hi))
            else:
                spans.append((lo, hi))
        day += timedelta(days=1)
    return [(lo, hi) for lo, hi in spans if hi > start and lo < end]


def starts_inside(
    schedule: Effective, zone: ZoneInfo, start: datetime, end: datetime, duration: timedelta
) -> list[tuple[datetime, datetime]]:
    """The closed intervals ``[lo, hi]`` of the starts in [start, end) whose period of
    ``duration`` lies inside one open span (what :func:`check` accepts)."""
    out = []
    for lo, hi in open_spans(schedule, zone, start, end):
        if hi - duration >= lo:
            out.append((lo, hi - duration))
    return out


def describe(schedule: Effective, zone: ZoneInfo, start: datetime, end: datetime) -> list[str]:
    """The hours of each local day the booking touches, as people read them."""
    out = []
    day, last = start.astimezone(zone).date(), (end - timedelta(microseconds=1)).astimezone(zone)
    while day <= last.date():
        hours = schedule.hours_on(day)
        text = ", ".join(f"{o // 60:02d}:{o % 60:02d}-{c // 60:02d}:{c % 60:02d}" for o, c in hours)
        found = schedule.exceptions.get(day)
        note = f" ({found[1].get('reason') or 'exception'})" if found else ""
        out.append(f"{WEEKDAYS[day.weekday()]} {day.isoformat()}: {text or 'closed'}{note}")
        day += timedelta(days=1)
    return out


def check(
    schedule: Effective,
    *,
    time_zone: str,
    start: datetime,
    end: datetime,
    schedule_ids: Mapping[str, uuid.UUID] | None = None,
) -> None:
    """Refuse (422 ``outside-opening-hours``) a period not inside one open span."""
    if not schedule.restricts:
        return
    zone = ZoneInfo(time_zone)
    for lo, hi in open_spans(schedule, zone, start, end):
        if lo <= start and end <= hi:
            return
    days = describe(schedule, zone, start, end)
    level = schedule.level or "site"
    raise OutsideOpeningHours(
        f"Bookable only during the opening hours ({time_zone}): " + "; ".join(days) + ".",
        errors=[FieldError(loc=["body", "start"], msg="outside the opening hours",
                           type="opening_hours")],
        extra={
            "opening_hours": {
                "level": level,
                "id": str((schedule_ids or {}).get(level)) if schedule_ids else None,
                "time_zone": time_zone,
                "days": days,
            }
        },
    )  # fmt: skip

"""Times and durations as people type them, in the local time zone.

Times: ``now``, ``+2h`` / ``in 90m`` / ``now+1d``, ``today`` / ``tomorrow`` / ``yesterday`` /
a weekday (the next one) with an optional time of day (``9``, ``9:30``, ``9am``, ``2:15pm``,
``14:00``), a time alone (today), or an ISO 8601 / RFC 3339 date and time (``2026-12-05``,
``2026-12-05 09:00``, ``2026-12-05T09:00:00Z``). Without an offset the local zone applies
(``TZ`` as usual).

Durations: ``90m``, ``2h``, ``1h30m``, ``1.5h``, ``2d``, ``1w``, ``45s``, or ISO ``PT2H``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?\s*[smhdw]\s*)+$")
_ISO_DURATION = re.compile(
    r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)
_CLOCK = re.compile(r"^(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm)?$")
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_DAYS = {"today": 0, "tomorrow": 1, "yesterday": -1}


def parse_duration(text: str) -> timedelta:
    raw = text.strip().lower()
    iso = _ISO_DURATION.match(raw.upper())
    if iso and any(iso.groupdict().values()):
        parts = {k: int(v or 0) for k, v in iso.groupdict().items()}
        result = timedelta(
            days=parts["d"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"]
        )
    elif _DURATION.match(raw):
        seconds = sum(float(n) * _UNITS[u] for n, u in _PART.findall(raw))
        result = timedelta(seconds=seconds)
    else:
        raise ValueError(f"{text!r} is not a duration (try 90m, 2h, 1h30m, 1d)")
    if result <= timedelta(0):
        raise ValueError(f"{text!r} is not a positive duration")
    return result


def _clock(text: str) -> time:
    match = _CLOCK.match(text.strip().lower())
    if match is None:
        raise ValueError
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise ValueError
        hour = hour % 12 + (12 if match["ampm"] == "pm" else 0)
    return time(hour, minute)


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at).astimezone()


def parse_time(text: str, *, now: datetime | None = None) -> datetime:
    """An aware datetime for ``text``; ``ValueError`` says what would have been understood."""
    now = (now or datetime.now()).astimezone()
    raw = " ".join(text.strip().lower().split())
    if not raw:
        raise ValueError("an empty time")
    if raw == "now":
        return now
    relative = re.match(r"^(?:now\s*\+|\+|in\s+)\s*(.+)$", raw)
    if relative:
        return now + parse_duration(relative.group(1))
    words = raw.removeprefix("next ").split(" ", 1)
    day: date | None = None
    if words[0] in _DAYS:
        day = now.date() + timedelta(days=_DAYS[words[0]])
    elif words[0] in _WEEKDAYS:
        target = _WEEKDAYS.index(words[0])
        ahead = (target - now.weekday()) % 7 or 7
        day = now.date() + timedelta(days=ahead)
    if day is not None:
        try:
            at = _clock(words[1]) if len(words) > 1 else time(0, 0)
        except ValueError:
            raise ValueError(
                f"{text!r}: {words[1]!r} is not a time of day (try 9:00, 2pm)"
            ) from None
        return _local(day, at)
    try:
        return _local(now.date(), _clock(raw))
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(raw.upper().replace(" ", "T", 1))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time (try 'tomorrow 9:00', '+2h', '2026-12-05 14:00')"
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.astimezone()


def rfc3339(value: datetime) -> str:
    return value.astimezone().isoformat(timespec="seconds")


def human_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
    ]
    return "".join(parts) or f"{seconds}s"

"""The RRULE subset of a recurring series, parsed and expanded with python-dateutil.

Supported: ``FREQ`` (DAILY, WEEKLY, MONTHLY), ``INTERVAL``, ``BYDAY`` (ordinals such as
``1MO`` or ``-1FR`` with MONTHLY only), ``BYMONTHDAY`` (DAILY and MONTHLY, as RFC 5545
allows), and exactly one of ``COUNT`` or ``UNTIL``. Anything else is refused with a 422 that
names the part.

Occurrences are expanded on the wall clock of the site's time zone: the first occurrence's
local start time (and its wall-clock length) is every occurrence's, so a weekly 09:00-11:00
stays 09:00-11:00 local across DST changes. A local time that does not exist on a given day
(skipped by a spring-forward change) moves forward by the gap, as ``zoneinfo`` resolves it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from reservation_be.kit.errors import FieldError, UnprocessableEntity

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY")
PARTS = ("FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL")
MAX_INTERVAL = 1000
_DAY = re.compile(r"^([+-]?)(\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL = re.compile(r"^(\d{8})(?:T(\d{6})(Z?))?$")


class InvalidRecurrence(UnprocessableEntity):
    slug, title = "invalid-recurrence", "The recurrence rule is not supported"


class SeriesTooLong(UnprocessableEntity):
    slug, title = "series-too-long", "The series is over the type's cap"


def _refuse(part: str, msg: str, *, cls: type[UnprocessableEntity] = InvalidRecurrence) -> None:
    raise cls(
        f"rrule {part}: {msg}.",
        errors=[FieldError(loc=["body", "rrule"], msg=f"{part}: {msg}", type=part.lower())],
        extra={"part": part},
    )


@dataclass(frozen=True)
class Recurrence:
    """A rule inside the subset. ``text`` is normalised: upper case, parts in a fixed order,
    ``UNTIL`` as written by the client."""

    text: str
    freq: str
    interval: int
    count: int | None
    until: str | None
    parts: dict[str, str]


def parse(raw: str) -> Recurrence:
    """Check ``raw`` against the subset; 422 ``invalid-recurrence`` naming the part if not."""
    body = raw.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    if not body:
        _refuse("FREQ", "the rule is empty")
    parts: dict[str, str] = {}
    for item in body.split(";"):
        name, sep, value = item.partition("=")
        name = name.strip().upper()
        value = value.strip().upper()
        if not sep or not name or not value:
            _refuse(name or item or "rrule", f"{item!r} is not NAME=VALUE")
        if name not in PARTS:
            _refuse(name, f"not supported (supported parts: {', '.join(PARTS)})")
        if name in parts:
            _refuse(name, "given twice")
        parts[name] = value
    freq = parts.get("FREQ")
    if freq is None:
        _refuse("FREQ", "missing")
    assert freq is not None
    if freq not in FREQUENCIES:
        _refuse("FREQ", f"must be one of {', '.join(FREQUENCIES)}")
    interval = 1
    if "INTERVAL" in parts:
        interval = _positive(parts["INTERVAL"], "INTERVAL", MAX_INTERVAL)
    if "COUNT" in parts and "UNTIL" in parts:
        _refuse("UNTIL", "COUNT and UNTIL cannot both be given")
    if "COUNT" not in parts and "UNTIL" not in parts:
        _refuse("COUNT", "a series needs COUNT or UNTIL")
    count = _positive(parts["COUNT"], "COUNT", 100_000) if "COUNT" in parts else None
    until = parts.get("UNTIL")
    if until is not None and not _UNTIL.match(until):
        _refuse("UNTIL", "must be a date (YYYYMMDD) or a time (YYYYMMDDTHHMMSS[Z])")
    if "BYDAY" in parts:
        for day in parts["BYDAY"].split(","):
            match = _DAY.match(day)
            if match is None:
                _refuse("BYDAY", f"{day!r} is not a weekday (MO, TU, WE, TH, FR, SA, SU)")
            assert match is not None
            if match.group(2) is not None:
                if freq != "MONTHLY":
                    _refuse("BYDAY", f"{day!r}: an ordinal weekday needs FREQ=MONTHLY")
                if not 1 <= int(match.group(2)) <= 5:
                    _refuse("BYDAY", f"{day!r}: the ordinal must be 1 to 5 or -1 to -5")
    if "BYMONTHDAY" in parts:
        if freq == "WEEKLY":
            _refuse("BYMONTHDAY", "not allowed with FREQ=WEEKLY")
        for day in parts["BYMONTHDAY"].split(","):
            try:
                number = int(day)
            except ValueError:
                number = 0
            if not (1 <= number <= 31 or -31 <= number <= -1):
                _refuse("BYMONTHDAY", f"{day!r} must be 1 to 31 or -31 to -1")
    text = ";".join(f"{name}={parts[name]}" for name in PARTS if name in parts)
    return Recurrence(
        text=text, freq=freq, interval=interval, count=count, until=until, parts=parts
    )


def _positive(value: str, part: str, maximum: int) -> int:
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        _refuse(part, f"must be a whole number from 1 to {maximum}")
    return int(value)


def _local_until(until: str, tz: ZoneInfo) -> datetime:
    """UNTIL as a naive wall time in ``tz`` (a date alone includes that whole day)."""
    match = _UNTIL.match(until)
    assert match is not None
    day, clock, utc = match.groups()
    try:
        if clock is None:
            return datetime.strptime(day, "%Y%m%d") + timedelta(days=1, microseconds=-1)
        value = datetime.strptime(day + clock, "%Y%m%d%H%M%S")
    except ValueError:
        _refuse("UNTIL", f"{until!r} is not a valid date")
        raise AssertionError("unreachable") from None
    if utc:
        return value.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)
    return value


def localize(wall: datetime, tz: ZoneInfo) -> datetime:
    """A naive wall time in ``tz`` as a UTC instant (a skipped time moves forward by the gap)."""
    return wall.replace(tzinfo=tz).astimezone(UTC)


def expand(
    rule: Recurrence,
    *,
    first_start: datetime,
    first_end: datetime,
    tz: ZoneInfo,
    cap: int,
) -> list[tuple[datetime, datetime]]:
    """The occurrences (UTC start, end), at most ``cap`` (over it: 422 naming COUNT/UNTIL).

    ``first_start``/``first_end`` are the first occurrence as the client sent it; their wall
    times in ``tz`` give every occurrence's start time and length.
    """
    start_wall = first_start.astimezone(tz).replace(tzinfo=None)
    length = first_end.astimezone(tz).replace(tzinfo=None) - start_wall
    if length <= timedelta(0):
        # The period crosses a fall-back change backwards in wall time: keep its real length.
        length = first_end - first_start
    text = rule.text
    if rule.until is not None:
        until = _local_until(rule.until, tz)
        if until < start_wall:
            _refuse("UNTIL", "is before the first occurrence")
        text = re.sub(r"UNTIL=[^;]+", f"UNTIL={until:%Y%m%dT%H%M%S}", text)
    try:
        generator = rrulestr(text, dtstart=start_wall)
    except (ValueError, TypeError) as exc:
        _refuse("rrule", str(exc) or "not a valid rule")
        raise AssertionError("unreachable") from exc
    assert isinstance(generator, rrule)
    walls = list(itertools.islice(generator, cap + 1))
    if len(walls) > cap:
        part = "COUNT" if rule.count is not None else "UNTIL"
        _refuse(
            part, f"the series has more than {cap} occurrences (the type's cap)", cls=SeriesTooLong
        )
    if not walls:
        _refuse("rrule", "the rule gives no occurrence")
    return [occurrence(wall, length, tz) for wall in walls]


def occurrence(wall: datetime, length: timedelta, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """One occurrence from its naive local start: a start the clock skips moves forward by the
    gap, and the end is the start's (resolved) wall time plus ``length``."""
    start = localize(wall, tz)
    resolved = start.astimezone(tz).replace(tzinfo=None)
    return start, localize(resolved + length, tz)


def wall_time(instant: datetime, tz: ZoneInfo) -> time:
    return instant.astimezone(tz).time()

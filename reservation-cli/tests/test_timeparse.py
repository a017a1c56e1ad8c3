"""Natural times and durations, in the local zone (Europe/Rome in these tests)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from reservation_cli.timeparse import human_duration, parse_duration, parse_time

Spec = tuple[int, ...] | timedelta | str


def now() -> datetime:
    """A Friday in winter (UTC+1), read in the zone the fixture set."""
    return datetime(2026, 12, 4, 10, 17).astimezone()


def expect(spec: Spec) -> datetime:
    if isinstance(spec, timedelta):
        return now() + spec
    if isinstance(spec, str):
        return datetime.fromisoformat(spec)
    return datetime(*spec).astimezone()  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", timedelta(0)),
        ("+2h", timedelta(hours=2)),
        ("in 90m", timedelta(minutes=90)),
        ("now+1d", timedelta(days=1)),
        ("tomorrow 9:00", (2026, 12, 5, 9)),
        ("Tomorrow  9am", (2026, 12, 5, 9)),
        ("today 2:15pm", (2026, 12, 4, 14, 15)),
        ("yesterday", (2026, 12, 3)),
        ("monday 9", (2026, 12, 7, 9)),
        ("next friday 18:00", (2026, 12, 11, 18)),
        ("friday", (2026, 12, 11)),  # today is Friday: the next one
        ("14:30", (2026, 12, 4, 14, 30)),
        ("2026-12-24", (2026, 12, 24)),
        ("2026-12-24 09:00", (2026, 12, 24, 9)),
        ("2026-07-01 09:00", (2026, 7, 1, 9)),  # summer time applies in July
        ("2026-12-24T09:00:00Z", "2026-12-24T09:00:00+00:00"),
    ],
)
def test_times_people_type(text: str, expected: Spec) -> None:
    assert parse_time(text, now=now()) == expect(expected)


def test_local_times_carry_the_local_offset() -> None:
    assert parse_time("tomorrow 9:00", now=now()).utcoffset() == timedelta(hours=1)
    assert parse_time("2026-07-01 09:00", now=now()).utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize("text", ["", "soon", "tomorrow noonish", "25:00", "13pm", "2026-13-01"])
def test_what_is_not_a_time_says_so(text: str) -> None:
    with pytest.raises(ValueError, match="time"):
        parse_time(text, now=now())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("2h", timedelta(hours=2)),
        ("1h30m", timedelta(minutes=90)),
        ("1.5h", timedelta(minutes=90)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("45s", timedelta(seconds=45)),
        ("PT2H", timedelta(hours=2)),
        ("P1DT1H", timedelta(hours=25)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert human_duration(expected)


@pytest.mark.parametrize("text", ["", "ages", "0m", "2 hours", "-1h", "P"])
def test_what_is_not_a_duration_says_so(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)

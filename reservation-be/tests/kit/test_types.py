"""The shared value types: what PostgreSQL cannot hold is refused before it gets there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import pytest
from pydantic import BaseModel, Field, ValidationError
from reservation_be.kit.types import (
    Duration,
    JsonObject,
    OptionalDuration,
    Text,
    Timestamp,
    check_json,
    format_duration,
)


class Sample(BaseModel):
    text: Annotated[Text, Field(max_length=20)] = ""
    json_: JsonObject = Field(default_factory=dict, alias="json")
    at: Timestamp | None = None
    duration: Duration = timedelta(0)
    limit: OptionalDuration = None


@pytest.mark.parametrize("value", ["\x00", "a\x00b"])
def test_text_refuses_nul(value):
    with pytest.raises(ValidationError):
        Sample(text=value)


def test_text_refuses_lone_surrogates_from_json():
    with pytest.raises(ValidationError):
        Sample.model_validate_json('{"text": "a\\ud800"}')
    with pytest.raises(ValidationError):
        Sample(text="a\udfff")


@pytest.mark.parametrize(
    "value",
    [
        {"\x00": 1},
        {"a": "\x00"},
        {"a": ["x\ud800"]},
        {"\udfff": 1},
        {"a": float("inf")},
        {"a": float("nan")},
        {"a": 10**400},
        {"a": {"b": {"c": "\x00"}}},
    ],
)
def test_json_refuses_what_jsonb_cannot_hold(value):
    with pytest.raises(ValueError):
        check_json(value)
    with pytest.raises(ValidationError):
        Sample.model_validate({"json": value})


def test_json_refuses_deep_nesting_and_accepts_ordinary_values():
    deep: list[object] = []
    for _ in range(40):
        deep = [deep]
    with pytest.raises(ValueError, match="nested deeper"):
        check_json({"a": deep})
    ordinary = {"rack": "A", "u": 42, "ratio": 0.5, "tags": ["x", None, True], "emoji": "🚀"}
    assert check_json(ordinary) == ordinary


def test_json_errors_never_echo_the_refused_characters():
    with pytest.raises(ValueError) as info:
        check_json({"bad\x00key": 1})
    assert "\x00" not in str(info.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-05-01T11:00:00+02:00", datetime(2026, 5, 1, 9, tzinfo=UTC)),
        ("2000-01-01T00:00:00Z", datetime(2000, 1, 1, tzinfo=UTC)),
        ("8999-12-31T23:59:59.5-14:00", datetime(9000, 1, 1, 13, 59, 59, 500000, tzinfo=UTC)),
    ],
)
def test_timestamps_are_read_with_offsets_and_kept_in_utc(raw, expected):
    assert Sample(at=raw).at == expected


@pytest.mark.parametrize(
    "raw",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "1999-12-31T23:59:59Z",
        "9000-01-01T00:00:00Z",
        "2026-05-01T09:00:00",
        "2026-02-30T00:00:00Z",
        "1700000000",
        1700000000,
        "2026-05-01",
    ],
)
def test_timestamps_outside_the_bounds_or_format_are_refused(raw):
    with pytest.raises(ValidationError):
        Sample(at=raw)


def test_timestamps_are_documented_as_bounded():
    schema = Sample.model_json_schema()["properties"]["at"]["anyOf"][0]
    assert schema["format"] == "date-time"
    assert "2000" in schema["description"] and "8999" in schema["description"]
    assert schema["pattern"].startswith("^(2[0-9]{3}|[3-8][0-9]{3})-")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(days=666), "P666D"),
        (timedelta(hours=36), "PT36H"),
        (timedelta(days=1, minutes=1), "PT24H1M"),
        (timedelta(seconds=90.5), "PT1M30.5S"),
        (timedelta(0), "PT0S"),
        (timedelta(days=365), "P365D"),
    ],
)
def test_durations_are_written_in_days_or_hours(value, text):
    assert format_duration(value) == text
    assert Sample(duration=value, limit=value).model_dump(mode="json")["duration"] == text
    assert Sample(duration=text).duration == value


@pytest.mark.parametrize("raw", ["P1Y", "P2M", "P1Y2M3D", "PT", "P", "1 day", "P3651D", 1e999])
def test_calendar_dependent_or_unbounded_durations_are_refused(raw):
    with pytest.raises(ValidationError):
        Sample(duration=raw)

"""The shared value types: what PostgreSQL cannot hold is refused before it gets there."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from reservation_be.kit.types import (
    DURATION_PATTERN,
    Duration,
    JsonObject,
    OptionalDuration,
    Text,
    Timestamp,
    bounded_duration,
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


def _string_pattern(adapter: TypeAdapter) -> str:  # type: ignore[type-arg]
    schema = adapter.json_schema(mode="validation")
    options = schema["anyOf"]
    return next(o["pattern"] for o in options if o.get("type") == "string")


_BOUNDED = [(3650, False), (3650, True), (7, False), (7, True), (1, True)]


@pytest.mark.parametrize(("max_days", "positive"), _BOUNDED)
@hypothesis_settings(max_examples=80, derandomize=True, database=None, deadline=None)
@given(data=st.data())
def test_a_duration_is_valid_exactly_when_its_schema_says_so(max_days, positive, data):
    """Strings of the general ISO 8601 grammar and numbers, drawn around the bounds: the
    validation accepts a value if and only if the schema's string pattern or number range
    does, and what it accepts is within the bounds."""
    adapter = TypeAdapter(bounded_duration(max_days, positive=positive))
    pattern = re.compile(_string_pattern(adapter))
    schema_number = next(
        o for o in adapter.json_schema(mode="validation")["anyOf"] if o.get("type") == "number"
    )
    text = data.draw(
        st.one_of(
            st.from_regex(DURATION_PATTERN, fullmatch=True),
            st.from_regex(pattern, fullmatch=True),
            st.builds(
                lambda n, unit: f"P{n}{unit}" if unit in "WD" else f"PT{n}{unit}",
                st.integers(0, max_days * 86400 + 2),
                st.sampled_from("WDHMS"),
            ),
        )
    )
    try:
        value = adapter.validate_python(text)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == bool(pattern.match(text)), text
    if accepted:
        assert value <= timedelta(days=max_days)
        assert value > timedelta(0) if positive else value >= timedelta(0)
    number = data.draw(
        st.one_of(
            st.floats(-1, max_days * 86400 + 1, allow_nan=False),
            st.sampled_from([0, 1e-7, 1e-6, max_days * 86400, max_days * 86400 + 0.5]),
        )
    )
    in_schema = schema_number["minimum"] <= number <= schema_number["maximum"]
    try:
        adapter.validate_python(number)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == in_schema, number


@pytest.mark.parametrize(
    ("raw", "ok"),
    [
        ("P3650D", True),
        ("P521W", True),
        ("P3649DT23H59M59.999999S", True),
        ("PT87600H", True),
        ("PT24H1M", True),  # how a day and a minute is written back
        ("P3650DT1H", False),
        ("P3651D", False),
        ("P522W", False),
        ("P1DT24H", False),  # hours after days stay below a day
        ("P007D", False),
        ("P1W2D", False),
    ],
)
def test_the_bound_of_a_duration_holds_for_its_sum(raw, ok):
    try:
        Sample(duration=raw)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted is ok


def test_a_positive_duration_refuses_zero_in_every_form():
    adapter = TypeAdapter(bounded_duration(3650, positive=True))
    for zero in ("P0D", "PT0S", "PT0H", "P0W", 0, 0.0, 1e-7):
        with pytest.raises(ValidationError):
            adapter.validate_python(zero)
    assert adapter.validate_python("PT0.000001S") == timedelta(microseconds=1)

from datetime import timedelta

import pytest
from reservation_common.durations import parse_short_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("500ms", timedelta(milliseconds=500)),
        ("5s", timedelta(seconds=5)),
        (" 15m ", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("30", timedelta(seconds=30)),
        ("1.5", timedelta(seconds=1.5)),
    ],
)
def test_short_notation_is_read(text: str, expected: timedelta) -> None:
    assert parse_short_duration(text) == expected


@pytest.mark.parametrize("text", ["", "PT15M", "5 minutes", "-5s", "5w", "s"])
def test_anything_else_is_not_a_short_duration(text: str) -> None:
    assert parse_short_duration(text) is None

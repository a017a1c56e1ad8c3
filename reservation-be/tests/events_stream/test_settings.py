"""The live stream's settings are read when the app is built, like every other setting: a bad
value refuses the start instead of failing the first stream."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from reservation_be.main import create_app


@pytest.mark.parametrize(
    ("name", "value"),
    [("HEARTBEAT", "0s"), ("RETRY", "soon"), ("REPLAY_LIMIT", "-1"), ("MAX_STREAMS_PER_USER", "0")],
)
def test_a_bad_stream_setting_refuses_to_build_the_app(settings, monkeypatch, name, value):  # type: ignore[no-untyped-def]
    monkeypatch.setenv(f"RESERVATION_BE_EVENTS_{name}", value)
    with pytest.raises(ValidationError, match=name.lower()):
        create_app(settings)


def test_stream_settings_take_the_short_duration_notation(settings, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RESERVATION_BE_EVENTS_HEARTBEAT", "500ms")
    app = create_app(settings)
    assert app.state.events_stream_settings.heartbeat == timedelta(milliseconds=500)

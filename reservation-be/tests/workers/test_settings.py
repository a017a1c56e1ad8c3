"""Worker settings from the environment, in the notation operators use for the processor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from reservation_be.workers.settings import WorkerSettings


def test_durations_read_plain_seconds_units_and_iso_8601(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESERVATION_BE_RELAY_SWEEP_INTERVAL", "0.5")
    monkeypatch.setenv("RESERVATION_BE_RELAY_PUBLISH_TIMEOUT", "1500ms")
    monkeypatch.setenv("RESERVATION_BE_RELAY_MAX_BACKOFF", "2m")
    monkeypatch.setenv("RESERVATION_BE_ENDING_SOON_BEFORE", "PT10M")
    monkeypatch.setenv("RESERVATION_BE_SCHEDULER_MAX_SLEEP", "1h")
    settings = WorkerSettings()
    assert settings.relay_sweep_interval == timedelta(seconds=0.5)
    assert settings.relay_publish_timeout == timedelta(seconds=1.5)
    assert settings.relay_max_backoff == timedelta(minutes=2)
    assert settings.ending_soon_before == timedelta(minutes=10)
    assert settings.scheduler_max_sleep == timedelta(hours=1)


@pytest.mark.parametrize(
    ("name", "value"),
    [("RELAY_SWEEP_INTERVAL", "5 parsecs"), ("SCHEDULER_BATCH", "0"), ("RELAY_BATCH", "9000")],
)
def test_a_bad_value_is_refused_with_its_name(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(f"RESERVATION_BE_{name}", value)
    with pytest.raises(ValidationError, match=name.lower()):
        WorkerSettings()

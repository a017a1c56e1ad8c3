"""Settings of the background loops, read from the backend's ``RESERVATION_BE_*`` variables.

Durations take the event processor's notation (``500ms``, ``5s``, ``15m``, ``2h``, ``1d`` or
plain seconds) or ISO 8601 (``PT15M``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from reservation_common.durations import parse_short_duration

EXCHANGE = "reservations.events"


def _short_duration(value: object) -> object:
    # pydantic alone reads "30" from the environment as an error, not as 30 seconds.
    if isinstance(value, str) and (duration := parse_short_duration(value)) is not None:
        return duration
    return value


Duration = Annotated[timedelta, BeforeValidator(_short_duration)]


class WorkerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RESERVATION_BE_", extra="ignore")

    # Outbox relay
    relay_exchange: str = EXCHANGE
    relay_batch: int = Field(default=200, ge=1, le=5000)
    # Fallback when a NOTIFY was missed (listener reconnecting): look at the outbox anyway.
    relay_sweep_interval: Duration = timedelta(seconds=5)
    relay_publish_timeout: Duration = timedelta(seconds=10)
    relay_max_backoff: Duration = timedelta(seconds=30)

    # Lifecycle scheduler
    ending_soon_before: Duration = timedelta(minutes=15)
    scheduler_batch: int = Field(default=100, ge=1, le=5000)
    # Longest sleep without a due time or a NOTIFY, to survive a missed notification.
    scheduler_max_sleep: Duration = timedelta(seconds=30)

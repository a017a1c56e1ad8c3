"""Settings of the background loops, read from the backend's ``RESERVATION_BE_*`` variables."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

EXCHANGE = "reservations.events"


class WorkerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RESERVATION_BE_", extra="ignore")

    # Outbox relay
    relay_exchange: str = EXCHANGE
    relay_batch: int = Field(default=200, ge=1, le=5000)
    # Fallback when a NOTIFY was missed (listener reconnecting): look at the outbox anyway.
    relay_sweep_interval: timedelta = timedelta(seconds=5)
    relay_publish_timeout: timedelta = timedelta(seconds=10)
    relay_max_backoff: timedelta = timedelta(seconds=30)

    # Lifecycle scheduler
    ending_soon_before: timedelta = timedelta(minutes=15)
    scheduler_batch: int = Field(default=100, ge=1, le=5000)
    # Longest sleep without a due time or a NOTIFY, to survive a missed notification.
    scheduler_max_sleep: timedelta = timedelta(seconds=30)

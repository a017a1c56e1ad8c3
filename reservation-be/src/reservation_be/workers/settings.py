"""Settings of the background loops, read from the backend's ``RESERVATION_BE_*`` variables.

Durations: ``reservation_common.settings.Duration`` (``500ms``, ``5s``, ``15m``, ``2h``, ``1d``,
plain seconds or ISO 8601 ``PT15M``).
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from reservation_common.settings import Duration

# The replay window of Idempotency-Key (kit/idempotency.py KEY_TTL); a key is kept at least so long.
IDEMPOTENCY_REPLAY_WINDOW = timedelta(hours=24)

EXCHANGE = "reservations.events"


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

    # Waitlist: how often freed periods are offered to the members waiting (fairuse/waitlist.py).
    waitlist_interval: Duration = timedelta(seconds=15)

    # Retention: how long rows that only record the past are kept (workers/retention.py).
    retention_interval: Duration = timedelta(minutes=10)
    retention_batch: int = Field(default=1000, ge=1, le=50_000)
    retention_max_batches: int = Field(default=100, ge=1)
    retention_outbox: Duration = timedelta(days=7)  # published rows only
    retention_webhook_deliveries: Duration = timedelta(days=30)  # finished ones only
    retention_webhook_attempts: Duration = timedelta(days=30)
    retention_notifications: Duration = timedelta(days=90)
    retention_idempotency_keys: Duration = IDEMPOTENCY_REPLAY_WINDOW
    retention_mail_queue: Duration = timedelta(days=30)  # sent, failed and stale pending mails

    @field_validator("retention_idempotency_keys")
    @classmethod
    def _keys_outlive_the_replay_window(cls, value: timedelta) -> timedelta:
        if value < IDEMPOTENCY_REPLAY_WINDOW:
            raise ValueError(
                "RETENTION_IDEMPOTENCY_KEYS must be at least the 24 h replay window of "
                "Idempotency-Key"
            )
        return value

"""Event processor settings, read from ``RESERVATION_EP_*`` environment variables.

Durations accept ``500ms``, ``5s``, ``5m``, ``2h``, ``1d``, plain seconds or ISO 8601; lists are
comma separated (``RESERVATION_EP_RETRY_SCHEDULE=5s,5m,30m``): ``reservation_common.settings``.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from reservation_common.crypto import split_keys, validate_keys
from reservation_common.settings import (
    CommaList,
    Duration,
    DurationList,
    Environment,
    parse_duration,
)
from reservation_db.defaults import DEV_DATABASE_URL, DEV_WEBHOOK_SECRETS_KEY

DEFAULT_RETRY_SCHEDULE = ("5s", "5m", "30m", "2h", "5h", "10h", "10h")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RESERVATION_EP_", extra="ignore")

    environment: Environment = Environment.DEV
    database_url: str = DEV_DATABASE_URL
    database_pool_size: int = Field(default=10, ge=2)
    # Unset: the in-process transport reads the outbox directly (dev only).
    amqp_url: SecretStr | None = None
    exchange: str = "reservations.events"
    queue: str = "reservation-event-processor"
    prefetch: int = Field(default=32, ge=1)
    # A message delivered more often than this goes to <queue>.dead (quorum x-delivery-limit);
    # 0 leaves the queue argument unset (a broker policy may set delivery-limit instead).
    delivery_limit: int = Field(default=10, ge=0)
    webhook_secrets_key: SecretStr = SecretStr(DEV_WEBHOOK_SECRETS_KEY)

    # Hosts (exact names) or networks (CIDR) that may be targeted although private/loopback.
    ssrf_allowlist: CommaList = Field(default_factory=list)
    retry_schedule: DurationList = Field(
        default_factory=lambda: [parse_duration(v) for v in DEFAULT_RETRY_SCHEDULE]
    )
    retry_jitter: float = Field(default=0.2, ge=0, lt=1)
    retry_after_min: Duration = timedelta(seconds=1)
    retry_after_max: Duration = timedelta(hours=6)
    disable_after: Duration = timedelta(days=5)

    http_timeout: Duration = timedelta(seconds=15)
    # Short in-place retries of a connection that could not be opened (tenacity).
    transport_retries: int = Field(default=2, ge=0, le=5)
    # An attempt in flight holds its delivery this long; a crashed sender's work is retried after.
    lease: Duration = timedelta(seconds=60)
    max_in_flight: int = Field(default=64, ge=1)
    claim_batch: int = Field(default=100, ge=1)
    poll_interval: Duration = timedelta(seconds=1)
    user_agent: str = "reservation-platform-webhooks/0.1"
    # OpenTelemetry traces, exported by OTLP/HTTP to the standard OTEL_EXPORTER_OTLP_* endpoint
    # (reservation_common.tracing). Off: no span is started and no traceparent is sent.
    tracing_enabled: bool = False

    host: str = "127.0.0.1"
    port: int = 9100
    log_level: str = "INFO"
    shutdown_grace: Duration = timedelta(seconds=20)

    @field_validator("webhook_secrets_key")
    @classmethod
    def _fernet_keys(cls, value: SecretStr) -> SecretStr:
        # One key or a rotation list "new,old": every key must be valid, not only the first.
        validate_keys(value.get_secret_value())
        return value

    @field_validator("ssrf_allowlist")
    @classmethod
    def _check_allowlist(cls, value: list[str]) -> list[str]:
        for entry in value:
            if "/" in entry:
                ipaddress.ip_network(entry, strict=False)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not self.retry_schedule:
            raise ValueError("RETRY_SCHEDULE needs at least one delay")
        if self.lease <= self.http_timeout:
            raise ValueError("LEASE must be longer than HTTP_TIMEOUT")
        if self.environment is Environment.PRODUCTION:
            problems = []
            if DEV_WEBHOOK_SECRETS_KEY in split_keys(self.webhook_secrets_key.get_secret_value()):
                problems.append("WEBHOOK_SECRETS_KEY is (or lists) the dev default")
            if self.database_url == DEV_DATABASE_URL:
                problems.append("DATABASE_URL is the dev default")
            if self.amqp_url is None:
                problems.append("AMQP_URL is required (the in-process transport is dev only)")
            if problems:
                raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self

    @property
    def max_attempts(self) -> int:
        """The first attempt plus one retry per schedule entry."""
        return len(self.retry_schedule) + 1

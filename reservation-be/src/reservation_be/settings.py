"""Backend settings, read from ``RESERVATION_BE_*`` environment variables."""

from __future__ import annotations

import math
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from reservation_common.crypto import split_keys, validate_keys
from reservation_common.settings import CommaList, Duration, Environment
from reservation_db.defaults import DEV_DATABASE_URL, DEV_WEBHOOK_SECRETS_KEY

from reservation_be.reservations.rules import PlatformLimits

# Dev defaults, clearly marked: a production start refuses every one of them.
# (DEV_DATABASE_URL and DEV_WEBHOOK_SECRETS_KEY are the shared schema's, reservation_db.defaults.)
DEV_ADMIN_CLIENT_SECRET = "dev-secret-reservation-api"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RESERVATION_BE_", extra="ignore")

    environment: Environment = Environment.DEV
    database_url: str = DEV_DATABASE_URL
    database_pool_size: int = Field(default=10, ge=1)
    database_max_overflow: int = Field(default=20, ge=0)
    amqp_url: str | None = None

    oidc_issuer: str = "http://127.0.0.1:8080/realms/reservations"
    oidc_discovery_url: str | None = None
    oidc_audience: str = "reservation-api"
    # The public client of the command line (device authorization grant), told by /api/v1/config.
    oidc_cli_client_id: str = "reservation-cli"
    keycloak_admin_client_id: str = "reservation-api"
    keycloak_admin_client_secret: SecretStr = SecretStr(DEV_ADMIN_CLIENT_SECRET)
    webhook_secrets_key: SecretStr = SecretStr(DEV_WEBHOOK_SECRETS_KEY)

    cors_origins: CommaList = Field(default_factory=list)
    frontend_dist: Path | None = None
    workers_enabled: bool = True
    # /metrics answers 404 unless enabled: the chart, compose and dev mode turn it on where only
    # the cluster or this machine reach it (the ingress routes /api only).
    metrics_enabled: bool = False
    # OpenTelemetry traces, exported by OTLP/HTTP to the standard OTEL_EXPORTER_OTLP_* endpoint
    # (reservation_common.tracing). Off: no span is started and no trace header is sent.
    tracing_enabled: bool = False

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Authenticated requests per principal and window, over all replicas (kit/rate_limit.py).
    rate_limit_requests: int = Field(default=600, ge=1)
    rate_limit_service_requests: int = Field(default=6000, ge=1)
    rate_limit_window: Duration = timedelta(minutes=1)
    rate_limit_sync_interval: Duration = timedelta(seconds=1)
    # Booking limits of a resource type that sets none (a type's own value wins).
    default_max_duration: Duration = Field(default=timedelta(days=90), gt=timedelta(0))
    default_booking_horizon: Duration = Field(default=timedelta(days=730), gt=timedelta(0))
    default_max_occurrences: int = Field(default=100, gt=0, le=10_000)
    # Bookings (and the other requests that book slots) the replica runs at once, split between
    # the worker processes of `serve --workers N` (booking_turns); the next wait their turn, at
    # most booking_wait, so reads beside a saturating booking load are not queued behind every
    # booking in flight (reservations/turns.py; docs/performance.md, "Admission of bookings").
    # Three keep one process's core and its database connections as busy as four did, and
    # the reads beside them wait less (docs/performance.md).
    booking_concurrency: int = Field(default=3, ge=1)
    booking_wait: Duration = Field(default=timedelta(seconds=30), gt=timedelta(0))
    # The worker processes of this replica: `serve --workers N` sets it for its workers
    # (RESERVATION_BE_SERVE_WORKERS); set it by hand only for processes started otherwise.
    serve_workers: int = Field(default=1, ge=1)
    # Below the probes' own timeouts (chart 3 s, compose 2 s), so /readyz answers 503 in time.
    readiness_timeout: Duration = timedelta(milliseconds=1500)

    @field_validator("webhook_secrets_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr) -> SecretStr:
        # One key or a rotation list "new,old": every key must be valid, not only the first.
        validate_keys(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _no_dev_secrets_in_production(self) -> Self:
        if self.environment is not Environment.PRODUCTION:
            return self
        problems = []
        if self.keycloak_admin_client_secret.get_secret_value() == DEV_ADMIN_CLIENT_SECRET:
            problems.append("KEYCLOAK_ADMIN_CLIENT_SECRET is the dev default")
        if DEV_WEBHOOK_SECRETS_KEY in split_keys(self.webhook_secrets_key.get_secret_value()):
            problems.append("WEBHOOK_SECRETS_KEY is (or lists) the dev default")
        if self.database_url == DEV_DATABASE_URL:
            problems.append("DATABASE_URL is the dev default")
        if problems:
            raise ValueError(
                "refusing to start in production with dev settings: " + "; ".join(problems)
            )
        return self

    @property
    def booking_limits(self) -> PlatformLimits:
        return PlatformLimits(
            max_duration=self.default_max_duration,
            booking_horizon=self.default_booking_horizon,
            max_occurrences=self.default_max_occurrences,
        )

    @property
    def booking_turns(self) -> int:
        """This process's share of the replica's ``booking_concurrency``: ceil(budget / N) of N
        worker processes (at least one, as both are)."""
        return math.ceil(self.booking_concurrency / self.serve_workers)

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from reservation_common.settings import Duration


class StreamSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RESERVATION_BE_EVENTS_", extra="ignore")

    # A comment line this often keeps proxies from closing an idle stream.
    heartbeat: Duration = Field(default=timedelta(seconds=15), gt=timedelta(0))
    # Suggested reconnection delay sent to the client (the SSE ``retry`` field).
    retry: Duration = Field(default=timedelta(seconds=3), gt=timedelta(0))
    # On reconnection with Last-Event-ID: at most this many missed notifications are replayed.
    replay_limit: int = Field(default=100, ge=0)
    # Open streams per user and API process; one more is refused with 429.
    max_streams_per_user: int = Field(default=5, ge=1)

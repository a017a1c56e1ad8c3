"""Dev defaults shared by every service that opens the database, clearly marked: a production
start refuses each of them (see the services' settings)."""

from __future__ import annotations

DEV_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/reservations"
# Fernet key of the encrypted ``webhook_secrets.secret`` column: written by the API, read by the
# event processor.
DEV_WEBHOOK_SECRETS_KEY = "ZGV2LW9ubHktd2ViaG9vay1zZWNyZXRzLWtleS0wMDA="

__all__ = ["DEV_DATABASE_URL", "DEV_WEBHOOK_SECRETS_KEY"]

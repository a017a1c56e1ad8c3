"""SMTP and mail settings, read from the backend's ``RESERVATION_BE_*`` variables.

Without ``SMTP_HOST`` the mail worker does not run: mails stay queued (and are removed by
retention) and reminders are not written.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import parseaddr
from enum import StrEnum

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from reservation_common.settings import Duration


class SmtpSecurity(StrEnum):
    NONE = "none"  # plain SMTP: a local relay or the dev-mode sink only
    STARTTLS = "starttls"  # port 587
    TLS = "tls"  # implicit TLS, port 465


class MailSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RESERVATION_BE_", extra="ignore")

    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: SmtpSecurity = SmtpSecurity.NONE
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout: Duration = timedelta(seconds=30)
    smtp_validate_certs: bool = True

    mail_from: str = "Reservations <reservations@localhost>"
    # Where the links in a mail point: the frontend's public address.
    mail_public_url: str = "http://127.0.0.1:8000"
    mail_max_attempts: int = Field(default=8, ge=1, le=100)
    # Backoff after a failed attempt: base * 2^(attempt-1), with jitter, at most mail_retry_max.
    mail_retry_base: Duration = timedelta(seconds=30)
    mail_retry_max: Duration = timedelta(hours=2)
    # How often the worker looks for mails and reminders without a wake-up.
    mail_poll_interval: Duration = timedelta(seconds=10)
    mail_reminder_interval: Duration = timedelta(seconds=15)
    mail_batch: int = Field(default=50, ge=1, le=1000)

    @field_validator("mail_from")
    @classmethod
    def _address(cls, value: str) -> str:
        if "@" not in parseaddr(value)[1]:
            raise ValueError("MAIL_FROM must be an address, e.g. 'Reservations <r@example.org>'")
        return value

    @property
    def enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def from_address(self) -> str:
        return parseaddr(self.mail_from)[1]

    @property
    def domain(self) -> str:
        """The right-hand side of Message-IDs and calendar UIDs."""
        return self.from_address.rsplit("@", 1)[1]

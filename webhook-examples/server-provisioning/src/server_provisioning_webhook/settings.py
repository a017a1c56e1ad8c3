"""Configuration from the environment, prefix ``SERVER_PROV_`` (e.g. ``SERVER_PROV_API_URL``).

Secrets (BMC passwords, the client secret, the webhook secret) may be given as files
(``*_file``), as mounted Kubernetes Secrets are; they are ``SecretStr`` and never logged.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["HostConfig", "Settings"]

_HOST_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")


def _read_secret(path: str | None) -> SecretStr | None:
    if path is None:
        return None
    return SecretStr(Path(path).read_text(encoding="utf-8").strip())


class HostConfig(BaseModel):
    """One managed host: its BMC (Redfish) and how its owner reaches it once it is up."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Which driver (driver.HostDriver) controls it: a name create_app's drivers map holds.
    # A new driver adds its name here and the fields it needs below (docs/webhooks.md).
    driver: Literal["redfish"] = "redfish"
    bmc_url: str  # e.g. https://10.0.0.21 (the Redfish service root is /redfish/v1)
    system_id: str  # the Redfish system's identity, e.g. /redfish/v1/Systems/1
    username: str
    password: SecretStr | None = None
    password_file: str | None = None
    verify_tls: bool = True
    address: str  # where the owner logs in once it is up
    ssh_port: int = Field(default=22, ge=1, le=65535)
    login_user: str = "cloud"

    @model_validator(mode="after")
    def _password(self) -> HostConfig:
        if self.password is None and self.password_file is None:
            raise ValueError("a host needs password or password_file")
        return self

    def bmc_password(self) -> str:
        secret = self.password or _read_secret(self.password_file)
        assert secret is not None
        return secret.get_secret_value()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SERVER_PROV_", extra="ignore", populate_by_name=True
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8091, ge=1, le=65535)
    # Where the managed hosts reach this receiver for their user-data (NoCloud seed).
    public_url: str = "http://127.0.0.1:8091"
    webhook_secret: SecretStr | None = None
    webhook_secret_file: str | None = None
    # The durable job queue and the hosts' current bookings (SQLite, one file).
    state_path: Path = Path("server-provisioning.sqlite3")

    hosts: dict[str, HostConfig] = Field(default_factory=dict)
    # The OS image inserted as virtual media, and the only image URLs a reservation may choose
    # (parameter ``image``): prefixes, e.g. ``https://images.example.org/``.
    default_image: str
    allowed_image_prefixes: list[str] = Field(default_factory=list)

    api_url: str | None = None
    oidc_issuer: str | None = None
    oidc_discovery_url: str | None = None
    token_url: str | None = None
    client_id: str = "server-provisioning-webhook"
    client_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "SERVER_PROV_CLIENT_SECRET", "KEYCLOAK_CLIENT_SECRET_SERVER_PROVISIONING_WEBHOOK"
        ),
    )
    client_secret_file: str | None = None
    report_attempts: int = Field(default=5, ge=1, le=20)
    report_backoff_seconds: float = Field(default=1.0, ge=0)
    report_timeout_seconds: float = Field(default=10.0, gt=0)

    provision_on: str = "reservation.starting"
    # How long a BMC request may take, and how long a host may take to power on and boot.
    bmc_timeout_seconds: float = Field(default=30.0, gt=0)
    boot_timeout_seconds: float = Field(default=900.0, gt=0)
    poll_seconds: float = Field(default=1.0, gt=0)
    job_attempts: int = Field(default=3, ge=1)

    @field_validator("hosts", mode="after")
    @classmethod
    def _host_names(cls, hosts: dict[str, HostConfig]) -> dict[str, HostConfig]:
        bad = sorted(name for name in hosts if not _HOST_NAME.fullmatch(name))
        if bad:
            raise ValueError(f"host names must match {_HOST_NAME.pattern}: {bad}")
        return hosts

    @model_validator(mode="after")
    def _secrets(self) -> Settings:
        if self.webhook_secret is None:
            self.webhook_secret = _read_secret(self.webhook_secret_file)
        if self.webhook_secret is None:
            raise ValueError("webhook_secret (or webhook_secret_file) is required")
        if self.client_secret is None:
            self.client_secret = _read_secret(self.client_secret_file)
        if self.api_url and not (self.client_secret and (self.oidc_issuer or self.token_url)):
            raise ValueError("api_url needs client_secret and oidc_issuer (or token_url)")
        if not self.image_allowed(self.default_image):
            raise ValueError("default_image must start with one of allowed_image_prefixes")
        return self

    def image_allowed(self, url: Any) -> bool:
        return isinstance(url, str) and any(url.startswith(p) for p in self.allowed_image_prefixes)

    def secret(self) -> str:
        assert self.webhook_secret is not None
        return self.webhook_secret.get_secret_value()

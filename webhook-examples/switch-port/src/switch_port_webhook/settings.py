"""Configuration from the environment, prefix ``SWITCH_PORT_`` (e.g. ``SWITCH_PORT_API_URL``)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .ios import canonical_interface

__all__ = ["Settings", "SwitchConfig", "parse_vlan_ranges"]

_SWITCH_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")


def parse_vlan_ranges(value: str | list[int] | frozenset[int]) -> frozenset[int]:
    """``"100-199,300"`` -> {100, ..., 199, 300}."""
    if not isinstance(value, str):
        return frozenset(value)
    vlans: set[int] = set()
    for part in filter(None, (p.strip() for p in value.split(","))):
        first, _, last = part.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise ValueError(f"not a VLAN or VLAN range: {part!r}")
        low, high = int(first), int(last or first)
        if not 1 <= low <= high <= 4094:
            raise ValueError(f"VLAN range out of 1..4094: {part!r}")
        vlans.update(range(low, high + 1))
    return frozenset(vlans)


class SwitchConfig(BaseModel):
    """One managed switch; ``ports`` lists the only interfaces the integration may change."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str
    port: int = 22
    username: str
    password: SecretStr
    enable_secret: SecretStr | None = None
    ports: frozenset[str]
    # libssh2 checks the switch's host key against this file when it is set.
    known_hosts_path: str | None = None
    timeout_seconds: float = Field(default=30.0, gt=0)

    @field_validator("ports", mode="after")
    @classmethod
    def _canonical_ports(cls, ports: frozenset[str]) -> frozenset[str]:
        names = {p: canonical_interface(p) for p in ports}
        bad = sorted(p for p, name in names.items() if name is None)
        if bad:
            raise ValueError(f"not interface names: {bad}")
        return frozenset(n for n in names.values() if n)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SWITCH_PORT_", extra="ignore", populate_by_name=True
    )

    # Where the webhook listens (SWITCH_PORT_HOST, SWITCH_PORT_PORT).
    host: str = "127.0.0.1"
    port: int = Field(default=8090, ge=1, le=65535)
    # Standard Webhooks secret of the subscription (whsec_...), shown once when it was created.
    webhook_secret: SecretStr
    # Backend base URL for provisioning reports, e.g. http://127.0.0.1:8000. Unset: no reports.
    api_url: str | None = None
    oidc_issuer: str | None = None
    # The issuer at the address this integration reaches it (e.g. http://keycloak:8080/realms/x
    # when tokens name https://sso.example.com/realms/x); discovery is read from there.
    oidc_discovery_url: str | None = None
    token_url: str | None = None
    client_id: str = "switch-port-webhook"
    client_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "SWITCH_PORT_CLIENT_SECRET", "KEYCLOAK_CLIENT_SECRET_SWITCH_PORT_WEBHOOK"
        ),
    )
    report_attempts: int = Field(default=5, ge=1, le=20)
    report_backoff_seconds: float = Field(default=1.0, ge=0)
    report_timeout_seconds: float = Field(default=10.0, gt=0)

    provision_on: Literal["reservation.starting", "reservation.started"] = "reservation.starting"
    switches: dict[str, SwitchConfig] = Field(default_factory=dict)
    # The tenant VLANs: the only ones reservations get, one reservation each. No default: only
    # the operator knows which VLANs of the switches are free for tenants.
    allowed_vlans: Annotated[frozenset[int], NoDecode]
    # Never handed out, whatever the allow-list says (IOS reserves 1002-1005).
    reserved_vlans: Annotated[frozenset[int], NoDecode] = parse_vlan_ranges("1,1002-1005")
    default_vlan: int = Field(default=1, ge=1, le=4094)
    shutdown_on_release: bool = True
    vlan_name_prefix: str = Field(default="resv-", pattern=r"^[A-Za-z0-9_-]{1,16}$")
    queue_size: int = Field(default=1000, ge=1)
    # On shutdown, acknowledged jobs and their reports get this long to finish.
    shutdown_grace_seconds: float = Field(default=20.0, ge=0)
    dedupe_size: int = Field(default=10_000, ge=1)

    @field_validator("allowed_vlans", "reserved_vlans", mode="before")
    @classmethod
    def _ranges(cls, value: str | list[int]) -> frozenset[int]:
        return parse_vlan_ranges(value)

    @field_validator("switches", mode="after")
    @classmethod
    def _switch_names(cls, switches: dict[str, SwitchConfig]) -> dict[str, SwitchConfig]:
        bad = sorted(name for name in switches if not _SWITCH_NAME.fullmatch(name))
        if bad:
            raise ValueError(f"switch names must match {_SWITCH_NAME.pattern}: {bad}")
        return switches

    @model_validator(mode="after")
    def _reports_need_credentials(self) -> Settings:
        if self.api_url and not (self.client_secret and (self.oidc_issuer or self.token_url)):
            raise ValueError("api_url needs client_secret and oidc_issuer (or token_url)")
        if self.default_vlan in self.allowed_vlans - self.reserved_vlans:
            raise ValueError("the default VLAN cannot be handed out: reserve it")
        return self

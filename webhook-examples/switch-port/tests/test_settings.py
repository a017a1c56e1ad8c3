"""Configuration from SWITCH_PORT_* environment variables."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from switch_port_webhook import Settings

SWITCHES = {
    "sw1": {
        "host": "192.0.2.10",
        "username": "netops",
        "password": "pw",
        "enable_secret": "en",
        "ports": ["Gi1/0/1", "GigabitEthernet1/0/2", "te1/1/1"],
    }
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("SWITCH_PORT_WEBHOOK_SECRET", "whsec_dGVzdA==")
    monkeypatch.setenv("SWITCH_PORT_SWITCHES", json.dumps(SWITCHES))
    monkeypatch.setenv("SWITCH_PORT_ALLOWED_VLANS", "100-199")
    return monkeypatch


def test_environment_is_read_with_its_prefix(env: pytest.MonkeyPatch) -> None:
    env.setenv("SWITCH_PORT_ALLOWED_VLANS", "100-103, 300")
    env.setenv("SWITCH_PORT_SHUTDOWN_ON_RELEASE", "false")
    env.setenv("SWITCH_PORT_PORT", "9001")
    settings = Settings()
    assert settings.allowed_vlans == {100, 101, 102, 103, 300}
    assert settings.reserved_vlans == {1, 1002, 1003, 1004, 1005}
    assert settings.shutdown_on_release is False
    assert settings.port == 9001
    assert settings.switches["sw1"].ports == {
        "GigabitEthernet1/0/1",
        "GigabitEthernet1/0/2",
        "TenGigabitEthernet1/1/1",
    }
    assert settings.switches["sw1"].port == 22


def test_client_secret_falls_back_to_the_platform_variable(env: pytest.MonkeyPatch) -> None:
    env.setenv("KEYCLOAK_CLIENT_SECRET_SWITCH_PORT_WEBHOOK", "from-platform-env")
    secret = Settings().client_secret
    assert secret is not None
    assert secret.get_secret_value() == "from-platform-env"
    assert "from-platform-env" not in repr(Settings())


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SWITCH_PORT_ALLOWED_VLANS", "100-5000", "out of 1..4094"),
        ("SWITCH_PORT_DEFAULT_VLAN", "150", "default VLAN"),  # inside the allow-list
        ("SWITCH_PORT_ALLOWED_VLANS", "10;reload", "not a VLAN"),
        ("SWITCH_PORT_API_URL", "http://api", "needs client_secret"),
        ("SWITCH_PORT_PROVISION_ON", "reservation.created", "reservation.starting"),
        ("SWITCH_PORT_VLAN_NAME_PREFIX", "bad name", "pattern"),
    ],
)
def test_bad_configuration_is_refused_at_start(
    env: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    env.setenv(variable, value)
    with pytest.raises(ValidationError, match=message):
        Settings()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ports": ["Gi1/0/1; reload"]}, "not interface names"),
        ({"ports": ["Vlan1"]}, "not interface names"),
    ],
)
def test_bad_switch_configuration_is_refused(
    env: pytest.MonkeyPatch, change: dict[str, object], message: str
) -> None:
    env.setenv("SWITCH_PORT_SWITCHES", json.dumps({"sw1": {**SWITCHES["sw1"], **change}}))
    with pytest.raises(ValidationError, match=message):
        Settings()


def test_switch_names_are_plain(env: pytest.MonkeyPatch) -> None:
    env.setenv("SWITCH_PORT_SWITCHES", json.dumps({"sw 1": SWITCHES["sw1"]}))
    with pytest.raises(ValidationError, match="switch names"):
        Settings()


def test_tenant_vlans_have_no_default(env: pytest.MonkeyPatch) -> None:
    # Before, 2-1001 was the default: the operator's own VLANs were handed to tenants.
    env.delenv("SWITCH_PORT_ALLOWED_VLANS")
    with pytest.raises(ValidationError, match="allowed_vlans"):
        Settings()

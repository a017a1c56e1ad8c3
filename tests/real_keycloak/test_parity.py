"""Parity: for every client and flow, a token of real Keycloak and a token of the test realm
(which every other suite uses) carry the same claims with the same types, audiences and roles,
and the token responses the same fields. A difference fails here, so the test realm cannot
drift from Keycloak again."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from reservation_testrealm.real import RealKeycloak
from reservation_testrealm.realm import DEFAULT_REALM_FILE
from reservation_testrealm.server import TestRealm

from .browser import chromium, device_login
from .conftest import claims_of

SERVICE_CLIENTS = [
    client["clientId"]
    for client in json.loads(DEFAULT_REALM_FILE.read_text(encoding="utf-8"))["clients"]
    if client.get("serviceAccountsEnabled")
]
# Claims whose values must agree too (besides names and types); the others (times, ids,
# issuer, session ids, hashes) differ by nature between two servers.
COMPARED_VALUES = {
    "typ",
    "azp",
    "acr",
    "preferred_username",
    "email",
    "email_verified",
    "name",
    "given_name",
    "family_name",
    "client_id",
    "allowed-origins",
}
# Values that are sets in meaning, whatever order or form (one audience is a plain string).
SET_VALUES = {"aud", "scope"}


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def as_set(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset(value.split() if " " in value else [value])
    return frozenset(value)


def meaning(claims: dict[str, Any], *, same_subject: bool) -> dict[str, Any]:
    """What must agree: every name with its JSON type (``aud`` may be a string or an array, as
    Keycloak writes one audience as a string), audiences, roles and the compared values."""
    out: dict[str, Any] = {
        "names": {k: json_type(v) for k, v in claims.items() if k not in SET_VALUES},
        "present": sorted(k for k in claims if k in SET_VALUES),
    }
    for name in SET_VALUES & set(claims):
        out[name] = as_set(claims[name])
    for name in COMPARED_VALUES & set(claims):
        value = claims[name]
        out[name] = frozenset(value) if isinstance(value, list) else value
    if "realm_access" in claims:
        out["realm_roles"] = frozenset(claims["realm_access"]["roles"])
    if "resource_access" in claims:
        out["client_roles"] = {
            client: frozenset(access["roles"])
            for client, access in claims["resource_access"].items()
        }
    if same_subject:
        out["sub"] = claims["sub"]
    return out


def response_shape(body: dict[str, Any]) -> dict[str, Any]:
    shape: dict[str, Any] = {k: json_type(v) for k, v in body.items() if not k.startswith("_")}
    if "token_type" in body:
        shape["token_type="] = body["token_type"]
    for key in ("expires_in", "refresh_expires_in"):
        if key in body:  # counted from each server's own clock: 300 may read 295
            shape[f"{key}~"] = round(body[key] / 60) * 60
    if "scope" in body:
        shape["scope="] = as_set(body["scope"])
    return shape


def differences(real: dict[str, Any], test: dict[str, Any], *, same_subject: bool) -> list[str]:
    """Readable differences between two tokens' meanings; empty when they agree."""
    want, got = meaning(real, same_subject=same_subject), meaning(test, same_subject=same_subject)
    found = []
    names_real, names_test = want.pop("names"), got.pop("names")
    for name in sorted(set(names_real) | set(names_test)):
        if names_real.get(name) != names_test.get(name):
            found.append(
                f"claim {name}: Keycloak {names_real.get(name, 'absent')}, "
                f"test realm {names_test.get(name, 'absent')}"
            )
    for key in sorted(set(want) | set(got)):
        if want.get(key) != got.get(key):
            found.append(f"{key}: Keycloak {want.get(key)!r}, test realm {got.get(key)!r}")
    return found


def assert_same(real: dict[str, Any], test: dict[str, Any], *, same_subject: bool) -> None:
    assert differences(real, test, same_subject=same_subject) == []


def client_credentials(token_url: str, client_id: str, secret: str) -> dict[str, Any]:
    response = httpx.post(
        token_url,
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("client_id", SERVICE_CLIENTS)
def test_client_credentials_tokens_agree(
    real_keycloak: RealKeycloak, test_realm: TestRealm, client_id: str
) -> None:
    real = client_credentials(
        real_keycloak.token_url, client_id, real_keycloak.client_secret(client_id)
    )
    test = client_credentials(test_realm.token_url, client_id, test_realm.client_secret(client_id))

    assert response_shape(test) == response_shape(real)
    assert_same(
        claims_of(real["access_token"]), claims_of(test["access_token"]), same_subject=False
    )


@pytest.mark.parametrize("username", ["admin", "alice"])
def test_browser_login_tokens_agree(
    real_keycloak: RealKeycloak, test_realm: TestRealm, username: str
) -> None:
    real = real_keycloak.tokens(username)
    test = test_realm.tokens(username)

    assert response_shape(test) == response_shape(real)
    assert_same(claims_of(real["access_token"]), claims_of(test["access_token"]), same_subject=True)
    assert_same(claims_of(real["id_token"]), claims_of(test["id_token"]), same_subject=True)
    assert claims_of(test["refresh_token"])["typ"] == claims_of(real["refresh_token"])["typ"]


def refresh(token_url: str, refresh_token: str) -> dict[str, Any]:
    response = httpx.post(
        token_url,
        data={
            "grant_type": "refresh_token",
            "client_id": "reservation-frontend",
            "refresh_token": refresh_token,
        },
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def test_refreshed_tokens_agree(real_keycloak: RealKeycloak, test_realm: TestRealm) -> None:
    real = refresh(real_keycloak.token_url, real_keycloak.tokens("bob")["refresh_token"])
    test = refresh(test_realm.token_url, test_realm.tokens("bob")["refresh_token"])

    assert response_shape(test) == response_shape(real)
    assert_same(claims_of(real["access_token"]), claims_of(test["access_token"]), same_subject=True)
    assert_same(claims_of(real["id_token"]), claims_of(test["id_token"]), same_subject=True)


def test_device_grant_tokens_agree(real_keycloak: RealKeycloak, test_realm: TestRealm) -> None:
    with chromium() as browser:
        real = device_login(browser, real_keycloak.issuer, "alice", "alice")
        test = device_login(browser, test_realm.issuer, "alice", "alice")

    assert response_shape(test) == response_shape(real)
    assert_same(claims_of(real["access_token"]), claims_of(test["access_token"]), same_subject=True)

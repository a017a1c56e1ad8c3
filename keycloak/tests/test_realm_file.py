"""The realm file real Keycloak imports and what the test realm serves must not drift apart."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from reservation_testrealm.realm import DEFAULT_REALM_FILE, RealmFileError, load_realm
from reservation_testrealm.server import TestRealm

REALM_FILE = Path(__file__).resolve().parents[1] / "reservations-realm.json"
DEV_USERS_FILE = Path(__file__).resolve().parents[1] / "dev" / "reservations-users-0.json"
RAW: dict[str, Any] = json.loads(REALM_FILE.read_text())
DEV: dict[str, Any] = json.loads(DEV_USERS_FILE.read_text())
CLIENTS = {c["clientId"]: c for c in RAW["clients"]}
DEMO_USERS = DEV["users"]
SERVICE_ACCOUNTS = [u for u in RAW["users"] if "serviceAccountClientId" in u]


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def test_the_test_realm_serves_the_repository_realm_file() -> None:
    assert DEFAULT_REALM_FILE == REALM_FILE


def test_the_shipped_realm_signs_users_in_through_the_login_form(shipped_realm: TestRealm) -> None:
    tokens = shipped_realm.tokens("alice")

    claims = claims_of(tokens["access_token"])
    assert claims["azp"] == "reservation-frontend"
    assert claims["preferred_username"] == "alice"


def test_production_realm_has_no_user_with_a_known_password() -> None:
    # Only the clients' service accounts, which have no credentials; demo users live in dev/.
    assert all("serviceAccountClientId" in user for user in RAW["users"])
    assert not any(user.get("credentials") for user in RAW["users"])


def test_no_public_client_allows_the_password_grant() -> None:
    for client in RAW["clients"]:
        if client.get("publicClient"):
            assert client.get("directAccessGrantsEnabled") is False, client["clientId"]
            assert client.get("implicitFlowEnabled") is False, client["clientId"]


def test_dev_import_holds_only_the_demo_users_in_keycloaks_users_file_format() -> None:
    # Keycloak's directory import reads <realm>-users-<n>.json beside <realm>-realm.json.
    assert REALM_FILE.name == f"{RAW['realm']}-realm.json"
    assert DEV_USERS_FILE.name.startswith(f"{RAW['realm']}-users-")
    assert set(DEV) == {"realm", "users"}
    assert DEV["realm"] == RAW["realm"]
    assert all(u["credentials"] for u in DEMO_USERS)


def test_the_test_realm_serves_the_dev_users_beside_the_production_realm() -> None:
    realm = load_realm(environ={})

    assert {u.username for u in realm.users.values() if u.password} == {"admin", "alice", "bob"}
    without_dev = load_realm(environ={}, users=[])
    assert not [u for u in without_dev.users.values() if u.password]


def test_realm_file_declares_the_contract() -> None:
    assert RAW["realm"] == "reservations"
    assert set(CLIENTS) == {
        "reservation-frontend",
        "reservation-api",
        "reservation-event-processor",
        "switch-port-webhook",
        "server-provisioning-webhook",
        "reservation-cli",
    }
    assert "platform-admin" in {r["name"] for r in RAW["roles"]["realm"]}
    assert {u["username"] for u in DEMO_USERS} == {"admin", "alice", "bob"}
    frontend = CLIENTS["reservation-frontend"]
    assert frontend["publicClient"] and frontend["standardFlowEnabled"]
    assert frontend["attributes"]["pkce.code.challenge.method"] == "S256"
    cli = CLIENTS["reservation-cli"]
    assert cli["publicClient"]
    assert cli["attributes"]["oauth2.device.authorization.grant.enabled"] == "true"
    assert cli["directAccessGrantsEnabled"] is False
    assert RAW["accessTokenLifespan"] == 300
    assert RAW["ssoSessionIdleTimeout"] == 1800


def test_client_secrets_are_placeholders_never_values() -> None:
    for client in RAW["clients"]:
        if client.get("publicClient"):
            assert "secret" not in client
        else:
            variable = "KEYCLOAK_CLIENT_SECRET_" + client["clientId"].upper().replace("-", "_")
            assert client["secret"] == "${" + variable + "}"


@pytest.mark.parametrize("user", DEMO_USERS, ids=lambda u: u["username"])
def test_every_demo_user_signs_in_with_the_file_password_and_roles(
    test_realm: TestRealm, user: dict[str, Any]
) -> None:
    password = user["credentials"][0]["value"]

    claims = claims_of(test_realm.token(user["username"], password))

    assert claims["sub"] == user["id"]
    assert claims["email"] == user["email"]
    assert claims["given_name"] == user["firstName"]
    assert set(user["realmRoles"]) <= set(claims["realm_access"]["roles"])
    assert set(claims["aud"]) == {"reservation-api", "account"}  # account: Keycloak's default roles


@pytest.mark.parametrize("account", SERVICE_ACCOUNTS, ids=lambda u: u["serviceAccountClientId"])
def test_every_service_account_gets_its_client_roles(
    test_realm: TestRealm, account: dict[str, Any]
) -> None:
    client_id = account["serviceAccountClientId"]
    assert CLIENTS[client_id]["serviceAccountsEnabled"]

    claims = claims_of(test_realm.service_token(client_id))

    assert claims["preferred_username"] == account["username"]
    served = {c: set(a["roles"]) for c, a in claims.get("resource_access", {}).items()}
    expected = {c: set(r) for c, r in account.get("clientRoles", {}).items()}
    if "view-users" in expected.get("realm-management", set()):
        expected["realm-management"].add("query-groups")  # a composite role of view-users
    # Keycloak's default role grants every user these roles of its built-in account client.
    expected["account"] = {"manage-account", "manage-account-links", "view-profile"}
    assert served == expected
    assert claims["client_id"] == client_id


SERVICE_CLIENTS = [c for c in RAW["clients"] if c.get("serviceAccountsEnabled")]


# The frontend's audience is checked in test_browser_flow, the CLI's in test_device_flow.
@pytest.mark.parametrize("client", SERVICE_CLIENTS, ids=lambda c: c["clientId"])
def test_audience_mappers_decide_the_api_audience(
    test_realm: TestRealm, client: dict[str, Any]
) -> None:
    has_mapper = any(
        m["protocolMapper"] == "oidc-audience-mapper"
        and m["config"]["included.client.audience"] == "reservation-api"
        for m in client.get("protocolMappers", [])
    )
    token = test_realm.service_token(client["clientId"])
    aud = claims_of(token).get("aud", [])

    assert ("reservation-api" in ([aud] if isinstance(aud, str) else aud)) == has_mapper


@pytest.mark.parametrize("client", RAW["clients"], ids=lambda c: c["clientId"])
def test_grants_are_allowed_exactly_as_the_file_says(
    shipped_realm: TestRealm, client: dict[str, Any]
) -> None:
    test_realm = shipped_realm
    client_id = client["clientId"]
    secret = (
        {} if client.get("publicClient") else {"client_secret": test_realm.client_secret(client_id)}
    )
    password = httpx.post(
        test_realm.token_url,
        data={
            "grant_type": "password",
            "client_id": client_id,
            "username": "bob",
            "password": "bob",
        }
        | secret,
    )
    credentials = httpx.post(
        test_realm.token_url,
        data={"grant_type": "client_credentials", "client_id": client_id} | secret,
    )
    device = httpx.post(
        f"{test_realm.issuer}/protocol/openid-connect/auth/device",
        data={"client_id": client_id} | secret,
    )

    assert (password.status_code == 200) == client.get("directAccessGrantsEnabled", False)
    assert (credentials.status_code == 200) == client.get("serviceAccountsEnabled", False)
    device_enabled = client.get("attributes", {}).get("oauth2.device.authorization.grant.enabled")
    assert (device.status_code == 200) == (device_enabled == "true")


def test_admin_user_list_is_the_file_users(test_realm: TestRealm) -> None:
    response = httpx.get(
        f"{test_realm.base_url}/admin/realms/reservations/users",
        params={"max": 1000},
        headers={"Authorization": f"Bearer {test_realm.service_token('reservation-api')}"},
    )

    served = {u["username"]: u for u in response.json()}
    for user in DEMO_USERS:
        assert served[user["username"]]["id"] == user["id"]
        assert served[user["username"]]["email"] == user["email"]


def test_realm_roles_are_published_in_tokens_only_as_declared(test_realm: TestRealm) -> None:
    declared = {r["name"] for r in RAW["roles"]["realm"]}

    for user in DEMO_USERS:
        roles = set(claims_of(test_realm.token(user["username"]))["realm_access"]["roles"])
        assert roles <= declared


def test_placeholders_come_from_the_environment() -> None:
    realm = load_realm(
        environ={
            "KEYCLOAK_CLIENT_SECRET_SWITCH_PORT_WEBHOOK": "from-env",
            "KEYCLOAK_FRONTEND_URL": "https://reservations.example.org",
        }
    )

    assert realm.clients["switch-port-webhook"].secret == "from-env"
    assert realm.clients["reservation-api"].secret == "dev-secret-reservation-api"
    frontend = realm.clients["reservation-frontend"]
    assert frontend.allows_redirect("https://reservations.example.org/sites/1")
    assert not frontend.allows_redirect("http://localhost:5173/")
    assert frontend.allowed_origins() == {"https://reservations.example.org"}


def test_placeholders_fall_back_to_dev_defaults() -> None:
    realm = load_realm(environ={})

    assert realm.clients["reservation-event-processor"].secret == (
        "dev-secret-reservation-event-processor"
    )
    assert realm.clients["reservation-frontend"].allows_redirect("http://localhost:5173/callback")


def test_unknown_placeholder_without_default_is_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "realm.json"
    broken.write_text(
        REALM_FILE.read_text().replace("${KEYCLOAK_FRONTEND_URL}", "${NOT_SET_ANYWHERE}")
    )

    with pytest.raises(RealmFileError, match="NOT_SET_ANYWHERE"):
        load_realm(broken, environ={})


def test_every_placeholder_in_the_file_is_documented() -> None:
    readme = (REALM_FILE.parent / "README.md").read_text()

    for name in set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", REALM_FILE.read_text())):
        assert name in readme

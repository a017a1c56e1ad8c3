"""The realm files, imported by real Keycloak with ``--import-realm`` (production realm plus the
dev-only users), read back through Keycloak's admin REST API with python-keycloak."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from keycloak import KeycloakAdmin
from reservation_testrealm.real import RealKeycloak, dev_users_files
from reservation_testrealm.realm import DEFAULT_REALM_FILE

REALM_FILE: dict[str, Any] = json.loads(DEFAULT_REALM_FILE.read_text(encoding="utf-8"))
CLIENTS = {c["clientId"]: c for c in REALM_FILE["clients"]}
DEV_USERS = [u for f in dev_users_files() for u in json.loads(Path(f).read_text())["users"]]


@pytest.fixture(scope="module")
def admin(real_keycloak: RealKeycloak) -> KeycloakAdmin:
    return KeycloakAdmin(
        server_url=f"{real_keycloak.base_url}/",
        username=real_keycloak.admin_username,
        password=real_keycloak.admin_password,
        realm_name=real_keycloak.realm,
        user_realm_name="master",
    )


def test_the_import_logs_no_warning_or_error(real_keycloak: RealKeycloak) -> None:
    # Up to "Listening on": the start-up with the import, before any test talked to Keycloak.
    log = real_keycloak.log_text().split("Listening on:")[0]
    import_lines = [
        line
        for line in log.splitlines()
        if re.search(r"\b(WARN|ERROR)\b", line)
        # Keycloak's own notice on every start about features it deprecated; not the import.
        and "Deprecated features" not in line
    ]
    assert "Realm 'reservations' imported" in log
    assert import_lines == []


def test_realm_lifetimes_and_flows_are_the_files(admin: KeycloakAdmin) -> None:
    realm = admin.get_realm("reservations")

    for key in (
        "accessTokenLifespan",
        "ssoSessionIdleTimeout",
        "ssoSessionMaxLifespan",
        "accessCodeLifespan",
        "accessCodeLifespanUserAction",
        "oauth2DeviceCodeLifespan",
        "oauth2DevicePollingInterval",
        "revokeRefreshToken",
        "bruteForceProtected",
        "sslRequired",
        "registrationAllowed",
        "loginTheme",
        "defaultLocale",
    ):
        assert realm[key] == REALM_FILE[key], key
    assert set(realm["supportedLocales"]) == {"en", "it"}
    # The realm keeps Keycloak's built-in flows: browser login, direct grant, device grant.
    assert realm["browserFlow"] == "browser"
    assert realm["directGrantFlow"] == "direct grant"
    flows = {flow["alias"] for flow in admin.get_authentication_flows()}
    assert {"browser", "direct grant", "clients", "reset credentials"} <= flows


def test_realm_roles_and_default_role(admin: KeycloakAdmin) -> None:
    roles = {role["name"] for role in admin.get_realm_roles()}

    assert {r["name"] for r in REALM_FILE["roles"]["realm"]} <= roles
    default = admin.get_composite_realm_roles_of_role("default-roles-reservations")
    assert {r["name"] for r in default} >= {"offline_access", "uma_authorization"}
    assert "platform-admin" not in {r["name"] for r in default}


@pytest.mark.parametrize("client_id", sorted(CLIENTS))
def test_client_flags_scopes_and_mappers_are_the_files(
    admin: KeycloakAdmin, real_keycloak: RealKeycloak, client_id: str
) -> None:
    declared = CLIENTS[client_id]
    internal_id = admin.get_client_id(client_id)
    client = admin.get_client(internal_id)

    for flag in (
        "publicClient",
        "standardFlowEnabled",
        "implicitFlowEnabled",
        "directAccessGrantsEnabled",
        "serviceAccountsEnabled",
        "fullScopeAllowed",
    ):
        assert client[flag] == declared[flag], flag
    for name, value in declared.get("attributes", {}).items():
        expected = value.replace("${KEYCLOAK_FRONTEND_URL}", real_keycloak.frontend_url)
        assert client["attributes"][name] == expected, name
    assert client["redirectUris"] == [
        uri.replace("${KEYCLOAK_FRONTEND_URL}", real_keycloak.frontend_url)
        for uri in declared["redirectUris"]
    ]
    assert set(client["defaultClientScopes"]) == set(declared["defaultClientScopes"])
    mappers = {m["name"]: m for m in client.get("protocolMappers", [])}
    for mapper in declared.get("protocolMappers", []):
        assert mappers[mapper["name"]]["protocolMapper"] == mapper["protocolMapper"]
        # Keycloak adds the mapper's defaults (userinfo.token.claim) to what the file says.
        assert mapper["config"].items() <= mappers[mapper["name"]]["config"].items()
    if not declared["publicClient"]:
        # The secret placeholder was replaced from the environment on import.
        secret = admin.get_client_secrets(internal_id)["value"]
        assert secret == real_keycloak.client_secret(client_id)


def test_the_api_service_account_may_look_users_up(admin: KeycloakAdmin) -> None:
    user = admin.get_client_service_account_user(admin.get_client_id("reservation-api"))
    management = admin.get_client_id("realm-management")

    roles = admin.get_client_roles_of_user(user["id"], management)

    assert {r["name"] for r in roles} == {"view-users", "query-users"}


def test_dev_import_users_have_the_files_ids_and_roles(admin: KeycloakAdmin) -> None:
    for declared in DEV_USERS:
        user = admin.get_user(declared["id"])
        assert user["username"] == declared["username"]
        assert user["email"] == declared["email"]
        roles = {r["name"] for r in admin.get_realm_roles_of_user(declared["id"])}
        assert set(declared["realmRoles"]) <= roles

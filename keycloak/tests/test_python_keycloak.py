"""python-keycloak, a client nobody here wrote, against the test realm."""

from __future__ import annotations

import pytest
from keycloak import KeycloakAdmin, KeycloakOpenID, KeycloakOpenIDConnection
from keycloak.exceptions import (
    KeycloakAuthenticationError,
    KeycloakGetError,
    KeycloakPostError,
)
from reservation_testrealm.server import TestRealm

REALM = "reservations"


def openid(realm: TestRealm, client_id: str, secret: str | None = None) -> KeycloakOpenID:
    return KeycloakOpenID(
        server_url=realm.base_url + "/",
        realm_name=REALM,
        client_id=client_id,
        client_secret_key=secret,
    )


def admin(realm: TestRealm, client_id: str = "reservation-api") -> KeycloakAdmin:
    return KeycloakAdmin(
        server_url=realm.base_url + "/",
        realm_name=REALM,
        client_id=client_id,
        client_secret_key=realm.client_secret(client_id),
    )


def test_well_known_names_the_realm_endpoints(test_realm: TestRealm) -> None:
    config = openid(test_realm, "reservation-cli").well_known()

    assert config["issuer"] == test_realm.issuer
    assert config["token_endpoint"] == f"{test_realm.issuer}/protocol/openid-connect/token"
    assert config["jwks_uri"] == f"{test_realm.issuer}/protocol/openid-connect/certs"
    assert "urn:ietf:params:oauth:grant-type:device_code" in config["grant_types_supported"]
    assert "S256" in config["code_challenge_methods_supported"]


def test_password_grant_and_decode_token_against_the_certs(test_realm: TestRealm) -> None:
    client = openid(test_realm, "reservation-cli")

    tokens = client.token("alice", "alice")
    claims = client.decode_token(tokens["access_token"])

    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 300
    assert tokens["refresh_expires_in"] == 1800
    assert claims["iss"] == test_realm.issuer
    assert claims["preferred_username"] == "alice"
    assert set(claims["aud"]) == {"reservation-api", "account"}
    assert claims["azp"] == "reservation-cli"
    assert claims["typ"] == "Bearer"
    assert claims["sid"] == tokens["session_state"]
    assert claims["realm_access"]["roles"] == [
        "default-roles-reservations",
        "offline_access",
        "uma_authorization",
    ]
    id_claims = client.decode_token(tokens["id_token"])
    assert id_claims["aud"] == "reservation-cli"
    assert id_claims["typ"] == "ID"


def test_wrong_password_is_refused_with_401(test_realm: TestRealm) -> None:
    with pytest.raises(KeycloakAuthenticationError) as caught:
        openid(test_realm, "reservation-cli").token("alice", "wrong")

    assert caught.value.response_code == 401
    assert b"Invalid user credentials" in caught.value.response_body


def test_client_credentials_grant(test_realm: TestRealm) -> None:
    secret = test_realm.client_secret("reservation-event-processor")
    client = openid(test_realm, "reservation-event-processor", secret)

    tokens = client.token(grant_type="client_credentials")
    claims = client.decode_token(tokens["access_token"])

    assert "refresh_token" not in tokens
    assert claims["azp"] == "reservation-event-processor"
    assert set(claims["aud"]) == {"reservation-api", "account"}
    assert claims["preferred_username"] == "service-account-reservation-event-processor"
    assert claims["client_id"] == "reservation-event-processor"
    assert "sid" not in claims


def test_wrong_client_secret_is_refused(test_realm: TestRealm) -> None:
    client = openid(test_realm, "reservation-event-processor", "not-the-secret")

    with pytest.raises(KeycloakAuthenticationError) as caught:
        client.token(grant_type="client_credentials")

    assert caught.value.response_code == 401
    assert b"unauthorized_client" in caught.value.response_body


def test_refresh_token_gives_new_tokens_of_the_same_session(test_realm: TestRealm) -> None:
    client = openid(test_realm, "reservation-cli")
    first = client.token("bob", "bob")

    second = client.refresh_token(first["refresh_token"])

    assert second["access_token"] != first["access_token"]
    assert second["session_state"] == first["session_state"]
    assert client.decode_token(second["access_token"])["preferred_username"] == "bob"


def test_userinfo_returns_the_profile(test_realm: TestRealm) -> None:
    client = openid(test_realm, "reservation-cli")
    tokens = client.token("admin", "password")

    info = client.userinfo(tokens["access_token"])

    assert info == {
        "sub": test_realm.user_id("admin"),
        "email_verified": True,
        "name": "Ada Admin",
        "preferred_username": "admin",
        "given_name": "Ada",
        "family_name": "Admin",
        "email": "admin@example.com",
    }


def test_logout_ends_the_session(test_realm: TestRealm) -> None:
    client = openid(test_realm, "reservation-cli")
    tokens = client.token("alice", "alice")

    client.logout(tokens["refresh_token"])

    with pytest.raises(KeycloakPostError) as refresh_error:
        client.refresh_token(tokens["refresh_token"])
    assert refresh_error.value.response_code == 400
    assert b"Session not active" in refresh_error.value.response_body
    with pytest.raises(KeycloakAuthenticationError):
        client.userinfo(tokens["access_token"])


def test_introspect_reports_active_and_ended_tokens(test_realm: TestRealm) -> None:
    user = openid(test_realm, "reservation-cli")
    api = openid(test_realm, "reservation-api", test_realm.client_secret("reservation-api"))
    tokens = user.token("bob", "bob")

    active = api.introspect(tokens["access_token"])
    user.logout(tokens["refresh_token"])
    ended = api.introspect(tokens["access_token"])

    assert active["active"] is True
    assert active["username"] == "bob"
    assert active["client_id"] == "reservation-cli"
    assert active["token_type"] == "Bearer"
    assert ended == {"active": False}


def test_admin_searches_users_by_username_and_email(test_realm: TestRealm) -> None:
    keycloak_admin = admin(test_realm)

    by_username = keycloak_admin.get_users({"username": "alice", "exact": True})
    by_email = keycloak_admin.get_users({"email": "bob@example.com"})
    by_search = keycloak_admin.get_users({"search": "example.com"})

    assert [u["id"] for u in by_username] == [test_realm.user_id("alice")]
    assert [u["username"] for u in by_email] == ["bob"]
    # Service-account users never show up in searches, as in Keycloak.
    assert {"admin", "alice", "bob"} <= {u["username"] for u in by_search}
    assert not any(u["username"].startswith("service-account-") for u in by_search)


def test_admin_gets_a_user_by_id(test_realm: TestRealm) -> None:
    keycloak_admin = admin(test_realm)
    sub = test_realm.create_user("carol", email="carol@example.org", first_name="Carol")

    user = keycloak_admin.get_user(sub)

    assert user["username"] == "carol"
    assert user["email"] == "carol@example.org"
    assert user["firstName"] == "Carol"
    assert user["enabled"] is True
    assert keycloak_admin.get_user_id("carol") == sub


def test_admin_reports_an_unknown_user_as_404(test_realm: TestRealm) -> None:
    with pytest.raises(KeycloakGetError) as caught:
        admin(test_realm).get_user("00000000-0000-0000-0000-000000000000")

    assert caught.value.response_code == 404


def test_admin_api_is_refused_without_realm_management_roles(test_realm: TestRealm) -> None:
    keycloak_admin = admin(test_realm, "switch-port-webhook")

    with pytest.raises(KeycloakGetError) as search_error:
        keycloak_admin.get_users({"username": "alice"})
    with pytest.raises(KeycloakGetError) as get_error:
        keycloak_admin.get_user(test_realm.user_id("alice"))

    assert search_error.value.response_code == 403
    assert get_error.value.response_code == 403


async def test_async_admin_finds_a_user_by_exact_email(test_realm: TestRealm) -> None:
    # The backend's member look-up: KeycloakOpenIDConnection + a_get_users, exact match.
    connection = KeycloakOpenIDConnection(
        server_url=test_realm.base_url + "/",
        realm_name=REALM,
        client_id="reservation-api",
        client_secret_key=test_realm.client_secret("reservation-api"),
        timeout=10,
    )
    keycloak_admin = KeycloakAdmin(connection=connection)

    try:
        found = await keycloak_admin.a_get_users(
            {"email": "ALICE@example.com", "exact": "true", "max": 2, "first": 0}
        )
        partial = await keycloak_admin.a_get_users(
            {"email": "alice@", "exact": "true", "max": 2, "first": 0}
        )
    finally:
        # python-keycloak keeps two async HTTP clients: the admin one and its token client's.
        await connection.keycloak_openid.connection.aclose()
        await connection.aclose()

    assert [u["username"] for u in found] == ["alice"]
    assert partial == []

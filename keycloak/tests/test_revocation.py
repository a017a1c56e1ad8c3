"""Token revocation (RFC 7009) at ``/protocol/openid-connect/revoke``, as Keycloak answers it."""

from __future__ import annotations

import uuid

import httpx
from reservation_testrealm.server import TestRealm


def revoke(browser: httpx.Client, oidc_url: str, token: str, **extra: str) -> httpx.Response:
    data = {"client_id": "reservation-cli", "token": token} | extra
    return browser.post(f"{oidc_url}/revoke", data=data)


def refresh(browser: httpx.Client, oidc_url: str, refresh_token: str) -> httpx.Response:
    return browser.post(
        f"{oidc_url}/token",
        data={
            "grant_type": "refresh_token",
            "client_id": "reservation-cli",
            "refresh_token": refresh_token,
        },
    )


def fresh_user(test_realm: TestRealm) -> str:
    name = f"revoke-{uuid.uuid4().hex[:8]}"
    test_realm.create_user(name)
    return name


def test_discovery_names_the_revocation_endpoint(browser: httpx.Client, oidc_url: str) -> None:
    issuer = oidc_url.removesuffix("/protocol/openid-connect")
    config = browser.get(f"{issuer}/.well-known/openid-configuration").json()

    assert config["revocation_endpoint"] == f"{oidc_url}/revoke"
    assert "client_secret_basic" in config["revocation_endpoint_auth_methods_supported"]


def test_revoked_refresh_token_ends_the_session(
    test_realm: TestRealm, browser: httpx.Client, oidc_url: str
) -> None:
    tokens = test_realm.device_tokens(fresh_user(test_realm))

    before = refresh(browser, oidc_url, tokens["refresh_token"])
    response = revoke(browser, oidc_url, tokens["refresh_token"], token_type_hint="refresh_token")
    after = refresh(browser, oidc_url, tokens["refresh_token"])
    userinfo = browser.get(
        f"{oidc_url}/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )

    assert before.status_code == 200
    assert response.status_code == 200
    assert response.content == b""
    assert after.status_code == 400
    assert after.json()["error"] == "invalid_grant"
    assert userinfo.status_code == 401


def test_revoking_one_client_keeps_the_other_clients_of_the_session(
    test_realm: TestRealm, browser: httpx.Client, oidc_url: str
) -> None:
    name = fresh_user(test_realm)
    cli = test_realm.device_tokens(name)
    # The same user session also holds a confidential client's tokens (as after an SSO login).
    secret = test_realm.client_secret("reservation-api")
    state = test_realm._state.service
    session = state.sessions[cli["session_state"]]
    api_tokens = state.issue(
        state.realm.clients["reservation-api"],
        state.realm.users[session.user_id],
        session,
        "openid",
        test_realm.issuer,
    )

    revoke(browser, oidc_url, cli["refresh_token"])
    cli_refresh = refresh(browser, oidc_url, cli["refresh_token"])
    api_refresh = browser.post(
        f"{oidc_url}/token",
        data={
            "grant_type": "refresh_token",
            "client_id": "reservation-api",
            "client_secret": secret,
            "refresh_token": api_tokens.refresh_token or "",
        },
    )

    assert cli_refresh.status_code == 400
    assert cli_refresh.json()["error_description"] == "Session doesn't have required client"
    assert api_refresh.status_code == 200, api_refresh.text


def test_revoked_access_token_is_refused_while_the_session_lives(
    test_realm: TestRealm, browser: httpx.Client, oidc_url: str
) -> None:
    tokens = test_realm.device_tokens(fresh_user(test_realm))

    response = revoke(browser, oidc_url, tokens["access_token"], token_type_hint="access_token")
    userinfo = browser.get(
        f"{oidc_url}/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    renewed = refresh(browser, oidc_url, tokens["refresh_token"])

    assert response.status_code == 200
    assert userinfo.status_code == 401
    assert renewed.status_code == 200


def test_unknown_token_is_accepted_silently(browser: httpx.Client, oidc_url: str) -> None:
    assert revoke(browser, oidc_url, "not-a-token").status_code == 200


def test_revocation_checks_the_client_and_the_token(
    test_realm: TestRealm, browser: httpx.Client, oidc_url: str
) -> None:
    tokens = test_realm.device_tokens(fresh_user(test_realm), scope="openid")

    missing = browser.post(f"{oidc_url}/revoke", data={"client_id": "reservation-cli"})
    unknown_client = revoke(browser, oidc_url, tokens["refresh_token"], client_id="nobody")
    other_client = browser.post(
        f"{oidc_url}/revoke",
        data={"token": tokens["refresh_token"]},
        auth=("reservation-api", test_realm.client_secret("reservation-api")),
    )
    id_token = revoke(browser, oidc_url, tokens["id_token"])

    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    assert unknown_client.status_code == 401
    assert unknown_client.json()["error"] == "invalid_client"
    assert other_client.status_code == 400
    assert other_client.json() == {
        "error": "invalid_request",
        "error_description": "Unmatching clients",
    }
    assert id_token.status_code == 400
    assert id_token.json()["error"] == "unsupported_token_type"
    assert refresh(browser, oidc_url, tokens["refresh_token"]).status_code == 200

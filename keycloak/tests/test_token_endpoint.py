"""Token endpoint rules and errors, including time-dependent ones under a controlled clock."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from reservation_testrealm.app import create_app
from reservation_testrealm.server import TestRealm


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


@pytest.fixture
def token_url(test_realm: TestRealm) -> str:
    return test_realm.token_url


def post(url: str, data: dict[str, str], **kwargs: Any) -> httpx.Response:
    return httpx.post(url, data=data, timeout=5, **kwargs)


@pytest.mark.parametrize(
    ("data", "status", "error", "description"),
    [
        (
            {"client_id": "reservation-cli"},
            400,
            "invalid_request",
            "Missing form parameter: grant_type",
        ),
        (
            {"grant_type": "password", "client_id": "nobody", "username": "a", "password": "a"},
            401,
            "invalid_client",
            "Invalid client or Invalid client credentials",
        ),
        (
            {"grant_type": "client_credentials", "client_id": "reservation-api"},
            401,
            "unauthorized_client",
            "Invalid client or Invalid client credentials",
        ),
        (
            {
                "grant_type": "password",
                "client_id": "reservation-frontend",
                "username": "alice",
                "password": "alice",
            },
            400,
            "unauthorized_client",
            "Client not allowed for direct access grants",
        ),
        (
            {"grant_type": "client_credentials", "client_id": "reservation-cli"},
            400,
            "unauthorized_client",
            "Public client not allowed to retrieve service account",
        ),
        (
            {"grant_type": "implicit", "client_id": "reservation-cli"},
            400,
            "unsupported_grant_type",
            "Unsupported grant_type",
        ),
        (
            {
                "grant_type": "refresh_token",
                "client_id": "reservation-cli",
                "refresh_token": "x.y.z",
            },
            400,
            "invalid_grant",
            "Invalid refresh token",
        ),
        (
            {
                "grant_type": "password",
                "client_id": "reservation-cli",
                "username": "ghost",
                "password": "ghost",
            },
            401,
            "invalid_grant",
            "Invalid user credentials",
        ),
        (
            {
                "grant_type": "password",
                "client_id": "reservation-cli",
                "username": "alice",
                "password": "alice",
                "scope": "openid admin-everything",
            },
            400,
            "invalid_scope",
            "Invalid scopes: openid admin-everything",
        ),
    ],
)
def test_refusals_have_keycloak_status_and_error(
    token_url: str, data: dict[str, str], status: int, error: str, description: str
) -> None:
    response = post(token_url, data)

    assert response.status_code == status
    assert response.json() == {"error": error, "error_description": description}


def test_client_secret_basic_authentication(test_realm: TestRealm, token_url: str) -> None:
    response = post(
        token_url,
        {"grant_type": "client_credentials"},
        auth=("switch-port-webhook", test_realm.client_secret("switch-port-webhook")),
    )

    assert response.status_code == 200
    assert claims_of(response.json()["access_token"])["azp"] == "switch-port-webhook"


def test_refresh_token_of_another_client_is_refused(test_realm: TestRealm, token_url: str) -> None:
    refresh_token = test_realm.tokens("alice")["refresh_token"]

    response = post(
        token_url,
        {
            "grant_type": "refresh_token",
            "client_id": "reservation-cli",
            "refresh_token": refresh_token,
        },
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_token_claims_have_keycloak_shapes(test_realm: TestRealm) -> None:
    tokens = test_realm.tokens("admin")
    access, refresh = claims_of(tokens["access_token"]), claims_of(tokens["refresh_token"])

    assert set(access) >= {
        "exp",
        "iat",
        "jti",
        "iss",
        "aud",
        "sub",
        "typ",
        "azp",
        "sid",
        "acr",
        "realm_access",
        "scope",
        "email_verified",
        "name",
        "preferred_username",
        "given_name",
        "family_name",
        "email",
    }
    assert access["exp"] - access["iat"] == 300
    assert "platform-admin" in access["realm_access"]["roles"]
    assert refresh["typ"] == "Refresh"
    assert refresh["aud"] == test_realm.issuer
    assert refresh["sid"] == access["sid"]
    header = json.loads(base64.urlsafe_b64decode(tokens["refresh_token"].split(".")[0] + "=="))
    assert header["alg"] == "HS512"


def test_api_service_account_token_carries_realm_management_roles(test_realm: TestRealm) -> None:
    claims = claims_of(test_realm.service_token("reservation-api"))

    assert claims["resource_access"] == {
        # view-users is composite: it holds query-users and query-groups, as in Keycloak.
        "realm-management": {"roles": ["query-groups", "query-users", "view-users"]},
        # Keycloak's default role grants every user these roles of its built-in account client.
        "account": {"roles": ["manage-account", "manage-account-links", "view-profile"]},
    }
    assert set(claims["aud"]) == {"realm-management", "account"}


@pytest.fixture
async def clocked(
    password_grant_realm_file: Path,
) -> AsyncIterator[tuple[httpx.AsyncClient, list[float]]]:
    now = [1_800_000_000.0]
    app = create_app(password_grant_realm_file, public_url="http://testrealm", clock=lambda: now[0])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testrealm") as client:
        yield client, now


TOKEN_PATH = "/realms/reservations/protocol/openid-connect/token"


async def test_expired_refresh_token_is_refused(
    clocked: tuple[httpx.AsyncClient, list[float]],
) -> None:
    client, now = clocked
    login = await client.post(
        TOKEN_PATH,
        data={
            "grant_type": "password",
            "client_id": "reservation-cli",
            "username": "bob",
            "password": "bob",
        },
    )
    refresh_token = login.json()["refresh_token"]

    now[0] += 1801  # past ssoSessionIdleTimeout
    response = await client.post(
        TOKEN_PATH,
        data={
            "grant_type": "refresh_token",
            "client_id": "reservation-cli",
            "refresh_token": refresh_token,
        },
    )

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "Token is not active"}


async def test_refresh_keeps_an_idle_session_alive_until_its_max_lifespan(
    clocked: tuple[httpx.AsyncClient, list[float]],
) -> None:
    client, now = clocked
    body = (
        await client.post(
            TOKEN_PATH,
            data={
                "grant_type": "password",
                "client_id": "reservation-cli",
                "username": "bob",
                "password": "bob",
            },
        )
    ).json()
    for _ in range(25):  # 25 x 1500 s = 37 500 s > ssoSessionMaxLifespan (36 000 s)
        now[0] += 1500
        response = await client.post(
            TOKEN_PATH,
            data={
                "grant_type": "refresh_token",
                "client_id": "reservation-cli",
                "refresh_token": body["refresh_token"],
            },
        )
        if response.status_code != 200:
            break
        body = response.json()

    assert response.status_code == 400
    assert 36_000 - 1500 < now[0] - 1_800_000_000.0 <= 36_000 + 1500


async def test_expired_code_is_refused(clocked: tuple[httpx.AsyncClient, list[float]]) -> None:
    client, now = clocked
    page = await client.get(
        "/realms/reservations/protocol/openid-connect/auth",
        params={
            "client_id": "reservation-frontend",
            "redirect_uri": "http://localhost:5173/",
            "response_type": "code",
            "code_challenge": "a" * 43,
            "code_challenge_method": "S256",
        },
    )
    request_id = page.text.split("name='request' value='")[1].split("'")[0]
    redirect = await client.post(
        "/realms/reservations/login-actions/authenticate",
        data={"request": request_id, "username": "alice", "password": "alice"},
    )
    code = redirect.headers["location"].split("code=")[1].split("&")[0]

    now[0] += 61  # past accessCodeLifespan
    response = await client.post(
        TOKEN_PATH,
        data={
            "grant_type": "authorization_code",
            "client_id": "reservation-frontend",
            "code": code,
            "redirect_uri": "http://localhost:5173/",
            "code_verifier": "b" * 43,
        },
    )

    assert response.status_code == 400
    assert response.json()["error_description"] == "Code not valid"


async def test_unknown_realm_is_404(clocked: tuple[httpx.AsyncClient, list[float]]) -> None:
    client, _ = clocked

    response = await client.get("/realms/master/.well-known/openid-configuration")

    assert response.status_code == 404
    assert response.json()["error"] == "Realm does not exist"


async def test_admin_api_needs_a_token(clocked: tuple[httpx.AsyncClient, list[float]]) -> None:
    client, _ = clocked

    anonymous = await client.get("/admin/realms/reservations/users")
    garbage = await client.get(
        "/admin/realms/reservations/users", headers={"Authorization": "Bearer x.y.z"}
    )

    assert anonymous.status_code == 401
    assert garbage.status_code == 401
    assert anonymous.json() == {"error": "HTTP 401 Unauthorized"}


def test_admin_api_refuses_a_platform_admin_user_token(test_realm: TestRealm) -> None:
    # platform-admin is this platform's role, not a Keycloak administration role.
    response = httpx.get(
        f"{test_realm.base_url}/admin/realms/reservations/users",
        headers={"Authorization": f"Bearer {test_realm.token('admin')}"},
    )

    assert response.status_code == 403

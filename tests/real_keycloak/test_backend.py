"""The backend with tokens issued by real Keycloak: service accounts, users, member look-up,
refresh, logout and a signing-key rotation while the backend runs."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid

import httpx
import pytest
from reservation_testrealm.real import RealKeycloak

from .conftest import API, bearer, claims_of

pytestmark = pytest.mark.asyncio(loop_scope="session")

SERVICE_CLIENTS = [
    "reservation-event-processor",
    "switch-port-webhook",
    "server-provisioning-webhook",
]


async def me(api: httpx.AsyncClient, token: str) -> httpx.Response:
    return await api.get(f"{API}/users/me", headers=bearer(token))


@pytest.mark.parametrize("client_id", SERVICE_CLIENTS)
async def test_service_account_tokens_are_accepted_for_provisioning_reports(
    api: httpx.AsyncClient, real_keycloak: RealKeycloak, client_id: str
) -> None:
    token = real_keycloak.service_token(client_id)
    url = f"{API}/reservations/{uuid.uuid4()}/provisioning"

    response = await api.post(url, json={"state": "ready"}, headers=bearer(token))

    # Authenticated and recognised as a service account; there is no such reservation.
    assert response.status_code == 404, response.text


@pytest.mark.parametrize("client_id", SERVICE_CLIENTS)
async def test_service_account_tokens_are_refused_where_people_act(
    api: httpx.AsyncClient, real_keycloak: RealKeycloak, client_id: str
) -> None:
    token = real_keycloak.service_token(client_id)

    own_profile = await me(api, token)
    created = await api.post(
        f"{API}/sites", json={"slug": "svc-site", "name": "Nope"}, headers=bearer(token)
    )

    assert own_profile.status_code == 403, own_profile.text
    assert own_profile.json()["detail"] == "Service accounts cannot call this endpoint."
    assert created.status_code == 403, created.text
    assert created.headers["content-type"].startswith("application/problem+json")


async def test_people_cannot_report_provisioning(
    api: httpx.AsyncClient, real_keycloak: RealKeycloak
) -> None:
    url = f"{API}/reservations/{uuid.uuid4()}/provisioning"

    person = await api.post(
        url, json={"state": "ready"}, headers=bearer(real_keycloak.token("bob"))
    )

    assert person.status_code == 403, person.text


async def test_a_token_without_the_api_audience_is_refused(
    api: httpx.AsyncClient, real_keycloak: RealKeycloak
) -> None:
    # reservation-api's own service-account token is for Keycloak's admin API, not this API.
    token = real_keycloak.service_token("reservation-api")
    assert "reservation-api" not in claims_of(token)["aud"]

    response = await me(api, token)

    assert response.status_code == 401


async def test_user_tokens_map_platform_admin_and_audience(
    api: httpx.AsyncClient, real_keycloak: RealKeycloak
) -> None:
    admin_token = real_keycloak.token("admin")
    bob_token = real_keycloak.token("bob")

    admin_me = (await me(api, admin_token)).json()
    bob_me = (await me(api, bob_token)).json()

    assert admin_me["is_platform_admin"] is True
    assert bob_me["is_platform_admin"] is False
    assert admin_me["is_service_account"] is bob_me["is_service_account"] is False
    assert set(claims_of(admin_token)["aud"]) == {"reservation-api", "account"}
    assert bob_me["id"] == claims_of(bob_token)["sub"] == "5a1d6c39-0f0e-4c55-9a36-3d1c1b9a0003"


async def test_member_look_up_goes_through_the_api_service_account(
    api: httpx.AsyncClient, real_keycloak: RealKeycloak
) -> None:
    admin = bearer(real_keycloak.token("admin"))
    site = await api.post(f"{API}/sites", json={"slug": "kc-lab", "name": "Lab"}, headers=admin)
    assert site.status_code == 201, site.text
    members = f"{API}/sites/kc-lab/members"

    by_name = await api.post(members, json={"identifier": "bob"}, headers=admin)
    by_mail = await api.post(
        members, json={"identifier": "alice@example.com", "role": "site-admin"}, headers=admin
    )
    unknown = await api.post(members, json={"identifier": "nobody-here"}, headers=admin)

    assert by_name.status_code == 201, by_name.text
    assert by_name.json()["user"]["id"] == "5a1d6c39-0f0e-4c55-9a36-3d1c1b9a0003"
    assert by_mail.status_code == 201, by_mail.text
    assert by_mail.json()["user"]["id"] == "5a1d6c39-0f0e-4c55-9a36-3d1c1b9a0002"
    assert unknown.status_code in (404, 422), unknown.text


async def test_refreshed_tokens_work_and_logout_ends_the_session(
    api: httpx.AsyncClient, real_keycloak: RealKeycloak
) -> None:
    tokens = real_keycloak.tokens("alice")
    oidc = f"{real_keycloak.issuer}/protocol/openid-connect"
    async with httpx.AsyncClient(timeout=30) as http:
        refreshed = await http.post(
            f"{oidc}/token",
            data={
                "grant_type": "refresh_token",
                "client_id": "reservation-frontend",
                "refresh_token": tokens["refresh_token"],
            },
        )
        assert refreshed.status_code == 200, refreshed.text
        new = refreshed.json()
        assert claims_of(new["access_token"])["sid"] == claims_of(tokens["access_token"])["sid"]
        assert (await me(api, new["access_token"])).status_code == 200

        logout = await http.post(
            f"{oidc}/logout",
            data={"client_id": "reservation-frontend", "refresh_token": new["refresh_token"]},
        )
        after = await http.post(
            f"{oidc}/token",
            data={
                "grant_type": "refresh_token",
                "client_id": "reservation-frontend",
                "refresh_token": new["refresh_token"],
            },
        )
        userinfo = await http.get(f"{oidc}/userinfo", headers=bearer(new["access_token"]))

    assert logout.status_code == 204, logout.text
    assert after.status_code == 400
    assert after.json()["error"] == "invalid_grant"
    assert userinfo.status_code == 401


async def test_the_backend_picks_up_a_rotated_signing_key(
    api: httpx.AsyncClient, real_keycloak: RealKeycloak
) -> None:
    before = real_keycloak.token("bob")
    assert (await me(api, before)).status_code == 200  # the backend has cached the keys

    new_kid = real_keycloak.rotate_keys()
    after = real_keycloak.token("bob")

    assert _kid(after) == new_kid != _kid(before)
    # The verifier fetches the keys at most every 10 s (min_jwks_refresh_seconds): a token with
    # the new kid is refused with 401 within that cool-down, then accepted. Bounded wait.
    statuses = []
    deadline = time.monotonic() + 25
    while time.monotonic() < deadline:
        statuses.append((await me(api, after)).status_code)
        if statuses[-1] == 200:
            break
        await asyncio.sleep(1)
    assert statuses[-1] == 200, f"the backend did not fetch the new key: {statuses}"
    assert set(statuses) <= {401, 200}
    assert (await me(api, before)).status_code == 200  # the old key is still published


def _kid(token: str) -> str:
    header = token.split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"])

"""The CLI's login: the device authorization grant of ``reservation-cli`` completed through real
Keycloak's own verification page in Chromium, and the backend accepting the resulting token."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from reservation_testrealm.real import RealKeycloak

from .browser import chromium, device_login
from .conftest import API, bearer, claims_of


def test_device_grant_through_keycloaks_verification_page(
    real_keycloak: RealKeycloak,
) -> None:
    with chromium() as browser:
        tokens = device_login(browser, real_keycloak.issuer, "bob", "bob")

    claims = claims_of(tokens["access_token"])
    assert claims["azp"] == "reservation-cli"
    assert claims["preferred_username"] == "bob"
    assert "reservation-api" in claims["aud"]
    assert tokens["refresh_token"]
    # The theme's text on Keycloak's "device login successful" page.
    assert "go back to your terminal" in tokens["_verification_page_text"]


@pytest.mark.asyncio(loop_scope="session")
async def test_the_backend_accepts_the_cli_token(
    real_keycloak: RealKeycloak, api: httpx.AsyncClient, backend: FastAPI
) -> None:
    def sign_in() -> dict[str, Any]:
        with chromium() as browser:
            return device_login(browser, real_keycloak.issuer, "admin", "password")

    # Playwright's sync API runs outside the event loop.
    tokens = await asyncio.to_thread(sign_in)
    response = await api.get(f"{API}/users/me", headers=bearer(tokens["access_token"]))

    assert response.status_code == 200, response.text
    assert response.json()["is_platform_admin"] is True


def test_the_cli_cannot_use_the_password_grant(real_keycloak: RealKeycloak) -> None:
    response = httpx.post(
        real_keycloak.token_url,
        data={
            "grant_type": "password",
            "client_id": "reservation-cli",
            "username": "bob",
            "password": "bob",
        },
    )

    assert response.status_code in (400, 401)
    assert response.json()["error"] == "unauthorized_client"

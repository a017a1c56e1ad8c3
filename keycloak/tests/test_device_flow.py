"""The device authorization grant of the CLI client, with the verification page."""

from __future__ import annotations

import httpx
from conftest import form_action
from reservation_common.auth import TokenVerifier
from reservation_testrealm.server import TestRealm

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def start(browser: httpx.Client, oidc_url: str) -> dict[str, str]:
    response = browser.post(
        f"{oidc_url}/auth/device", data={"client_id": "reservation-cli", "scope": "openid"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def poll(browser: httpx.Client, oidc_url: str, device_code: str) -> httpx.Response:
    return browser.post(
        f"{oidc_url}/token",
        data={
            "grant_type": DEVICE_GRANT,
            "client_id": "reservation-cli",
            "device_code": device_code,
        },
    )


def decide(
    browser: httpx.Client, verification_uri_complete: str, decision: str, password: str = "bob"
) -> httpx.Response:
    page = browser.get(verification_uri_complete)
    assert page.status_code == 200
    user_code = verification_uri_complete.split("user_code=")[1]
    return browser.post(
        form_action(page.text),
        data={
            "user_code": user_code,
            "username": "bob",
            "password": password,
            "decision": decision,
        },
    )


async def test_device_flow_signs_in_the_cli_after_approval(
    test_realm: TestRealm, browser: httpx.Client, oidc_url: str
) -> None:
    grant = start(browser, oidc_url)
    assert grant["verification_uri"] == f"{test_realm.issuer}/device"
    assert grant["expires_in"] == 600
    assert grant["interval"] == 5

    pending = poll(browser, oidc_url, grant["device_code"])
    too_fast = poll(browser, oidc_url, grant["device_code"])
    page = decide(browser, grant["verification_uri_complete"], "approve")
    tokens = poll(browser, oidc_url, grant["device_code"])
    reused = poll(browser, oidc_url, grant["device_code"])

    assert pending.status_code == 400
    assert pending.json()["error"] == "authorization_pending"
    assert too_fast.json()["error"] == "slow_down"
    assert "Device Login Successful" in page.text
    assert tokens.status_code == 200, tokens.text
    async with TokenVerifier(test_realm.issuer, "reservation-api") as verifier:
        principal = await verifier.verify(tokens.json()["access_token"])
    assert principal.username == "bob"
    assert principal.azp == "reservation-cli"
    assert reused.json()["error"] == "invalid_grant"


def test_denied_device_grant_is_refused(browser: httpx.Client, oidc_url: str) -> None:
    grant = start(browser, oidc_url)

    decide(browser, grant["verification_uri_complete"], "deny")
    response = poll(browser, oidc_url, grant["device_code"])

    assert response.status_code == 400
    assert response.json()["error"] == "access_denied"


def test_wrong_password_on_the_device_page_keeps_the_grant_pending(
    browser: httpx.Client, oidc_url: str
) -> None:
    grant = start(browser, oidc_url)

    page = decide(browser, grant["verification_uri_complete"], "approve", password="nope")

    assert "Invalid username or password." in page.text
    assert poll(browser, oidc_url, grant["device_code"]).json()["error"] == "authorization_pending"


def test_unknown_user_code_is_refused_on_the_device_page(
    test_realm: TestRealm, browser: httpx.Client
) -> None:
    response = browser.post(
        f"{test_realm.issuer}/device",
        data={
            "user_code": "ZZZZ-ZZZZ",
            "username": "bob",
            "password": "bob",
            "decision": "approve",
        },
    )

    assert response.status_code == 400
    assert "Invalid code" in response.text


def test_clients_without_the_device_grant_cannot_start_it(
    browser: httpx.Client, oidc_url: str
) -> None:
    response = browser.post(f"{oidc_url}/auth/device", data={"client_id": "reservation-frontend"})

    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"

"""The authorization code flow with PKCE, driven through the login form as a browser would."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from conftest import FRONTEND, FRONTEND_URL, REDIRECT_URI, form_action, hidden_fields
from reservation_common.auth import TokenVerifier
from reservation_testrealm.server import TestRealm
from test_realm_file import claims_of


def start_login(
    browser: httpx.Client, oidc_url: str, verifier: str, **extra: str
) -> httpx.Response:
    params = {
        "client_id": FRONTEND,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "openid",
        "state": "state-123",
        "nonce": "nonce-456",
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    params.update(extra)
    return browser.get(f"{oidc_url}/auth", params=params)


def submit_login(
    browser: httpx.Client, page: httpx.Response, username: str, password: str
) -> httpx.Response:
    fields = hidden_fields(page.text) | {"username": username, "password": password}
    return browser.post(form_action(page.text), data=fields)


def callback_params(response: httpx.Response, mode: str = "query") -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    raw = location.fragment if mode == "fragment" else location.query
    return {k: v[0] for k, v in parse_qs(raw).items()}


def exchange(
    browser: httpx.Client, oidc_url: str, code: str, verifier: str | None
) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "client_id": FRONTEND,
        "code": code,
        "redirect_uri": REDIRECT_URI,
    }
    if verifier is not None:
        data["code_verifier"] = verifier
    return browser.post(f"{oidc_url}/token", data=data)


def login(browser: httpx.Client, oidc_url: str, verifier: str, username: str) -> dict[str, str]:
    page = start_login(browser, oidc_url, verifier)
    return callback_params(submit_login(browser, page, username, username))


async def test_code_flow_with_pkce_yields_tokens_the_api_accepts(
    test_realm: TestRealm, browser: httpx.Client, oidc_url: str
) -> None:
    verifier = secrets.token_urlsafe(48)
    page = start_login(browser, oidc_url, verifier)
    assert page.status_code == 200
    assert "id='kc-form-login'" in page.text

    params = callback_params(submit_login(browser, page, "alice", "alice"))
    response = exchange(browser, oidc_url, params["code"], verifier)

    assert params["state"] == "state-123"
    assert params["iss"] == test_realm.issuer
    assert response.status_code == 200, response.text
    tokens = response.json()
    async with TokenVerifier(test_realm.issuer, "reservation-api") as token_verifier:
        principal = await token_verifier.verify(tokens["access_token"])
    assert principal.username == "alice"
    assert principal.azp == FRONTEND
    # the frontend's audience mapper, and Keycloak's default account roles
    assert set(principal.claims["aud"]) == {"reservation-api", "account"}
    assert "nonce" not in principal.claims  # as in Keycloak: the ID token carries it
    assert claims_of(tokens["id_token"])["nonce"] == "nonce-456"
    assert principal.claims["allowed-origins"] == [FRONTEND_URL]
    assert "auth_time" in principal.claims


def test_fragment_response_mode_puts_the_code_in_the_fragment(
    browser: httpx.Client, oidc_url: str
) -> None:
    verifier = secrets.token_urlsafe(48)
    page = start_login(browser, oidc_url, verifier, response_mode="fragment")

    params = callback_params(submit_login(browser, page, "bob", "bob"), mode="fragment")

    assert exchange(browser, oidc_url, params["code"], verifier).status_code == 200


def test_wrong_password_shows_the_form_again(browser: httpx.Client, oidc_url: str) -> None:
    page = start_login(browser, oidc_url, secrets.token_urlsafe(48))

    again = submit_login(browser, page, "alice", "not-alice")

    assert again.status_code == 200
    assert "Invalid username or password." in again.text
    assert "KEYCLOAK_SESSION" not in browser.cookies


def test_wrong_pkce_verifier_is_refused(browser: httpx.Client, oidc_url: str) -> None:
    params = login(browser, oidc_url, secrets.token_urlsafe(48), "alice")

    response = exchange(browser, oidc_url, params["code"], secrets.token_urlsafe(48))

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "PKCE verification failed: Code mismatch",
    }


def test_missing_pkce_verifier_is_refused(browser: httpx.Client, oidc_url: str) -> None:
    params = login(browser, oidc_url, secrets.token_urlsafe(48), "alice")

    response = exchange(browser, oidc_url, params["code"], None)

    assert response.status_code == 400
    assert response.json()["error_description"] == "PKCE code verifier not specified"


def test_code_reuse_is_refused(browser: httpx.Client, oidc_url: str) -> None:
    verifier = secrets.token_urlsafe(48)
    params = login(browser, oidc_url, verifier, "bob")
    assert exchange(browser, oidc_url, params["code"], verifier).status_code == 200

    again = exchange(browser, oidc_url, params["code"], verifier)

    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant", "error_description": "Code not valid"}


def test_other_redirect_uri_at_exchange_is_refused(browser: httpx.Client, oidc_url: str) -> None:
    verifier = secrets.token_urlsafe(48)
    params = login(browser, oidc_url, verifier, "bob")

    response = browser.post(
        f"{oidc_url}/token",
        data={
            "grant_type": "authorization_code",
            "client_id": FRONTEND,
            "code": params["code"],
            "redirect_uri": f"{FRONTEND_URL}/elsewhere",
            "code_verifier": verifier,
        },
    )

    assert response.status_code == 400
    assert response.json()["error_description"] == "Incorrect redirect_uri"


def test_login_without_pkce_is_refused_for_the_frontend(
    browser: httpx.Client, oidc_url: str
) -> None:
    response = browser.get(
        f"{oidc_url}/auth",
        params={"client_id": FRONTEND, "redirect_uri": REDIRECT_URI, "response_type": "code"},
    )

    params = callback_params(response)
    assert params["error"] == "invalid_request"
    assert params["error_description"] == "Missing parameter: code_challenge"


def test_plain_pkce_is_refused_where_s256_is_configured(
    browser: httpx.Client, oidc_url: str
) -> None:
    response = start_login(
        browser, oidc_url, "x" * 43, code_challenge="x" * 43, code_challenge_method="plain"
    )

    assert callback_params(response)["error"] == "invalid_request"


def test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(
    browser: httpx.Client, oidc_url: str
) -> None:
    response = start_login(
        browser, oidc_url, secrets.token_urlsafe(48), redirect_uri="https://evil.example/cb"
    )

    assert response.status_code == 400
    assert "Invalid parameter: redirect_uri" in response.text
    assert "location" not in response.headers


def test_unknown_client_gets_an_error_page(browser: httpx.Client, oidc_url: str) -> None:
    response = start_login(browser, oidc_url, secrets.token_urlsafe(48), client_id="nobody")

    assert response.status_code == 400
    assert "Client not found." in response.text


def test_sso_session_skips_the_form_and_prompt_none_needs_one(
    browser: httpx.Client, oidc_url: str
) -> None:
    silent = start_login(browser, oidc_url, secrets.token_urlsafe(48), prompt="none")
    assert callback_params(silent)["error"] == "login_required"

    login(browser, oidc_url, secrets.token_urlsafe(48), "alice")
    verifier = secrets.token_urlsafe(48)
    again = start_login(browser, oidc_url, verifier, prompt="none")

    assert exchange(browser, oidc_url, callback_params(again)["code"], verifier).status_code == 200


def test_logout_with_id_token_hint_redirects_and_ends_the_session(
    browser: httpx.Client, oidc_url: str
) -> None:
    verifier = secrets.token_urlsafe(48)
    params = login(browser, oidc_url, verifier, "alice")
    tokens = exchange(browser, oidc_url, params["code"], verifier).json()

    response = browser.get(
        f"{oidc_url}/logout",
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": f"{FRONTEND_URL}/",
            "state": "bye",
        },
    )

    assert response.status_code == 302
    assert response.headers["location"] == f"{FRONTEND_URL}/?state=bye"
    refresh = browser.post(
        f"{oidc_url}/token",
        data={
            "grant_type": "refresh_token",
            "client_id": FRONTEND,
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert refresh.status_code == 400
    assert refresh.json()["error_description"] == "Session not active"
    assert callback_params(start_login(browser, oidc_url, verifier, prompt="none"))["error"] == (
        "login_required"
    )


def test_logout_to_an_unregistered_uri_is_refused(browser: httpx.Client, oidc_url: str) -> None:
    response = browser.get(
        f"{oidc_url}/logout",
        params={"client_id": FRONTEND, "post_logout_redirect_uri": "https://evil.example/"},
    )

    assert response.status_code == 400
    assert "Invalid redirect uri" in response.text


def test_token_endpoint_answers_cors_preflight_from_the_frontend_origin(
    browser: httpx.Client, oidc_url: str
) -> None:
    preflight = browser.options(
        f"{oidc_url}/token",
        headers={
            "Origin": FRONTEND_URL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    refused = browser.options(
        f"{oidc_url}/token",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == FRONTEND_URL
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


def test_keycloak_js_third_party_cookie_probe_is_answered(
    browser: httpx.Client, oidc_url: str
) -> None:
    response = browser.get(f"{oidc_url}/3p-cookies/step1.html")

    assert response.status_code == 200
    assert "postMessage('unsupported'" in response.text

"""Sign a user in through an identity provider's login form, as a browser would, with httpx.

Works against real Keycloak (its ``kc-form-login`` page) and against the test realm (the same
form id and field names): authorization code flow with PKCE ``S256``, then the code exchange.
"""

from __future__ import annotations

import html
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge

_FORM = re.compile(r"<form\b[^>]*\bid=[\"']kc-form-login[\"'][^>]*>", re.IGNORECASE)
_ACTION = re.compile(r"\baction=[\"']([^\"']+)[\"']", re.IGNORECASE)
_HIDDEN = re.compile(r"<input\b[^>]*\btype=[\"']hidden[\"'][^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"\b(name|value)=[\"']([^\"']*)[\"']", re.IGNORECASE)


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})


def browser_client(timeout: float = 30.0) -> httpx.Client:
    """A cookie-keeping client that does not follow redirects.

    Browsers send ``Secure`` cookies to http://localhost and http://127.0.0.1 (a secure
    context), and Keycloak marks its login cookies ``Secure`` even over plain HTTP: on loopback
    this client keeps sending them too.
    """
    client = httpx.Client(timeout=timeout, follow_redirects=False)

    def loopback_is_secure(response: httpx.Response) -> None:
        if response.url.host in LOOPBACK_HOSTS:
            for cookie in client.cookies.jar:
                cookie.secure = False

    client.event_hooks["response"] = [loopback_is_secure]
    return client


class LoginError(RuntimeError):
    """The login form did not lead to an authorization code."""


def login_form(page: str) -> tuple[str, dict[str, str]]:
    """The login form's action URL and its hidden fields."""
    form = _FORM.search(page)
    if form is None:
        raise LoginError("no login form (kc-form-login) on the page")
    action = _ACTION.search(form.group(0))
    if action is None:
        raise LoginError("the login form has no action")
    fields: dict[str, str] = {}
    for hidden in _HIDDEN.findall(page):
        attrs = {k.lower(): html.unescape(v) for k, v in _ATTR.findall(hidden)}
        if "name" in attrs:
            fields[attrs["name"]] = attrs.get("value", "")
    return html.unescape(action.group(1)), fields


def code_flow(
    http: httpx.Client,
    issuer: str,
    *,
    client_id: str,
    redirect_uri: str,
    username: str,
    password: str,
    scope: str = "openid",
) -> dict[str, Any]:
    """The token response of a code flow with PKCE signed in as ``username``.

    ``http`` keeps cookies (the SSO session) and must not follow redirects.
    """
    oidc = f"{issuer}/protocol/openid-connect"
    verifier = secrets.token_urlsafe(48)
    state = secrets.token_urlsafe(8)
    page = http.get(
        f"{oidc}/auth",
        params={
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": scope,
            "state": state,
            "nonce": secrets.token_urlsafe(8),
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        },
    )
    if page.status_code == 200:
        action, fields = login_form(page.text)
        fields |= {"username": username, "password": password}
        answer = http.post(urljoin(str(page.url), action), data=fields)
    else:
        answer = page  # an SSO session already: straight back to the client
    if answer.status_code not in (302, 303):
        raise LoginError(f"login of {username!r} refused: HTTP {answer.status_code}")
    location = urlsplit(answer.headers["location"])
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    if "code" not in params or params.get("state") != state:
        raise LoginError(f"no authorization code in the redirect: {sorted(params)}")
    response = http.post(
        f"{oidc}/token",
        data={
            "grant_type": "authorization_code",
            "client_id": client_id,
            "code": params["code"],
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
    )
    if response.status_code != 200:
        raise LoginError(f"code exchange refused: {response.status_code} {response.text}")
    body: dict[str, Any] = response.json()
    return body

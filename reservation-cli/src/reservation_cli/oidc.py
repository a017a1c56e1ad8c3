"""The identity provider's side of signing in: discovery, the device authorization grant
(RFC 8628), refresh, client credentials and revocation (RFC 7009), as Keycloak serves them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from reservation_cli.errors import CliError, ExitCode, NotLoggedInError
from reservation_cli.tokens import TokenSet

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SLOW_DOWN_STEP_SECONDS = 5  # RFC 8628 3.5


@dataclass(frozen=True, slots=True)
class Endpoints:
    token: str
    device_authorization: str | None
    revocation: str | None


@dataclass(frozen=True, slots=True)
class DeviceAuthorization:
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: int
    interval: int


class Oidc:
    def __init__(self, http: httpx.Client, issuer: str, client_id: str) -> None:
        self.http = http
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._endpoints: Endpoints | None = None

    @property
    def endpoints(self) -> Endpoints:
        if self._endpoints is None:
            url = f"{self.issuer}/.well-known/openid-configuration"
            try:
                response = self.http.get(url)
            except httpx.HTTPError as exc:
                raise CliError(
                    f"Cannot reach the identity provider at {self.issuer}: {exc}"
                ) from exc
            if response.status_code != 200:
                raise CliError(
                    f"The identity provider answered {response.status_code} for {url}",
                    detail=response.text,
                )
            body = response.json()
            self._endpoints = Endpoints(
                token=body["token_endpoint"],
                device_authorization=body.get("device_authorization_endpoint"),
                revocation=body.get("revocation_endpoint"),
            )
        return self._endpoints

    def _post(
        self, url: str, data: dict[str, str], auth: tuple[str, str] | None = None
    ) -> httpx.Response:
        try:
            return self.http.post(url, data=data, auth=auth or httpx.USE_CLIENT_DEFAULT)
        except httpx.HTTPError as exc:
            raise CliError(f"Cannot reach the identity provider at {self.issuer}: {exc}") from exc

    # device authorization ----------------------------------------------------------------------

    def start_device_authorization(self, scope: str = "openid") -> DeviceAuthorization:
        url = self.endpoints.device_authorization
        if url is None:
            raise CliError("The identity provider does not offer the device authorization grant.")
        response = self._post(url, {"client_id": self.client_id, "scope": scope})
        body = _json(response)
        if response.status_code != 200:
            raise CliError(
                f"The identity provider refused to start the login: {_oauth_error(body)}",
                ExitCode.AUTH,
                detail=body,
            )
        return DeviceAuthorization(
            device_code=body["device_code"],
            user_code=body["user_code"],
            verification_uri=body["verification_uri"],
            verification_uri_complete=body.get("verification_uri_complete"),
            expires_in=int(body.get("expires_in", 600)),
            interval=int(body.get("interval", 5)),
        )

    def poll_device_token(
        self,
        grant: DeviceAuthorization,
        *,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[float], None] | None = None,
    ) -> TokenSet:
        """Poll at the interval the server gave (longer after ``slow_down``) until a decision."""
        interval = float(grant.interval)
        deadline = time.monotonic() + grant.expires_in
        while time.monotonic() < deadline:
            sleep(interval)
            if on_wait is not None:
                on_wait(deadline - time.monotonic())
            response = self._post(
                self.endpoints.token,
                {
                    "grant_type": DEVICE_GRANT,
                    "client_id": self.client_id,
                    "device_code": grant.device_code,
                },
            )
            body = _json(response)
            if response.status_code == 200:
                return TokenSet.from_response(body)
            error = body.get("error") if isinstance(body, dict) else None
            if error == "authorization_pending":
                continue
            if error == "slow_down":
                interval += SLOW_DOWN_STEP_SECONDS
                continue
            if error == "access_denied":
                raise CliError("The login was denied in the browser.", ExitCode.AUTH, detail=body)
            if error == "expired_token":
                break
            raise CliError(f"Login failed: {_oauth_error(body)}", ExitCode.AUTH, detail=body)
        raise CliError(
            "The code expired before it was entered: run `rsv login` again.", ExitCode.AUTH
        )

    # tokens ------------------------------------------------------------------------------------

    def refresh(self, tokens: TokenSet) -> TokenSet:
        if tokens.refresh_token is None:
            raise NotLoggedInError("The session has ended: run `rsv login` again.")
        response = self._post(
            self.endpoints.token,
            {
                "grant_type": "refresh_token",
                "client_id": self.client_id,
                "refresh_token": tokens.refresh_token,
            },
        )
        body = _json(response)
        if response.status_code != 200:
            if response.status_code in (400, 401):
                raise NotLoggedInError(
                    f"The session has ended ({_oauth_error(body)}): run `rsv login` again."
                )
            raise CliError(f"Token refresh failed: {_oauth_error(body)}", detail=body)
        return TokenSet.from_response(body)

    def client_credentials(self, client_id: str, secret: str) -> TokenSet:
        response = self._post(
            self.endpoints.token,
            {"grant_type": "client_credentials"},
            auth=(client_id, secret),
        )
        body = _json(response)
        if response.status_code != 200:
            raise CliError(
                f"The identity provider refused client {client_id}: {_oauth_error(body)}",
                ExitCode.AUTH,
                detail=body,
            )
        return TokenSet.from_response(body)

    def revoke(self, token: str, hint: str = "refresh_token") -> bool:
        """Revoke ``token``; False when the provider offers no revocation endpoint."""
        url = self.endpoints.revocation
        if url is None:
            return False
        response = self._post(
            url, {"client_id": self.client_id, "token": token, "token_type_hint": hint}
        )
        if response.status_code != 200:
            raise CliError(
                f"Revocation failed: {_oauth_error(_json(response))}", detail=response.text
            )
        return True


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {"error": f"HTTP {response.status_code}", "error_description": response.text[:200]}


def _oauth_error(body: Any) -> str:
    if not isinstance(body, dict):
        return str(body)
    error = str(body.get("error", "error"))
    description = body.get("error_description")
    return f"{error}: {description}" if description else error

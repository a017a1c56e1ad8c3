"""The platform as an integration sees it: ``GET`` and ``POST
/api/v1/reservations/{id}/provisioning``, with retries of what is worth retrying.

The bearer token is the integration's own client-credentials token, fetched from the issuer's
token endpoint (found by OIDC discovery) and cached until shortly before it expires.

Exceptions::

    ReportError            a report could not be delivered
    ├── TransientReportError   worth retrying: network error, 5xx, 429, token rejected once
    └── (itself)               permanent: 4xx, the identity provider refused our credentials
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

import httpx
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

__all__ = [
    "PlatformClient",
    "PlatformSettings",
    "Report",
    "ReportError",
    "State",
    "TokenSource",
    "TransientReportError",
]

State = Literal["in_progress", "ready", "failed", "released"]
_EXPIRY_MARGIN_SECONDS = 30.0
_MAX_MESSAGE_CHARS = 2000  # the platform refuses longer messages


class ReportError(Exception):
    """A report could not be delivered."""


class TransientReportError(ReportError):
    """Delivering the report may work if tried again."""


class _Secret(Protocol):
    def get_secret_value(self) -> str: ...


class PlatformSettings(Protocol):
    """The settings an integration needs to talk to the platform (each example's ``Settings``)."""

    @property
    def api_url(self) -> str | None: ...
    @property
    def oidc_issuer(self) -> str | None: ...
    @property
    def oidc_discovery_url(self) -> str | None: ...
    @property
    def token_url(self) -> str | None: ...
    @property
    def client_id(self) -> str: ...
    @property
    def client_secret(self) -> _Secret | None: ...
    @property
    def report_timeout_seconds(self) -> float: ...
    @property
    def report_attempts(self) -> int: ...
    @property
    def report_backoff_seconds(self) -> float: ...


class TokenSource:
    """Client-credentials tokens, cached until ``_EXPIRY_MARGIN_SECONDS`` before they expire."""

    def __init__(self, settings: PlatformSettings, client: httpx.AsyncClient) -> None:
        self._settings = settings
        self._client = client
        self._token_url = settings.token_url
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        self._token = None

    async def token(self) -> str:
        async with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at:
                await self._fetch()
            assert self._token is not None
            return self._token

    async def _discover(self) -> str:
        issuer = (self._settings.oidc_issuer or "").rstrip("/")
        base = (self._settings.oidc_discovery_url or issuer).rstrip("/")
        url = f"{base}/.well-known/openid-configuration"
        response = await self._client.get(url)
        raise_for_status(response, "OIDC discovery")
        endpoint = response.json().get("token_endpoint")
        if not isinstance(endpoint, str):
            raise ReportError(f"{url} names no token_endpoint")
        return _rebase(endpoint, public=issuer, internal=base)

    async def _fetch(self) -> None:
        if self._token_url is None:
            self._token_url = await self._discover()
        secret = self._settings.client_secret
        response = await self._client.post(
            self._token_url,
            data={"grant_type": "client_credentials"},
            auth=(self._settings.client_id, secret.get_secret_value() if secret else ""),
        )
        raise_for_status(response, "token request")
        body = response.json()
        self._token = str(body["access_token"])
        lifetime = float(body.get("expires_in", 60))
        self._expires_at = time.monotonic() + max(lifetime - _EXPIRY_MARGIN_SECONDS, 0.0)


def _rebase(url: str, *, public: str, internal: str) -> str:
    """Discovery names the issuer's public origin; reach it where discovery was read instead."""
    if public == internal:
        return url
    public_parts, internal_parts, target = urlsplit(public), urlsplit(internal), urlsplit(url)
    if (target.scheme, target.netloc) != (public_parts.scheme, public_parts.netloc):
        return url
    return target._replace(scheme=internal_parts.scheme, netloc=internal_parts.netloc).geturl()


def raise_for_status(response: httpx.Response, what: str) -> None:
    if response.is_success:
        return
    # Only the status: bodies from an identity provider may echo what was sent.
    message = f"{what} answered {response.status_code}"
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientReportError(message)
    raise ReportError(message)


@dataclass(frozen=True)
class Report:
    reservation_id: uuid.UUID
    state: State
    message: str
    details: dict[str, Any] = field(default_factory=dict)


class PlatformClient:
    """Reads and reports one reservation's provisioning state, retrying transient failures."""

    def __init__(
        self, settings: PlatformSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._settings = settings
        self._client = httpx.AsyncClient(
            timeout=settings.report_timeout_seconds, follow_redirects=False, transport=transport
        )
        self._tokens = TokenSource(settings, self._client)

    @property
    def enabled(self) -> bool:
        return self._settings.api_url is not None

    async def aclose(self) -> None:
        await self._client.aclose()

    def _url(self, reservation_id: uuid.UUID) -> str:
        assert self._settings.api_url is not None
        return (
            f"{self._settings.api_url.rstrip('/')}/api/v1/reservations/"
            f"{reservation_id}/provisioning"
        )

    def _retrying(self) -> AsyncRetrying:
        return AsyncRetrying(
            stop=stop_after_attempt(self._settings.report_attempts),
            wait=wait_exponential_jitter(
                multiplier=self._settings.report_backoff_seconds,
                max=self._settings.report_backoff_seconds * 30,
                jitter=self._settings.report_backoff_seconds,
            ),
            retry=retry_if_exception_type((TransientReportError, httpx.TransportError)),
            reraise=True,
        )

    async def current(self, reservation_id: uuid.UUID) -> dict[str, Any] | None:
        """The reservation as the platform has it now (an event's ``data``), or None when the
        platform does not show it to this integration (unknown, or not bound to it).

        Raises :class:`ReportError` when the platform cannot answer.
        """
        async for attempt in self._retrying():
            with attempt:
                token = await self._tokens.token()
                response = await self._client.get(
                    self._url(reservation_id), headers={"Authorization": f"Bearer {token}"}
                )
                if response.status_code == 401:
                    self._tokens.invalidate()
                    raise TransientReportError("the platform refused the token")
                if response.status_code in (403, 404):
                    return None
                raise_for_status(response, "reading the reservation")
                body = response.json()
                if not isinstance(body, dict):
                    raise ReportError("the platform answered a reservation that is not an object")
                return body
        raise AssertionError("unreachable: tenacity reraises")

    async def deliver(self, report: Report) -> None:
        """Post ``report``, retrying transient failures; raises :class:`ReportError` when it
        finally fails."""
        async for attempt in self._retrying():
            with attempt:
                await self._post(report)

    async def _post(self, report: Report) -> None:
        token = await self._tokens.token()
        response = await self._client.post(
            self._url(report.reservation_id),
            json={
                "state": report.state,
                "message": report.message[:_MAX_MESSAGE_CHARS],
                "details": report.details,
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code == 401:
            self._tokens.invalidate()  # revoked or signed with a retired key: fetch a new one
            raise TransientReportError("the platform refused the token")
        raise_for_status(response, "provisioning report")

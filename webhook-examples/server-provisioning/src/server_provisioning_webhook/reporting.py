"""Provisioning reports to the platform: ``POST /api/v1/reservations/{id}/provisioning``.

Reports go through their own durable queue (a table of the receiver's SQLite file, so a report
survives a crash), and a slow or unreachable backend never holds up host work,
and a report that finally fails is logged, never rolled back into the host. The bearer token is
this integration's own client-credentials token, fetched from the issuer's token endpoint (found
by OIDC discovery) and cached until shortly before it expires.

Exceptions::

    ReportError            a report could not be delivered
    ├── TransientReportError   worth retrying: network error, 5xx, 429, token rejected once
    └── (itself)               permanent: 4xx, the identity provider refused our credentials
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from .settings import Settings
from .store import Store

__all__ = ["ReportError", "Reporter", "TokenSource", "TransientReportError"]

logger = logging.getLogger(__name__)

State = Literal["in_progress", "ready", "failed", "released"]
_EXPIRY_MARGIN_SECONDS = 30.0
_MAX_MESSAGE_CHARS = 2000  # the platform refuses longer messages


class ReportError(Exception):
    """A report could not be delivered."""


class TransientReportError(ReportError):
    """Delivering the report may work if tried again."""


class TokenSource:
    """Client-credentials tokens, cached until ``_EXPIRY_MARGIN_SECONDS`` before they expire."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
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
        _raise_for_status(response, "OIDC discovery")
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
        _raise_for_status(response, "token request")
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


def _raise_for_status(response: httpx.Response, what: str) -> None:
    if response.is_success:
        return
    # Only the status: bodies from an identity provider may echo what was sent.
    message = f"{what} answered {response.status_code}"
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientReportError(message)
    raise ReportError(message)


@dataclass(frozen=True)
class _Report:
    reservation_id: uuid.UUID
    state: State
    message: str
    details: dict[str, Any] = field(default_factory=dict)


class Reporter:
    """Stores reports and delivers them in order, retrying transient failures."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._wake = asyncio.Event()
        self._client = httpx.AsyncClient(
            timeout=settings.report_timeout_seconds, follow_redirects=False, transport=transport
        )
        self._tokens = TokenSource(settings, self._client)
        self._task: asyncio.Task[None] | None = None
        self.delivered = 0
        self.failed = 0

    @property
    def enabled(self) -> bool:
        return self._settings.api_url is not None

    def start(self) -> None:
        if self.enabled and self._task is None:
            self._task = asyncio.create_task(self._run(), name="provisioning-reports")

    async def stop(self, *, grace_seconds: float = 0.0) -> None:
        if self._task is not None:
            try:
                await asyncio.wait_for(self.join(), timeout=grace_seconds)
            except TimeoutError:
                pending = self._store.reports_pending()
                logger.warning(
                    "stopping with %d reports not sent yet (kept for the next start)", pending
                )
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._client.aclose()

    async def join(self) -> None:
        """Wait until every stored report was delivered or given up."""
        while self._store.reports_pending():  # noqa: ASYNC110 - the queue is rows
            await asyncio.sleep(0.05)

    def report(
        self,
        reservation_id: uuid.UUID,
        state: State,
        message: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        logger.info("reservation %s: %s (%s)", reservation_id, state, message)
        if self.enabled:
            self._store.add_report(reservation_id, state, message, details or {})
            self._wake.set()

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
        assert self._settings.api_url is not None
        url = (
            f"{self._settings.api_url.rstrip('/')}/api/v1/reservations/"
            f"{reservation_id}/provisioning"
        )
        async for attempt in self._retrying():
            with attempt:
                token = await self._tokens.token()
                response = await self._client.get(url, headers={"Authorization": f"Bearer {token}"})
                if response.status_code == 401:
                    self._tokens.invalidate()
                    raise TransientReportError("the platform refused the token")
                if response.status_code in (403, 404):
                    return None
                _raise_for_status(response, "reading the reservation")
                body = response.json()
                if not isinstance(body, dict):
                    raise ReportError("the platform answered a reservation that is not an object")
                return body
        raise AssertionError("unreachable: tenacity reraises")

    async def _run(self) -> None:
        while True:
            stored = self._store.next_report()
            if stored is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            report = _Report(
                stored.reservation_id,
                stored.state,  # type: ignore[arg-type]  # written by report() from State
                stored.message,
                stored.details,
            )
            try:
                await self._deliver(report)
                self.delivered += 1
            except Exception as error:  # a lost report must never stop the worker
                self.failed += 1
                logger.error(
                    "report %s for reservation %s not delivered: %s",
                    report.state,
                    report.reservation_id,
                    error,
                )
            finally:
                self._store.delete_report(stored.id)

    async def _deliver(self, report: _Report) -> None:
        async for attempt in self._retrying():
            with attempt:
                await self._post(report)

    async def _post(self, report: _Report) -> None:
        assert self._settings.api_url is not None
        url = (
            f"{self._settings.api_url.rstrip('/')}/api/v1/reservations/"
            f"{report.reservation_id}/provisioning"
        )
        token = await self._tokens.token()
        response = await self._client.post(
            url,
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
        _raise_for_status(response, "provisioning report")

"""One signed request to a receiver and the classification of its answer (``_errors``); nothing
here touches the database or the broker."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import httpx
from reservation_common.signing import signed_headers
from reservation_db.models.webhook_attempt import RESPONSE_EXCERPT_MAX_BYTES
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from reservation_event_processor._errors import (
    NoSigningSecret,
    ReceiverError,
    ReceiverGone,
    ReceiverUnreachable,
    ResponseSummary,
    TargetNotAllowed,
)
from reservation_event_processor._schedule import parse_retry_after
from reservation_event_processor._transport import AiohttpTransport
from reservation_event_processor.settings import Settings
from reservation_event_processor.ssrf import (
    AddressNotAllowed,
    SsrfGuard,
    TargetUnresolvable,
    guarded_transport,
)

__all__ = ["KEPT_RESPONSE_HEADERS", "Sender", "create_http_client"]

KEPT_RESPONSE_HEADERS = (
    "content-type",
    "content-length",
    "retry-after",
    "location",
    "server",
    "date",
    "x-request-id",
)


def _excerpt(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").replace("\x00", "\ufffd")
    return text.encode()[:RESPONSE_EXCERPT_MAX_BYTES].decode("utf-8", "ignore")


def create_http_client(
    settings: Settings, *, guard: SsrfGuard, verify: ssl.SSLContext | bool = True
) -> httpx.AsyncClient:
    """The one pooled client: no redirects, bounded pool, the delivery timeout, and every
    connection dialled only to an address the SSRF guard vetted (see ``ssrf``). Its transport
    is aiohttp's pool and parser behind httpx's interface (``_transport``)."""
    limits = httpx.Limits(max_connections=settings.max_in_flight)
    return httpx.AsyncClient(
        transport=guarded_transport(guard, limits=limits, verify=verify),
        follow_redirects=False,
        timeout=httpx.Timeout(settings.http_timeout.total_seconds()),
        trust_env=False,
    )


class Sender:
    """Sends one signed request and classifies the answer; nothing here touches the database."""

    def __init__(
        self,
        *,
        client: httpx.AsyncClient,
        guard: SsrfGuard,
        timeout: timedelta,
        transport_retries: int = 2,
        user_agent: str = "reservation-platform-webhooks",
    ) -> None:
        # A webhook request needs none of the client's own layers (cookies, auth, redirects,
        # event hooks, default headers): it goes to the client's transport, the SSRF-guarded
        # pool (wrapped by the tracing instrumentation when tracing is on), which saves a
        # measurable share of a delivery's CPU (docs/performance.md). httpx 0.28 keeps the
        # transport a client was built with in ``_transport``; check it after an upgrade.
        self._transport: httpx.AsyncBaseTransport = client._transport
        # Untraced, the processor's own transport takes the request without httpx's request and
        # response objects (a tenth of a delivery's CPU); traced, the request goes through the
        # instrumented ``handle_async_request`` so that it gets its span and traceparent.
        self._direct = (
            self._transport
            if isinstance(self._transport, AiohttpTransport)
            and not getattr(client, "_is_instrumented_by_opentelemetry", False)
            else None
        )
        self._guard = guard
        self._timeout = timeout.total_seconds()
        self._timeouts = httpx.Timeout(self._timeout).as_dict()
        self._transport_retries = transport_retries
        self._user_agent = user_agent

    async def send(
        self, *, url: str, webhook_id: str, body: bytes, secrets: Sequence[str]
    ) -> ResponseSummary:
        if not secrets:
            raise NoSigningSecret("the subscription has no active signing secret")
        try:
            # Refuses a bad URL before any work; the client's transport checks again at connect.
            await self._guard.check(url)
        except AddressNotAllowed as exc:
            raise TargetNotAllowed(str(exc)) from exc
        except TargetUnresolvable as exc:
            raise ReceiverUnreachable(str(exc)) from exc
        headers = {
            "content-type": "application/json",
            "user-agent": self._user_agent,
            # The answer is read raw and never decoded (see _post): ask for it uncompressed.
            "accept-encoding": "identity",
            **signed_headers(msg_id=webhook_id, body=body, secrets=secrets),
        }
        try:
            async with asyncio.timeout(self._timeout):
                summary = await self._post(url, body, headers)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise ReceiverUnreachable(f"no answer within {self._timeout:g} s") from exc
        except httpx.TransportError as exc:
            raise ReceiverUnreachable(f"{type(exc).__name__}: {exc}") from exc
        except AddressNotAllowed as exc:  # the name resolved elsewhere when connecting
            raise TargetNotAllowed(str(exc)) from exc
        except TargetUnresolvable as exc:
            raise ReceiverUnreachable(str(exc)) from exc
        if 200 <= summary.status_code < 300:
            return summary
        if summary.status_code == 410:
            raise ReceiverGone("receiver answered 410 Gone", response=summary)
        raise ReceiverError(
            f"receiver answered {summary.status_code}",
            response=summary,
            retry_after=parse_retry_after(
                summary.headers.get("retry-after"), now=datetime.now(UTC)
            ),
        )

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> ResponseSummary:
        # Only a connection that never opened is retried in place: the request was not sent.
        # The first try goes without tenacity (most requests need no retry; building the
        # retry state for each was a measurable share of a delivery's CPU).
        try:
            return await self._post_once(url, body, headers)
        except httpx.ConnectError:
            if not self._transport_retries:
                raise
        await asyncio.sleep(0.1)  # then 0.2, 0.4 ... 1 s, as one tenacity loop would wait
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._transport_retries),
            wait=wait_exponential(multiplier=0.2, max=1),
            retry=retry_if_exception_type(httpx.ConnectError),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._post_once(url, body, headers)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _post_once(self, url: str, body: bytes, headers: dict[str, str]) -> ResponseSummary:
        if self._direct is not None:
            answer = await self._direct.post(
                url,
                body=body,
                headers=headers,
                extensions={"timeout": self._timeouts},
                limit=RESPONSE_EXCERPT_MAX_BYTES,
                keep=KEPT_RESPONSE_HEADERS,
            )
            return ResponseSummary(
                status_code=answer.status_code,
                excerpt=_excerpt(answer.body),
                headers=answer.headers,
            )
        request = httpx.Request(
            "POST", url, content=body, headers=headers, extensions={"timeout": self._timeouts}
        )
        resp = await self._transport.handle_async_request(request)
        try:
            # Raw bytes, never decoded: a receiver that answers a small gzip body of zeros
            # despite "identity" would otherwise cost hundreds of MB before the cap applies.
            # A compressed answer is kept as the bytes that came.
            raw = bytearray()
            async for chunk in resp.aiter_raw():
                raw.extend(chunk[: RESPONSE_EXCERPT_MAX_BYTES - len(raw)])
                if len(raw) >= RESPONSE_EXCERPT_MAX_BYTES:
                    break
            return ResponseSummary(
                status_code=resp.status_code,
                excerpt=_excerpt(bytes(raw)),
                headers={k: resp.headers[k] for k in KEPT_RESPONSE_HEADERS if k in resp.headers},
            )
        finally:
            await resp.aclose()

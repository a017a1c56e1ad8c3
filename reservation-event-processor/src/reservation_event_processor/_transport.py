"""The webhook client's transport: httpx's interface over aiohttp's connection pool.

The sender, the tracing instrumentation (``HTTPXClientInstrumentor`` wraps a transport's
``handle_async_request``) and the tests' ``httpx.MockTransport`` all speak httpx requests and
responses; underneath, aiohttp opens, pools and reuses the connections and parses the answers
with its C parser. The httpcore transport before it (httpcore and h11, pure Python) cost about
0.7 ms of CPU per request, about 40 % of the processor's CPU per event at saturation; this one
0.15-0.17 ms (``bench/client_cpu.py``; docs/performance.md, "Event pipeline, third pass").

What the transport keeps of the webhook client's rules: no redirect is followed (the answer
is returned as it came), no cookie is kept, nothing is read from the environment (proxies,
``.netrc``), the body is never decompressed (it is handed over as the bytes that came, read
only as far as the reader asks, with aiohttp's flow control pausing the socket past 64 KiB),
answer heads are bounded (line and field size, 128 fields), and every connection is opened by
the connector it is given (``ssrf.PinnedConnector``: only to addresses the SSRF guard vetted).
aiohttp's errors come out as httpx's (``ConnectError`` only when no connection was opened, so
the sender's in-place retry never sends a request twice).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import httpx
from yarl import URL

__all__ = ["AiohttpTransport", "Answer"]

_READ_BUFFER = 64 * 1024


class _Body(httpx.AsyncByteStream):
    """An answer's body as aiohttp reads it; closing it before the end closes the connection."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        content = self._response.content
        try:
            while chunk := await content.readany():
                yield chunk
        except aiohttp.ClientPayloadError as exc:
            raise httpx.RemoteProtocolError(str(exc)) from exc
        except aiohttp.ServerTimeoutError as exc:
            raise httpx.ReadTimeout(str(exc)) from exc
        except aiohttp.ClientError as exc:
            raise httpx.ReadError(f"{type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        if self._response.content.at_eof():
            self._response.release()  # back to the pool
        else:
            self._response.close()  # the rest is never read: the connection cannot be reused


@dataclass(frozen=True, slots=True)
class Answer:
    """What ``AiohttpTransport.post`` read of an answer."""

    status_code: int
    headers: dict[str, str]  # the headers asked for, by lower-case name
    body: bytes


@functools.lru_cache(maxsize=4096)
def _normalized(url: str) -> str:
    """The URL as httpx sends it (percent-encoding, IDNA host), for the same request on the
    wire through either entry; a subscription's URL is parsed once, not per request."""
    return str(httpx.URL(url))


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends httpx requests through one aiohttp session built on the first request (aiohttp's
    connector needs the running loop); ``connector`` builds the connector."""

    def __init__(self, *, connector: Callable[[], aiohttp.BaseConnector]) -> None:
        self._connector = connector
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[Any, ...], aiohttp.ClientTimeout] = {}

    def _open(self) -> aiohttp.ClientSession:
        self._session = aiohttp.ClientSession(
            connector=self._connector(),
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            trust_env=False,
            # Only what the request carries (and Host, Content-Length): no "Accept: */*".
            skip_auto_headers=("Accept",),
            read_bufsize=_READ_BUFFER,
            timeout=aiohttp.ClientTimeout(total=None),
        )
        return self._session

    def _timeout(self, extensions: dict[str, Any]) -> aiohttp.ClientTimeout:
        """httpx's per-request timeouts as aiohttp's: pool (waiting for a connection, dialling
        included), connect, read (between two reads); no total, the caller bounds the attempt."""
        options = extensions.get("timeout") or {}
        key = (options.get("pool"), options.get("connect"), options.get("read"))
        timeout = self._timeouts.get(key)
        if timeout is None:
            pool, connect, read = key
            timeout = self._timeouts[key] = aiohttp.ClientTimeout(
                total=None, connect=pool, sock_connect=connect, sock_read=read
            )
        return timeout

    async def _send(
        self,
        method: str,
        url: str,
        *,
        body: bytes,
        headers: Any,
        extensions: dict[str, Any],
    ) -> aiohttp.ClientResponse:
        session = self._session or self._open()
        try:
            return await session.request(
                method,
                URL(url, encoded=True),
                data=body or None,
                headers=headers,
                allow_redirects=False,
                timeout=self._timeout(extensions),
            )
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "connection timed out") from exc
        except aiohttp.ServerTimeoutError as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out") from exc
        except aiohttp.ClientConnectorError as exc:  # DNS, refused, TLS handshake: never sent
            raise httpx.ConnectError(str(exc)) from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientResponseError) as exc:
            raise httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}") from exc
        except aiohttp.ClientError as exc:
            raise httpx.NetworkError(f"{type(exc).__name__}: {exc}") from exc

    async def post(
        self,
        url: str,
        *,
        body: bytes,
        headers: dict[str, str],
        extensions: dict[str, Any],
        limit: int,
        keep: Sequence[str],
    ) -> Answer:
        """The sender's request without httpx's request and response objects: the answer's
        status, its headers named in ``keep`` (several fields of a name joined with ", ", as
        httpx does) and at most ``limit`` raw bytes of its body. The same request on the wire,
        the same errors, as through ``handle_async_request``."""
        response = await self._send(
            "POST", _normalized(url), body=body, headers=headers, extensions=extensions
        )
        stream = _Body(response)
        try:
            raw = bytearray()
            async for chunk in stream:
                raw.extend(chunk[: limit - len(raw)])
                if len(raw) >= limit:
                    break
        finally:
            await stream.aclose()
        kept = {}
        for name in keep:
            values = response.headers.getall(name, ())
            if values:
                kept[name] = ", ".join(values)
        return Answer(response.status, kept, bytes(raw))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        response = await self._send(
            request.method,
            str(request.url),
            body=body,
            headers=request.headers.multi_items(),
            extensions=request.extensions,
        )
        return httpx.Response(
            response.status,
            headers=list(response.raw_headers),
            stream=_Body(response),
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode("latin-1", "replace"),
            },
            request=request,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        # Lets the connections' transports finish closing before the loop may end.
        await asyncio.sleep(0)

"""A webhook connection's stream: a request's head and body leave in one write.

httpcore writes a request's head, then its body, each with its own send on the socket. This
stream keeps what is written until the first read (the answer), a TLS start or the buffer
filling up, so a webhook request is one send instead of two. Nothing waits past a read, so the
exchange is the same: an error sending the request shows when the answer is read, as httpcore
already treats a request cut short (it reads what the server answered, if anything).

An idle pooled connection is checked before each request (has the server closed it?): the check
polls the socket directly instead of through anyio's attribute table, which asks the kernel for
the peer's address on every lookup.
"""

from __future__ import annotations

import ssl
import typing

import httpcore
from httpcore._utils import is_socket_readable

__all__ = ["OneWriteStream"]

_FLUSH_AT = 64 * 1024


class OneWriteStream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._pending = bytearray()
        self._socket = inner.get_extra_info("socket")

    async def _flush(self, timeout: float | None) -> None:  # noqa: ASYNC109
        if self._pending:
            data = bytes(self._pending)
            self._pending.clear()
            await self._inner.write(data, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        self._pending += buffer
        if len(self._pending) >= _FLUSH_AT:
            await self._flush(timeout)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        await self._flush(timeout)
        return await self._inner.read(max_bytes, timeout)

    async def aclose(self) -> None:
        self._pending.clear()
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
    ) -> httpcore.AsyncNetworkStream:
        await self._flush(timeout)
        return OneWriteStream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable" and self._socket is not None:
            return is_socket_readable(self._socket)
        return self._inner.get_extra_info(info)

"""The webhook client's pool (aiohttp's, under ``guarded_transport``): an idle connection is
reused however many others are busy, idle ones are closed after the keep-alive expiry, and no
more than ``max_connections`` are ever open."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from reservation_event_processor.ssrf import SsrfGuard, guarded_transport


class Server:
    """HTTP/1.1 on loopback: ``/slow`` answers once ``release`` is set, anything else at once;
    counts the connections it accepted."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if head.startswith(b"GET /slow "):
                    await self.release.wait()
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def __aenter__(self) -> Server:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    async with Server() as s:
        yield s


def client(max_connections: int, keepalive_expiry: float = 5.0) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=max_connections, keepalive_expiry=keepalive_expiry)
    return httpx.AsyncClient(
        transport=guarded_transport(SsrfGuard(["127.0.0.1/32"]), limits=limits)
    )


async def test_an_idle_connection_is_kept_while_busy_ones_outnumber_the_keepalive_limit(
    server: Server,
) -> None:
    # httpcore 1.0.9 compared the count of all connections with its keep-alive limit: with
    # three busy connections and a limit of two, it closed the one idle connection, and the
    # next request opened a fifth.
    async with client(max_connections=4) as http:
        url = f"http://127.0.0.1:{server.port}"
        slow = [asyncio.create_task(http.get(f"{url}/slow")) for _ in range(3)]
        while server.connections < 3:
            await asyncio.sleep(0.01)
        assert (await http.get(f"{url}/fast")).status_code == 204
        assert (await http.get(f"{url}/fast")).status_code == 204
        assert server.connections == 4
        server.release.set()
        assert [r.status_code for r in await asyncio.gather(*slow)] == [204, 204, 204]


async def test_idle_connections_are_reused_then_closed_after_the_keepalive_expiry(
    server: Server,
) -> None:
    async with client(max_connections=4, keepalive_expiry=0.3) as http:
        url = f"http://127.0.0.1:{server.port}"
        server.release.set()
        await asyncio.gather(*(http.get(f"{url}/slow") for _ in range(4)))
        assert server.connections == 4
        await asyncio.gather(*(http.get(f"{url}/slow") for _ in range(4)))
        assert server.connections == 4  # the four idle ones were reused
        await asyncio.sleep(1.5)  # past the expiry (aiohttp sweeps idle connections each 0.3 s)
        assert (await http.get(f"{url}/fast")).status_code == 204
        assert server.connections == 5


async def test_a_request_waits_for_a_connection_when_every_one_is_busy(server: Server) -> None:
    async with client(max_connections=2) as http:
        url = f"http://127.0.0.1:{server.port}"
        requests = [asyncio.create_task(http.get(f"{url}/slow")) for _ in range(5)]
        await asyncio.sleep(0.2)
        assert server.connections == 2
        server.release.set()
        assert [r.status_code for r in await asyncio.gather(*requests)] == [204] * 5
        assert server.connections == 2

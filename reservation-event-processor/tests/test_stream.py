"""A webhook connection sends a request's head and body in one write, and never holds bytes past
a read; over a real socket the receiver gets the whole request."""

from __future__ import annotations

import asyncio

import httpcore
import httpx
from reservation_event_processor._stream import OneWriteStream
from reservation_event_processor.ssrf import SsrfGuard, guarded_transport


class Recording(httpcore.AsyncNetworkStream):
    def __init__(self) -> None:
        self.writes: list[bytes] = []

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.writes.append(buffer)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return b"answer"

    async def aclose(self) -> None:
        pass

    def get_extra_info(self, info: str) -> object:
        return None


async def test_head_and_body_leave_in_one_write_before_the_answer_is_read() -> None:
    inner = Recording()
    stream = OneWriteStream(inner)
    await stream.write(b"POST / HTTP/1.1\r\n\r\n")
    await stream.write(b"{}")
    assert inner.writes == []
    assert await stream.read(100) == b"answer"
    assert inner.writes == [b"POST / HTTP/1.1\r\n\r\n{}"]
    await stream.read(100)
    assert inner.writes == [b"POST / HTTP/1.1\r\n\r\n{}"]  # nothing more to send


async def test_a_large_body_is_not_held_back() -> None:
    inner = Recording()
    stream = OneWriteStream(inner)
    await stream.write(b"x" * 70_000)
    assert [len(w) for w in inner.writes] == [70_000]


async def test_a_request_over_a_real_socket_arrives_whole_and_the_connection_is_reused() -> None:
    requests: list[bytes] = []
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            requests.append(head + await reader.readexactly(length))
            writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            await writer.drain()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport = guarded_transport(
        SsrfGuard(["127.0.0.1/32"]), limits=httpx.Limits(max_connections=1)
    )
    async with server, httpx.AsyncClient(transport=transport) as client:
        for body in (b'{"n":1}', b'{"n":2}'):
            response = await client.post(f"http://127.0.0.1:{port}/hook", content=body)
            assert response.status_code == 204
    assert [r.endswith(b) for r, b in zip(requests, (b'{"n":1}', b'{"n":2}'), strict=True)] == [
        True,
        True,
    ]
    assert connections == 1

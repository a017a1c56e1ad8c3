"""A webhook request's head and body leave in one write; over a real socket the receiver gets
the whole request and the connection is reused."""

from __future__ import annotations

import asyncio

import aiohttp
import httpx
import pytest
from live import RawListener
from reservation_event_processor.ssrf import SsrfGuard, guarded_transport


async def test_head_and_body_leave_in_one_write(monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[bytes] = []
    dial = aiohttp.TCPConnector._wrap_create_connection

    async def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        transport, protocol = await dial(*args, **kwargs)
        write, writelines = transport.write, transport.writelines

        def record(data: bytes) -> None:
            writes.append(bytes(data))
            write(data)

        def record_lines(chunks) -> None:  # type: ignore[no-untyped-def]
            writes.append(b"".join(chunks))
            writelines([writes[-1]])

        transport.write, transport.writelines = record, record_lines
        return transport, protocol

    monkeypatch.setattr(aiohttp.TCPConnector, "_wrap_create_connection", recording)
    listener = RawListener()
    await listener.start()
    transport = guarded_transport(SsrfGuard(["127.0.0.1/32"]), limits=httpx.Limits())
    try:
        async with httpx.AsyncClient(transport=transport) as client:
            body = b'{"n":' + b"1" * 2000 + b"}"
            response = await client.post(f"http://127.0.0.1:{listener.port}/hook", content=body)
    finally:
        await listener.stop()
    assert response.status_code == 204
    assert len(writes) == 1
    assert writes[0].startswith(b"POST /hook HTTP/1.1\r\n")
    assert writes[0].endswith(b"\r\n\r\n" + body)


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

"""The shared test building blocks: the proxy forwards until cut, the launcher stops what it
started."""

from __future__ import annotations

import asyncio
import sys

from reservation_common.testing import TcpProxy, free_port, spawn_python, stop_process


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(1024):
        writer.write(data)
        await writer.drain()
    writer.close()


async def test_the_proxy_forwards_until_cut_and_counts_the_connections_it_cut() -> None:
    port = free_port()
    server = await asyncio.start_server(_echo, "127.0.0.1", port)
    try:
        async with TcpProxy(port) as proxy:
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            writer.write(b"ping")
            assert await asyncio.wait_for(reader.read(4), 5) == b"ping"
            assert proxy.cut() == 1 and proxy.cuts == 1
            try:
                after = await asyncio.wait_for(reader.read(4), 5)
            except ConnectionError:  # a reset, or an end of stream: either is a cut
                after = b""
            assert after == b""
            writer.close()
    finally:
        server.close()
        await server.wait_closed()


def test_a_launched_python_process_is_stopped_and_its_code_returned() -> None:
    child = spawn_python(["-c", "import time; time.sleep(60)"])
    code = stop_process(child, grace=5)
    assert child.poll() is not None
    assert code == (-15 if sys.platform != "win32" else 1)

"""The webhook client's CPU per request, alone: httpx's own transport (httpcore and h11) against
the processor's (``ssrf.guarded_transport``: aiohttp's pool and parser behind httpx's interface).

    uv run python reservation-event-processor/bench/client_cpu.py [--requests N]

A minimal HTTP/1.1 server (its own process) answers every request with 204 at once; 16 tasks
send signed-size POSTs through each transport in turn, twice, and this process's CPU time per
request is printed (user + system: the socket writes are in it). Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import resource

import httpx
from reservation_common.testing import free_port, spawn_python, stop_process
from reservation_event_processor.ssrf import SsrfGuard, guarded_transport

SERVER = """
import asyncio, sys
ANSWER = b"HTTP/1.1 204 No Content\\r\\ndate: Sat, 05 Dec 2026 00:00:00 GMT\\r\\n\\r\\n"
class Answer(asyncio.Protocol):
    def connection_made(self, transport): self.transport, self.buffer = transport, b""
    def data_received(self, data):
        self.buffer += data
        while (end := self.buffer.find(b"\\r\\n\\r\\n")) >= 0:
            length = 0
            for line in self.buffer[:end].lower().split(b"\\r\\n"):
                if line.startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length:]
            self.transport.write(ANSWER)
async def main():
    server = await asyncio.get_running_loop().create_server(Answer, "127.0.0.1", int(sys.argv[1]))
    await server.serve_forever()
asyncio.run(main())
"""

CLIENTS = 16
BODY = b'{"id":"evt_1","type":"reservation.created","data":{"note":"' + b"x" * 600 + b'"}}'
HEADERS = {
    "content-type": "application/json",
    "user-agent": "reservation-platform-webhooks",
    "accept-encoding": "identity",
    "webhook-id": "msg_2b0f5c0e7d3a4f0c9b1e",
    "webhook-timestamp": "1764892800",
    "webhook-signature": "v1," + "A" * 44,
}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(transport: httpx.AsyncBaseTransport, url: str, n: int) -> float:
    timeouts = httpx.Timeout(10).as_dict()

    async def one() -> None:
        request = httpx.Request(
            "POST", url, content=BODY, headers=HEADERS, extensions={"timeout": timeouts}
        )
        response = await transport.handle_async_request(request)
        async for _ in response.aiter_raw():
            pass
        await response.aclose()

    async def client(requests: int) -> None:
        for _ in range(requests):
            await one()

    await asyncio.gather(*(client(50) for _ in range(CLIENTS)))  # connections open, warm
    start = cpu_seconds()
    await asyncio.gather(*(client(n // CLIENTS) for _ in range(CLIENTS)))
    return (cpu_seconds() - start) / (n // CLIENTS * CLIENTS)


async def main(n: int) -> None:
    port = free_port()
    server = spawn_python(["-c", SERVER, str(port)])
    try:
        await asyncio.sleep(1.0)
        url = f"http://hook.example:{port}/hook"

        async def loopback(host: str, port: int) -> list[str]:
            return ["127.0.0.1"]

        guard = SsrfGuard(["127.0.0.0/8"], resolver=loopback)
        limits = httpx.Limits(max_connections=64)
        print(f"{n} POSTs of {len(BODY)} B from {CLIENTS} tasks, CPU of this process per request")
        for round_ in (1, 2):
            plain = httpx.AsyncHTTPTransport(limits=limits)
            # httpx's own transport resolves the name itself: give it the address.
            plain_us = await measure(plain, f"http://127.0.0.1:{port}/hook", n) * 1e6
            await plain.aclose()
            pinned = guarded_transport(guard, limits=limits)
            pinned_us = await measure(pinned, url, n) * 1e6
            await pinned.aclose()
            print(
                f"  round {round_}: httpx's transport (httpcore, h11) {plain_us:6.0f} us,"
                f" the processor's (aiohttp, SSRF-pinned) {pinned_us:6.0f} us"
            )
    finally:
        stop_process(server)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=8000)
    asyncio.run(main(parser.parse_args().requests))

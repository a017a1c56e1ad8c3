"""What a hostile receiver can answer, over real sockets: it costs the processor bounded memory."""

from __future__ import annotations

import contextlib
import datetime as dt
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from live import RawListener
from reservation_common.signing import generate_secret
from reservation_event_processor.delivery import ReceiverError, Sender, create_http_client
from reservation_event_processor.settings import Settings
from reservation_event_processor.ssrf import SsrfGuard

SECRET = generate_secret()
MB = 1024 * 1024


def gzip_of_zeros(megabytes: int) -> bytes:
    """One gzip member inflating to ``megabytes`` MB of zeros (about 1/1000 of that on the wire)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(MB)
    return b"".join(packer.compress(block) for _ in range(megabytes)) + packer.flush()


def peak_rss_reset() -> None:
    """Start a new peak-RSS measurement (Linux: VmHWM is reset to the current RSS)."""
    Path("/proc/self/clear_refs").write_text("5")


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/self/status")


async def loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


@contextlib.asynccontextmanager
async def sender() -> AsyncIterator[Sender]:
    guard = SsrfGuard(["127.0.0.0/8"], resolver=loopback)
    async with create_http_client(Settings(), guard=guard) as client:
        yield Sender(client=client, guard=guard, timeout=dt.timedelta(seconds=10))


async def test_a_gzip_bomb_answer_is_neither_decoded_nor_read_past_the_cap() -> None:
    bomb = gzip_of_zeros(256)  # 256 MB of zeros in about 250 KB
    listener = RawListener(
        response=(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-encoding: gzip\r\n"
            + f"content-length: {len(bomb)}\r\n\r\n".encode()
            + bomb
        )
    )
    await listener.start()
    try:
        async with sender() as s:
            peak_rss_reset()
            before = status_kb("VmRSS")
            summary = await s.send(
                url=f"http://hook.example:{listener.port}/hook",
                webhook_id="msg_bomb",
                body=b"{}",
                secrets=[SECRET],
            )
            growth_mb = (status_kb("VmHWM") - before) / 1024
    finally:
        await listener.stop()
    print(f"RSS growth answering the bomb: {growth_mb:.1f} MB")
    assert summary.status_code == 200
    assert growth_mb < 20, f"answering a gzip bomb grew the processor's RSS by {growth_mb:.0f} MB"
    assert len(summary.excerpt.encode()) <= 20 * 1024
    [head] = listener.heads
    assert b"\r\naccept-encoding: identity\r\n" in head.lower()


async def test_the_direct_and_the_httpx_entries_send_and_read_alike() -> None:
    # Untraced, the sender skips httpx's request and response objects; traced (the client
    # marked by HTTPXClientInstrumentor), it goes through them. Same request, same reading.
    body = b"x" * 30_000
    listener = RawListener(
        response=b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\n"
        b"retry-after: 7\r\nx-request-id: a\r\nx-request-id: b\r\nset-cookie: s=1\r\n"
        + f"content-length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await listener.start()
    guard = SsrfGuard(["127.0.0.0/8"], resolver=loopback)
    errors: list[ReceiverError] = []
    try:
        async with create_http_client(Settings(), guard=guard) as client:
            direct = Sender(client=client, guard=guard, timeout=dt.timedelta(seconds=10))
            client._is_instrumented_by_opentelemetry = True  # type: ignore[attr-defined]
            through_httpx = Sender(client=client, guard=guard, timeout=dt.timedelta(seconds=10))
            assert (direct._direct, through_httpx._direct) == (client._transport, None)
            for sender in (direct, through_httpx):
                with pytest.raises(ReceiverError) as raised:
                    await sender.send(
                        url=f"http://hook.example:{listener.port}/hook?a=b c",
                        webhook_id="msg_same",
                        body=b'{"n":1}',
                        secrets=[SECRET],
                    )
                errors.append(raised.value)
    finally:
        await listener.stop()
    first, second = errors
    assert first.response == second.response
    assert first.retry_after == second.retry_after == dt.timedelta(seconds=7)
    assert first.response is not None
    assert first.response.status_code == 503
    assert first.response.headers["x-request-id"] == "a, b"
    assert "set-cookie" not in first.response.headers
    assert len(first.response.excerpt.encode()) == 20 * 1024

    def fields(head: bytes) -> tuple[bytes, list[bytes]]:
        line, *rest = head.rstrip(b"\r\n").split(b"\r\n")
        signed = (b"webhook-timestamp", b"webhook-signature")
        return line, sorted(f.lower() for f in rest if f.lower().split(b":")[0] not in signed)

    assert fields(listener.heads[0]) == fields(listener.heads[1])
    assert listener.heads[0].startswith(b"POST /hook?a=b%20c HTTP/1.1\r\n")

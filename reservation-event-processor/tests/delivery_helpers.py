from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
from reservation_common.crypto import SecretBox
from reservation_event_processor.delivery import DeliveryWorker, Sender
from reservation_event_processor.fanout import fan_out, parse_event
from reservation_event_processor.settings import Settings
from reservation_event_processor.ssrf import SsrfGuard
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


async def public_resolver(host: str, port: int) -> list[str]:
    # Documentation-range stand-in for a public address; MockTransport never connects to it.
    return ["93.184.216.34"]


class _Unread(httpx.AsyncByteStream):
    def __init__(self, data: bytes) -> None:
        self._data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._data


def as_received(handler: Handler) -> Handler:
    """Hands the handler's response over unread, as a network transport does (the sender reads
    the raw stream; an ``httpx.Response(content=...)`` is read when it is built)."""

    async def handle(request: httpx.Request) -> httpx.Response:
        response = await handler(request)
        return httpx.Response(
            response.status_code, headers=response.headers, stream=_Unread(response.content)
        )

    return handle


def make_worker(
    sm: async_sessionmaker[AsyncSession],
    settings: Settings,
    box: SecretBox,
    handler: Handler,
    *,
    resolver: Callable[[str, int], Awaitable[list[str]]] = public_resolver,
) -> DeliveryWorker:
    client = httpx.AsyncClient(
        transport=httpx.MockTransport(as_received(handler)), follow_redirects=False
    )
    sender = Sender(
        client=client,
        guard=SsrfGuard(settings.ssrf_allowlist, resolver=resolver),
        timeout=settings.http_timeout,
        transport_retries=settings.transport_retries,
    )
    return DeliveryWorker(sessionmaker=sm, sender=sender, secret_box=box, settings=settings)


async def publish(sm: async_sessionmaker[AsyncSession], event) -> int:  # type: ignore[no-untyped-def]
    parsed, keys = parse_event(event.model_dump_json())
    async with sm() as session, session.begin():
        return await fan_out(session, parsed, keys)


async def run_until(
    worker: DeliveryWorker, condition: Callable[[], Awaitable[bool]], *, timeout: float = 10
) -> float:
    """Run the worker until ``condition`` holds; returns the elapsed seconds."""
    task = asyncio.create_task(worker.run())
    start = time.monotonic()
    try:
        while not await condition():
            if time.monotonic() - start > timeout:
                raise AssertionError(f"condition not met within {timeout} s")
            await asyncio.sleep(0.05)
        return time.monotonic() - start
    finally:
        worker.stop()
        await task
        await worker.drain(5)

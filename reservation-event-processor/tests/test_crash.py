"""kill -9 of the processor process in the middle of deliveries, several times."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from factories import create_site, create_subscription, reservation_event
from live import AMQP_URL, Publisher, Receiver, delete_broker_objects, wait_for
from reservation_common.crypto import SecretBox
from reservation_common.testing import free_port
from reservation_db.models.webhook_delivery import WebhookDelivery
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SM = async_sessionmaker[AsyncSession]
EVENTS = 60


class ProcessorProcess:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.port = int(env["RESERVATION_EP_PORT"])
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "reservation_event_processor",
            "run",
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                try:
                    r = await client.get(f"http://127.0.0.1:{self.port}/readyz")
                    if r.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                assert self.proc.returncode is None, "processor exited"
                await asyncio.sleep(0.05)
        raise AssertionError("processor never became ready")

    async def kill(self, sig: int = signal.SIGKILL) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return await asyncio.wait_for(self.proc.wait(), timeout=30)


@pytest.fixture
async def processor_env(database_url: str, secrets_key: str) -> AsyncIterator[dict[str, str]]:
    suffix = uuid.uuid4().hex[:10]
    # Cached bytecode keeps the restarts quick (a cold import costs seconds of CPU).
    inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {
        **inherited,
        "RESERVATION_EP_DATABASE_URL": database_url,
        "RESERVATION_EP_DATABASE_POOL_SIZE": "3",
        "RESERVATION_EP_AMQP_URL": AMQP_URL,
        "RESERVATION_EP_EXCHANGE": f"test.events.{suffix}",
        "RESERVATION_EP_QUEUE": f"test-ep-{suffix}",
        "RESERVATION_EP_WEBHOOK_SECRETS_KEY": secrets_key,
        "RESERVATION_EP_SSRF_ALLOWLIST": "127.0.0.1/32",
        "RESERVATION_EP_RETRY_SCHEDULE": "200ms,400ms,800ms,1s,1s,1s,1s,1s",
        "RESERVATION_EP_HTTP_TIMEOUT": "1s",
        "RESERVATION_EP_LEASE": "2s",
        "RESERVATION_EP_POLL_INTERVAL": "50ms",
        "RESERVATION_EP_PORT": str(free_port()),
        "RESERVATION_EP_LOG_LEVEL": "WARNING",
    }
    yield env
    await delete_broker_objects(env["RESERVATION_EP_EXCHANGE"], env["RESERVATION_EP_QUEUE"])


async def test_kill_9_mid_delivery_loses_nothing_and_duplicates_keep_their_webhook_id(
    sm: SM, box: SecretBox, processor_env: dict[str, str]
) -> None:
    site = await create_site(sm)
    receiver = Receiver(delay=0.03)
    for name in ("a", "b"):
        _, [secret] = await create_subscription(
            sm, box, site=site, url=receiver.url(name), name=name, max_concurrency=4
        )
        receiver.secrets[name] = secret
    await receiver.start()
    events = [reservation_event(site) for _ in range(EVENTS)]
    processor = ProcessorProcess(processor_env)
    try:
        await processor.start()  # declares the queue before anything is published
        async with Publisher(processor_env["RESERVATION_EP_EXCHANGE"]) as pub:
            for round_ in range(3):
                for event in events[round_ * 20 : (round_ + 1) * 20]:
                    await pub.publish(
                        event.model_dump_json().encode(),
                        routing_key=event.type,
                        message_id=event.id,
                    )
                await wait_for(
                    lambda n=len(receiver.received): len(receiver.received) > n,
                    timeout=15,
                    what="deliveries under way",
                )
                assert await processor.kill() == -signal.SIGKILL
                await processor.start()
        await wait_for(
            lambda: (
                len({(r.path, json.loads(r.body)["id"]) for r in receiver.received}) == 2 * EVENTS
            ),
            timeout=60,
            what="every event at both receivers",
        )
        # The receivers having every event is not the end: an attempt cut by kill -9 after the
        # receiver answered stays pending until its lease runs out, then it is sent again (same
        # webhook-id) and recorded. Wait for that, bounded, before the graceful stop.
        await wait_until(
            lambda: count_succeeded(sm), 2 * EVENTS, timeout=60, what="every delivery recorded"
        )
        # Graceful stop on SIGTERM.
        assert await processor.kill(signal.SIGTERM) == 0
    finally:
        if processor.proc is not None and processor.proc.returncode is None:
            processor.proc.kill()
            await processor.proc.wait()
        await receiver.stop()

    assert all(r.verified for r in receiver.received)
    webhook_ids: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in receiver.received:
        webhook_ids[(r.path, json.loads(r.body)["id"])].add(r.webhook_id)
    assert len(webhook_ids) == 2 * EVENTS
    assert all(len(ids) == 1 for ids in webhook_ids.values())
    assert await count_succeeded(sm) == 2 * EVENTS


async def count_succeeded(sm: SM) -> int:
    async with sm() as session:
        succeeded = await session.execute(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.status == "succeeded")
        )
    return int(succeeded.scalar_one())


async def wait_until(
    measure: Callable[[], Awaitable[int]], expected: int, *, timeout: float, what: str
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (value := await measure()) != expected:
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {value} of {expected}")
        await asyncio.sleep(0.1)

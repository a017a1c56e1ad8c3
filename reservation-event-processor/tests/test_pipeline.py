"""The backend's outbox and relay feeding this processor: commit -> verified at the receiver."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from factories import create_site, create_subscription, reservation_event
from live import AMQP_URL, Receiver, delete_broker_objects, wait_for
from pydantic import SecretStr
from reservation_be.kit.outbox import enqueue
from reservation_be.workers.relay import OutboxRelay
from reservation_common.crypto import SecretBox
from reservation_event_processor.app import Processor
from reservation_event_processor.settings import Settings
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SM = async_sessionmaker[AsyncSession]


@pytest.fixture
async def names() -> AsyncIterator[tuple[str, str]]:
    suffix = uuid.uuid4().hex[:10]
    exchange, queue = f"test.events.{suffix}", f"test-ep-{suffix}"
    yield exchange, queue
    await delete_broker_objects(exchange, queue)


async def test_events_committed_to_the_outbox_reach_the_receiver_once_each(
    sm: SM, box: SecretBox, settings: Settings, names: tuple[str, str]
) -> None:
    site = await create_site(sm)
    receiver = Receiver()
    _, [secret] = await create_subscription(sm, box, site=site, url=receiver.url("a"))
    receiver.secrets["a"] = secret
    await receiver.start()
    processor = Processor(
        settings.model_copy(
            update={
                "amqp_url": SecretStr(AMQP_URL),
                "exchange": names[0],
                "queue": names[1],
                "ssrf_allowlist": ["127.0.0.1/32"],
            }
        ),
        serve_http=False,
    )
    relay = OutboxRelay(
        sessionmaker=sm,
        amqp_url=AMQP_URL,
        exchange=names[0],
        sweep_interval=timedelta(milliseconds=200),
    )
    running = asyncio.create_task(processor.run())
    relaying = asyncio.create_task(relay.run())
    try:
        consumer = processor.consumer
        assert consumer is not None
        await wait_for(lambda: consumer.ready, timeout=10, what="consumer ready")
        events = [reservation_event(site) for _ in range(20)]
        for event in events:
            async with sm() as session, session.begin():
                await enqueue(session, event)
        await wait_for(lambda: len(receiver.received) >= 20, timeout=30, what="deliveries")
        await asyncio.sleep(0.3)  # nothing more arrives
    finally:
        relay.stop()
        processor.stop()
        await asyncio.wait_for(asyncio.gather(running, relaying), timeout=30)
        await receiver.stop()
    assert sorted(json.loads(r.body)["id"] for r in receiver.received) == sorted(
        e.id for e in events
    )
    assert all(r.verified for r in receiver.received)

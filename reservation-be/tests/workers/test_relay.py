"""Outbox relay against the real RabbitMQ and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import aio_pika
import pytest
from reservation_be.workers.listener import asyncpg_dsn
from reservation_be.workers.relay import OutboxRelay
from reservation_common.testing import TcpProxy
from reservation_db.repositories import outbox as outbox_repository

from tests.workers.helpers import enqueue, running, unpublished
from tests.workers.live import AMQP_URL, Broker, eventually


@pytest.fixture
def make_relay(app, db, settings) -> Callable[..., OutboxRelay]:  # type: ignore[no-untyped-def]
    def build(broker: Broker, *, amqp_url: str = AMQP_URL, **options: Any) -> OutboxRelay:
        options.setdefault("listen_dsn", asyncpg_dsn(settings.database_url))
        options.setdefault("max_backoff", timedelta(seconds=0.5))
        return OutboxRelay(
            sessionmaker=app.state.sessionmaker,
            amqp_url=amqp_url,
            exchange=broker.exchange,
            **options,
        )

    return build


async def test_committed_events_are_published_once_in_order_of_creation(app, broker, make_relay):
    sm = app.state.sessionmaker
    expected: list[str] = []
    for _ in range(30):  # one transaction each: distinct creation times
        expected += await enqueue(sm)
    async with running(make_relay(broker, batch=7)):
        await eventually(lambda: len(broker.received) >= 30, timeout=10, what="30 messages")
        await asyncio.sleep(0.3)  # anything published twice would arrive by now
    assert broker.ids == expected
    assert await unpublished(sm) == 0
    first = broker.received[0]
    assert first.routing_key == "webhook.ping"
    assert first.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert first.content_type == "application/json"
    envelope = json.loads(first.body)
    assert envelope["id"] == first.message_id == expected[0]
    assert envelope["type"] == "webhook.ping"
    assert envelope["data"]["site"]["slug"] == "relay-site"


async def test_notify_wakes_the_relay_without_waiting_for_the_sweep(app, broker, make_relay):
    sm = app.state.sessionmaker
    relay = make_relay(broker, sweep_interval=timedelta(seconds=60))
    async with running(relay):
        await eventually(relay.connected.is_set, timeout=5, what="the broker connection")
        assert relay._listener is not None
        await eventually(relay._listener.connected.is_set, timeout=5, what="LISTEN")
        await asyncio.sleep(0.2)  # the first sweep found nothing; now it sleeps for 60 s
        loop = asyncio.get_running_loop()
        started = loop.time()
        [event_id] = await enqueue(sm)
        await eventually(lambda: event_id in broker.ids, timeout=3, what="the event")
        assert loop.time() - started < 2.0  # the sweep would take 60 s


async def test_broker_connection_dropped_during_load_loses_nothing(
    app, broker, make_relay, proxy: TcpProxy
):
    sm = app.state.sessionmaker
    relay = make_relay(broker, amqp_url=f"amqp://guest:guest@127.0.0.1:{proxy.port}/", batch=20)
    expected: list[str] = []

    async def load() -> None:
        for _ in range(60):
            expected.extend(await enqueue(sm, 5))
            await asyncio.sleep(0.01)

    async with running(relay):
        producer = asyncio.create_task(load())
        for _ in range(3):
            await eventually(relay.connected.is_set, timeout=10, what="a broker connection")
            await asyncio.sleep(0.15)
            proxy.cut()
        await producer
        await eventually(lambda: set(expected) <= set(broker.ids), timeout=20, what="every event")
    assert await unpublished(sm) == 0
    assert relay.connections >= 3
    assert len(expected) == 300
    # Only a publish whose confirm was lost with the connection may come twice, same id.
    assert set(broker.ids) == set(expected)


async def test_two_relays_in_parallel_never_publish_a_row_twice(app, broker, make_relay):
    sm = app.state.sessionmaker
    first, second = make_relay(broker, batch=10), make_relay(broker, batch=10)
    expected: list[str] = []
    async with running(first), running(second):
        for _ in range(40):
            expected += await enqueue(sm, 10)
        await eventually(lambda: len(broker.received) >= 400, timeout=20, what="400 messages")
        await asyncio.sleep(0.3)
    counts = Counter(broker.ids)
    assert sorted(counts) == sorted(expected)
    assert max(counts.values()) == 1
    assert first.published + second.published == 400
    assert await unpublished(sm) == 0


async def test_a_crash_between_publish_and_mark_republishes_the_same_event_id(
    app, broker, make_relay, monkeypatch
):
    sm = app.state.sessionmaker
    ids = await enqueue(sm, 3)
    real_mark = outbox_repository.mark_published
    crashes = 0

    async def crash_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal crashes
        if crashes == 0:
            crashes += 1
            raise RuntimeError("process died before marking")
        return await real_mark(*args, **kwargs)

    relay = make_relay(broker, listen_dsn=None)
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.get_exchange(broker.exchange)
        monkeypatch.setattr(outbox_repository, "mark_published", crash_once)
        with pytest.raises(RuntimeError):
            await relay.relay_batch(exchange)
        assert await unpublished(sm) == 3
        assert await relay.relay_batch(exchange) == 3
    await eventually(lambda: len(broker.received) >= 6, timeout=5, what="6 messages")
    # One transaction: the three rows share a creation time, so only the set is ordered.
    assert sorted(broker.ids[:3]) == sorted(ids)
    assert broker.ids[3:] == broker.ids[:3]
    assert [m.body for m in broker.received[:3]] == [m.body for m in broker.received[3:]]
    assert await unpublished(sm) == 0


async def test_events_no_queue_takes_stay_in_the_outbox_until_one_is_bound(app, make_relay):
    sm = app.state.sessionmaker
    broker = await Broker().open(bind=False)
    try:
        relay = make_relay(broker, sweep_interval=timedelta(seconds=0.2))
        ids = await enqueue(sm, 4)
        async with running(relay):
            await eventually(relay.connected.is_set, timeout=5, what="the broker connection")
            await asyncio.sleep(0.6)
            assert await unpublished(sm) == 4
            await broker.bind()
            await eventually(lambda: len(broker.received) >= 4, timeout=5, what="4 messages")
        assert sorted(broker.ids) == sorted(ids)
        assert await unpublished(sm) == 0
    finally:
        with contextlib.suppress(Exception):
            await broker.close()

"""Real RabbitMQ, a real receiver on loopback, the processor in this process."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import aio_pika
import pytest
from factories import create_site, create_subscription, reservation_event
from live import AMQP_URL, Publisher, Receiver, delete_broker_objects, wait_for
from prometheus_client import REGISTRY
from pydantic import SecretStr
from reservation_common.crypto import SecretBox
from reservation_common.testing import TcpProxy
from reservation_db.models.webhook_delivery import WebhookDelivery
from reservation_event_processor.app import Processor
from reservation_event_processor.consumer import Consumer
from reservation_event_processor.settings import Settings
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SM = async_sessionmaker[AsyncSession]


@pytest.fixture
async def names() -> AsyncIterator[tuple[str, str]]:
    suffix = uuid.uuid4().hex[:10]
    exchange, queue = f"test.events.{suffix}", f"test-ep-{suffix}"
    yield exchange, queue
    await delete_broker_objects(exchange, queue)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    yield r
    await r.stop()


@pytest.fixture
async def proxy() -> AsyncIterator[TcpProxy]:
    p = TcpProxy(5672)
    await p.start()
    yield p
    await p.stop()


def broker_settings(settings: Settings, names: tuple[str, str], amqp_url: str) -> Settings:
    return settings.model_copy(
        update={
            "amqp_url": SecretStr(amqp_url),
            "exchange": names[0],
            "queue": names[1],
            "prefetch": 16,
            "ssrf_allowlist": ["127.0.0.1/32"],
            "shutdown_grace": timedelta(seconds=5),
        }
    )


class Running:
    def __init__(self, settings: Settings) -> None:
        self.processor = Processor(settings, serve_http=False)
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Processor:
        self.task = asyncio.create_task(self.processor.run())
        consumer = self.processor.consumer
        assert consumer is not None
        await wait_for(lambda: consumer.ready, timeout=10, what="consumer ready")
        return self.processor

    async def __aexit__(self, *exc: object) -> None:
        self.processor.stop()
        assert self.task is not None
        await asyncio.wait_for(self.task, timeout=20)


async def count_status(sm: SM, status: str) -> int:
    async with sm() as session:
        result = await session.execute(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.status == status)
        )
        return int(result.scalar_one())


async def test_events_from_rabbitmq_reach_only_their_sites_receivers_signed(
    sm: SM, box: SecretBox, settings: Settings, names: tuple[str, str], receiver: Receiver
) -> None:
    site_a, site_b = await create_site(sm), await create_site(sm)
    _, [secret_a] = await create_subscription(sm, box, site=site_a, url=receiver.url("a"))
    _, [secret_b] = await create_subscription(sm, box, site=site_b, url=receiver.url("b"))
    receiver.secrets.update(a=secret_a, b=secret_b)
    await receiver.start()
    events = [reservation_event(site_a) for _ in range(6)] + [reservation_event(site_b)]
    async with Running(broker_settings(settings, names, AMQP_URL)), Publisher(names[0]) as pub:
        for event in events:
            await pub.publish(
                event.model_dump_json().encode(), routing_key=event.type, message_id=event.id
            )
        await wait_for(lambda: len(receiver.received) >= 7, timeout=15, what="deliveries")
    assert all(r.verified for r in receiver.received)
    by_path = Counter(r.path for r in receiver.received)
    assert by_path == {"a": 6, "b": 1}
    a_ids = {json.loads(r.body)["id"] for r in receiver.received if r.path == "a"}
    assert a_ids == {e.id for e in events[:6]}


async def test_a_message_published_twice_is_delivered_once_per_subscription(
    sm: SM, box: SecretBox, settings: Settings, names: tuple[str, str], receiver: Receiver
) -> None:
    site = await create_site(sm)
    _, [secret] = await create_subscription(sm, box, site=site, url=receiver.url("a"))
    receiver.secrets["a"] = secret
    await receiver.start()
    event = reservation_event(site)
    body = event.model_dump_json().encode()
    async with Running(broker_settings(settings, names, AMQP_URL)), Publisher(names[0]) as pub:
        await pub.publish(body, routing_key=event.type, message_id=event.id)
        await wait_for(lambda: len(receiver.received) == 1, timeout=10, what="first delivery")
        await pub.publish(body, routing_key=event.type, message_id=event.id)
        await asyncio.sleep(0.5)
    assert len(receiver.received) == 1
    assert await count_status(sm, "succeeded") == 1


async def test_a_message_that_is_not_an_event_is_dead_lettered(
    sm: SM, settings: Settings, names: tuple[str, str]
) -> None:
    async with Running(broker_settings(settings, names, AMQP_URL)), Publisher(names[0]) as pub:
        await pub.publish(b'{"not": "an event"}', routing_key="reservation.started", message_id="x")
        connection = await aio_pika.connect(AMQP_URL)
        async with connection:
            channel = await connection.channel()
            dead = await channel.declare_queue(
                f"{names[1]}.dead", durable=True, arguments={"x-queue-type": "quorum"}
            )
            message = None
            for _ in range(100):
                message = await dead.get(fail=False)
                if message is not None:
                    break
                await asyncio.sleep(0.05)
            assert message is not None and message.body == b'{"not": "an event"}'
            await message.ack()


async def read_dead_letter(queue: str) -> aio_pika.abc.AbstractIncomingMessage | None:
    """What an operator reads from ``<queue>.dead`` (waits a little for it to arrive)."""
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        dead = await channel.get_queue(f"{queue}.dead")
        for _ in range(200):
            message = await dead.get(fail=False)
            if message is not None:
                await message.ack()
                return message
            await asyncio.sleep(0.05)
    return None


class PoisonHandler:
    """Fails on ``poison`` every time (as a bug in the handler would), handles the rest."""

    def __init__(self) -> None:
        self.poison_calls = 0
        self.handled: list[bytes] = []

    async def __call__(self, body: bytes, message_id: str | None) -> None:
        if body == b"poison":
            self.poison_calls += 1
            raise RuntimeError("handler bug")
        self.handled.append(body)


class ConsumerRunning:
    def __init__(self, consumer: Consumer) -> None:
        self.consumer = consumer
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Consumer:
        self.task = asyncio.create_task(self.consumer.run())
        await wait_for(lambda: self.consumer.ready, timeout=10, what="consumer ready")
        return self.consumer

    async def __aexit__(self, *exc: object) -> None:
        self.consumer.stop()
        assert self.task is not None
        await asyncio.wait_for(self.task, timeout=20)


async def test_a_poison_message_is_dead_lettered_after_the_delivery_limit(
    names: tuple[str, str],
) -> None:
    handler = PoisonHandler()
    consumer = Consumer(
        url=AMQP_URL,
        exchange=names[0],
        queue=names[1],
        prefetch=4,
        handler=handler,
        delivery_limit=2,
    )
    async with ConsumerRunning(consumer), Publisher(names[0]) as pub:
        await pub.publish(b"poison", routing_key="reservation.created", message_id="p")
        await pub.publish(b"fine", routing_key="reservation.created", message_id="f")
        dead = await read_dead_letter(names[1])
        await asyncio.sleep(1.5)  # a message given back once more would be handled by now
    assert dead is not None and dead.body == b"poison"
    assert handler.poison_calls == 3  # the first delivery and two redeliveries, then no more
    assert handler.handled == [b"fine"]


@pytest.mark.parametrize("limit", [10, 0], ids=["limit-configured", "policy-managed"])
async def test_a_queue_declared_without_a_delivery_limit_is_still_consumed(
    names: tuple[str, str], limit: int, caplog: pytest.LogCaptureFixture
) -> None:
    # The queue as the previous release declared it: quorum, dead-letter exchange, no limit.
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        await channel.declare_queue(
            names[1],
            durable=True,
            arguments={"x-queue-type": "quorum", "x-dead-letter-exchange": f"{names[1]}.dead"},
        )
    handler = PoisonHandler()
    consumer = Consumer(
        url=AMQP_URL,
        exchange=names[0],
        queue=names[1],
        prefetch=4,
        handler=handler,
        delivery_limit=limit,
    )
    async with ConsumerRunning(consumer), Publisher(names[0]) as pub:
        await pub.publish(b"fine", routing_key="reservation.created", message_id="f")
        await wait_for(lambda: handler.handled == [b"fine"], timeout=10, what="message handled")
    outdated = REGISTRY.get_sample_value("reservation_ep_queue_arguments_outdated")
    warned = [r for r in caplog.records if "other arguments than configured" in r.getMessage()]
    if limit:
        assert outdated == 1 and len(warned) == 1
        assert "docs/operations.md" in warned[0].getMessage()
    else:
        assert outdated == 0 and warned == []


async def test_receiver_down_then_up_gets_every_event(
    sm: SM, box: SecretBox, settings: Settings, names: tuple[str, str], receiver: Receiver
) -> None:
    site = await create_site(sm)
    _, [secret] = await create_subscription(sm, box, site=site, url=receiver.url("a"))
    receiver.secrets["a"] = secret
    events = [reservation_event(site) for _ in range(10)]
    async with Running(broker_settings(settings, names, AMQP_URL)), Publisher(names[0]) as pub:
        for event in events:
            await pub.publish(
                event.model_dump_json().encode(), routing_key=event.type, message_id=event.id
            )

        # Nothing listens yet: attempts fail with connection refused and are rescheduled.
        async def first_attempts_failed() -> bool:
            async with sm() as session:
                result = await session.execute(
                    select(func.count())
                    .select_from(WebhookDelivery)
                    .where(WebhookDelivery.attempts >= 1, WebhookDelivery.status == "pending")
                )
                return int(result.scalar_one()) == 10

        for _ in range(200):
            if await first_attempts_failed():
                break
            await asyncio.sleep(0.05)
        assert await first_attempts_failed()
        await receiver.start()
        await wait_for(
            lambda: len({r.webhook_id for r in receiver.received}) == 10,
            timeout=15,
            what="all deliveries after the receiver came up",
        )
    assert {json.loads(r.body)["id"] for r in receiver.received} == {e.id for e in events}
    assert await count_status(sm, "succeeded") == 10


async def test_broker_connection_cut_during_load_loses_nothing(
    sm: SM,
    box: SecretBox,
    settings: Settings,
    names: tuple[str, str],
    receiver: Receiver,
    proxy: TcpProxy,
) -> None:
    site = await create_site(sm)
    _, [secret] = await create_subscription(sm, box, site=site, url=receiver.url("a"))
    receiver.secrets["a"] = secret
    await receiver.start()
    events = [reservation_event(site) for _ in range(150)]
    running = Running(
        broker_settings(settings, names, f"amqp://guest:guest@127.0.0.1:{proxy.port}/")
    )
    async with running as processor, Publisher(names[0]) as pub:
        consumer = processor.consumer
        assert consumer is not None
        for i, event in enumerate(events):
            await pub.publish(
                event.model_dump_json().encode(), routing_key=event.type, message_id=event.id
            )
            if i in (30, 80, 120):
                await wait_for(lambda: consumer.ready, timeout=15, what="consumer reconnected")
                assert proxy.cut() >= 1
        await wait_for(
            lambda: len({json.loads(r.body)["id"] for r in receiver.received}) == 150,
            timeout=60,
            what="every event delivered",
        )
        assert consumer.connections >= 4
    ids_per_webhook: dict[str, set[str]] = {}
    for r in receiver.received:
        ids_per_webhook.setdefault(r.webhook_id, set()).add(json.loads(r.body)["id"])
    assert all(len(ids) == 1 for ids in ids_per_webhook.values())
    assert len(ids_per_webhook) == 150
    assert all(r.verified for r in receiver.received)


async def test_processor_started_before_the_broker_connects_once_it_is_reachable(
    sm: SM, box: SecretBox, settings: Settings, names: tuple[str, str], receiver: Receiver
) -> None:
    site = await create_site(sm)
    _, [secret] = await create_subscription(sm, box, site=site, url=receiver.url("a"))
    receiver.secrets["a"] = secret
    await receiver.start()
    proxy = TcpProxy(5672)  # nothing listens on its port yet
    processor = Processor(
        broker_settings(settings, names, f"amqp://guest:guest@127.0.0.1:{proxy.port}/"),
        serve_http=False,
    )
    task = asyncio.create_task(processor.run())
    try:
        consumer = processor.consumer
        assert consumer is not None
        await asyncio.sleep(1.0)
        assert (await processor.readiness()) == {"database": True, "broker": False}
        await proxy.start()
        await wait_for(lambda: consumer.ready, timeout=20, what="consumer connected")
        assert (await processor.readiness())["broker"] is True
        event = reservation_event(site)
        async with Publisher(names[0]) as pub:
            await pub.publish(
                event.model_dump_json().encode(), routing_key=event.type, message_id=event.id
            )
        await wait_for(lambda: len(receiver.received) == 1, timeout=15, what="delivery")
    finally:
        processor.stop()
        await asyncio.wait_for(task, timeout=20)
        await proxy.stop()
    assert json.loads(receiver.received[0].body)["id"] == event.id


class HeldHandler:
    """Holds the message ``held`` until ``release`` is set (or, with ``once``, only its first
    delivery); returns at once for the others; records every body handled or started."""

    def __init__(self, *, once: bool = False) -> None:
        self.release = asyncio.Event()
        self.started: list[bytes] = []
        self.handled: list[bytes] = []
        self._once = once

    async def __call__(self, body: bytes, message_id: str | None) -> None:
        self.started.append(body)
        if body == b"held" and not (self._once and self.started.count(b"held") > 1):
            await self.release.wait()
        self.handled.append(body)


async def test_a_message_handled_behind_one_still_in_hand_is_acknowledged_at_once(
    names: tuple[str, str],
) -> None:
    # Prefetch 2: the broker sends the next message only once one of the two in hand is
    # acknowledged, so the later ones arrive only if their acks do not wait for "held".
    handler = HeldHandler()
    consumer = Consumer(
        url=AMQP_URL, exchange=names[0], queue=names[1], prefetch=2, handler=handler
    )
    async with ConsumerRunning(consumer), Publisher(names[0]) as pub:
        for body in (b"held", b"a", b"b", b"c", b"d"):
            await pub.publish(body, routing_key="reservation.created", message_id=body.decode())
        await wait_for(
            lambda: handler.handled == [b"a", b"b", b"c", b"d"],
            timeout=10,
            what="the messages behind the held one",
        )
        handler.release.set()
        await wait_for(lambda: b"held" in handler.handled, timeout=10, what="the held one")


async def test_no_acknowledgement_covers_a_message_whose_handler_has_not_returned(
    names: tuple[str, str], proxy: TcpProxy
) -> None:
    # "held" is in hand while the messages after it are handled and acknowledged; then the
    # connection is cut: "held" must come again (no ack with ``multiple`` covered it), the
    # others must not.
    handler = HeldHandler(once=True)
    consumer = Consumer(
        url=f"amqp://guest:guest@127.0.0.1:{proxy.port}/",
        exchange=names[0],
        queue=names[1],
        prefetch=8,
        handler=handler,
    )
    async with ConsumerRunning(consumer), Publisher(names[0]) as pub:
        for body in (b"first", b"held", b"a", b"b", b"c"):
            await pub.publish(body, routing_key="reservation.created", message_id=body.decode())
        await wait_for(
            lambda: handler.handled == [b"first", b"a", b"b", b"c"],
            timeout=10,
            what="every message but the held one",
        )
        await asyncio.sleep(0.3)  # their acknowledgements reach the broker
        assert proxy.cut() >= 1
        await wait_for(
            lambda: handler.handled.count(b"held") == 1, timeout=15, what="held delivered again"
        )
        await asyncio.sleep(0.5)  # anything else given back would be handled by now
        handler.release.set()
    assert handler.started.count(b"held") == 2
    assert sorted(b for b in handler.started if b != b"held") == [b"a", b"b", b"c", b"first"]


async def test_messages_handled_together_are_acknowledged_in_one_frame(
    names: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    acks: list[bool] = []
    real_ack = aio_pika.IncomingMessage.ack

    async def counted(self: aio_pika.IncomingMessage, multiple: bool = False) -> None:
        acks.append(multiple)
        await real_ack(self, multiple=multiple)

    monkeypatch.setattr(aio_pika.IncomingMessage, "ack", counted)
    batch = asyncio.Event()
    handled: list[bytes] = []

    async def together(body: bytes, message_id: str | None) -> None:
        # As the group commit returns a batch: every handler of the batch in one turn.
        handled.append(body)
        if len(handled) == 8:
            batch.set()
        await batch.wait()

    consumer = Consumer(
        url=AMQP_URL, exchange=names[0], queue=names[1], prefetch=8, handler=together
    )
    async with ConsumerRunning(consumer), Publisher(names[0]) as pub:
        for i in range(8):
            await pub.publish(b"m%d" % i, routing_key="reservation.created", message_id=str(i))
        await wait_for(lambda: len(handled) == 8, timeout=10, what="eight messages in hand")
        await wait_for(lambda: bool(acks), timeout=10, what="the acknowledgement")
        await asyncio.sleep(0.3)
    assert acks == [True]
    # Nothing is left unacknowledged: a new consumer gets no message again.
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(names[1], passive=True)
        assert queue.declaration_result.message_count == 0
        assert await queue.get(fail=False) is None

"""Real-server helpers for the worker tests: a RabbitMQ exchange/queue pair with unique names,
and the shared bounded wait."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage, AbstractQueue
from reservation_common.testing import eventually

__all__ = ["AMQP_URL", "Broker", "eventually"]

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


@dataclass
class Broker:
    """A topic exchange and a queue bound to it with ``#``, both named uniquely per test."""

    exchange: str = field(default_factory=lambda: f"test.reservations.{uuid.uuid4().hex[:10]}")
    queue: str = field(default_factory=lambda: f"test-relay-{uuid.uuid4().hex[:10]}")
    connection: AbstractConnection | None = None
    channel: AbstractChannel | None = None
    received: list[AbstractIncomingMessage] = field(default_factory=list)

    async def open(self, *, bind: bool = True) -> Broker:
        self.connection = await aio_pika.connect(AMQP_URL)
        self.channel = await self.connection.channel()
        await self.channel.declare_exchange(
            self.exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        if bind:
            await self.bind()
        return self

    async def bind(self) -> AbstractQueue:
        assert self.channel is not None
        queue = await self.channel.declare_queue(self.queue, durable=True)
        await queue.bind(self.exchange, routing_key="#")
        await queue.consume(self._on_message, no_ack=True)
        return queue

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        self.received.append(message)

    @property
    def ids(self) -> list[str]:
        return [str(m.message_id) for m in self.received]

    async def close(self) -> None:
        assert self.connection is not None
        with contextlib.suppress(Exception):
            channel = await self.connection.channel()
            await channel.queue_delete(self.queue)
            await channel.exchange_delete(self.exchange)
        await self.connection.close()

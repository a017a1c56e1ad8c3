"""The RabbitMQ side: the only module that knows aio-pika.

A durable quorum queue bound to the topic exchange with ``#``; prefetch bounds the messages in
hand; a message is acknowledged only after its handler returned, i.e. after the fan-out rows are
committed. The messages whose fan-out committed together are acknowledged together: one
``basic.ack`` with ``multiple`` for the run of handled messages that starts at the oldest one
in hand (``_Acks``); a handled message behind one still in hand is acknowledged alone, so a slow
message holds back no other's acknowledgement. A message the handler can never process (not an
event of the catalog) is rejected to the dead-letter queue ``<queue>.dead`` and logged, never
dropped silently. A poison message (one whose handling keeps failing, or kills the process) is
dead-lettered there by the broker once it was delivered more than ``x-delivery-limit`` times.
A lost connection is re-established with exponential backoff; unacknowledged messages come back
from the broker and the idempotent fan-out makes their second pass a no-op.

With tracing on, each message is handled in a "process" span whose parent is the trace context
in the message's headers (the relay's publish span); the fan-out stores it with the deliveries.

A queue declared by an earlier release without the delivery limit cannot be redeclared with it
(RabbitMQ answers PRECONDITION_FAILED): the consumer then consumes the existing queue as it is,
sets ``reservation_ep_queue_arguments_outdated`` and logs how to migrate (docs/operations.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from aiormq.exceptions import AMQPError, ChannelPreconditionFailed
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode, Tracer
from reservation_common.service_loop import backoff_wait, run_service_loop
from reservation_common.tracing import context_from

from reservation_event_processor import metrics
from reservation_event_processor.fanout import InvalidEvent

__all__ = ["Consumer"]

logger = logging.getLogger(__name__)


# Raises InvalidEvent for a message that can never be processed.
Handler = Callable[[bytes, str | None], Awaitable[object]]


def _tag(message: AbstractIncomingMessage) -> int:
    # Every message of a consumer that acknowledges has one (only no_ack deliveries have none).
    assert message.delivery_tag is not None
    return message.delivery_tag


class _Acks:
    """The messages in hand on one channel, in delivery order, and their acknowledgement.

    The handlers of a fan-out batch return in the same turn of the event loop; each marks its
    message handled and yields once, then the first of them acknowledges the handled run at
    the head (every message up to the newest of the run, ``multiple``) in one frame, and the
    others find theirs done. A handled message behind an unhandled one is acknowledged alone.
    A message rejected or given back is settled on its own and leaves the run first; one whose
    handler never returned (cancelled at shutdown) stays in hand, so no ``multiple`` covers it
    and the broker delivers it again.
    """

    def __init__(self) -> None:
        # delivery tag -> the message, and whether its handler returned
        self._in_hand: dict[int, tuple[AbstractIncomingMessage, bool]] = {}

    def received(self, message: AbstractIncomingMessage) -> None:
        self._in_hand[_tag(message)] = (message, False)

    def settled(self, message: AbstractIncomingMessage) -> None:
        self._in_hand.pop(_tag(message), None)

    async def ack(self, message: AbstractIncomingMessage) -> None:
        """Acknowledge ``message`` (with the handled ones next to it); raises what the broker
        connection raises."""
        tag = _tag(message)
        self._in_hand[tag] = (message, True)
        await asyncio.sleep(0)  # the other handlers of the same batch mark theirs
        if tag not in self._in_hand:
            return  # acknowledged with the run another handler sent
        newest: AbstractIncomingMessage | None = None
        for head, handled in list(self._in_hand.values()):
            if not handled:
                break
            newest = head
            del self._in_hand[_tag(head)]
        if newest is not None:
            await newest.ack(multiple=True)
        if tag in self._in_hand:  # behind a message still in hand
            del self._in_hand[tag]
            await message.ack()


class Consumer:
    def __init__(
        self,
        *,
        url: str,
        exchange: str,
        queue: str,
        prefetch: int,
        handler: Handler,
        delivery_limit: int = 0,
        max_backoff: float = 30.0,
        tracer: Tracer | None = None,
    ) -> None:
        self._tracer = tracer
        self._url = url
        self._exchange = exchange
        self._queue = queue
        self._prefetch = prefetch
        self._handler = handler
        self._delivery_limit = delivery_limit  # 0: not set by the processor (a policy may)
        self._max_backoff = max_backoff
        self._stopping = asyncio.Event()
        self._connected = False
        self._in_hand: set[asyncio.Task[Any]] = set()
        self._acks = _Acks()
        self.connections = 0  # how many times a connection was established

    @property
    def ready(self) -> bool:
        return self._connected

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Consume until ``stop()``, reconnecting with backoff whenever the connection is lost."""
        await run_service_loop(
            self._consume_step,
            name="broker connection",
            logger=logger,
            stopping=self._stopping,
            retry_on=(AMQPError, OSError, TimeoutError),
            backoff=backoff_wait(0.2, self._max_backoff),
            describe=lambda exc: type(exc).__name__,
            after_step=self._disconnected,
        )

    async def _consume_step(self) -> float:
        await self._consume_once()
        return 0.2  # closed without an error: connect again soon

    def _disconnected(self) -> None:
        self._connected = False

    async def _consume_once(self) -> None:
        connection = await aio_pika.connect(self._url, timeout=10)
        lost = asyncio.Event()
        connection.close_callbacks.add(lambda *_: lost.set())
        try:
            channel = await connection.channel()
            dead_exchange = await channel.declare_exchange(
                f"{self._queue}.dead", aio_pika.ExchangeType.FANOUT, durable=True
            )
            dead_queue = await channel.declare_queue(
                f"{self._queue}.dead", durable=True, arguments={"x-queue-type": "quorum"}
            )
            await dead_queue.bind(dead_exchange)
            arguments: dict[str, Any] = {
                "x-queue-type": "quorum",
                "x-dead-letter-exchange": f"{self._queue}.dead",
            }
            if self._delivery_limit:
                arguments["x-delivery-limit"] = self._delivery_limit
            try:
                queue = await channel.declare_queue(self._queue, durable=True, arguments=arguments)
                metrics.QUEUE_ARGUMENTS_OUTDATED.set(0)
            except ChannelPreconditionFailed as exc:
                # The broker closed the channel; consume the queue as it was declared before.
                channel = await connection.channel()
                queue = await channel.declare_queue(self._queue, passive=True)
                metrics.QUEUE_ARGUMENTS_OUTDATED.set(1)
                logger.warning(
                    "queue %s exists with other arguments than configured (%s); consuming it as"
                    " it is, so poison messages have no delivery limit unless a policy sets one."
                    " See 'Poison messages' in docs/operations.md to migrate.",
                    self._queue,
                    exc.args[0] if exc.args else "PRECONDITION_FAILED",
                )
            await channel.set_qos(prefetch_count=self._prefetch)
            self._acks = _Acks()  # delivery tags are the new channel's
            exchange = await channel.declare_exchange(
                self._exchange, aio_pika.ExchangeType.TOPIC, durable=True
            )
            await queue.bind(exchange, routing_key="#")
            tag = await queue.consume(self._on_message)
            self.connections += 1
            self._connected = True
            logger.info("consuming", extra={"queue": self._queue, "exchange": self._exchange})
            stop_wait = asyncio.create_task(self._stopping.wait())
            lost_wait = asyncio.create_task(lost.wait())
            await asyncio.wait({stop_wait, lost_wait}, return_when=asyncio.FIRST_COMPLETED)
            stop_wait.cancel()
            lost_wait.cancel()
            if lost.is_set():
                raise ConnectionError("broker connection lost")
            # Graceful stop: take no more messages, let the ones in hand finish and ack.
            with contextlib.suppress(AMQPError, OSError):
                await queue.cancel(tag)
            if self._in_hand:
                await asyncio.wait(set(self._in_hand), timeout=30)
        finally:
            self._connected = False
            with contextlib.suppress(AMQPError, OSError, RuntimeError):
                await connection.close()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        acks = self._acks
        acks.received(message)  # before any await: in delivery order
        task = asyncio.current_task()
        if task is not None:
            self._in_hand.add(task)
        try:
            await self._process(message, acks)
        finally:
            if task is not None:
                self._in_hand.discard(task)

    async def _process(self, message: AbstractIncomingMessage, acks: _Acks) -> None:
        if self._tracer is None:
            await self._handle(message, acks)
            return
        with self._tracer.start_as_current_span(
            f"process {self._queue}",
            context=context_from(message.headers),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "rabbitmq",
                "messaging.operation.type": "process",
                "messaging.destination.name": self._queue,
                "messaging.rabbitmq.destination.routing_key": message.routing_key or "",
                "messaging.message.id": message.message_id or "",
            },
        ):
            await self._handle(message, acks)

    async def _handle(self, message: AbstractIncomingMessage, acks: _Acks) -> None:
        try:
            await self._handler(message.body, message.message_id)
        except InvalidEvent as exc:
            trace.get_current_span().set_status(StatusCode.ERROR, "not a valid event")
            metrics.EVENTS_CONSUMED.labels(outcome="rejected").inc()
            logger.error(
                "message is not a valid event, dead-lettered: %s",
                exc,
                extra={"message_id": message.message_id, "routing_key": message.routing_key},
            )
            with contextlib.suppress(AMQPError, OSError, RuntimeError):
                await message.reject(requeue=False)
            acks.settled(message)
            return
        except Exception:
            # Unexpected (the handler already retries database errors): give it back to the queue.
            trace.get_current_span().set_status(StatusCode.ERROR, "requeued")
            metrics.EVENTS_CONSUMED.labels(outcome="requeued").inc()
            logger.exception("handling message failed", extra={"message_id": message.message_id})
            await asyncio.sleep(1)
            with contextlib.suppress(AMQPError, OSError, RuntimeError):
                await message.nack(requeue=True)
            acks.settled(message)
            return
        try:
            await acks.ack(message)
            metrics.EVENTS_CONSUMED.labels(outcome="fanned_out").inc()
        except (AMQPError, OSError, RuntimeError) as exc:
            # The broker redelivers it; the fan-out is idempotent.
            logger.warning("ack failed, the event will come again: %s", type(exc).__name__)

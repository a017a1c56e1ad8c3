"""Outbox relay: committed outbox rows -> the RabbitMQ topic exchange, at least once.

One pass locks a batch of unpublished rows (``FOR UPDATE SKIP LOCKED``, oldest first, so
replicas take disjoint batches), publishes them with publisher confirms, marks the confirmed
ones published and commits. A crash or a lost broker connection between publish and commit
rolls the marks back and the same events (same ``message_id``) are published again: consumers
deduplicate by event id. ``LISTEN outbox`` wakes the relay at once; a periodic sweep covers
notifications missed while the listener reconnects.

Messages are published ``mandatory``: an event no queue takes (the processor's queue not
declared yet) comes back unrouted and stays in the outbox until a queue is bound.

With tracing on, each message is published in a "publish" span whose parent is the trace
context stored with the row (the request that wrote it; none for the scheduler's events), and
the message's headers carry that span's ``traceparent`` / ``tracestate`` to the processor.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import cast

import aio_pika
import aiormq
from aio_pika.abc import AbstractExchange, FieldValue
from aiormq.exceptions import AMQPError, ChannelInvalidStateError, PublishError
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, StatusCode, Tracer, TracerProvider
from reservation_common.service_loop import backoff_wait, run_service_loop
from reservation_common.tracing import context_from, inject_carrier
from reservation_db.repositories import outbox
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reservation_be.workers.listener import in_background, waking
from reservation_be.workers.metrics import WorkerMetrics

log = logging.getLogger(__name__)


class Unroutable(Exception):
    """The broker returned a message: no queue is bound for its routing key."""


_Row = outbox.Unpublished
# A broker that cannot be reached or a failed outbox query: retried with back-off.
_RETRY_ON = (AMQPError, ChannelInvalidStateError, OSError, TimeoutError, SQLAlchemyError)
_RECONNECT_AFTER = 0.2


def _describe(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, SQLAlchemyError) else type(exc).__name__


def _message(row: _Row, span: Span | None) -> aio_pika.Message:
    return aio_pika.Message(
        body=json.dumps(row.payload, separators=(",", ":")).encode(),
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=row.event_id,
        type=row.type,
        timestamp=row.created_at,
        headers=_trace_headers(span) if span is not None else None,
    )


def _trace_headers(span: Span) -> dict[str, FieldValue]:
    return dict(inject_carrier(trace.set_span_in_context(span)))


class OutboxRelay:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        amqp_url: str,
        exchange: str,
        listen_dsn: str | None = None,
        batch: int = 200,
        sweep_interval: timedelta = timedelta(seconds=5),
        publish_timeout: timedelta = timedelta(seconds=10),
        max_backoff: timedelta = timedelta(seconds=30),
        metrics: WorkerMetrics | None = None,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._tracer: Tracer | None = (
            tracer_provider.get_tracer(__name__) if tracer_provider is not None else None
        )
        self._metrics = metrics or WorkerMetrics()
        self._amqp_url = amqp_url
        self._exchange_name = exchange
        self._batch = batch
        self._sweep = sweep_interval.total_seconds()
        self._publish_timeout = publish_timeout.total_seconds()
        self._max_backoff = max_backoff.total_seconds()
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        self._listener = waking(listen_dsn, outbox.NOTIFY_CHANNEL, self._wakeup)
        self.connected = asyncio.Event()
        self.published = 0  # rows marked published by this relay
        self.connections = 0  # broker connections established

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()
        if self._listener is not None:
            self._listener.stop()

    async def run(self) -> None:
        """Relay until ``stop()``, reconnecting to the broker with exponential backoff."""
        async with (
            in_background(self._listener, name="outbox-listen"),
            in_background(self._watch_backlog(), name="outbox-backlog"),
        ):
            await run_service_loop(
                self._connected_step,
                name="outbox relay",
                logger=log,
                stopping=self._stopping,
                retry_on=_RETRY_ON,
                backoff=backoff_wait(0.2, self._max_backoff),
                catch_all=True,
                describe=_describe,
                after_step=self._disconnected,
            )

    async def _connected_step(self) -> float:
        await self._run_connected()
        return _RECONNECT_AFTER  # the connection ended without an error: open a new one soon

    def _disconnected(self) -> None:
        self.connected.clear()
        self._metrics.broker_connected.set(0)

    async def _watch_backlog(self) -> None:
        """Keep the backlog gauges current, broker connected or not (that is when they grow)."""
        await run_service_loop(
            self._measure_backlog,
            name="outbox backlog query",
            logger=log,
            stopping=self._stopping,
            retry_on=(SQLAlchemyError, OSError),
            backoff=backoff_wait(self._sweep, jitter=0),
        )

    async def _measure_backlog(self) -> float:
        async with self._sessionmaker() as session:
            count, oldest = await outbox.backlog(session)
        self._metrics.set_backlog(count, oldest)
        return self._sweep

    async def _run_connected(self) -> None:
        connection = await aio_pika.connect(self._amqp_url, timeout=10)
        lost = asyncio.Event()
        connection.close_callbacks.add(lambda *_: lost.set())
        try:
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            exchange = await channel.declare_exchange(
                self._exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
            )
            self.connections += 1
            self.connected.set()
            self._metrics.broker_connected.set(1)
            while not self._stopping.is_set():
                if lost.is_set():
                    raise ConnectionError("broker connection lost")
                self._wakeup.clear()
                try:
                    relayed = await self.relay_batch(exchange)
                except Unroutable as exc:
                    log.warning("events not routed, kept in the outbox: %s", exc)
                    relayed = 0
                if relayed >= self._batch:
                    continue
                await self._idle(lost)
        finally:
            self.connected.clear()
            self._metrics.broker_connected.set(0)
            with contextlib.suppress(AMQPError, OSError, RuntimeError):
                await connection.close()

    async def _idle(self, lost: asyncio.Event) -> None:
        waits = [
            asyncio.ensure_future(self._wakeup.wait()),
            asyncio.ensure_future(lost.wait()),
        ]
        try:
            await asyncio.wait(waits, timeout=self._sweep, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()

    async def relay_batch(self, exchange: AbstractExchange) -> int:
        """Publish one batch and mark what the broker confirmed; returns how many were marked."""
        async with self._sessionmaker() as session, session.begin():
            rows = await outbox.claim_unpublished(session, limit=self._batch)
            if not rows:
                return 0
            spans = [self._publish_span(row, exchange.name) for row in rows]
            # One channel keeps the publishing order; confirms are awaited together. Each
            # publish holds the channel's lock only while its frames are queued, not until the
            # connection wrote them (``wait=False``): the batch goes out back to back instead
            # of one socket drain per message (aio-pika's ``Exchange.publish`` always waits).
            channel = await _underlay(exchange)
            results = await asyncio.gather(
                *(
                    _publish(
                        channel,
                        exchange.name,
                        _message(row, span),
                        routing_key=row.type,
                        timeout=self._publish_timeout,
                    )
                    for row, span in zip(rows, spans, strict=True)
                ),
                return_exceptions=True,
            )
            for span, result in zip(spans, results, strict=True):
                if span is not None:
                    if not _ok(result):
                        span.set_status(StatusCode.ERROR, type(result).__name__)
                    span.end()
            confirmed = [r.id for r, res in zip(rows, results, strict=True) if _ok(res)]
            await outbox.mark_published(session, confirmed)
        self.published += len(confirmed)
        self._metrics.published.inc(len(confirmed))
        failures = [res for res in results if not _ok(res)]
        for failure in failures:
            reason = "unroutable" if isinstance(failure, PublishError) else "broker"
            self._metrics.publish_failures.labels(reason).inc()
        if failures:
            _raise_first(
                failures, [r for r, res in zip(rows, results, strict=True) if not _ok(res)]
            )
        return len(confirmed)

    def _publish_span(self, row: _Row, exchange: str) -> Span | None:
        if self._tracer is None:
            return None
        return self._tracer.start_span(
            f"publish {exchange}",
            context=context_from(row.trace_context),
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "rabbitmq",
                "messaging.operation.type": "send",
                "messaging.destination.name": exchange,
                "messaging.rabbitmq.destination.routing_key": row.type,
                "messaging.message.id": row.event_id,
            },
        )


async def _underlay(exchange: AbstractExchange) -> aiormq.Channel:
    """The aiormq channel under an aio-pika exchange (an ``aio_pika.Exchange`` keeps its
    channel; aiormq's own channel is the one whose ``basic_publish`` takes ``wait``)."""
    return cast(
        aiormq.Channel,
        await cast(aio_pika.Exchange, exchange).channel.get_underlay_channel(),
    )


async def _publish(
    channel: aiormq.Channel,
    exchange: str,
    message: aio_pika.Message,
    *,
    routing_key: str,
    timeout: float,  # noqa: ASYNC109 (the broker's confirm, passed on to aiormq)
) -> object:
    """``Exchange.publish`` (mandatory, confirmed) without waiting for the socket to drain: a
    message no queue takes raises ``PublishError``, a nack ``DeliveryError``."""
    return await channel.basic_publish(
        message.body,
        exchange=exchange,
        routing_key=routing_key,
        properties=message.properties,
        mandatory=True,
        timeout=timeout,
        wait=False,
    )


def _ok(result: object) -> bool:
    return not isinstance(result, BaseException)


def _raise_first(failures: Sequence[object], rows: Sequence[_Row]) -> None:
    for failure in failures:
        if isinstance(failure, BaseException) and not isinstance(failure, PublishError):
            raise failure
    types = sorted({r.type for r in rows})
    raise Unroutable(f"{len(rows)} event(s) of {types} returned by the broker")

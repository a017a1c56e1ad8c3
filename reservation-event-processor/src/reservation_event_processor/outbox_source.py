"""In-process transport for dev mode without RabbitMQ: read committed outbox rows directly.

Each row is fanned out and marked published in the same transaction, so nothing is lost or
doubled. Only for a single-machine dev setup: with RabbitMQ configured the backend's relay owns
the outbox and this transport is not started.

With tracing on, each row is fanned out in a "process" span whose parent is the trace context
stored with the row, as the consumer does with the message headers.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import timedelta

from opentelemetry.trace import SpanKind, Tracer
from reservation_common.service_loop import backoff_wait, run_service_loop
from reservation_common.tracing import context_from, current_carrier
from reservation_db.repositories import outbox
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reservation_event_processor import metrics
from reservation_event_processor.fanout import InvalidEvent, fan_out, parse_event

logger = logging.getLogger(__name__)


class OutboxSource:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        on_new_deliveries: Callable[[], None],
        poll_interval: timedelta,
        batch: int = 100,
        tracer: Tracer | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._tracer = tracer
        self._on_new = on_new_deliveries
        self._poll = poll_interval.total_seconds()
        self._batch = batch
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        await run_service_loop(
            self._step,
            name="reading the outbox",
            logger=logger,
            stopping=self._stopping,
            retry_on=(SQLAlchemyError, OSError),
            backoff=backoff_wait(self._poll, jitter=0),
        )

    async def _step(self) -> float:
        handled = await self.run_once()
        return 0 if handled >= self._batch else self._poll

    async def run_once(self) -> int:
        created = 0
        async with self._sessionmaker() as session, session.begin():
            rows = await outbox.claim_unpublished(session, limit=self._batch)
            for row in rows:
                try:
                    event, keys = parse_event(json.dumps(row.payload))
                except InvalidEvent as exc:
                    metrics.EVENTS_CONSUMED.labels(outcome="rejected").inc()
                    logger.error("outbox row %s is not a valid event: %s", row.id, exc)
                    continue
                if self._tracer is None:
                    created += await fan_out(session, event, keys)
                else:
                    with self._tracer.start_as_current_span(
                        "process outbox",
                        context=context_from(row.trace_context),
                        kind=SpanKind.CONSUMER,
                        attributes={"messaging.message.id": event.id},
                    ):
                        created += await fan_out(
                            session, event, keys, trace_context=current_carrier()
                        )
                metrics.EVENTS_CONSUMED.labels(outcome="fanned_out").inc()
            await outbox.mark_published(session, [r.id for r in rows])
        if created:
            self._on_new()
        return len(rows)

"""In-process transport for dev mode without RabbitMQ: read committed outbox rows directly.

Each row is fanned out and marked published in the same transaction, so nothing is lost or
doubled. Only for a single-machine dev setup: with RabbitMQ configured the backend's relay owns
the outbox and this transport is not started.

With tracing on, each row is fanned out in a "process" span whose parent is the trace context
stored with the row, as the consumer does with the message headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from datetime import timedelta

from opentelemetry.trace import SpanKind, Tracer
from reservation_common.tracing import context_from, current_carrier
from reservation_db.models.outbox import OutboxMessage
from sqlalchemy import func, select, update
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
        while not self._stopping.is_set():
            try:
                handled = await self.run_once()
            except (SQLAlchemyError, OSError) as exc:
                logger.warning("reading the outbox failed: %s", exc)
                handled = 0
            if handled < self._batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self._poll)

    async def run_once(self) -> int:
        created = 0
        async with self._sessionmaker() as session, session.begin():
            rows = (
                await session.execute(
                    select(OutboxMessage.id, OutboxMessage.payload, OutboxMessage.trace_context)
                    .where(OutboxMessage.published_at.is_(None))
                    .order_by(OutboxMessage.created_at)
                    .limit(self._batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
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
            if rows:
                await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_([r.id for r in rows]))
                    .values(published_at=func.now())
                )
        if created:
            self._on_new()
        return len(rows)

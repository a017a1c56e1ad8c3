"""From a received event to committed delivery rows, whatever the transport.

The events that arrive while a fan-out is being written are fanned out together in the next one,
a single statement (``_group_commit``): each caller still returns only once its own rows are
committed, so the transport acknowledges nothing earlier than before; under load a statement
carries many events instead of one transaction per event. A batch that fails is not retried as
a batch: each of its events is then retried alone, so one event the database keeps refusing
holds up no other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reservation_common.events import Event
from reservation_common.tracing import current_carrier
from reservation_db.repositories.webhook_deliveries import MatchKeys
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    wait_exponential,
)

from reservation_event_processor import metrics
from reservation_event_processor._autocommit import autocommit
from reservation_event_processor._group_commit import GroupCommit
from reservation_event_processor.fanout import fan_out, fan_out_many, parse_event

logger = logging.getLogger(__name__)

_DATABASE_ERRORS = (SQLAlchemyError, OSError)


@dataclass(frozen=True, slots=True)
class _Received:
    event: Event
    keys: MatchKeys
    trace_context: dict[str, Any] | None


class EventIntake:
    """Validates an event and commits its fan-out, retrying while the database is unavailable.

    Raises ``InvalidEvent`` for a message that is not an event of the catalog. Database errors
    are retried (backoff up to 10 s) until ``is_stopping()`` says the process is shutting down;
    then the last error propagates and the transport gives the message back.
    """

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        on_new_deliveries: Callable[[], None],
        is_stopping: Callable[[], bool],
        max_batch: int = 64,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._on_new = on_new_deliveries
        self._is_stopping = is_stopping
        self._batches: GroupCommit[_Received, int] = GroupCommit(
            self._fan_out_batch, max_batch=max_batch, name="fan-out"
        )

    def _stop(self, _: RetryCallState) -> bool:
        return self._is_stopping()

    async def __call__(self, body: bytes, message_id: str | None = None) -> int:
        event, keys = parse_event(body)
        if message_id is not None and message_id != event.id:
            logger.warning(
                "message id differs from the event id; the event id counts",
                extra={"message_id": message_id, "event_id": event.id},
            )
        metrics.QUEUE_LAG_SECONDS.set((datetime.now(UTC) - event.timestamp).total_seconds())
        received = _Received(event, keys, current_carrier())  # the transport's span, if traced
        try:
            created = await self._batches.submit(received)
        except _DATABASE_ERRORS:
            created = await self._fan_out_alone(received)
        metrics.DELIVERIES_CREATED.inc(created)
        logger.info(
            "event fanned out",
            extra={"event_id": event.id, "event_type": str(event.type), "deliveries": created},
        )
        if created:
            self._on_new()
        return created

    async def _fan_out_batch(self, batch: Sequence[_Received]) -> list[int]:
        """One statement for the whole batch (atomic on its own), tried once."""
        async with autocommit(self._sessionmaker) as session:
            created = await fan_out_many(
                session, [(r.event, r.keys, r.trace_context) for r in batch]
            )
        return [created[r.event.id] for r in batch]

    async def _fan_out_alone(self, received: _Received) -> int:
        """One event in its own transaction, retried while the database is unavailable."""
        event = received.event
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(_DATABASE_ERRORS),
            wait=wait_exponential(multiplier=0.2, max=10),
            stop=self._stop,
            reraise=True,
            before_sleep=lambda state: logger.warning(
                "fan-out of %s failed, retrying: %s",
                event.id,
                state.outcome.exception() if state.outcome else None,
            ),
        )
        created = 0
        async for attempt in retrying:
            with attempt:
                async with self._sessionmaker() as session, session.begin():
                    created = await fan_out(
                        session, event, received.keys, trace_context=received.trace_context
                    )
        return created

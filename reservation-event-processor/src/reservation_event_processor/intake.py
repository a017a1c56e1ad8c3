"""From a received event to committed delivery rows, whatever the transport."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from reservation_common.tracing import current_carrier
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    wait_exponential,
)

from reservation_event_processor import metrics
from reservation_event_processor.fanout import fan_out, parse_event

logger = logging.getLogger(__name__)


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
    ) -> None:
        self._sessionmaker = sessionmaker
        self._on_new = on_new_deliveries
        self._is_stopping = is_stopping

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
        retrying = AsyncRetrying(
            retry=retry_if_exception_type((SQLAlchemyError, OSError)),
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
        trace_context = current_carrier()  # the transport's span, when tracing is on
        async for attempt in retrying:
            with attempt:
                async with self._sessionmaker() as session, session.begin():
                    created = await fan_out(session, event, keys, trace_context=trace_context)
        metrics.DELIVERIES_CREATED.inc(created)
        logger.info(
            "event fanned out",
            extra={"event_id": event.id, "event_type": str(event.type), "deliveries": created},
        )
        if created:
            self._on_new()
        return created

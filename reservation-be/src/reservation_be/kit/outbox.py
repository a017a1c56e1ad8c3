"""Transactional outbox: an event is written with the change it announces, and with the trace
context of the request that made the change (tracing on) so its delivery joins the same trace."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from reservation_common.events import Event
from reservation_common.tracing import current_carrier
from reservation_db.models import OutboxMessage
from reservation_db.repositories import outbox
from reservation_db.repositories.outbox import NOTIFY_CHANNEL
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["NOTIFY_CHANNEL", "enqueue", "enqueue_many"]


def _row_id(event: Event) -> uuid.UUID:
    # Contract: the envelope id is "evt_" + the row id's hex.
    if event.id.startswith("evt_"):
        try:
            return uuid.UUID(hex=event.id.removeprefix("evt_"))
        except ValueError:
            pass
    raise ValueError(f"event id {event.id!r} is not evt_<uuid hex>")


async def enqueue(session: AsyncSession, event: Event) -> OutboxMessage:
    """Add ``event`` to the outbox in the caller's transaction and wake the relay on commit."""
    return await outbox.add(
        session,
        id=_row_id(event),
        type=str(event.type),
        payload=event.model_dump(mode="json"),
        trace_context=current_carrier(),
    )


async def enqueue_many(session: AsyncSession, events: Sequence[Event]) -> None:
    """Add many events in one INSERT (a worker's batch) and wake the relay once on commit."""
    trace_context = current_carrier()
    await outbox.add_many(
        session,
        [
            {
                "id": _row_id(event),
                "type": str(event.type),
                "payload": event.model_dump(mode="json"),
                "trace_context": trace_context,
            }
            for event in events
        ],
    )

"""The transactional outbox: an event is added in the transaction of the change it announces
and published (marked) by exactly one reader at a time (``FOR UPDATE SKIP LOCKED``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_db.models.outbox import OutboxMessage

# PostgreSQL NOTIFY channel: a commit that added rows wakes the relay at once.
NOTIFY_CHANNEL = "outbox"

__all__ = [
    "NOTIFY_CHANNEL",
    "Unpublished",
    "add",
    "add_many",
    "backlog",
    "claim_unpublished",
    "mark_published",
    "wake_relay",
]


@dataclass(frozen=True, slots=True)
class Unpublished:
    id: uuid.UUID
    type: str
    payload: dict[str, Any]
    created_at: datetime
    trace_context: dict[str, Any] | None

    @property
    def event_id(self) -> str:
        # Contract: the envelope id is "evt_" + the row id's hex.
        return str(self.payload.get("id") or f"evt_{self.id.hex}")


async def wake_relay(session: AsyncSession, payload: str = "") -> None:
    """NOTIFY the relay; PostgreSQL delivers it at commit, and not at all on rollback."""
    await session.execute(select(func.pg_notify(NOTIFY_CHANNEL, payload)))


async def add(
    session: AsyncSession,
    *,
    id: uuid.UUID,
    type: str,
    payload: dict[str, Any],
    trace_context: dict[str, Any] | None,
) -> OutboxMessage:
    """Add one event in the caller's transaction and wake the relay on commit."""
    row = OutboxMessage(id=id, type=type, payload=payload, trace_context=trace_context)
    session.add(row)
    await session.flush()
    await wake_relay(session, str(row.id))
    return row


async def add_many(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Add many events (``id``, ``type``, ``payload``, ``trace_context``) in one INSERT and
    wake the relay once on commit."""
    if rows:
        await session.execute(insert(OutboxMessage), [dict(row) for row in rows])
        await wake_relay(session)


async def claim_unpublished(session: AsyncSession, *, limit: int) -> list[Unpublished]:
    """The oldest unpublished rows, locked until the caller's transaction ends; rows another
    reader holds are skipped."""
    rows = await session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.type,
            OutboxMessage.payload,
            OutboxMessage.created_at,
            OutboxMessage.trace_context,
        )
        .where(OutboxMessage.published_at.is_(None))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [Unpublished(*row) for row in rows]


async def mark_published(session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
    if ids:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(published_at=func.now())
            .execution_options(synchronize_session=False)
        )


async def backlog(session: AsyncSession) -> tuple[int, datetime | None]:
    """How many rows wait, and when the oldest of them was written."""
    row = (
        await session.execute(
            select(func.count(), func.min(OutboxMessage.created_at)).where(
                OutboxMessage.published_at.is_(None)
            )
        )
    ).one()
    return int(row[0]), row[1]

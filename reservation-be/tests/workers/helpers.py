"""Reservations placed directly in the database (any period, past ones too) and the lifecycle
events the outbox holds for them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from reservation_be.kit import outbox
from reservation_common.events import EventType, PingData, SiteRef, make_event
from reservation_db.models import OutboxMessage
from reservation_db.models.reservation import Reservation
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.reservations.factories import Lab


class Runnable(Protocol):
    async def run(self) -> None: ...

    def stop(self) -> None: ...


_Loop = TypeVar("_Loop", bound=Runnable)


@asynccontextmanager
async def running(loop: _Loop) -> AsyncIterator[_Loop]:
    """``loop.run()`` in a task for the block; then ``stop()`` and a bounded wait for the end."""
    task = asyncio.create_task(loop.run())
    try:
        yield loop
    finally:
        loop.stop()
        await asyncio.wait_for(task, 10)


def now() -> datetime:
    return datetime.now(UTC)


async def place(
    session: AsyncSession,
    lab: Lab,
    owner_id: str,
    start: datetime,
    end: datetime,
    *,
    status: str = "confirmed",
    created_at: datetime | None = None,
    resource: Any = None,
) -> uuid.UUID:
    reservation = Reservation(
        id=uuid.uuid4(),
        site_id=lab.site.id,
        resource_id=(resource or lab.server1).id,
        owner_id=owner_id,
        created_by=owner_id,
        title="Lifecycle test",
        period=Range(start, end, bounds="[)"),
        status=status,
    )
    if created_at is not None:
        reservation.created_at = created_at
    session.add(reservation)
    await session.commit()
    return reservation.id


async def lifecycle_events(
    sm: async_sessionmaker[AsyncSession], reservation_id: uuid.UUID
) -> list[dict[str, Any]]:
    """Envelopes about ``reservation_id`` in outbox order."""
    async with sm() as session:
        rows = await session.execute(
            select(OutboxMessage.payload)
            .where(OutboxMessage.payload["data"]["reservation"]["id"].astext == str(reservation_id))
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
        return [r[0] for r in rows]


async def types_of(sm: async_sessionmaker[AsyncSession], reservation_id: uuid.UUID) -> list[str]:
    return [e["type"] for e in await lifecycle_events(sm, reservation_id)]


async def status_of(sm: async_sessionmaker[AsyncSession], reservation_id: uuid.UUID) -> str:
    async with sm() as session:
        return str(
            (
                await session.execute(
                    select(Reservation.status).where(Reservation.id == reservation_id)
                )
            ).scalar_one()
        )


def seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


SITE = SiteRef(id=uuid.uuid4(), slug="relay-site", name="Relay site")


async def enqueue(sm: async_sessionmaker[AsyncSession], n: int = 1) -> list[str]:
    """``n`` ping events committed in one transaction; returns their event ids."""
    ids = []
    async with sm() as session, session.begin():
        for _ in range(n):
            event = make_event(
                EventType.WEBHOOK_PING, PingData(site=SITE, subscription_id=uuid.uuid4())
            )
            await outbox.enqueue(session, event)
            ids.append(event.id)
    return ids


async def unpublished(sm: async_sessionmaker[AsyncSession]) -> int:
    async with sm() as session:
        stmt = select(func.count()).where(OutboxMessage.published_at.is_(None))
        return int((await session.execute(stmt)).scalar_one())

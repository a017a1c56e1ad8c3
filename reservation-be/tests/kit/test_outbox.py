from __future__ import annotations

import asyncio
import uuid

import asyncpg
from reservation_be.kit.outbox import NOTIFY_CHANNEL, enqueue
from reservation_common.events import Event, EventType
from reservation_db.models import OutboxMessage
from reservation_db.testing import _asyncpg_dsn
from sqlalchemy import select


def _event() -> Event:
    return Event(type=EventType.WEBHOOK_PING, data={"site": {"id": str(uuid.uuid4())}})


async def _listener(database_url: str) -> tuple[asyncpg.Connection, asyncio.Queue[str]]:
    conn = await asyncpg.connect(_asyncpg_dsn(database_url))
    queue: asyncio.Queue[str] = asyncio.Queue()
    await conn.add_listener(NOTIFY_CHANNEL, lambda *args: queue.put_nowait(args[3]))
    return conn, queue


async def test_enqueued_event_is_stored_and_announced_on_commit(session, database_url):
    conn, queue = await _listener(database_url)
    try:
        event = _event()
        row = await enqueue(session, event)
        assert queue.empty()  # nothing is announced before the commit
        await session.commit()
        notified = await asyncio.wait_for(queue.get(), timeout=5)
        assert notified == str(row.id)
        stored = (await session.execute(select(OutboxMessage))).scalar_one()
        assert f"evt_{stored.id.hex}" == event.id
        assert stored.type == "webhook.ping"
        assert stored.payload["id"] == event.id
        assert stored.published_at is None
    finally:
        await conn.close()


async def test_rolled_back_event_leaves_no_row_and_no_notification(session, database_url):
    conn, queue = await _listener(database_url)
    try:
        await enqueue(session, _event())
        await session.rollback()
        await asyncio.sleep(0.2)
        assert queue.empty()
        assert (await session.execute(select(OutboxMessage))).first() is None
    finally:
        await conn.close()

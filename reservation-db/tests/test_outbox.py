"""The outbox repository both services use: rows added in a transaction are claimed by one reader
at a time, oldest first, and marked once published."""

from __future__ import annotations

import uuid

from reservation_db.repositories import outbox
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


async def _add(sm: async_sessionmaker[AsyncSession], count: int) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(count)]
    for row_id in ids:  # one transaction each: distinct creation times, a known order
        async with sm() as session, session.begin():
            await outbox.add(
                session,
                id=row_id,
                type="reservation.created",
                payload={"id": f"evt_{row_id.hex}"},
                trace_context=None,
            )
    return ids


async def test_rows_are_claimed_oldest_first_and_marked_once(sm):
    ids = await _add(sm, 3)
    async with sm() as session, session.begin():
        claimed = await outbox.claim_unpublished(session, limit=2)
        assert [row.id for row in claimed] == ids[:2]
        assert claimed[0].event_id == f"evt_{ids[0].hex}"
        await outbox.mark_published(session, [row.id for row in claimed])
    async with sm() as session:
        assert (await outbox.backlog(session))[0] == 1
        assert [row.id for row in await outbox.claim_unpublished(session, limit=10)] == ids[2:]


async def test_a_row_another_reader_holds_is_skipped_not_waited_for(sm):
    ids = await _add(sm, 2)
    async with sm() as first, first.begin():
        held = await outbox.claim_unpublished(first, limit=1)
        async with sm() as second, second.begin():
            other = await outbox.claim_unpublished(second, limit=10)
        assert [row.id for row in held] == ids[:1]
        assert [row.id for row in other] == ids[1:]


async def test_a_rolled_back_transaction_leaves_no_row(sm):
    async with sm() as session, session.begin():
        await outbox.add(
            session,
            id=uuid.uuid4(),
            type="reservation.created",
            payload={},
            trace_context=None,
        )
        await session.rollback()
    async with sm() as session:
        assert await outbox.backlog(session) == (0, None)

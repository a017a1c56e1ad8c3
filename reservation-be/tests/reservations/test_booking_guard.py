"""The booking's write books only while the resource row is the version its read saw.

The read takes no lock; the write takes the row's shared lock and checks its version. A
resource changed in between (renamed, retired, moved, its capacity changed) gets a 409 asking
to retry, and nothing of the booking is written, whether the booking runs alone (the fast
lane: no BEGIN, the write commits itself) or inside its caller's transaction.
"""

from __future__ import annotations

import asyncio

import pytest
from reservation_be.auth.actor import Actor
from reservation_be.kit import driver
from reservation_be.kit.errors import Conflict
from reservation_be.reservations import booking
from reservation_be.reservations.schemas import ReservationCreate
from reservation_be.resources import service as resources_service
from reservation_be.resources.schemas import ResourceCreate
from reservation_db.models.resource import Resource
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from tests.factories import wait_for_lock_waiters
from tests.reservations.factories import hours_from_now, make_resource, make_type


async def _counts(session) -> dict[str, int]:  # type: ignore[no-untyped-def]
    counts = {}
    for table in ("reservations", "reservation_slots", "outbox", "audit_log", "notifications"):
        found = await session.execute(text(f"SELECT count(*) FROM {table}"))
        counts[table] = int(found.scalar_one())
    await session.commit()
    return counts


async def _book_and_be_refused(app, people, lab, alone: bool) -> None:  # type: ignore[no-untyped-def]
    bob = Actor(user_id=people["bob"], username="bob")
    body = ReservationCreate(
        resource_id=lab.server1.id, title="raced", start=hours_from_now(3), end=hours_from_now(4)
    )
    async with app.state.sessionmaker() as s:
        with pytest.raises(Conflict, match="resource changed while booking"):
            await booking.create(s, bob, body, alone=alone)
        await s.rollback()


@pytest.mark.parametrize("alone", [True, False])
@pytest.mark.parametrize(
    "change",
    [{"name": "renamed"}, {"status": "retired"}, {"capacity": 3}],
    ids=["renamed", "retired", "capacity"],
)
async def test_a_resource_changed_between_read_and_write_books_nothing(
    app, session, lab, people, monkeypatch, alone, change
):
    before = await _counts(session)
    real = driver.fetchrow

    async def change_before_the_write(s, statement, params, **kw):  # type: ignore[no-untyped-def]
        if statement is booking._BOOK:
            async with app.state.sessionmaker() as other:
                await other.execute(
                    update(Resource).where(Resource.id == lab.server1.id).values(**change)
                )
                await other.commit()
        return await real(s, statement, params, **kw)

    monkeypatch.setattr(driver, "fetchrow", change_before_the_write)
    await _book_and_be_refused(app, people, lab, alone)
    assert await _counts(session) == before


async def test_an_unchanged_resource_is_booked_alone_in_one_transaction(app, session, lab, people):
    bob = Actor(user_id=people["bob"], username="bob")
    body = ReservationCreate(
        resource_id=lab.server1.id, title="alone", start=hours_from_now(3), end=hours_from_now(4)
    )
    async with app.state.sessionmaker() as s:
        created = await booking.create(s, bob, body, alone=True)
        # Committed by the write itself: visible to another session before this one commits.
        found = await session.execute(
            text("SELECT count(*) FROM reservations WHERE id = :id"), {"id": created.id}
        )
        assert found.scalar_one() == 1
        await session.commit()
        await s.commit()


@pytest.mark.parametrize("alone", [True, False])
async def test_a_child_added_while_the_write_waits_for_its_lock_refuses_the_booking(
    app, session, lab, people, monkeypatch, alone
):
    """The tree change holds the booked resource's path when the booking's write starts: the
    write waits for its lock while the change adds a child and commits. The write's snapshot,
    taken before it waited, holds no such child, so booking would leave the child free under a
    booking of its parent. The change gave the row a new version: the write refuses itself."""
    alice = Actor(user_id=people["alice"], username="alice")  # site admin
    real = driver.fetchrow

    async def commit_once_the_write_waits(changer) -> None:  # type: ignore[no-untyped-def]
        await wait_for_lock_waiters(session, 1, seconds=10)
        await changer.commit()

    async def change_during_the_write(s, statement, params, **kw):  # type: ignore[no-untyped-def]
        if statement is not booking._BOOK:
            return await real(s, statement, params, **kw)
        async with app.state.sessionmaker() as changer:
            await resources_service.create(
                changer,
                alice,
                lab.site.id,
                ResourceCreate(type_id=lab.rtype.id, parent_id=lab.server1.id, name="new-child"),
            )
            committing = asyncio.create_task(commit_once_the_write_waits(changer))
            try:
                return await real(s, statement, params, **kw)
            finally:
                await committing

    monkeypatch.setattr(driver, "fetchrow", change_during_the_write)
    before = await _counts(session)
    await _book_and_be_refused(app, people, lab, alone)
    after = await _counts(session)
    # The tree change wrote its own audit and outbox rows; the booking wrote nothing.
    for table in ("reservations", "reservation_slots", "notifications"):
        assert after[table] == before[table], table


_HELD_BOOKING_LOCK = text(
    "SELECT mode FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    " AND ((classid::bigint << 32) | objid::bigint)"
    " = hashtextextended(CAST(:resource_id AS text), 7497075)"
)


@pytest.mark.parametrize("capacity", [1, 3], ids=["plain", "pooled"])
async def test_the_write_holds_the_booking_lock_even_when_it_inserts_no_slot(
    settings, session, lab, people, monkeypatch, capacity
):
    """A pooled resource without children gets no slot from the write (its units are taken
    afterwards, under the write's locks): the write takes the resource's booking lock all the
    same, whatever order the plan evaluates the slots' inputs in. The statement is planned
    without nested loops on a connection of its own: a plan that scanned the (here empty)
    subtree before the locks would then never take them."""
    rtype = await make_type(session, lab.site, name=f"lock-{capacity}", capacity=capacity)
    resource = await make_resource(session, lab.site, rtype, name=f"locked-{capacity}")
    await session.commit()
    bob = Actor(user_id=people["bob"], username="bob")
    body = ReservationCreate(
        resource_id=resource.id, title="locked", start=hours_from_now(3), end=hours_from_now(4)
    )
    real = driver.fetchrow
    held: list[str] = []

    async def look_after_the_write(s, statement, params, **kw):  # type: ignore[no-untyped-def]
        row = await real(s, statement, params, **kw)
        if statement is booking._BOOK:
            found = await s.execute(_HELD_BOOKING_LOCK, {"resource_id": str(resource.id)})
            held.extend(found.scalars())
        return row

    monkeypatch.setattr(driver, "fetchrow", look_after_the_write)
    engine = create_async_engine(settings.database_url, poolclass=NullPool)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as s:
            await s.execute(text("SET LOCAL enable_nestloop = off"))
            await booking.create(s, bob, body)
            await s.rollback()
    finally:
        await engine.dispose()
    assert held == ["ExclusiveLock"]

"""The scheduler's batched pass: the same payloads as the API's, a fixed number of statements
whatever the batch size, and no second event from a stale view of the ledger."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from reservation_be.auth.actor import Actor
from reservation_be.policy import SiteContext
from reservation_be.reservations.service import event_data
from reservation_be.workers.lifecycle import Stage, Step
from reservation_be.workers.payloads import Payloads
from reservation_be.workers.repository import record_stages
from reservation_be.workers.scheduler import Due, LifecycleScheduler
from reservation_db.models import Site, SshKey
from reservation_db.models.reservation import Reservation
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.reservations.factories import Lab, make_lab, make_resource
from tests.workers.helpers import now, place, types_of


@pytest.fixture
async def lab(session, people) -> Lab:
    return await make_lab(session, people)


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_batched_payload_is_the_payload_the_api_builds(app, session, lab, people):
    session.add(
        SshKey(
            user_id=people["bob"],
            name="laptop",
            key_type="ssh-ed25519",
            public_key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKb7i3tTn1bX7rXz8mGfJ8f0dLr7o9yT3nq0b",
            fingerprint="SHA256:test",
        )
    )
    deep = await make_resource(session, lab.site, lab.rtype, name="nic-0", parent=lab.server1)
    await session.commit()
    t = now()
    ids = [
        await place(session, lab, owner, t, t + timedelta(hours=1), resource=resource)
        for owner, resource in ((people["bob"], deep), (people["alice"], lab.rack))
    ]
    async with app.state.sessionmaker() as s:
        reservations = [await s.get(Reservation, rid) for rid in ids]
        site = await s.get(Site, lab.site.id)
        assert site is not None
        ctx = SiteContext(actor=Actor(user_id="system", username="system"), site=site, role=None)
        payloads = await Payloads.load(s, [r for r in reservations if r is not None])
        for reservation in reservations:
            assert reservation is not None
            expected = await event_data(s, reservation, ctx=ctx, previous_status="confirmed")
            batched = payloads.data(reservation, previous_status="confirmed")
            assert batched.model_dump(mode="json") == expected.model_dump(mode="json")
    first = payloads.data(reservations[0], previous_status=None)  # type: ignore[arg-type]
    assert [a.name for a in first.resource.path] == ["rack-a", "server-1"]
    assert first.owner.ssh_keys and first.owner.username == "bob"


async def test_a_pass_costs_the_same_statements_for_two_or_forty_reservations(
    app, engine, session, lab, people
):
    scheduler = LifecycleScheduler(sessionmaker=app.state.sessionmaker, batch=100)
    t = now()

    async def statements_to_start(n: int) -> int:
        for i in range(n):
            await place(
                session, lab, people["bob"], t - timedelta(minutes=5), t + timedelta(hours=1),
                created_at=t - timedelta(hours=1), resource=(lab.server1, lab.server2)[i % 2],
            )  # fmt: skip
        with statements(engine) as seen:
            assert await scheduler.run_once() == 2 * n  # starting, then started
        return len(seen)

    few = await statements_to_start(2)
    many = await statements_to_start(40)
    assert many == few
    assert few <= 30  # two passes (starting, started) and the final look for what is due


async def test_a_row_locked_after_another_pass_committed_is_not_emitted_twice(
    app, session, lab, people
):
    """PostgreSQL rechecks a row it locks after a concurrent commit against the row's new
    version, but not the ledger row joined to it: the second pass sees the new status with the
    old ledger, so the step it just lost looks due again. The forward-only ledger write is
    what keeps the event single. (``SKIP LOCKED`` narrows the window to the moment between
    the snapshot and the lock; waiting for the lock here makes it certain.)"""
    sm = app.state.sessionmaker
    t = now()
    rid = await place(
        session, lab, people["bob"], t - timedelta(minutes=5), t + timedelta(hours=1),
        created_at=t - timedelta(hours=1),
    )  # fmt: skip
    first = LifecycleScheduler(sessionmaker=sm)
    assert await first._pass(now()) == (1, 1)  # starting; started is due next
    waiting = first._plan.select_due.with_for_update(of=Reservation)  # waits, skips nothing

    async with sm() as a, a.begin():
        [(reservation, step, due_at)] = (
            await a.execute(first._plan.select_due, {"now": now(), "limit": 10})
        ).all()
        assert Step(step) is Step.STARTED
        async with sm() as b, b.begin():
            blocked = asyncio.create_task(b.execute(waiting, {"now": now(), "limit": 10}))
            await asyncio.sleep(0.3)
            assert not blocked.done(), "the second pass must wait for the row lock"
            assert len(await first._advance(a, [Due(reservation, Step.STARTED, due_at)], now()))
            await a.commit()
            [(stale, stale_step, stale_due)] = (await blocked).all()
            assert stale.status == "active"  # the recheck saw the new row...
            assert Step(stale_step) is Step.STARTED  # ...and the old ledger
            second = LifecycleScheduler(sessionmaker=sm)
            assert await second._advance(b, [Due(stale, Step.STARTED, stale_due)], now()) == []

    assert await types_of(sm, rid) == ["reservation.starting", "reservation.started"]
    async with sm() as s:
        # A later stage still moves the ledger; an equal or earlier one never does.
        assert await record_stages(s, [(rid, Stage.STARTING)]) == set()
        assert await record_stages(s, [(rid, Stage.ENDING_SOON)]) == {rid}


async def test_a_due_time_passing_during_an_empty_pass_is_taken_at_once(app, session, lab, people):
    """The pass looks just before the start; by the time it has read the next due time, the
    start has passed. That is no row held by another replica: look again now, not after the
    retry delay."""
    t = now()
    start = t - timedelta(seconds=30)
    rid = await place(
        session, lab, people["bob"], start, t + timedelta(hours=1),
        created_at=t - timedelta(hours=1),
    )  # fmt: skip
    readings = iter([start - timedelta(milliseconds=1)])
    scheduler = LifecycleScheduler(
        sessionmaker=app.state.sessionmaker, clock=lambda: next(readings, None) or now()
    )
    assert await scheduler.run_once() == 2
    assert await types_of(app.state.sessionmaker, rid) == [
        "reservation.starting",
        "reservation.started",
    ]

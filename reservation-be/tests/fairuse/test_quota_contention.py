"""Concurrent bookings of one member cannot both squeeze under a quota.

Each booking counts the member's bookings after its own slots are written, holding a
transaction advisory lock keyed on (site, member): the counts run one after the other, and each
sees the bookings committed before it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from reservation_be.auth.actor import Actor
from reservation_be.fairuse import rules
from reservation_be.fairuse.rules import QuotaExceeded
from reservation_be.fairuse.waitlist import offer_pass
from reservation_be.main import close_app, create_app
from reservation_be.reservations import booking as booking_service
from reservation_be.reservations.schemas import ReservationCreate
from reservation_db.models import WaitlistEntry
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import Range

from tests.factories import add_member, wait_for_lock_waiters
from tests.fairuse.factories import now
from tests.reservations.factories import booking, hours_from_now, make_resource
from tests.reservations.test_contention_workers import _deadlocks

CLIENTS = 16


async def _race(settings, bodies, headers):
    app = create_app(
        settings.model_copy(update={"database_pool_size": 8, "database_max_overflow": 0})
    )
    gate = asyncio.Event()
    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

            async def one(body):
                await gate.wait()
                return await client.post("/api/v1/reservations", json=body, headers=headers)

            tasks = [asyncio.create_task(one(b)) for b in bodies]
            await asyncio.sleep(0)
            gate.set()
            return await asyncio.wait_for(asyncio.gather(*tasks), timeout=120)
    finally:
        await close_app(app)


async def test_concurrent_bookings_of_one_member_never_exceed_the_concurrency_quota(
    settings, client, auth, lab, session
):
    # Distinct resources, so the exclusion constraint never decides: only the quota can.
    resources = [
        await make_resource(session, lab.site, lab.rtype, name=f"node-{i}") for i in range(CLIENTS)
    ]
    await session.commit()
    created = await client.post(
        f"/api/v1/sites/{lab.site.id}/quotas",
        json={"max_concurrent": 2},
        headers=await auth("alice"),
    )
    assert created.status_code == 201, created.text
    start, end = hours_from_now(0), hours_from_now(2)
    bodies = [booking(r, start, end, title=f"racer {i}") for i, r in enumerate(resources)]
    responses = await _race(settings, bodies, await auth("bob"))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 2, codes
    assert codes.count(409) == CLIENTS - 2, codes
    assert all(
        r.json()["type"].endswith("quota-exceeded") for r in responses if r.status_code == 409
    )
    stored = await session.execute(text("SELECT count(*) FROM reservations"))
    assert stored.scalar_one() == 2


async def test_concurrent_bookings_never_exceed_the_booked_hours_quota(
    settings, client, auth, lab, session
):
    resources = [
        await make_resource(session, lab.site, lab.rtype, name=f"box-{i}") for i in range(CLIENTS)
    ]
    await session.commit()
    created = await client.post(
        f"/api/v1/sites/{lab.site.id}/quotas",
        json={"max_booked": "PT6H", "booked_window": "day"},
        headers=await auth("alice"),
    )
    assert created.status_code == 201, created.text
    # Each wants 2 h at a different time within 17 h (so within one day): any three fit, no more.
    bodies = [
        booking(r, hours_from_now(i), hours_from_now(i + 2), title=f"racer {i}")
        for i, r in enumerate(resources)
    ]
    responses = await _race(settings, bodies, await auth("bob"))
    codes = [r.status_code for r in responses]
    booked = await session.execute(
        text("SELECT coalesce(sum(upper(period) - lower(period)), '0') FROM reservations")
    )
    total = booked.scalar_one()
    assert codes.count(201) == 3, codes
    assert codes.count(409) == CLIENTS - 3, codes
    assert total.total_seconds() == 6 * 3600, (total, codes)


async def test_a_second_booking_waits_for_the_first_to_commit_and_then_counts_it(
    app, client, auth, lab, people
):
    """Deterministic interleaving: without the lock the second count would not see the first
    (uncommitted) booking and both would pass."""
    created = await client.post(
        f"/api/v1/sites/{lab.site.id}/quotas",
        json={"max_concurrent": 1},
        headers=await auth("alice"),
    )
    assert created.status_code == 201, created.text
    bob = Actor(user_id=people["bob"], username="bob")
    start, end = hours_from_now(0), hours_from_now(2)
    sm = app.state.sessionmaker
    async with sm() as first:
        await booking_service.create(
            first, bob, ReservationCreate(**booking(lab.server1, start, end))
        )

        async def second() -> None:
            async with sm() as other:
                await booking_service.create(
                    other, bob, ReservationCreate(**booking(lab.server2, start, end))
                )
                await other.commit()

        task = asyncio.create_task(second())
        done, _ = await asyncio.wait({task}, timeout=1.0)
        assert not done, "the second booking counted while the first was still open"
        await first.commit()
    with pytest.raises(QuotaExceeded):
        await asyncio.wait_for(task, 10)


async def test_the_waitlist_pass_takes_the_members_quota_locks_before_any_booking_lock(
    app, client, auth, lab, people, session, test_realm
):
    """The pass books for several members in one transaction. Before it took their quota locks
    up front, it held the first member's resource lock while waiting for the second member's
    quota lock, which that member's own booking of the same resource held: a cycle PostgreSQL
    broke by aborting one of the two (a deadlock, a failed pass or a 409 to retry)."""
    created = await client.post(
        f"/api/v1/sites/{lab.site.id}/quotas",
        json={"max_concurrent": 5},
        headers=await auth("alice"),
    )
    assert created.status_code == 201, created.text
    waiter = await _site_member(session, lab, test_realm, "waiter")
    start, end = hours_from_now(0), hours_from_now(2)
    period = Range(start, end, bounds="[)")
    first = WaitlistEntry(
        site_id=lab.site.id, resource_id=lab.server1.id, user_id=waiter, title="first in line",
        period=period, expires_at=start, auto_book=True, created_at=now() - timedelta(minutes=2),
    )  # fmt: skip
    second = WaitlistEntry(
        site_id=lab.site.id, resource_id=lab.server2.id, user_id=people["bob"], title="second",
        period=period, expires_at=start, auto_book=True, created_at=now() - timedelta(minutes=1),
    )  # fmt: skip
    session.add_all([first, second])
    await session.commit()
    deadlocks_before = await _deadlocks(session)
    sm = app.state.sessionmaker
    bob = Actor(user_id=people["bob"], username="bob")
    async with sm() as mine:
        # Bob's own booking has taken his quota lock...
        await rules.lock_quotas(mine, site_id=lab.site.id, owner_id=people["bob"])

        async def the_pass() -> int:
            async with sm() as s, s.begin():
                return await offer_pass(s, now=now())

        task = asyncio.create_task(the_pass())
        await wait_for_lock_waiters(session, 1, seconds=10)  # ...and the pass waits for it
        assert not task.done()
        # ...when bob books the resource the first in line waits for.
        made = await booking_service.create(
            mine, bob, ReservationCreate(**booking(lab.server1, start, end, title="bob's own"))
        )
        await mine.commit()
    await asyncio.wait_for(task, 30)
    entries = {
        e.title: e.status
        for e in (
            await session.execute(select(WaitlistEntry).execution_options(populate_existing=True))
        ).scalars()
    }
    assert entries == {"first in line": "waiting", "second": "booked"}
    stored = await session.execute(
        text("SELECT count(*) FROM reservations WHERE id = :id"), {"id": made.id}
    )
    assert stored.scalar_one() == 1
    assert await _deadlocks(session) == deadlocks_before


async def _site_member(session, lab, test_realm, name: str) -> str:
    try:
        user_id = test_realm.user_id(name)
    except KeyError:
        user_id = test_realm.create_user(name)
    await add_member(session, lab.site, user_id, username=name, commit=False)
    await session.commit()
    return user_id

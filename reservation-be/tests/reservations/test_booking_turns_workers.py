"""``BOOKING_CONCURRENCY`` is the replica's budget: the worker processes of ``serve --workers
N`` share it, each taking ``ceil(budget / N)`` turns (``serve`` tells them N).

With a budget of 2 over 2 workers, bookings of a resource row held ``FOR UPDATE`` elsewhere put
at most 2 backends on the lock in total. With 2 turns in each worker they put 4 there: the
connections are checked to reach both workers (``/proc``, as ``tests/kit/test_listeners.py``
reads them), so a split that is not made fails the test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from reservation_be.kit import listeners

from tests.factories import lock_waiters_stay_at, resources_locked, wait_for_lock_waiters
from tests.reservations.factories import booking, hours_from_now
from tests.servers import connections_per_worker, serve, wait_for_workers

pytestmark = pytest.mark.skipif(
    not listeners.supported(), reason="the test reads which worker holds a connection on Linux"
)

BUDGET = 2
BOOKINGS = 24  # both workers hold at least 2 of them but with odds of about 1 in 300,000


@pytest.fixture
def server(settings) -> Iterator[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """``serve --workers 2`` with a budget of ``BUDGET`` booking turns: its pid and port."""
    with serve(
        settings,
        2,
        RESERVATION_BE_DATABASE_POOL_SIZE="4",
        RESERVATION_BE_BOOKING_CONCURRENCY=str(BUDGET),
        RESERVATION_BE_RATE_LIMIT_REQUESTS="1000000",
    ) as started:
        yield started


async def _ready(client: httpx.AsyncClient) -> None:
    for _ in range(600):
        try:
            if (await client.get("/readyz", timeout=5)).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError("the server did not get ready")


async def test_the_workers_of_a_replica_share_its_booking_turns(
    server, lab, session, db, auth
) -> None:
    pid, port = server
    bob = await auth("bob")
    reader = await auth("alice")
    bodies = [
        booking(lab.server1, hours_from_now(2 * i), hours_from_now(2 * i + 1), title=f"turn {i}")
        for i in range(BOOKINGS)
    ]
    limits = httpx.Limits(max_connections=BOOKINGS, max_keepalive_connections=BOOKINGS)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=120
    ) as client:
        await _ready(client)
        # Bob's users row is written once, before: no booking waits on another's sync.
        me = await client.get("/api/v1/users/me", headers=bob)
        assert me.status_code == 200, me.text
        async with resources_locked(db, id=lab.server1.id):
            tasks = [
                asyncio.create_task(client.post("/api/v1/reservations", json=b, headers=bob))
                for b in bodies
            ]
            await wait_for_lock_waiters(session, BUDGET, seconds=60)
            # Every booking is on a connection of its own, and both workers hold at least
            # BUDGET of them: with BUDGET turns each, 2 x BUDGET would wait on the lock.
            workers = wait_for_workers(pid, port, 2)
            for _ in range(100):
                held = connections_per_worker(workers, port)
                if sum(held.values()) >= BOOKINGS:
                    break
                await asyncio.sleep(0.1)
            assert sum(held.values()) >= BOOKINGS, held
            assert min(held.values()) >= BUDGET, held
            await lock_waiters_stay_at(session, BUDGET, seconds=10, steady=1)
            async with httpx.AsyncClient(base_url=client.base_url, timeout=10) as other:
                read = await other.get(
                    f"/api/v1/resources/{lab.server2.id}/busy",
                    params={"start": bodies[0]["start"], "end": bodies[-1]["end"]},
                    headers=reader,
                )
            assert read.status_code == 200, read.text
            assert not any(task.done() for task in tasks)
        responses = await asyncio.wait_for(asyncio.gather(*tasks), timeout=120)
    assert [r.status_code for r in responses] == [201] * BOOKINGS, [r.text for r in responses]

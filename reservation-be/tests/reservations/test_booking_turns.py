"""Bookings take turns in a process: at most ``booking_concurrency`` run at once, through the
booking lane or the route (an idempotency key), the next wait (first come, first served) at
most ``booking_wait``, and reads never wait for a turn.

Each test holds the booked resource's row ``FOR UPDATE`` from a connection of its own, so every
booking that reaches its write waits on that lock inside PostgreSQL, where the test can count
them (``pg_stat_activity``).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text

from tests.factories import (
    app_client,
    assert_no_turn,
    lock_waiters_stay_at,
    resources_locked,
    wait_for_lock_waiters,
)
from tests.reservations.factories import booking, hours_from_now


@pytest.mark.parametrize("keyed", [False, True], ids=["lane", "route (idempotency key)"])
async def test_bookings_beyond_the_concurrency_wait_their_turn_and_reads_do_not(
    settings, lab, session, db, auth, lane_calls, keyed
):
    bob = await auth("bob")
    # The reader is someone else: bob's first request writes his users row in its transaction,
    # which the bookings held at the lock keep open.
    reader = await auth("alice")
    bodies = [
        booking(lab.server1, hours_from_now(2 * i), hours_from_now(2 * i + 1), title=f"turn {i}")
        for i in range(6)
    ]
    async with app_client(settings, booking_concurrency=2) as client:
        async with resources_locked(db, id=lab.server1.id):
            tasks = [
                asyncio.create_task(
                    client.post(
                        "/api/v1/reservations",
                        json=b,
                        headers={**bob, "Idempotency-Key": str(uuid.uuid4())} if keyed else bob,
                    )
                )
                for b in bodies
            ]
            # Two reach the lock; the other four wait for a turn in the API, not in PostgreSQL.
            await lock_waiters_stay_at(session, 2, seconds=30)
            # A read does not wait behind them.
            read = await asyncio.wait_for(
                client.get(
                    f"/api/v1/resources/{lab.server2.id}/busy",
                    params={"start": bodies[0]["start"], "end": bodies[-1]["end"]},
                    headers=reader,
                ),
                timeout=10,
            )
            assert read.status_code == 200, read.text
            assert not any(task.done() for task in tasks)
        responses = await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
    assert [r.status_code for r in responses] == [201] * 6, [r.text for r in responses]
    assert len(lane_calls) == (0 if keyed else 6)  # the route booked the keyed ones


async def test_a_booking_that_gets_no_turn_in_time_is_answered_503_and_writes_nothing(
    settings, lab, session, db, auth
):
    headers = await auth("bob")
    first = booking(lab.server1, hours_from_now(1), hours_from_now(2), title="holds the turn")
    second = booking(lab.server1, hours_from_now(3), hours_from_now(4), title="gets none")
    third = booking(lab.server1, hours_from_now(5), hours_from_now(6), title="keyed")
    keyed = {**headers, "Idempotency-Key": str(uuid.uuid4())}
    async with app_client(
        settings, booking_concurrency=1, booking_wait=timedelta(milliseconds=300)
    ) as client:
        async with resources_locked(db, id=lab.server1.id):
            holder = asyncio.create_task(
                client.post("/api/v1/reservations", json=first, headers=headers)
            )
            await wait_for_lock_waiters(session, 1, seconds=30)
            refused = await client.post("/api/v1/reservations", json=second, headers=headers)
            # The same through the route: its key is not claimed, so a retry books.
            keyed_refused = await client.post("/api/v1/reservations", json=third, headers=keyed)
            # A request refused for its token never waits for a turn.
            unknown = await client.post(
                "/api/v1/reservations", json=second, headers={"Authorization": "Bearer nonsense"}
            )
        held = await asyncio.wait_for(holder, timeout=60)
        # The turn is free again: the same booking is taken now.
        again = await client.post("/api/v1/reservations", json=second, headers=headers)
        keyed_again = await client.post("/api/v1/reservations", json=third, headers=keyed)

    assert held.status_code == 201, held.text
    assert_no_turn(refused)
    assert unknown.status_code == 401, unknown.text
    assert again.status_code == 201, again.text
    assert_no_turn(keyed_refused)
    assert keyed_again.status_code == 201, keyed_again.text
    titles = await session.execute(
        text("SELECT title FROM reservations WHERE resource_id = :id ORDER BY title"),
        {"id": lab.server1.id},
    )
    assert titles.scalars().all() == ["gets none", "holds the turn", "keyed"]


async def test_the_openapi_declares_the_503_of_a_booking_without_a_turn(client) -> None:
    schema = (await client.get("/api/v1/openapi.json")).json()
    answers = schema["paths"]["/api/v1/reservations"]["post"]["responses"]
    assert answers["503"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    assert "application/problem+json" in answers["503"]["content"]

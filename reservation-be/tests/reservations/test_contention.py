"""64 concurrent clients race for one slot: exactly one wins, PostgreSQL refuses the rest."""

from __future__ import annotations

import asyncio

import httpx
from reservation_be.main import close_app, create_app
from sqlalchemy import text

from tests.reservations.factories import booking, hours_from_now, racers_headers

CLIENTS = 64


async def test_64_concurrent_clients_booking_one_slot_exactly_one_wins(
    settings, lab, session, test_realm, auth
):
    # A separate app whose pool is smaller than the crowd: requests queue for connections as
    # they would in production, and the test leaves connections for other suites.
    app = create_app(
        settings.model_copy(update={"database_pool_size": 12, "database_max_overflow": 0})
    )
    headers = await racers_headers(session, lab, test_realm, auth, CLIENTS)
    start, end = hours_from_now(0), hours_from_now(2)
    # Every client wants the same slot, some via the parent (which books its subtree).
    bodies = [
        booking(lab.rack if i % 4 == 0 else lab.server1, start, end, title=f"client {i}")
        for i in range(CLIENTS)
    ]
    gate = asyncio.Event()
    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

            async def one(i: int) -> httpx.Response:
                await gate.wait()
                return await client.post("/api/v1/reservations", json=bodies[i], headers=headers[i])

            tasks = [asyncio.create_task(one(i)) for i in range(CLIENTS)]
            await asyncio.sleep(0)
            gate.set()
            responses = await asyncio.wait_for(asyncio.gather(*tasks), timeout=120)
    finally:
        await close_app(app)

    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 1, codes
    assert codes.count(409) == CLIENTS - 1, codes
    winner = next(r for r in responses if r.status_code == 201).json()["id"]
    for r in responses:
        if r.status_code == 409:
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["conflicting_reservation"]["id"] == winner
    stored = await session.execute(text("SELECT count(*) FROM reservations"))
    assert stored.scalar_one() == 1
    overlaps = await session.execute(
        text(
            "SELECT count(*) FROM reservation_slots a JOIN reservation_slots b"
            " ON a.resource_id = b.resource_id AND a.reservation_id <> b.reservation_id"
            " AND a.period && b.period"
        )
    )
    assert overlaps.scalar_one() == 0

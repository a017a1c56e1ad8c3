"""64 concurrent clients race for the last units of a pool: the sum never exceeds its capacity."""

from __future__ import annotations

import asyncio
import random

import httpx
from reservation_be.main import close_app, create_app
from sqlalchemy import text

from tests.reservations.factories import (
    booking,
    hours_from_now,
    make_resource,
    make_type,
    racers_headers,
)

CLIENTS = 64
CAPACITY = 8


async def _race(settings, bodies, headers) -> list[httpx.Response]:
    # A pool smaller than the crowd, as in production (see test_contention.py).
    app = create_app(
        settings.model_copy(update={"database_pool_size": 12, "database_max_overflow": 0})
    )
    gate = asyncio.Event()
    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

            async def one(i: int) -> httpx.Response:
                await gate.wait()
                return await client.post("/api/v1/reservations", json=bodies[i], headers=headers[i])

            tasks = [asyncio.create_task(one(i)) for i in range(len(bodies))]
            await asyncio.sleep(0)
            gate.set()
            return await asyncio.wait_for(asyncio.gather(*tasks), timeout=180)
    finally:
        await close_app(app)


async def _pool(session, lab):
    rtype = await make_type(session, lab.site, name="gpu", capacity=CAPACITY)
    pool = await make_resource(session, lab.site, rtype, name="gpu-pool")
    await session.commit()
    return pool


async def most_held(session, pool_id) -> tuple[int, int]:
    """The most units held at one instant: by the slot rows, and by the reservations' quantity."""
    row = await session.execute(
        text(
            """
            WITH points AS (
                SELECT lower(period) AS t FROM reservation_slots WHERE resource_id = :r
                UNION SELECT lower(period) FROM reservations WHERE resource_id = :r
            )
            SELECT
              max((SELECT count(*) FROM reservation_slots s
                   WHERE s.resource_id = :r AND s.period @> p.t)),
              max((SELECT coalesce(sum(quantity), 0) FROM reservations v
                   WHERE v.resource_id = :r AND v.status IN ('pending', 'confirmed', 'active')
                     AND v.period @> p.t))
            FROM points p
            """
        ),
        {"r": pool_id},
    )
    slots, quantities = row.one()
    return int(slots), int(quantities)


async def test_64_clients_for_the_last_3_units_exactly_3_win(
    settings, lab, session, test_realm, auth, client
):
    pool = await _pool(session, lab)
    start, end = hours_from_now(0), hours_from_now(2)
    first = await client.post(
        "/api/v1/reservations",
        json=booking(pool, start, end, quantity=5),
        headers=await auth("bob"),
    )
    assert first.status_code == 201, first.text
    headers = await racers_headers(session, lab, test_realm, auth, CLIENTS)
    bodies = [booking(pool, start, end, title=f"client {i}") for i in range(CLIENTS)]
    responses = await _race(settings, bodies, headers)

    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == CAPACITY - 5, codes
    assert codes.count(409) == CLIENTS - (CAPACITY - 5), codes
    for r in responses:
        if r.status_code == 409:
            assert r.json()["type"].endswith("capacity-exceeded"), r.text
            assert r.json()["free"] == 0
    assert await most_held(session, pool.id) == (CAPACITY, CAPACITY)


async def test_64_clients_with_mixed_quantities_and_periods_never_exceed_the_capacity(
    settings, lab, session, test_realm, auth, client
):
    pool = await _pool(session, lab)
    base = hours_from_now(0)
    first = await client.post(
        "/api/v1/reservations",
        json=booking(pool, base, hours_from_now(4, base=base), quantity=4),
        headers=await auth("bob"),
    )
    assert first.status_code == 201, first.text
    headers = await racers_headers(session, lab, test_realm, auth, CLIENTS)
    rng = random.Random(21)
    spans = [(0, 2), (1, 3), (2, 4), (0, 4), (0.5, 1.5), (3, 4)]
    bodies = []
    for i in range(CLIENTS):
        lo, hi = rng.choice(spans)
        bodies.append(
            booking(pool, hours_from_now(lo, base=base), hours_from_now(hi, base=base),
                    quantity=rng.randint(1, 3), title=f"client {i}")
        )  # fmt: skip
    responses = await _race(settings, bodies, headers)

    codes = [r.status_code for r in responses]
    assert set(codes) <= {201, 409}, codes
    assert codes.count(201) >= 2, codes  # free units existed in every span
    slots, quantities = await most_held(session, pool.id)
    assert quantities <= CAPACITY, quantities
    assert slots == quantities  # each booking holds exactly its quantity at every instant
    # Every refused client was refused for want of units, and rightly: at some instant of its
    # period the winners left fewer than it asked for.
    for body, r in zip(bodies, responses, strict=True):
        if r.status_code == 409:
            assert r.json()["type"].endswith("capacity-exceeded"), r.text
            assert r.json()["free"] < body["quantity"]

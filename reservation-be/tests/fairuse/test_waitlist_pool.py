"""The waitlist on a pool (capacity > 1): an entry waits for a quantity of units and is served
once that many are free over its whole period."""

from __future__ import annotations

from datetime import UTC, datetime

from reservation_be.fairuse.waitlist import offer_pass
from reservation_db.models import Reservation

from tests.fairuse.factories import PROBLEM
from tests.reservations.factories import booking, hours_from_now, make_resource, make_type

START, END = hours_from_now(0), hours_from_now(2)


def wanted(**extra):
    return {"title": "wait", "start": START.isoformat(), "end": END.isoformat(), **extra}


async def run_pass(app):
    async with app.state.sessionmaker() as session, session.begin():
        return await offer_pass(session, now=datetime.now(UTC))


async def _pool(session, lab, capacity):
    rtype = await make_type(session, lab.site, name=f"pool-{capacity}", capacity=capacity)
    pool = await make_resource(session, lab.site, rtype, name="gpu-pool")
    await session.commit()
    return pool


async def _hold(client, headers, pool, quantity=1):
    made = await client.post(
        "/api/v1/reservations", json=booking(pool, START, END, quantity=quantity), headers=headers
    )
    assert made.status_code == 201, made.text
    return made.json()["id"]


async def _wait(client, headers, pool, **extra):
    return await client.post(
        f"/api/v1/resources/{pool.id}/waitlist", json=wanted(**extra), headers=headers
    )


async def test_a_wait_for_units_is_booked_once_enough_are_free(app, client, auth, lab, session):
    # Before: any unit held made the pool busy, and a wait named no quantity.
    pool = await _pool(session, lab, 3)
    alice, bob = await auth("alice"), await auth("bob")
    held = [await _hold(client, alice, pool) for _ in range(2)]  # 1 of 3 free
    free = await _wait(client, bob, pool)
    assert free.status_code == 409 and free.json()["type"].endswith("period-free")
    assert "1 of 3 units are free" in free.json()["detail"]
    over = await _wait(client, bob, pool, quantity=4)
    assert over.status_code == 422 and over.headers["content-type"] == PROBLEM
    assert over.json()["type"].endswith("quantity-over-capacity")
    assert over.json()["errors"][0]["loc"] == ["body", "quantity"]
    entry = await _wait(client, bob, pool, quantity=2, auto_book=True)
    assert entry.status_code == 201, entry.text
    assert (entry.json()["quantity"], entry.json()["position"]) == (2, 1)

    assert await run_pass(app) == 0  # one unit free, two wanted
    cancelled = await client.post(f"/api/v1/reservations/{held[0]}/cancel", headers=alice)
    assert cancelled.status_code == 200, cancelled.text
    assert await run_pass(app) == 1
    listed = (await client.get("/api/v1/me/waitlist", headers=bob)).json()
    assert listed[0]["status"] == "booked"
    made = await session.get(Reservation, listed[0]["reservation_id"])
    assert made is not None and made.quantity == 2 and made.status == "confirmed"


async def test_freed_units_are_offered_to_as_many_in_line_as_they_cover(
    app, client, auth, lab, session
):
    pool = await _pool(session, lab, 3)
    alice, bob = await auth("alice"), await auth("bob")
    held = [await _hold(client, alice, pool) for _ in range(3)]  # full
    first = await _wait(client, bob, pool)  # one unit, offered (not booked)
    second = await _wait(client, alice, pool, quantity=2)
    assert first.status_code == second.status_code == 201
    for reservation_id in held[:2]:
        await client.post(f"/api/v1/reservations/{reservation_id}/cancel", headers=alice)
    # Two units free: one is offered to bob; the one left does not cover alice's two.
    assert await run_pass(app) == 1
    states = {
        e["id"]: e["status"] for e in (await client.get("/api/v1/me/waitlist", headers=bob)).json()
    }
    assert states[first.json()["id"]] == "offered"
    mine = (await client.get("/api/v1/me/waitlist", headers=alice)).json()
    assert [(e["status"], e["quantity"]) for e in mine] == [("waiting", 2)]
    # The third unit frees: bob's offered unit stays his, the other two are alice's.
    await client.post(f"/api/v1/reservations/{held[2]}/cancel", headers=alice)
    assert await run_pass(app) == 1
    mine = (await client.get("/api/v1/me/waitlist", headers=alice)).json()
    assert mine[0]["status"] == "offered"

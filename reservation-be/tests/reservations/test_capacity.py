"""Capacity > 1: bookings take a quantity of a resource's units, the sum never exceeds it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reservation_db.models import ReservationSlot
from sqlalchemy import func, select, text

from tests.reservations.factories import booking, hours_from_now, make_resource, make_type

PROBLEM = "application/problem+json"


async def _pool(session, lab, capacity: int, *, parent=None, name: str = "gpu-pool"):
    rtype = await make_type(session, lab.site, name=f"pool-{capacity}-{name}", capacity=capacity)
    resource = await make_resource(session, lab.site, rtype, name=name, parent=parent)
    await session.commit()
    return resource


async def _book(client, headers, resource, start_h, end_h, quantity=1, **extra):
    return await client.post(
        "/api/v1/reservations",
        json=booking(resource, hours_from_now(start_h), hours_from_now(end_h), quantity=quantity,
                     **extra),
        headers=headers,
    )  # fmt: skip


async def max_units_held(session, resource_id) -> int:
    """The most units of the resource held at one instant, summed over reservations' quantity
    as their slots show them (each slot row is one unit over a piece of a period)."""
    row = await session.execute(
        text(
            """
            WITH points AS (SELECT lower(period) AS t FROM reservation_slots
                            WHERE resource_id = :r)
            SELECT coalesce(max(n), 0) FROM (
                SELECT (SELECT count(*) FROM reservation_slots s
                        WHERE s.resource_id = :r AND s.period @> p.t) AS n
                FROM points p) x
            """
        ),
        {"r": resource_id},
    )
    return int(row.scalar_one())


async def test_overlapping_bookings_share_a_pool_until_its_capacity(client, auth, lab, session):
    pool = await _pool(session, lab, 3)
    bob = await auth("bob")
    for i in range(3):
        created = await _book(client, bob, pool, 0, 2, title=f"seat {i}")
        assert created.status_code == 201, created.text
        assert created.json()["quantity"] == 1
    full = await _book(client, bob, pool, 1, 3)
    assert full.status_code == 409, full.text
    assert full.headers["content-type"] == PROBLEM
    problem = full.json()
    assert problem["type"].endswith("capacity-exceeded")
    assert (problem["capacity"], problem["quantity"], problem["free"]) == (3, 1, 0)
    assert problem["free_start"] == hours_from_now(1).isoformat().replace("+00:00", "Z")
    # After the others end there is room again.
    assert (await _book(client, bob, pool, 2, 4)).status_code == 201
    assert await max_units_held(session, pool.id) == 3


async def test_a_quantity_takes_that_many_units_at_every_instant(client, auth, lab, session):
    pool = await _pool(session, lab, 4)
    bob = await auth("bob")
    assert (await _book(client, bob, pool, 0, 4, quantity=3)).status_code == 201
    two = await _book(client, bob, pool, 1, 2, quantity=2)
    assert two.status_code == 409
    assert two.json()["free"] == 1
    assert (await _book(client, bob, pool, 1, 2, quantity=1)).status_code == 201
    assert await max_units_held(session, pool.id) == 4


async def test_free_units_are_found_even_when_no_single_unit_is_free_throughout(
    client, auth, lab, session
):
    # Capacity 2: A holds 0-1 h, B 1-2 h; C (0-2 h) fits, the sum is 2 at every instant, though
    # neither unit is free over all of C's period: C holds a unit per piece.
    pool = await _pool(session, lab, 2)
    bob = await auth("bob")
    assert (await _book(client, bob, pool, 0, 1)).status_code == 201
    assert (await _book(client, bob, pool, 1, 2)).status_code == 201
    across = await _book(client, bob, pool, 0, 2)
    assert across.status_code == 201, across.text
    assert (await _book(client, bob, pool, 0.5, 1.5)).status_code == 409
    assert await max_units_held(session, pool.id) == 2
    # C's slot rows: one unit per piece, merged where the unit stays the same.
    rows = await session.execute(
        select(func.count()).select_from(ReservationSlot).where(
            ReservationSlot.reservation_id == across.json()["id"])
    )  # fmt: skip
    assert rows.scalar_one() >= 1


async def test_a_quantity_over_the_capacity_is_a_422_naming_the_field(client, auth, lab, session):
    pool = await _pool(session, lab, 2)
    response = await _book(client, await auth("bob"), pool, 0, 1, quantity=3)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith("quantity-over-capacity")
    assert response.json()["errors"][0]["loc"] == ["body", "quantity"]
    zero = await _book(client, await auth("bob"), pool, 0, 1, quantity=0)
    assert zero.status_code == 422
    assert zero.json()["errors"][0]["loc"] == ["body", "quantity"]


async def test_a_booking_of_the_parent_holds_every_unit_of_a_pooled_child(
    client, auth, lab, session
):
    room = await _pool(session, lab, 4, parent=lab.rack, name="room")
    bob, alice = await auth("bob"), await auth("alice")
    seat = await _book(client, bob, room, 0, 2)
    assert seat.status_code == 201
    parent = await client.post(
        "/api/v1/reservations", json=booking(lab.rack, hours_from_now(1), hours_from_now(3)),
        headers=alice,
    )  # fmt: skip
    assert parent.status_code == 409, parent.text
    assert parent.json()["type"].endswith("booking-conflict")
    later = await client.post(
        "/api/v1/reservations", json=booking(lab.rack, hours_from_now(4), hours_from_now(6)),
        headers=alice,
    )  # fmt: skip
    assert later.status_code == 201
    during = await _book(client, bob, room, 5, 5.5)
    assert during.status_code == 409, during.text
    assert during.json()["type"].endswith("booking-conflict")
    # Booking every unit of the pool is booking the whole resource.
    whole = await _book(client, bob, room, 7, 8, quantity=4)
    assert whole.status_code == 201
    assert (await _book(client, bob, room, 7.5, 8.5)).status_code == 409


async def test_changing_the_quantity_reholds_the_units(client, auth, lab, session):
    pool = await _pool(session, lab, 3)
    bob = await auth("bob")
    first = (await _book(client, bob, pool, 0, 2)).json()
    assert (await _book(client, bob, pool, 0, 2)).status_code == 201
    url = f"/api/v1/reservations/{first['id']}"
    grow = await client.patch(url, json={"quantity": 2}, headers={**bob, "If-Match": '"1"'})
    assert grow.status_code == 200, grow.text
    assert grow.json()["quantity"] == 2
    too_much = await client.patch(url, json={"quantity": 3}, headers={**bob, "If-Match": '"2"'})
    assert too_much.status_code == 409, too_much.text
    assert too_much.json()["type"].endswith("capacity-exceeded")
    held = await session.execute(
        select(func.count()).select_from(ReservationSlot).where(
            ReservationSlot.reservation_id == first["id"])
    )  # fmt: skip
    assert held.scalar_one() == 2  # the refused change kept the two units


async def test_the_capacity_cannot_change_while_the_resource_is_booked(client, auth, lab, session):
    pool = await _pool(session, lab, 2)
    alice = await auth("alice")
    booked = (await _book(client, alice, pool, 0, 1)).json()
    url = f"/api/v1/resources/{pool.id}"
    refused = await client.patch(url, json={"capacity": 5}, headers=alice)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("capacity-in-use")
    type_refused = await client.patch(
        f"/api/v1/resource-types/{pool.type_id}", json={"capacity": 1}, headers=alice
    )
    assert type_refused.status_code == 409, type_refused.text
    await client.post(f"/api/v1/reservations/{booked['id']}/cancel", headers=alice)
    changed = await client.patch(url, json={"capacity": 5}, headers=alice)
    assert changed.status_code == 200, changed.text
    assert changed.json()["capacity"] == 5
    assert (await _book(client, alice, pool, 0, 1, quantity=5)).status_code == 201


async def test_a_maintenance_window_holds_every_unit(client, auth, lab, session):
    pool = await _pool(session, lab, 3)
    alice = await auth("alice")
    blackout = await client.post(
        f"/api/v1/sites/{lab.site.id}/blackouts",
        json={"resource_id": str(pool.id), "scope": "resource", "reason": "cleaning",
              "start": hours_from_now(0).isoformat(), "end": hours_from_now(2).isoformat()},
        headers=alice,
    )  # fmt: skip
    assert blackout.status_code == 201, blackout.text
    refused = await _book(client, alice, pool, 1, 3)
    assert refused.status_code == 409
    assert refused.json()["type"].endswith(("blackout", "capacity-exceeded"))


async def test_a_new_child_under_a_pooled_parent_inherits_its_pieces(client, auth, lab, session):
    pool = await _pool(session, lab, 2, name="bench")
    bob, alice = await auth("bob"), await auth("alice")
    first = (await _book(client, bob, pool, 0, 1)).json()
    second = (await _book(client, bob, pool, 1, 2)).json()
    pieces = await _book(client, bob, pool, 0, 2)  # held in pieces around the two others
    assert pieces.status_code == 201
    child_body = {"type_id": str(lab.rtype.id), "parent_id": str(pool.id), "name": "drawer"}
    # Every booking of the pool holds all of its children: three overlapping ones cannot.
    crowded = await client.post(
        f"/api/v1/sites/{lab.site.id}/resources", json=child_body, headers=alice
    )
    assert crowded.status_code == 409, crowded.text
    assert crowded.json()["type"].endswith("placement-conflict")
    for other in (first, second):
        await client.post(f"/api/v1/reservations/{other['id']}/cancel", headers=bob)
    child = await client.post(
        f"/api/v1/sites/{lab.site.id}/resources", json=child_body, headers=alice
    )
    assert child.status_code == 201, child.text  # one hold over the union of the pieces
    child_id = child.json()["id"]
    on_child = await client.post(
        "/api/v1/reservations",
        json=booking(None, hours_from_now(0.5), hours_from_now(0.75)) | {"resource_id": child_id},
        headers=bob,
    )
    assert on_child.status_code == 409, on_child.text
    assert on_child.json()["conflicting_reservation"]["id"] == pieces.json()["id"]
    later = await client.post(
        "/api/v1/reservations",
        json=booking(None, hours_from_now(3), hours_from_now(4)) | {"resource_id": child_id},
        headers=bob,
    )
    assert later.status_code == 201, later.text


async def test_releasing_a_pooled_booking_early_frees_its_later_pieces(client, auth, lab, session):
    pool = await _pool(session, lab, 3)
    bob = await auth("bob")
    # A takes two units from 1 h to 2 h, so C (0-5 h, one unit) holds unit 0, then unit 2 from
    # 1 h to 2 h, then unit 0 again: pieces that start after C's start.
    assert (await _book(client, bob, pool, 1, 2, quantity=2)).status_code == 201
    created = (await _book(client, bob, pool, 0, 5)).json()
    pieces = await session.execute(
        select(func.count()).select_from(ReservationSlot).where(
            ReservationSlot.reservation_id == created["id"])
    )  # fmt: skip
    assert pieces.scalar_one() == 3
    # Running for half an hour: every stored time moves back by the same amount.
    shift = hours_from_now(0) - (datetime.now(UTC) - timedelta(minutes=30))
    for sql in (
        "UPDATE reservations SET period = tstzrange(lower(period) - CAST(:d AS interval),"
        " upper(period) - CAST(:d AS interval))",
        "UPDATE reservation_slots SET period = tstzrange(lower(period) - CAST(:d AS interval),"
        " upper(period) - CAST(:d AS interval))",
    ):
        await session.execute(text(sql), {"d": shift})
    await session.execute(
        text("UPDATE reservations SET status = 'active' WHERE id = :id"), {"id": created["id"]}
    )
    await session.commit()
    released = await client.post(f"/api/v1/reservations/{created['id']}/release", headers=bob)
    assert released.status_code == 200, released.text
    later = await session.execute(
        select(func.count()).select_from(ReservationSlot).where(
            ReservationSlot.reservation_id == created["id"],
            func.upper(ReservationSlot.period) > datetime.now(UTC) + timedelta(minutes=1))
    )  # fmt: skip
    assert later.scalar_one() == 0


async def test_free_units_show_what_a_booking_could_still_take(client, auth, lab, session):
    pool = await _pool(session, lab, 3, parent=lab.rack)
    bob = await auth("bob")
    assert (await _book(client, bob, pool, 1, 3, quantity=2)).status_code == 201
    assert (await _book(client, bob, pool, 2, 4)).status_code == 201
    response = await client.get(
        f"/api/v1/resources/{pool.id}/free-units",
        params={"start": hours_from_now(0).isoformat(), "end": hours_from_now(5).isoformat()},
        headers=bob,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["capacity"] == 3
    z = lambda h: hours_from_now(h).isoformat().replace("+00:00", "Z")  # noqa: E731
    assert [(s["start"], s["end"], s["free"]) for s in body["spans"]] == [
        (z(0), z(1), 3), (z(1), z(2), 1), (z(2), z(3), 0), (z(3), z(4), 2), (z(4), z(5), 3),
    ]  # fmt: skip
    # The parent's whole subtree cannot be booked while a unit below it is held.
    rack = await client.get(
        f"/api/v1/resources/{lab.rack.id}/free-units",
        params={"start": hours_from_now(0).isoformat(), "end": hours_from_now(5).isoformat()},
        headers=bob,
    )
    assert [(s["free"]) for s in rack.json()["spans"]] == [1, 0, 1]
    backwards = await client.get(
        f"/api/v1/resources/{pool.id}/free-units",
        params={"start": hours_from_now(5).isoformat(), "end": hours_from_now(0).isoformat()},
        headers=bob,
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["loc"] == ["query", "end"]


async def test_busy_says_how_many_units_each_hold_takes_so_free_units_follow(
    client, auth, lab, session
):
    # Before: the busy answer of a pool listed its holds without their units or the capacity,
    # so a partly held pool read as fully busy.
    pool = await _pool(session, lab, 3, parent=lab.rack)
    bob, alice = await auth("bob"), await auth("alice")
    assert (await _book(client, bob, pool, 1, 3, quantity=2)).status_code == 201
    assert (await _book(client, bob, pool, 2, 4)).status_code == 201
    window = {"start": hours_from_now(0).isoformat(), "end": hours_from_now(6).isoformat()}
    busy = await client.get(f"/api/v1/resources/{pool.id}/busy", params=window, headers=bob)
    assert busy.status_code == 200, busy.text
    holds = busy.json()
    assert {h["capacity"] for h in holds} == {3}

    def free_at(hour: float) -> int:
        at = hours_from_now(hour)
        return 3 - sum(
            h["units"]
            for h in holds
            if datetime.fromisoformat(h["start"]) <= at < datetime.fromisoformat(h["end"])
        )

    free_units = await client.get(
        f"/api/v1/resources/{pool.id}/free-units", params=window, headers=bob
    )
    for span in free_units.json()["spans"]:
        middle = (
            datetime.fromisoformat(span["start"])
            + (datetime.fromisoformat(span["end"]) - datetime.fromisoformat(span["start"])) / 2
        )
        hour = (middle - hours_from_now(0)).total_seconds() / 3600
        assert free_at(hour) == span["free"], span
    assert [free_at(h) for h in (0.5, 1.5, 2.5, 3.5, 4.5)] == [3, 1, 0, 2, 3]
    # A hold of the parent takes the whole pool.
    above = await _book(client, alice, lab.rack, 4, 5)
    assert above.status_code == 201, above.text
    busy = await client.get(f"/api/v1/resources/{pool.id}/busy", params=window, headers=bob)
    whole = [h for h in busy.json() if h["reservation_id"] == above.json()["id"]]
    assert [(h["units"], h["capacity"]) for h in whole] == [(3, 3)]
    rack = await client.get(f"/api/v1/resources/{lab.rack.id}/busy", params=window, headers=bob)
    assert {(h["units"], h["capacity"]) for h in rack.json()} == {(1, 1)}


async def test_site_statistics_count_a_pooled_resource_by_the_share_of_its_units(
    client, auth, lab, session
):
    pool = await _pool(session, lab, 4)
    alice = await auth("alice")
    assert (await _book(client, alice, pool, 0, 2, quantity=2)).status_code == 201
    stats = await client.get(
        f"/api/v1/sites/{lab.site.id}/stats",
        params={"start": hours_from_now(-1).isoformat(), "end": hours_from_now(5).isoformat(),
                "tz": "UTC"},
        headers=alice,
    )  # fmt: skip
    assert stats.status_code == 200, stats.text
    per_resource = {r["name"]: r for r in stats.json()["per_resource"]}
    assert per_resource["gpu-pool"]["booked_seconds"] == 3600  # half of it for two hours

"""Find on pools (capacity > 1): a pool is a candidate while ``quantity`` of its units are free
over the whole period, not only while none is held."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from reservation_be.main import close_app, create_app
from reservation_db.models import Reservation
from sqlalchemy import select, text

from tests.reservations.factories import booking, make_resource, make_type, racers_headers

PROBLEM = "application/problem+json"
URL = "/api/v1/reservations/find"


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def tomorrow() -> datetime:
    return (datetime.now(UTC) + timedelta(days=1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )


async def _book(client, headers, resource, start, end, quantity):
    return await client.post(
        "/api/v1/reservations",
        json=booking(resource, start, end, quantity=quantity),
        headers=headers,
    )


def _find(site, rtype, t0, **extra):
    return {
        "site": str(site.id),
        "type_id": str(rtype.id),
        "count": 1,
        "duration": "PT1H",
        "earliest_start": t0.isoformat(),
        "latest_end": (t0 + timedelta(days=1)).isoformat(),
        **extra,
    }


async def test_a_partly_held_pool_is_found_while_enough_units_are_free(client, auth, lab, session):
    # Before: any unit held made the pool busy, so a quantity of 1 was proposed only at 11:00.
    rtype = await make_type(session, lab.site, name="gpu-pool", capacity=4)
    pool = await make_resource(session, lab.site, rtype, name="pool-a")
    await session.commit()
    t0 = tomorrow() + timedelta(hours=8)
    alice = await auth("alice")
    # 08:00-10:00 two units, 09:00-11:00 one more: 2 free until 09:00, then 1, then 3.
    for start_h, end_h, quantity in ((0, 2, 2), (1, 3, 1)):
        made = await _book(
            client, alice, pool, t0 + timedelta(hours=start_h), t0 + timedelta(hours=end_h),
            quantity,
        )  # fmt: skip
        assert made.status_code == 201, made.text
    expected = {1: t0, 2: t0, 3: t0 + timedelta(hours=2), 4: t0 + timedelta(hours=3)}
    for quantity, start in expected.items():
        found = await client.post(
            URL, json=_find(lab.site, rtype, t0, quantity=quantity), headers=alice
        )
        assert found.status_code == 200, found.text
        assert parse(found.json()["start"]) == start, quantity
        assert [c["name"] for c in found.json()["resources"]] == ["pool-a"]
    # Two hours of 2 units do not fit before 10:00 (09:00-10:00 has 1 free).
    found = await client.post(
        URL, json=_find(lab.site, rtype, t0, quantity=2, duration="PT2H"), headers=alice
    )
    assert parse(found.json()["start"]) == t0 + timedelta(hours=2)


async def test_find_and_book_takes_the_quantity_on_each_pool(client, auth, lab, session):
    rtype = await make_type(session, lab.site, name="bench", capacity=3)
    pools = [await make_resource(session, lab.site, rtype, name=f"bench-{i}") for i in range(3)]
    small = await make_resource(session, lab.site, rtype, name="bench-small", capacity=1)
    await session.commit()
    t0 = tomorrow() + timedelta(hours=8)
    alice = await auth("alice")
    made = await _book(client, alice, pools[0], t0, t0 + timedelta(hours=4), 2)
    assert made.status_code == 201, made.text
    booked = await client.post(
        URL,
        json=_find(lab.site, rtype, t0, count=3, quantity=2, book=True, title="lab day"),
        headers=alice,
    )
    assert booked.status_code == 201, booked.text
    body = booked.json()
    # bench-0 has one unit free until 12:00; bench-small lends one unit only: never a candidate.
    assert parse(body["start"]) == t0 + timedelta(hours=4)
    assert {c["name"] for c in body["resources"]} == {"bench-0", "bench-1", "bench-2"}
    assert small.name not in {c["name"] for c in body["alternatives"]}
    members = [r["id"] for r in body["group"]["reservations"]]
    quantities = (
        (await session.execute(select(Reservation.quantity).where(Reservation.id.in_(members))))
        .scalars()
        .all()
    )
    assert sorted(quantities) == [2, 2, 2]


async def test_a_quantity_no_matching_resource_lends_is_a_422_naming_it(client, auth, lab, session):
    rtype = await make_type(session, lab.site, name="room", capacity=4)
    await make_resource(session, lab.site, rtype, name="room-a")
    await make_resource(session, lab.site, rtype, name="room-b", capacity=2)
    await session.commit()
    t0 = tomorrow() + timedelta(hours=8)
    bob = await auth("bob")
    over = await client.post(URL, json=_find(lab.site, rtype, t0, quantity=5), headers=bob)
    assert over.status_code == 422, over.text
    assert over.headers["content-type"] == PROBLEM
    assert over.json()["type"].endswith("quantity-over-capacity")
    assert over.json()["errors"][0]["loc"] == ["body", "quantity"]
    assert "at most 4" in over.json()["errors"][0]["msg"]
    # Two rooms match, one of them lends 3 units: count 2 of 3 units is more than there are.
    few = await client.post(URL, json=_find(lab.site, rtype, t0, count=2, quantity=3), headers=bob)
    assert few.status_code == 422, few.text
    assert few.json()["errors"][0]["loc"] == ["body", "count"]
    zero = await client.post(URL, json=_find(lab.site, rtype, t0, quantity=0), headers=bob)
    assert zero.status_code == 422 and zero.json()["errors"][0]["loc"] == ["body", "quantity"]


async def test_find_on_pools_matches_brute_force_over_random_bookings(client, auth, lab, session):
    """Pools of 2 to 5 units and a plain resource, booked at random through the API (so the
    units are those a booking really takes); every answer equals a brute-force search over
    the booked quantities."""
    rng = random.Random(21)
    rtype = await make_type(session, lab.site, name="pool", capacity=4)
    capacities: dict[uuid.UUID, int] = {}
    for i, capacity in enumerate((2, 3, 4, 5, 1)):
        resource = await make_resource(session, lab.site, rtype, name=f"p{i}", capacity=capacity)
        capacities[resource.id] = capacity
    await session.commit()
    t0 = tomorrow()
    alice = await auth("alice")
    held: dict[uuid.UUID, list[tuple[datetime, datetime, int]]] = {r: [] for r in capacities}
    for resource_id, capacity in capacities.items():
        resource = type("R", (), {"id": resource_id})()
        for _ in range(10):
            start = t0 + timedelta(minutes=30 * rng.randrange(0, 40))
            end = start + timedelta(minutes=30 * rng.randrange(1, 8))
            quantity = rng.randint(1, capacity)
            made = await _book(client, alice, resource, start, end, quantity)
            assert made.status_code in (201, 409), made.text
            if made.status_code == 201:
                held[resource_id].append((start, end, quantity))

    def oracle(count: int, quantity: int, duration: timedelta) -> tuple[datetime, set[uuid.UUID]]:
        starts = {t0} | {end for spans in held.values() for _, end, _ in spans if end >= t0}
        for s in sorted(starts):
            free = set()
            for rid, capacity in capacities.items():
                if capacity < quantity:
                    continue
                points = {s} | {a for a, _, _ in held[rid] if s < a < s + duration}
                if all(
                    sum(q for a, b, q in held[rid] if a <= p < b) <= capacity - quantity
                    for p in points
                ):
                    free.add(rid)
            if len(free) >= count:
                return s, free
        raise AssertionError("the oracle found nothing in the window")

    checked = 0
    for count, quantity, hours in (
        (1, 1, 1),
        (2, 1, 3),
        (3, 2, 2),
        (1, 4, 1),
        (4, 1, 2),
        (2, 3, 1),
    ):
        duration = timedelta(hours=hours)
        found = await client.post(
            URL,
            json=_find(lab.site, rtype, t0, count=count, quantity=quantity,
                       duration=f"PT{hours}H", alternatives=10,
                       latest_end=(t0 + timedelta(days=2)).isoformat()),
            headers=alice,
        )  # fmt: skip
        assert found.status_code == 200, found.text
        body = found.json()
        start, free = oracle(count, quantity, duration)
        assert parse(body["start"]) == start, (count, quantity, hours)
        proposed = {uuid.UUID(c["id"]) for c in body["resources"] + body["alternatives"]}
        assert proposed == free, (count, quantity, hours)
        checked += start > t0
    assert checked >= 2  # the calendar is busy enough that some answers are not its start


async def test_concurrent_find_and_book_never_takes_more_units_than_a_pool_lends(
    settings, lab, session, test_realm, auth
):
    """16 clients find and book 2 units of a pool at once on two pools of 4 (one with a unit
    held): the constraint still decides, so exactly 3 win and no instant holds more than 4."""
    rtype = await make_type(session, lab.site, name="racing-pool", capacity=4)
    pools = [await make_resource(session, lab.site, rtype, name=f"rp{i}") for i in range(2)]
    await session.commit()
    headers = await racers_headers(session, lab, test_realm, auth, 16)
    t0 = tomorrow() + timedelta(hours=8)
    app = create_app(
        settings.model_copy(update={"database_pool_size": 12, "database_max_overflow": 0})
    )
    gate = asyncio.Event()
    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            held = await client.post(
                "/api/v1/reservations",
                json=booking(pools[1], t0, t0 + timedelta(hours=2), quantity=1),
                headers=headers[0],
            )
            assert held.status_code == 201, held.text
            body = {
                "site": lab.site.slug, "type_id": str(rtype.id), "count": 1, "quantity": 2,
                "start": t0.isoformat(), "end": (t0 + timedelta(hours=2)).isoformat(),
                "book": True, "title": "race",
            }  # fmt: skip

            async def one(i: int) -> httpx.Response:
                await gate.wait()
                return await client.post(URL, json=body, headers=headers[i])

            tasks = [asyncio.create_task(one(i)) for i in range(16)]
            await asyncio.sleep(0)
            gate.set()
            responses = await asyncio.wait_for(asyncio.gather(*tasks), timeout=180)
    finally:
        await close_app(app)
    codes = sorted(r.status_code for r in responses)
    # rp0 lends 2 + 2, rp1 has 3 free: one more pair there.
    assert codes.count(201) == 3, codes
    assert codes.count(409) == 13, codes
    assert all(
        r.json()["type"].endswith("no-free-resources") for r in responses if r.status_code == 409
    )
    for pool in pools:
        most = await session.execute(
            text(
                "SELECT coalesce(max(n), 0) FROM (SELECT (SELECT count(*) FROM reservation_slots"
                " s WHERE s.resource_id = :r AND s.period @> lower(p.period)) AS n"
                " FROM reservation_slots p WHERE p.resource_id = :r) x"
            ),
            {"r": pool.id},
        )
        assert most.scalar_one() <= 4

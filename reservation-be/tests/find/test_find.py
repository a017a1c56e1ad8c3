"""Find N free resources (SQL over the slot index) and book them as one group."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from reservation_be.main import close_app, create_app
from reservation_db.models import OutboxMessage
from sqlalchemy import func, select, text

from tests.find.fleet import make_fleet, oracle
from tests.reservations.factories import booking, make_resource, make_type, racers_headers

PROBLEM = "application/problem+json"
URL = "/api/v1/reservations/find"


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def tomorrow() -> datetime:
    return (datetime.now(UTC) + timedelta(days=1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )


async def test_find_over_1000_resources_with_a_fragmented_calendar_matches_brute_force(
    client, auth, lab, session, people
):
    t0 = tomorrow()
    fleet = await make_fleet(session, lab.site, people["bob"], nodes=1000, start=t0, days=3)
    headers = await auth("bob")
    cases = [
        # count, duration, attribute filter (API), the same filter (oracle)
        (30, timedelta(hours=4), {"gpu": "a100"}, lambda a: a["gpu"] == "a100"),
        (
            5,
            timedelta(hours=9),
            {"gpu": "a100", "memory_gb": {"gte": 128}},
            lambda a: a["gpu"] == "a100" and a["memory_gb"] >= 128,
        ),
        (400, timedelta(hours=2), {}, lambda a: True),
    ]
    for count, duration, filters, match in cases:
        response = await client.post(
            URL,
            json={
                "site": lab.site.slug,
                "type_id": str(fleet.type_id),
                "count": count,
                "attributes": filters,
                "duration": int(duration.total_seconds()),
                "earliest_start": t0.isoformat(),
                "latest_end": (t0 + timedelta(days=3)).isoformat(),
                "alternatives": 100,
            },
            headers=headers,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        expected = oracle(
            fleet,
            count=count,
            earliest=t0,
            latest_end=t0 + timedelta(days=3),
            duration=duration,
            match=match,
        )
        assert expected is not None
        assert body["found"] is True
        assert parse(body["start"]) == expected[0], (count, filters)
        assert parse(body["end"]) == expected[0] + duration
        proposed = [c["id"] for c in body["resources"] + body["alternatives"]]
        assert len(body["resources"]) == count
        assert {str(i) for i in expected[1]} >= set(proposed)
        assert len(proposed) == min(len(expected[1]), count + 100)
        for candidate in body["resources"]:
            assert match(candidate["attributes"])


async def test_lead_time_teardown_and_subtrees_count_as_busy(client, auth, lab, session):
    rtype = await make_type(
        session,
        lab.site,
        name="gpu-host",
        lead_time=timedelta(minutes=30),
        teardown_grace=timedelta(hours=1),
    )
    a = await make_resource(session, lab.site, rtype, name="host-a")
    b = await make_resource(session, lab.site, rtype, name="host-b")
    child = await make_resource(session, lab.site, lab.rtype, name="gpu-of-b", parent=b)
    await session.commit()
    t0 = tomorrow() + timedelta(hours=8)
    headers = await auth("alice")
    # host-a is busy 08:00-10:00 (held until 11:00 with its grace);
    # host-b's child is busy 08:00-12:00 (a booking of b would hold the child).
    assert (
        await client.post(
            "/api/v1/reservations", headers=headers, json=booking(a, t0, t0 + timedelta(hours=2))
        )
    ).status_code == 201
    assert (
        await client.post(
            "/api/v1/reservations",
            headers=headers,
            json=booking(child, t0, t0 + timedelta(hours=4)),
        )
    ).status_code == 201
    response = await client.post(
        URL,
        json={
            "site": str(lab.site.id),
            "type_id": str(rtype.id),
            "count": 2,
            "duration": "PT1H",
            "earliest_start": t0.isoformat(),
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    # host-a: lead 30 min after its held end 11:00 -> 11:30; host-b: after 12:00 + 30 min.
    assert parse(body["start"]) == t0 + timedelta(hours=4, minutes=30)
    assert [c["name"] for c in body["resources"]] == ["host-a", "host-b"]


async def test_no_period_in_the_window_is_found_false(client, auth, lab):
    t0 = tomorrow() + timedelta(hours=8)
    headers = await auth("bob")
    await client.post(
        "/api/v1/reservations",
        headers=headers,
        json=booking(lab.server1, t0, t0 + timedelta(hours=4)),
    )
    response = await client.post(
        URL,
        json={
            "site": lab.site.slug,
            "type_id": str(lab.rtype.id),
            "count": 1,
            "start": (t0 + timedelta(hours=1)).isoformat(),
            "end": (t0 + timedelta(hours=2)).isoformat(),
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    # rack is a parent of server1 and server2: the rack is busy, server2 is free.
    assert [c["name"] for c in response.json()["resources"]] == ["server-2"]


@pytest.mark.parametrize(
    ("patch", "loc"),
    [
        ({"attributes": {"colour": "red"}}, ["body", "attributes", "colour"]),
        ({"count": 4}, ["body", "count"]),
        ({"count": 0}, ["body", "count"]),
        ({"attributes": {"memory_gb": {}}}, ["body", "attributes", "memory_gb"]),
        ({"start": "2030-01-01T00:00:00Z"}, ["body"]),
        ({"duration": None, "earliest_start": None}, ["body"]),
        ({"book": True}, ["body"]),
        ({"duration": "P400D"}, ["body", "end"]),
    ],
)
async def test_bad_find_requests_are_422_naming_the_part(client, auth, lab, session, patch, loc):
    await session.execute(
        text("UPDATE resources SET attributes = '{\"memory_gb\": 64}' WHERE site_id = :s"),
        {"s": lab.site.id},
    )
    await session.commit()
    body = {
        "site": lab.site.slug,
        "type_id": str(lab.rtype.id),
        "count": 1,
        "duration": "PT1H",
        "earliest_start": tomorrow().isoformat(),
    }
    body.update(patch)
    body = {k: v for k, v in body.items() if v is not None}
    response = await client.post(URL, json=body, headers=await auth("bob"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    locs = [e["loc"][: len(loc)] for e in response.json()["errors"]]
    assert loc in locs, response.json()


async def test_find_in_another_private_site_is_404_and_a_foreign_type_422(client, auth, lab):
    t0 = tomorrow()
    body = {
        "site": lab.site.slug,
        "type_id": str(lab.rtype.id),
        "count": 1,
        "duration": "PT1H",
        "earliest_start": t0.isoformat(),
    }
    carol = await client.post(
        URL, json={**body, "site": lab.other_site.slug}, headers=await auth("carol")
    )
    assert carol.status_code == 422  # her site, but the type is not of it
    assert carol.json()["errors"][0]["loc"] == ["body", "type_id"]


async def _group(client, headers, lab, start, count=2, **extra):
    return await client.post(
        URL,
        json={
            "site": lab.site.slug,
            "type_id": str(lab.rtype.id),
            "count": count,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "book": True,
            "title": "lease",
            **extra,
        },
        headers=headers,
    )


async def test_book_a_group_then_extend_and_cancel_it_as_a_whole(client, auth, lab, session):
    headers = await auth("bob")
    t0 = tomorrow() + timedelta(hours=8)
    response = await _group(client, headers, lab, t0)
    assert response.status_code == 201, response.text
    body = response.json()
    group = body["group"]
    assert {r["resource_id"] for r in group["reservations"]} == {
        str(lab.server1.id),
        str(lab.server2.id),
    }
    assert {r["group_id"] for r in group["reservations"]} == {group["id"]}
    assert response.headers["Location"] == f"/api/v1/reservation-groups/{group['id']}"
    created = (
        await session.execute(
            select(func.count()).where(OutboxMessage.type == "reservation.created")
        )
    ).scalar_one()
    assert created == 2  # one set of events per resource
    url = f"/api/v1/reservation-groups/{group['id']}"
    # Extending into someone else's booking on one member refuses the whole change.
    later = t0 + timedelta(hours=3)
    blocker = await client.post(
        "/api/v1/reservations",
        headers=await auth("alice"),
        json=booking(lab.server2, later, later + timedelta(hours=1)),
    )
    assert blocker.status_code == 201
    refused = await client.post(
        f"{url}/extend",
        json={"end": (t0 + timedelta(hours=4)).isoformat()},
        headers={**headers, "If-Match": '"1"'},
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["conflicting_reservation"]["id"] == blocker.json()["id"]
    unchanged = (await client.get(url, headers=headers)).json()
    assert {r["end"] for r in unchanged["reservations"]} == {group["reservations"][0]["end"]}
    extended = await client.post(
        f"{url}/extend",
        json={"end": (t0 + timedelta(hours=3)).isoformat()},
        headers={**headers, "If-Match": '"1"'},
    )
    assert extended.status_code == 200, extended.text
    assert {parse(r["end"]) for r in extended.json()["reservations"]} == {t0 + timedelta(hours=3)}
    cancelled = await client.post(f"{url}/cancel", headers=headers)
    assert cancelled.status_code == 200, cancelled.text
    assert {r["status"] for r in cancelled.json()["reservations"]} == {"cancelled"}
    held = await session.execute(
        text(
            "SELECT count(*) FROM reservation_slots s JOIN "
            "reservations r ON r.id = s.reservation_id "
            "WHERE r.group_id = :g"
        ),
        {"g": group["id"]},
    )
    assert held.scalar_one() == 0
    assert (await client.get(url, headers=await auth("carol"))).status_code == 404


async def test_a_group_larger_than_whats_free_books_nothing(client, auth, lab, session):
    headers = await auth("bob")
    t0 = tomorrow() + timedelta(hours=8)
    await client.post(
        "/api/v1/reservations",
        headers=headers,
        json=booking(lab.server1, t0, t0 + timedelta(hours=1)),
    )
    response = await _group(client, headers, lab, t0)
    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("no-free-resources")
    count = await session.execute(text("SELECT count(*) FROM reservations"))
    assert count.scalar_one() == 1
    groups = await session.execute(text("SELECT count(*) FROM reservation_groups"))
    assert groups.scalar_one() == 0


CLIENTS = 32


async def test_32_concurrent_group_bookings_for_the_last_free_resources(
    settings, lab, session, test_realm, auth
):
    rtype = await make_type(session, lab.site, name="lease-node")
    nodes = [await make_resource(session, lab.site, rtype, name=f"n{i}") for i in range(8)]
    await session.commit()
    headers = await racers_headers(session, lab, test_realm, auth, CLIENTS)
    t0 = tomorrow() + timedelta(hours=8)
    app = create_app(
        settings.model_copy(update={"database_pool_size": 12, "database_max_overflow": 0})
    )
    body = {
        "site": lab.site.slug,
        "type_id": str(rtype.id),
        "count": 2,
        "start": t0.isoformat(),
        "end": (t0 + timedelta(hours=2)).isoformat(),
        "book": True,
        "title": "race",
    }
    gate = asyncio.Event()
    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

            async def one(i: int) -> httpx.Response:
                await gate.wait()
                return await client.post(URL, json=body, headers=headers[i])

            tasks = [asyncio.create_task(one(i)) for i in range(CLIENTS)]
            await asyncio.sleep(0)
            gate.set()
            responses = await asyncio.wait_for(asyncio.gather(*tasks), timeout=180)
    finally:
        await close_app(app)
    codes = sorted(r.status_code for r in responses)
    winners = [r.json()["group"] for r in responses if r.status_code == 201]
    assert codes.count(201) == 4, codes  # 8 free nodes, 2 per group
    assert codes.count(409) == CLIENTS - 4, codes
    for r in responses:
        if r.status_code == 409:
            assert r.headers["content-type"] == PROBLEM
            assert r.json()["type"].endswith("no-free-resources")
    sets = [frozenset(m["resource_id"] for m in g["reservations"]) for g in winners]
    assert all(len(s) == 2 for s in sets)
    assert len(frozenset().union(*sets)) == 8  # every winner got a different set
    assert frozenset().union(*sets) == {str(n.id) for n in nodes}
    overlaps = await session.execute(
        text(
            "SELECT count(*) FROM reservation_slots a JOIN reservation_slots b"
            " ON a.resource_id = b.resource_id AND a.reservation_id <> b.reservation_id"
            " AND a.period && b.period"
        )
    )
    assert overlaps.scalar_one() == 0
    groups = await session.execute(text("SELECT count(*) FROM reservation_groups"))
    assert groups.scalar_one() == 4

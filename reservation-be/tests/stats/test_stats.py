"""Site statistics: utilisation per resource and per local day, computed over the slots."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tests.reservations.factories import booking

HOUR = 3600.0


def day_zero() -> datetime:
    return (datetime.now(UTC) + timedelta(days=2)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )


async def book(client, headers, resource, start, end):
    response = await client.post(
        "/api/v1/reservations", json=booking(resource, start, end), headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def stats(client, headers, lab, start, end, tz="UTC"):
    return await client.get(
        f"/api/v1/sites/{lab.site.slug}/stats",
        params={"start": start.isoformat(), "end": end.isoformat(), "tz": tz},
        headers=headers,
    )


async def test_utilisation_counts_what_each_booking_holds_per_resource_and_per_day(
    client, auth, lab
):
    bob = await auth("bob")
    d0 = day_zero()
    await book(client, bob, lab.server1, d0 + timedelta(hours=10), d0 + timedelta(hours=12))
    # Booking the rack holds the rack and both servers for that hour.
    await book(
        client, bob, lab.rack, d0 + timedelta(days=1, hours=9), d0 + timedelta(days=1, hours=10)
    )
    cancelled = await book(
        client, bob, lab.server2, d0 + timedelta(hours=1), d0 + timedelta(hours=5)
    )
    cancel = await client.post(
        f"/api/v1/reservations/{cancelled['id']}/cancel", json={}, headers=bob
    )
    assert cancel.status_code == 200, cancel.text

    response = await stats(client, bob, lab, d0, d0 + timedelta(days=2))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["resources"] == 3
    used = {r["name"]: r["booked_seconds"] for r in body["per_resource"]}
    assert used == {"server-1": 3 * HOUR, "rack-a": HOUR, "server-2": HOUR}
    assert body["per_resource"][0]["name"] == "server-1"  # most used first
    assert body["per_resource"][0]["utilisation"] == 3 * HOUR / (48 * HOUR)
    assert body["booked_seconds"] == 5 * HOUR
    assert body["utilisation"] == 5 * HOUR / (3 * 48 * HOUR)
    assert [(d["booked_seconds"], d["reservations"]) for d in body["days"]] == [
        (2 * HOUR, 1),
        (3 * HOUR, 1),
    ]
    assert body["days"][0]["utilisation"] == 2 * HOUR / (3 * 24 * HOUR)
    assert body["active_now"] == 0


async def test_a_booking_running_now_is_counted_as_active(client, auth, lab):
    bob = await auth("bob")
    start = datetime.now(UTC) + timedelta(seconds=1)
    await book(client, bob, lab.server2, start, start + timedelta(hours=1))
    await asyncio.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds()) + 0.2)
    body = (
        await stats(client, bob, lab, start - timedelta(days=1), start + timedelta(days=1))
    ).json()
    assert body["active_now"] == 1
    assert body["busy_now"] == 1
    # The part of the booking inside the window counts, up to its end.
    assert body["per_resource"][0]["name"] == "server-2"
    assert body["per_resource"][0]["booked_seconds"] == HOUR


async def test_days_are_local_days_of_the_time_zone_including_a_dst_change(client, auth, lab):
    bob = await auth("bob")
    # 31 March 2030 in Rome: 00:00 CET is 23:00 UTC the day before, and the day has 23 hours.
    start = datetime(2030, 3, 30, 23, tzinfo=UTC)
    end = datetime(2030, 4, 1, 22, tzinfo=UTC)
    response = await stats(client, bob, lab, start, end, tz="Europe/Rome")
    assert response.status_code == 200, response.text
    days = response.json()["days"]
    assert [d["date"] for d in days] == ["2030-03-31", "2030-04-01"]
    first = days[0]
    span = datetime.fromisoformat(first["end"]) - datetime.fromisoformat(first["start"])
    assert span == timedelta(hours=23)
    assert first["start"].startswith("2030-03-30T23:00:00")


async def test_bad_windows_and_zones_are_refused_with_a_problem(client, auth, lab):
    bob = await auth("bob")
    d0 = day_zero()
    backwards = await stats(client, bob, lab, d0, d0 - timedelta(hours=1))
    too_long = await stats(client, bob, lab, d0, d0 + timedelta(days=400))
    zone = await stats(client, bob, lab, d0, d0 + timedelta(days=1), tz="Mars/Olympus")
    for response, field in ((backwards, "end"), (too_long, "end"), (zone, "tz")):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["loc"][-1] == field

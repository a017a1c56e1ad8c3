"""The 409 a refused booking gets, whole: the same document through the booking lane
(reservations/fast_lane.py) and through the route, whether a booking of the resource, of its
parent, of its child or a maintenance window is in the way."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from tests.reservations.factories import booking, hours_from_now

PROBLEM = "application/problem+json"
PATH = "/api/v1/reservations"
TYPES = "urn:reservation:problem"


@pytest.fixture(params=["lane", "route"])
def via(request: pytest.FixtureRequest, lane_calls: list[Any]) -> dict[str, Any]:
    """Headers that send a booking to the lane or to the route, and the lane's answers."""
    return {"name": request.param, "answered": lane_calls}


_LEFT_OVER = text(
    """
SELECT 'transaction open: ' || coalesce(query, '') FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
  AND state LIKE 'idle in transaction%'
UNION ALL
SELECT 'advisory lock held by ' || pid FROM pg_locks
WHERE locktype = 'advisory'
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""
)


async def left_over(session) -> list[str]:
    """What other connections of the test's database hold: open transactions, advisory locks
    (a moment to end is given to a request answered just before)."""
    for _ in range(20):
        found = list((await session.execute(_LEFT_OVER)).scalars())
        await session.rollback()  # pg_stat_activity is read once per transaction
        if not found:
            break
        await asyncio.sleep(0.05)
    return found


async def refuse(client, auth, via, resource, start, end, session=None) -> dict[str, Any]:
    """A booking by alice that must be refused; its problem document, checked for the path.

    With ``session``, also that the refusal left no transaction open and no lock held."""
    headers = await auth("alice")
    if via["name"] == "route":  # the lane hands requests with an Idempotency-Key to the route
        headers = {**headers, "Idempotency-Key": f"conflict-{resource.id}-{start.timestamp()}"}
    before = len(via["answered"])
    response = await client.post(PATH, json=booking(resource, start, end), headers=headers)
    assert len(via["answered"]) == before + (1 if via["name"] == "lane" else 0)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem.pop("request_id") == response.headers["x-request-id"]
    if session is not None:
        assert await left_over(session) == []
    return problem


def z(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(UTC).isoformat().replace("+00:00", "Z")


def conflict_with(held: dict[str, Any]) -> dict[str, Any]:
    start = datetime.fromisoformat(held["start"]).astimezone(UTC)
    end = datetime.fromisoformat(held["end"]).astimezone(UTC)
    return {
        "type": f"{TYPES}:booking-conflict",
        "title": "The period is already booked",
        "status": 409,
        "detail": (
            f"Conflicts with reservation {held['id']} ({start.isoformat()} to {end.isoformat()})."
        ),
        "instance": PATH,
        "conflicting_reservation": {
            "id": held["id"],
            "resource_id": held["resource_id"],
            "start": z(held["start"]),
            "end": z(held["end"]),
            "status": held["status"],
        },
    }


@pytest.mark.parametrize(
    ("held_on", "asked_on"),
    [("server1", "server1"), ("rack", "server1"), ("server1", "rack")],
    ids=["same-resource", "parent-booked", "child-booked"],
)
async def test_a_refused_booking_names_the_reservation_in_the_way(
    client, auth, lab, session, via, held_on, asked_on
) -> None:
    held = await client.post(
        PATH,
        json=booking(getattr(lab, held_on), hours_from_now(0), hours_from_now(2)),
        headers=await auth("bob"),
    )
    assert held.status_code == 201, held.text
    problem = await refuse(
        client, auth, via, getattr(lab, asked_on), hours_from_now(1), hours_from_now(3), session
    )
    assert problem == conflict_with(held.json())


async def test_the_earliest_reservation_in_the_way_is_named(client, auth, lab, via) -> None:
    bob = await auth("bob")
    later = await client.post(
        PATH, json=booking(lab.server2, hours_from_now(2), hours_from_now(3)), headers=bob
    )
    earlier = await client.post(
        PATH, json=booking(lab.server1, hours_from_now(0), hours_from_now(2)), headers=bob
    )
    assert (later.status_code, earlier.status_code) == (201, 201)
    problem = await refuse(client, auth, via, lab.rack, hours_from_now(1), hours_from_now(4))
    assert problem == conflict_with(earlier.json())


async def add_window(client, auth, lab, resource, start, end) -> dict[str, Any]:
    made = await client.post(
        f"/api/v1/sites/{lab.site.id}/blackouts",
        json={
            "resource_id": str(resource.id),
            "scope": "subtree",
            "reason": "firmware upgrade",
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
        headers=await auth("alice"),
    )
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


async def test_a_reservation_in_the_way_is_named_before_a_maintenance_window(
    client, auth, lab, via
) -> None:
    await add_window(client, auth, lab, lab.server2, hours_from_now(0), hours_from_now(2))
    held = await client.post(
        PATH,
        json=booking(lab.server1, hours_from_now(1), hours_from_now(3)),
        headers=await auth("bob"),
    )
    assert held.status_code == 201, held.text
    problem = await refuse(client, auth, via, lab.rack, hours_from_now(0), hours_from_now(4))
    assert problem == conflict_with(held.json())


async def test_a_refused_booking_names_the_maintenance_window(
    client, auth, lab, session, via
) -> None:
    window = await add_window(client, auth, lab, lab.rack, hours_from_now(0), hours_from_now(4))
    problem = await refuse(
        client, auth, via, lab.server1, hours_from_now(3), hours_from_now(5), session
    )
    assert problem == {
        "type": f"{TYPES}:blackout",
        "title": "The period is blocked by a maintenance window",
        "status": 409,
        "detail": f"Maintenance window {window['id']}: firmware upgrade",
        "instance": PATH,
        "blackout": {
            "id": window["id"],
            "reason": "firmware upgrade",
            "start": z(window["start"]),
            "end": z(window["end"]),
        },
    }

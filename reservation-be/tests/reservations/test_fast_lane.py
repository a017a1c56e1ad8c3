"""The booking request answered without FastAPI's router (reservations/fast_lane.py): the same
answers as the route, and the route for everything the lane does not decide itself."""

from __future__ import annotations

from typing import Any

import pytest
from reservation_db.models import AuditLogEntry, OutboxMessage
from sqlalchemy import select

from tests.reservations.factories import booking, hours_from_now

PROBLEM = "application/problem+json"
PATH = "/api/v1/reservations"


async def test_the_lane_and_the_route_answer_a_booking_alike(client, auth, lab, lane_calls) -> None:
    headers = await auth("bob")
    by_lane = await client.post(
        PATH, json=booking(lab.server1, hours_from_now(0), hours_from_now(1)), headers=headers
    )
    assert len(lane_calls) == 1
    # An Idempotency-Key sends the request to the route.
    by_route = await client.post(
        PATH,
        json=booking(lab.server1, hours_from_now(5), hours_from_now(6)),
        headers={**headers, "Idempotency-Key": "fast-lane-1"},
    )
    assert len(lane_calls) == 1
    assert by_lane.status_code == by_route.status_code == 201, (by_lane.text, by_route.text)
    for response in (by_lane, by_route):
        body = response.json()
        assert response.headers["content-type"] == "application/json"
        assert response.headers["location"] == f"{PATH}/{body['id']}"
        assert response.headers["etag"] == '"1"'
        assert response.headers["x-request-id"]
    lane, route = by_lane.json(), by_route.json()
    assert lane.keys() == route.keys()
    assert {k for k in lane if lane[k] != route[k]} == {
        "id", "start", "end", "created_at", "updated_at",
    }  # fmt: skip


async def test_the_answer_event_and_audit_row_say_what_the_row_holds(
    client, auth, lab, session, lane_calls
) -> None:
    headers = await auth("bob")
    created = await client.post(
        PATH, json=booking(lab.server1, hours_from_now(0), hours_from_now(1)), headers=headers
    )
    assert created.status_code == 201, created.text
    assert len(lane_calls) == 1
    read = await client.get(f"{PATH}/{created.json()['id']}", headers=headers)
    assert read.status_code == 200
    assert created.json() == read.json()
    event = (await session.execute(select(OutboxMessage.payload))).scalar_one()
    held = event["data"]["reservation"]
    assert (held["id"], held["version"], held["status"]) == (
        read.json()["id"], read.json()["version"], read.json()["status"],
    )  # fmt: skip
    assert held["provisioning"]["state"] == read.json()["provisioning"]["state"]
    audit = (await session.execute(select(AuditLogEntry.after))).scalar_one()
    assert audit == read.json()


async def test_a_conflict_through_the_lane_is_the_routes_problem(
    client, auth, lab, lane_calls
) -> None:
    first = await client.post(
        PATH,
        json=booking(lab.server1, hours_from_now(0), hours_from_now(2)),
        headers=await auth("bob"),
    )
    assert first.status_code == 201
    second = await client.post(
        PATH,
        json=booking(lab.server1, hours_from_now(1), hours_from_now(3)),
        headers=await auth("alice"),
    )
    assert len(lane_calls) == 2
    assert second.status_code == 409, second.text
    assert second.headers["content-type"] == PROBLEM
    problem = second.json()
    assert problem["type"].endswith("booking-conflict")
    assert problem["instance"] == PATH
    assert problem["request_id"] == second.headers["x-request-id"]
    assert problem["conflicting_reservation"]["id"] == first.json()["id"]


async def test_a_bad_token_through_the_lane_is_the_routes_401(client, lab, lane_calls) -> None:
    response = await client.post(
        PATH,
        json=booking(lab.server1, hours_from_now(0), hours_from_now(1)),
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert len(lane_calls) == 1
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.parametrize(
    ("body", "headers", "status", "loc"),
    [
        # Not valid: FastAPI's 422 names the field.
        ({"title": "no resource"}, {}, 422, ["body", "resource_id"]),
        # Not JSON.
        (b"{", {"content-type": "application/json"}, 400, None),
        # Not JSON's media type.
        (b"{}", {"content-type": "text/plain"}, 415, None),
    ],
)
async def test_what_the_lane_cannot_decide_goes_to_the_route(
    client, auth, lane_calls, body, headers, status, loc
) -> None:
    kwargs: dict[str, Any] = {"json": body} if isinstance(body, dict) else {"content": body}
    response = await client.post(PATH, headers={**await auth("bob"), **headers}, **kwargs)
    assert lane_calls == []
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    if loc is not None:
        assert loc in [e["loc"] for e in response.json()["errors"]]


async def test_no_bearer_token_goes_to_the_route(client, lab, lane_calls) -> None:
    response = await client.post(
        PATH, json=booking(lab.server1, hours_from_now(0), hours_from_now(1))
    )
    assert lane_calls == []
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM

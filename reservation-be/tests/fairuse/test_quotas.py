"""Quotas: enforced in the booking transaction on every path, usage visible, bad quotas refused."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from reservation_db.models import ReservationSlot
from sqlalchemy import func, select

from tests.fairuse.factories import PROBLEM
from tests.reservations.factories import booking, hours_from_now, make_resource, make_type


async def add_quota(client, auth, lab, **limits):
    response = await client.post(
        f"/api/v1/sites/{lab.site.id}/quotas", json=limits, headers=await auth("alice")
    )
    assert response.status_code == 201, response.text
    return response.json()


async def book(client, headers, resource, start, end, **extra):
    return await client.post(
        "/api/v1/reservations", json=booking(resource, start, end, **extra), headers=headers
    )


async def test_concurrent_limit_refuses_the_booking_over_it_naming_quota_usage_and_limit(
    client, auth, lab
):
    quota = await add_quota(client, auth, lab, max_concurrent=1)
    bob = await auth("bob")
    first = await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(2))
    assert first.status_code == 201, first.text
    second = await book(client, bob, lab.server2, hours_from_now(1), hours_from_now(3))
    assert second.status_code == 409, second.text
    assert second.headers["content-type"] == PROBLEM
    problem = second.json()
    assert problem["type"].endswith("quota-exceeded")
    assert problem["quota"] == {"id": quota["id"], "limit_name": "max_concurrent"}
    assert (problem["usage"], problem["limit"], problem["unit"]) == (2, 1, "reservations")
    # Back to back is not concurrent.
    third = await book(client, bob, lab.server2, hours_from_now(2), hours_from_now(4))
    assert third.status_code == 201, third.text


async def test_future_limit_counts_bookings_not_started(client, auth, lab):
    await add_quota(client, auth, lab, max_future=2)
    bob = await auth("bob")
    for hours in (0, 3):
        ok = await book(client, bob, lab.server1, hours_from_now(hours), hours_from_now(hours + 1))
        assert ok.status_code == 201, ok.text
    third = await book(client, bob, lab.server1, hours_from_now(6), hours_from_now(7))
    assert third.status_code == 409
    assert third.json()["quota"]["limit_name"] == "max_future"
    # Another member has a quota of their own.
    alice_booking = await book(
        client, await auth("alice"), lab.server2, hours_from_now(6), hours_from_now(7)
    )
    assert alice_booking.status_code == 201  # site admin: exempt by default


async def test_booked_hours_in_a_rolling_day(client, auth, lab):
    await add_quota(client, auth, lab, max_booked="PT8H", booked_window="day")
    bob = await auth("bob")
    assert (await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(5))).is_success
    # 5 h, then 5 h starting 20 h later: 9 h in one 24 h window.
    near = await book(client, bob, lab.server2, hours_from_now(20), hours_from_now(25))
    assert near.status_code == 409
    assert near.json()["quota"]["limit_name"] == "max_booked_per_day"
    assert near.json()["usage"] == 9  # the 24 h from 1 h to 25 h
    # 3 h fits (8 h in the window), and 5 h a day and more later fits too.
    assert (await book(client, bob, lab.server2, hours_from_now(6), hours_from_now(9))).is_success
    far = await book(client, bob, lab.server2, hours_from_now(40), hours_from_now(45))
    assert far.status_code == 201, far.text


async def test_resources_held_count_the_whole_subtree(client, auth, lab):
    await add_quota(client, auth, lab, max_resources=2)
    bob = await auth("bob")
    rack = await book(client, bob, lab.rack, hours_from_now(0), hours_from_now(1))
    assert rack.status_code == 409, rack.text  # the rack and its two servers
    assert rack.json()["usage"] == 3
    one = await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1))
    assert one.status_code == 201


async def test_a_type_quota_counts_that_type_only(client, auth, lab, session):
    gpu = await make_type(session, lab.site, name="gpu")
    card = await make_resource(session, lab.site, gpu, name="gpu-1")
    card2 = await make_resource(session, lab.site, gpu, name="gpu-2")
    await session.commit()
    await add_quota(client, auth, lab, resource_type_id=str(gpu.id), max_concurrent=1)
    bob = await auth("bob")
    assert (await book(client, bob, card, hours_from_now(0), hours_from_now(2))).is_success
    # A server at the same time is not a GPU.
    assert (await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(2))).is_success
    second_gpu = await book(client, bob, card2, hours_from_now(1), hours_from_now(2))
    assert second_gpu.status_code == 409


async def test_a_members_own_quota_replaces_the_general_one(client, auth, lab, people):
    await add_quota(client, auth, lab, max_concurrent=1)
    await add_quota(client, auth, lab, user_id=people["bob"], max_concurrent=2)
    bob = await auth("bob")
    for resource in (lab.server1, lab.server2):
        response = await book(client, bob, resource, hours_from_now(0), hours_from_now(2))
        assert response.status_code == 201, response.text


async def test_site_admins_are_exempt_only_when_the_quota_says_so(client, auth, lab):
    await add_quota(client, auth, lab, max_concurrent=1, exempt_site_admins=False)
    alice = await auth("alice")
    assert (await book(client, alice, lab.server1, hours_from_now(0), hours_from_now(2))).is_success
    second = await book(client, alice, lab.server2, hours_from_now(0), hours_from_now(2))
    assert second.status_code == 409


async def test_a_booking_on_behalf_counts_against_the_owner(client, auth, lab, people):
    await add_quota(client, auth, lab, max_concurrent=1)
    assert (
        await book(client, await auth("bob"), lab.server1, hours_from_now(0), hours_from_now(2))
    ).is_success
    on_behalf = await book(
        client, await auth("alice"), lab.server2, hours_from_now(0), hours_from_now(2),
        owner_id=people["bob"],
    )  # fmt: skip
    assert on_behalf.status_code == 409, on_behalf.text


async def test_move_and_extend_are_held_to_the_quotas(client, auth, lab, session):
    await add_quota(client, auth, lab, max_booked="PT4H", booked_window="day")
    bob = await auth("bob")
    made = await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(3))
    assert made.status_code == 201
    rid = made.json()["id"]
    extend = await client.patch(
        f"/api/v1/reservations/{rid}",
        json={"end": hours_from_now(5).isoformat()},
        headers={**bob, "If-Match": '"1"'},
    )
    assert extend.status_code == 409, extend.text
    assert extend.json()["type"].endswith("quota-exceeded")
    via_extend = await client.post(
        f"/api/v1/reservations/{rid}/extend", json={"end": hours_from_now(5).isoformat()},
        headers=bob,
    )  # fmt: skip
    assert via_extend.status_code == 409
    # The refused change left the reservation and its slots as they were.
    unchanged = await client.get(f"/api/v1/reservations/{rid}", headers=bob)
    assert unchanged.json()["end"] == made.json()["end"]
    slots = await session.execute(
        select(func.upper(ReservationSlot.period)).where(ReservationSlot.reservation_id == rid)
    )
    assert set(slots.scalars().all()) == {hours_from_now(3)}
    other = await book(client, bob, lab.server2, hours_from_now(30), hours_from_now(34))
    assert other.status_code == 201
    move = await client.patch(
        f"/api/v1/reservations/{other.json()['id']}",
        json={"start": hours_from_now(4).isoformat(), "end": hours_from_now(8).isoformat()},
        headers={**bob, "If-Match": '"1"'},
    )
    assert move.status_code == 409, move.text


async def test_usage_shows_each_binding_quota_with_the_callers_usage(client, auth, lab):
    quota = await add_quota(
        client, auth, lab, max_concurrent=2, max_future=5, max_booked="PT10H", booked_window="week"
    )
    bob = await auth("bob")
    await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(3))
    await book(client, bob, lab.rack, hours_from_now(5), hours_from_now(6))
    usage = await client.get("/api/v1/me/usage", headers=bob)
    assert usage.status_code == 200, usage.text
    [site] = usage.json()["sites"]
    assert site["site_id"] == str(lab.site.id) and site["exempt"] is False
    [item] = site["quotas"]
    assert item["quota"]["id"] == quota["id"]
    assert item["usage"] == {"held_now": 0, "resources_now": 0, "future": 2, "booked": "PT4H"}
    alice = (await client.get("/api/v1/me/usage", headers=await auth("alice"))).json()
    assert alice["sites"][0]["exempt"] is True and alice["sites"][0]["quotas"] == []
    carol = (await client.get("/api/v1/me/usage", headers=await auth("carol"))).json()
    assert carol == {"sites": []}


async def test_site_usage_report_and_csv_for_site_admins_only(client, auth, lab, people):
    bob = await auth("bob")
    await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(3))
    report = await client.get(f"/api/v1/sites/{lab.site.id}/usage", headers=await auth("alice"))
    assert report.status_code == 200, report.text
    rows = {m["username"]: m for m in report.json()["members"]}
    assert rows["bob"]["future"] == 1 and rows["bob"]["booked_next_30_days"] == "PT3H"
    assert rows["alice"]["future"] == 0
    exported = await client.get(
        f"/api/v1/sites/{lab.site.id}/usage/export", headers=await auth("alice")
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text)))
    bob_row = next(r for r in table if r["username"] == "bob")
    assert bob_row["user_id"] == people["bob"]
    assert (bob_row["future"], bob_row["booked_hours_next_30_days"]) == ("1", "3.0")
    refused = await client.get(f"/api/v1/sites/{lab.site.id}/usage", headers=bob)
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"max_concurrent": 3, "max_resources": 2}, "max_concurrent"),
        ({"max_concurrent": 1, "max_booked": "PT30H", "booked_window": "day"}, "max_booked"),
    ],
)
async def test_a_quota_contradicting_itself_is_refused(client, auth, lab, body, field):
    response = await client.post(
        f"/api/v1/sites/{lab.site.id}/quotas", json=body, headers=await auth("alice")
    )
    assert response.status_code == 422, response.text
    assert response.json()["type"].endswith("quota-contradiction")
    assert response.json()["errors"][0]["loc"] == ["body", field]


async def test_a_type_quota_looser_than_the_site_wide_one_is_refused(client, auth, lab):
    await add_quota(client, auth, lab, max_concurrent=2)
    response = await client.post(
        f"/api/v1/sites/{lab.site.id}/quotas",
        json={"resource_type_id": str(lab.rtype.id), "max_concurrent": 5},
        headers=await auth("alice"),
    )
    assert response.status_code == 422, response.text
    assert "site-wide" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"max_booked": "PT3H"},
        {"booked_window": "day", "max_concurrent": 1},
        {"max_concurrent": -1},
        {"max_booked": "P1M", "booked_window": "day"},
        {"user_id": "nobody-here", "max_concurrent": 1},
        {"resource_type_id": "00000000-0000-0000-0000-000000000000", "max_concurrent": 1},
    ],
)
async def test_bad_quotas_are_422(client, auth, lab, body):
    response = await client.post(
        f"/api/v1/sites/{lab.site.id}/quotas", json=body, headers=await auth("alice")
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM


async def test_one_quota_per_scope_and_deleting_lifts_it(client, auth, lab):
    quota = await add_quota(client, auth, lab, max_concurrent=0)
    again = await client.post(
        f"/api/v1/sites/{lab.site.id}/quotas", json={"max_future": 3}, headers=await auth("alice")
    )
    assert again.status_code == 409
    bob = await auth("bob")
    assert (
        await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1))
    ).status_code == 409
    gone = await client.delete(f"/api/v1/quotas/{quota['id']}", headers=await auth("alice"))
    assert gone.status_code == 204
    assert (await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1))).is_success
    listed = await client.get(f"/api/v1/sites/{lab.site.id}/quotas", headers=bob)
    assert listed.json() == []


def test_hours_window_reaches_its_peak_at_a_booking_edge():
    from reservation_be.fairuse.rules import Held, peak_booked

    base = hours_from_now(0)
    held = [
        Held(id=None, start=base, end=base + timedelta(hours=4), status="confirmed",  # type: ignore[arg-type]
             type_id=None, resources=1),  # type: ignore[arg-type]
        Held(id=None, start=base + timedelta(hours=22), end=base + timedelta(hours=26),  # type: ignore[arg-type]
             status="confirmed", type_id=None, resources=1),  # type: ignore[arg-type]
    ]  # fmt: skip
    # Any 24 h window holds at most 4 h + 2 h (from base + 2 h to base + 26 h).
    peak = peak_booked(held, timedelta(hours=24), base, base + timedelta(hours=26))
    assert peak == timedelta(hours=6)

"""Maintenance windows hold their period with slots, under the bookings' exclusion constraint."""

from __future__ import annotations

from datetime import timedelta

import pytest
from reservation_db.models import Notification, Reservation, ReservationSlot
from sqlalchemy import func, select

from tests.fairuse.factories import PROBLEM, events_of, valid
from tests.reservations.factories import booking, hours_from_now, make_resource


def window(resource, start, end, **extra):
    body = {
        "resource_id": str(resource.id) if resource is not None else None,
        "scope": extra.pop("scope", "subtree"),
        "reason": extra.pop("reason", "firmware upgrade"),
        "start": start.isoformat(),
        "end": end.isoformat(),
        **extra,
    }
    return {k: v for k, v in body.items() if v is not None}


async def add_blackout(client, auth, lab, body):
    return await client.post(
        f"/api/v1/sites/{lab.site.id}/blackouts", json=body, headers=await auth("alice")
    )


async def book(client, headers, resource, start, end):
    return await client.post(
        "/api/v1/reservations", json=booking(resource, start, end), headers=headers
    )


async def test_no_booking_lands_in_a_maintenance_window(client, auth, lab):
    made = await add_blackout(
        client, auth, lab, window(lab.rack, hours_from_now(0), hours_from_now(4))
    )
    assert made.status_code == 201, made.text
    blackout = made.json()
    refused = await book(
        client, await auth("bob"), lab.server1, hours_from_now(3), hours_from_now(5)
    )
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == PROBLEM
    problem = refused.json()
    assert problem["type"].endswith("blackout")
    assert problem["blackout"]["id"] == blackout["id"]
    assert problem["blackout"]["reason"] == "firmware upgrade"
    after = await book(client, await auth("bob"), lab.server1, hours_from_now(4), hours_from_now(5))
    assert after.status_code == 201


async def test_a_move_into_a_window_is_refused(client, auth, lab):
    bob = await auth("bob")
    made = await book(client, bob, lab.server1, hours_from_now(10), hours_from_now(11))
    await add_blackout(
        client, auth, lab, window(lab.server2, hours_from_now(0), hours_from_now(20))
    )
    moved = await client.patch(
        f"/api/v1/reservations/{made.json()['id']}",
        json={"resource_id": str(lab.server2.id)},
        headers={**bob, "If-Match": '"1"'},
    )
    assert moved.status_code == 409
    assert moved.json()["type"].endswith("blackout")


async def test_refuse_policy_lists_the_bookings_in_the_way_and_writes_nothing(
    client, auth, lab, session
):
    booked = await book(
        client, await auth("bob"), lab.server1, hours_from_now(1), hours_from_now(2)
    )
    refused = await add_blackout(
        client, auth, lab, window(lab.rack, hours_from_now(0), hours_from_now(4))
    )
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"].endswith("blackout-conflict")
    assert [r["id"] for r in problem["conflicting_reservations"]] == [booked.json()["id"]]
    holders = await session.execute(
        select(func.count()).where(ReservationSlot.blackout_id.is_not(None))
    )
    assert holders.scalar_one() == 0


async def test_cancel_policy_cancels_the_bookings_with_cause_maintenance(
    client, auth, lab, session, people
):
    booked = await book(
        client, await auth("bob"), lab.server1, hours_from_now(1), hours_from_now(2)
    )
    rid = booked.json()["id"]
    made = await add_blackout(
        client, auth, lab,
        window(lab.rack, hours_from_now(0), hours_from_now(4), policy="cancel",
               reason="power work"),
    )  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["cancelled_reservations"] == [rid]
    reservation = await session.get(Reservation, rid)
    assert reservation.status == "cancelled"
    assert reservation.status_reason == "maintenance: power work"
    [cancelled] = [e for e in await events_of(session, rid) if e["type"] == "reservation.cancelled"]
    valid(cancelled)
    assert cancelled["data"]["cause"] == "maintenance"
    assert cancelled["data"]["previous_status"] == "confirmed"
    notes = await session.execute(
        select(Notification.message).where(
            Notification.user_id == people["bob"], Notification.kind == "reservation.cancelled"
        )
    )
    assert "power work" in notes.scalar_one()
    # The window now holds the period.
    again = await book(client, await auth("bob"), lab.server1, hours_from_now(1), hours_from_now(2))
    assert again.status_code == 409


async def test_scopes_resource_subtree_and_site(client, auth, lab, session):
    bob = await auth("bob")
    only_rack = await add_blackout(
        client, auth, lab, window(lab.rack, hours_from_now(0), hours_from_now(2), scope="resource")
    )
    assert only_rack.status_code == 201
    # The rack alone is held: a server below it stays bookable, the rack is not.
    assert (await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1))).is_success
    assert (
        await book(client, bob, lab.rack, hours_from_now(1), hours_from_now(2))
    ).status_code == 409
    other = await make_resource(session, lab.site, lab.rtype, name="standalone")
    await session.commit()
    site_wide = await add_blackout(
        client, auth, lab, window(None, hours_from_now(10), hours_from_now(12), scope="site")
    )
    assert site_wide.status_code == 201, site_wide.text
    assert (
        await book(client, bob, other, hours_from_now(11), hours_from_now(13))
    ).status_code == 409


async def test_windows_are_listed_for_the_calendar_and_deleting_one_frees_the_period(
    client, auth, lab
):
    made = await add_blackout(
        client, auth, lab, window(lab.server2, hours_from_now(0), hours_from_now(2))
    )
    bob = await auth("bob")
    listed = await client.get(
        f"/api/v1/sites/{lab.site.id}/blackouts",
        params={"start": hours_from_now(-1).isoformat(), "end": hours_from_now(1).isoformat()},
        headers=bob,
    )
    assert listed.status_code == 200
    assert [b["id"] for b in listed.json()] == [made.json()["id"]]
    later = await client.get(
        f"/api/v1/sites/{lab.site.id}/blackouts",
        params={"start": hours_from_now(5).isoformat()},
        headers=bob,
    )
    assert later.json() == []
    assert (
        await client.delete(f"/api/v1/blackouts/{made.json()['id']}", headers=bob)
    ).status_code == 403
    gone = await client.delete(
        f"/api/v1/blackouts/{made.json()['id']}", headers=await auth("alice")
    )
    assert gone.status_code == 204
    assert (await book(client, bob, lab.server2, hours_from_now(0), hours_from_now(2))).is_success


async def test_a_child_added_under_a_held_parent_inherits_the_window(client, auth, lab, session):
    await add_blackout(client, auth, lab, window(lab.rack, hours_from_now(0), hours_from_now(3)))
    created = await client.post(
        f"/api/v1/sites/{lab.site.id}/resources",
        json={"name": "server-3", "type_id": str(lab.rtype.id), "parent_id": str(lab.rack.id)},
        headers=await auth("alice"),
    )
    assert created.status_code == 201, created.text
    child = created.json()["id"]
    refused = await client.post(
        "/api/v1/reservations",
        json={"resource_id": child, "title": "t", "start": hours_from_now(1).isoformat(),
              "end": hours_from_now(2).isoformat()},
        headers=await auth("bob"),
    )  # fmt: skip
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("blackout")


async def test_overlapping_windows_are_refused(client, auth, lab):
    first = await add_blackout(
        client, auth, lab, window(lab.rack, hours_from_now(0), hours_from_now(3))
    )
    assert first.status_code == 201
    second = await add_blackout(
        client,
        auth,
        lab,
        window(lab.server1, hours_from_now(2), hours_from_now(5), policy="cancel"),
    )
    assert second.status_code == 409
    assert second.json()["conflicting_blackouts"] == [first.json()["id"]]


@pytest.mark.parametrize(
    "change",
    [
        {"end": hours_from_now(-1).isoformat()},  # end before start
        {"scope": "site"},  # a resource with scope site
        {"resource_id": None},  # no resource with scope subtree
        {"policy": "ignore"},
        {"reason": ""},
        {"resource_id": "00000000-0000-0000-0000-000000000000"},
    ],
)
async def test_bad_windows_are_422(client, auth, lab, change):
    body = {**window(lab.rack, hours_from_now(0), hours_from_now(2)), **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = await add_blackout(client, auth, lab, body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM


async def test_a_window_of_a_long_booking_counts_from_its_widened_period(client, auth, lab):
    # Back to back with a window is fine, as between bookings.
    await add_blackout(client, auth, lab, window(lab.server1, hours_from_now(2), hours_from_now(3)))
    ok = await book(client, await auth("bob"), lab.server1, hours_from_now(0), hours_from_now(2))
    assert ok.status_code == 201
    late = hours_from_now(3) + timedelta(minutes=1)
    assert (await book(client, await auth("bob"), lab.server1, late, hours_from_now(5))).is_success

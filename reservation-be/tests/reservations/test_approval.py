"""A change that would need approval on create needs it again (docs/architecture.md)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from reservation_be.reservations import repository
from reservation_db.models import Notification, OutboxMessage
from reservation_db.models.reservation import Reservation
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import Range

from tests.reservations.factories import booking, hours_from_now, iso, make_resource, make_type

PROBLEM = "application/problem+json"


async def book(client, headers, resource, start, end, **extra):
    response = await client.post(
        "/api/v1/reservations", json=booking(resource, start, end, **extra), headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def patch(client, headers, reservation, body):
    return await client.patch(
        f"/api/v1/reservations/{reservation['id']}",
        json=body,
        headers={**headers, "If-Match": f'"{reservation["version"]}"'},
    )


async def approve(client, alice, reservation):
    response = await client.post(f"/api/v1/reservations/{reservation['id']}/approve", headers=alice)
    assert response.status_code == 200, response.text
    return response.json()


async def gated_resource(session, lab, **type_fields):
    rtype = await make_type(session, lab.site, name="gpu", requires_approval=True, **type_fields)
    resource = await make_resource(session, lab.site, rtype, name="gpu-1")
    await session.commit()
    return resource


async def test_moving_onto_a_type_that_requires_approval_puts_it_back_to_pending(
    client, auth, lab, session, people
):
    gpu = await gated_resource(session, lab)
    bob, alice = await auth("bob"), await auth("alice")
    start, end = hours_from_now(0), hours_from_now(1)
    created = await book(client, bob, lab.server1, start, end)
    assert created["status"] == "confirmed"

    moved = await patch(client, bob, created, {"resource_id": str(gpu.id)})

    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "pending"
    # The slots are held on the new resource while the request waits.
    rival = await client.post("/api/v1/reservations", json=booking(gpu, start, end), headers=alice)
    assert rival.status_code == 409
    # Site admins are asked, and integrations see the status change.
    notes = (
        await session.execute(
            select(Notification.user_id).where(Notification.kind == "reservation.updated")
        )
    ).scalars()
    assert set(notes) == {people["bob"], people["alice"]}
    event = (
        await session.execute(
            select(OutboxMessage).where(OutboxMessage.type == "reservation.updated")
        )
    ).scalar_one()
    assert event.payload["data"]["previous_status"] == "confirmed"
    assert event.payload["data"]["reservation"]["status"] == "pending"
    assert (await approve(client, alice, moved.json()))["status"] == "confirmed"


async def test_extending_an_approved_booking_needs_approval_again(client, auth, lab, session):
    gpu = await gated_resource(session, lab)
    bob, alice = await auth("bob"), await auth("alice")
    pending = await book(client, bob, gpu, hours_from_now(0), hours_from_now(1))
    assert pending["status"] == "pending"
    approved = await approve(client, alice, pending)

    extended = await patch(client, bob, approved, {"end": iso(hours_from_now(2))})

    assert extended.status_code == 200, extended.text
    assert extended.json()["status"] == "pending"
    approved = await approve(client, alice, extended.json())
    earlier = await patch(client, bob, approved, {"start": iso(hours_from_now(-0.5))})
    assert earlier.json()["status"] == "pending"


async def test_changes_inside_what_was_approved_keep_the_approval(client, auth, lab, session):
    gpu = await gated_resource(
        session,
        lab,
        parameters={"type": "object", "properties": {"vlan": {"type": "integer"}}},
    )
    bob, alice = await auth("bob"), await auth("alice")
    pending = await book(client, bob, gpu, hours_from_now(0), hours_from_now(2), parameters={})
    approved = await approve(client, alice, pending)

    renamed = await patch(client, bob, approved, {"title": "renamed"})
    assert renamed.json()["status"] == "confirmed"
    shortened = await patch(client, bob, renamed.json(), {"end": iso(hours_from_now(1))})
    assert shortened.status_code == 200, shortened.text
    assert shortened.json()["status"] == "confirmed"
    # Other parameters are another request.
    reparameterised = await patch(client, bob, shortened.json(), {"parameters": {"vlan": 7}})
    assert reparameterised.json()["status"] == "pending"


async def test_a_site_admin_change_goes_back_to_pending_like_a_create(client, auth, lab, session):
    gpu = await gated_resource(session, lab)
    alice = await auth("alice")
    approved = await approve(
        client, alice, await book(client, alice, gpu, hours_from_now(0), hours_from_now(1))
    )
    extended = await patch(client, alice, approved, {"end": iso(hours_from_now(3))})
    assert extended.json()["status"] == "pending"


async def test_an_active_reservation_is_extended_only_by_a_site_admin(
    client, auth, lab, session, people
):
    gpu = await gated_resource(session, lab)
    now = datetime.now(UTC).replace(microsecond=0)
    period = Range(now - timedelta(hours=1), now + timedelta(hours=1), bounds="[)")
    running = Reservation(
        id=uuid.uuid4(),
        site_id=lab.site.id,
        resource_id=gpu.id,
        owner_id=people["bob"],
        created_by=people["bob"],
        title="running",
        period=period,
        status="active",
    )
    session.add(running)
    await session.flush()
    await repository.insert_slots(
        session, reservation_id=running.id, resource_id=gpu.id, period=period
    )
    await session.commit()
    bob, alice = await auth("bob"), await auth("alice")
    current = {"id": str(running.id), "version": 1}
    later = iso(now + timedelta(hours=3))

    refused = await patch(client, bob, current, {"end": later})

    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["type"].endswith("approval-required")
    assert (await client.get(f"/api/v1/reservations/{running.id}", headers=bob)).json()[
        "end"
    ] == iso(now + timedelta(hours=1)).replace("+00:00", "Z")
    extended = await patch(client, alice, current, {"end": later})
    assert extended.status_code == 200, extended.text
    assert extended.json()["status"] == "active"

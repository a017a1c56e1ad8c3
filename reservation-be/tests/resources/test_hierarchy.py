"""The resource tree: cycles refused, and hierarchy changes keep the slots true."""

from __future__ import annotations

from reservation_db.models import OutboxMessage
from reservation_db.models.reservation_slot import ReservationSlot
from sqlalchemy import select

from tests.reservations.factories import booking, hours_from_now


async def book(client, headers, resource_id, start, end):
    body = {**booking(None, start, end), "resource_id": str(resource_id)}
    return await client.post("/api/v1/reservations", json=body, headers=headers)


async def create(client, headers, lab, name, parent_id=None, **extra):
    body = {"name": name, "type_id": str(lab.rtype.id), **extra}
    if parent_id is not None:
        body["parent_id"] = str(parent_id)
    return await client.post(f"/api/v1/sites/{lab.site.slug}/resources", json=body, headers=headers)


async def test_site_admin_creates_a_resource_under_a_parent(client, auth, lab, session):
    response = await create(client, await auth("alice"), lab, "server-3", lab.rack.id)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["parent_id"] == str(lab.rack.id)
    assert body["status"] == "active"
    types = (await session.execute(select(OutboxMessage.type))).scalars().all()
    assert types == ["resource.created"]


async def test_a_child_created_under_a_booked_parent_is_booked_too(client, auth, lab, session):
    parent = await book(
        client, await auth("bob"), lab.rack.id, hours_from_now(0), hours_from_now(3)
    )
    assert parent.status_code == 201
    child = await create(client, await auth("alice"), lab, "server-3", lab.rack.id)
    assert child.status_code == 201
    # The new child carries the parent's hold: booking it over the same time is refused.
    refused = await book(
        client, await auth("bob"), child.json()["id"], hours_from_now(1), hours_from_now(2)
    )
    assert refused.status_code == 409
    assert refused.json()["conflicting_reservation"]["id"] == parent.json()["id"]
    held = (
        (
            await session.execute(
                select(ReservationSlot.resource_id).where(
                    ReservationSlot.reservation_id == parent.json()["id"]
                )
            )
        )
        .scalars()
        .all()
    )
    assert len(held) == 4  # rack, server-1, server-2, server-3


async def test_moving_a_booked_resource_under_a_booked_parent_is_refused(
    client, auth, lab, session
):
    alice, bob = await auth("alice"), await auth("bob")
    other = await create(client, alice, lab, "rack-b")
    assert other.status_code == 201
    mover = await create(client, alice, lab, "server-9", other.json()["id"])
    a = await book(client, bob, lab.rack.id, hours_from_now(0), hours_from_now(2))
    b = await book(client, bob, mover.json()["id"], hours_from_now(1), hours_from_now(3))
    assert (a.status_code, b.status_code) == (201, 201)
    moved = await client.patch(
        f"/api/v1/resources/{mover.json()['id']}",
        json={"parent_id": str(lab.rack.id)},
        headers=alice,
    )
    assert moved.status_code == 409, moved.text
    assert moved.json()["type"].endswith("placement-conflict")
    ids = {r["id"] for r in moved.json()["conflicting_reservations"]}
    assert ids == {a.json()["id"], b.json()["id"]}
    current = await client.get(f"/api/v1/resources/{mover.json()['id']}", headers=alice)
    assert current.json()["parent_id"] == other.json()["id"]


async def test_moving_out_of_a_booked_parent_releases_the_inherited_hold(client, auth, lab):
    alice, bob = await auth("alice"), await auth("bob")
    a = await book(client, bob, lab.rack.id, hours_from_now(0), hours_from_now(2))
    assert a.status_code == 201
    moved = await client.patch(
        f"/api/v1/resources/{lab.server1.id}", json={"parent_id": None}, headers=alice
    )
    assert moved.status_code == 200, moved.text
    free_now = await book(client, bob, lab.server1.id, hours_from_now(0), hours_from_now(1))
    assert free_now.status_code == 201, free_now.text
    # Moving it back under the booked rack now collides with its own booking.
    back = await client.patch(
        f"/api/v1/resources/{lab.server1.id}", json={"parent_id": str(lab.rack.id)}, headers=alice
    )
    assert back.status_code == 409


async def test_a_move_that_would_make_a_cycle_is_refused(client, auth, lab, session):
    alice = await auth("alice")
    for target in (lab.server1.id, lab.rack.id):
        response = await client.patch(
            f"/api/v1/resources/{lab.rack.id}", json={"parent_id": str(target)}, headers=alice
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
    await session.refresh(lab.rack)
    assert lab.rack.parent_id is None


async def test_parent_from_another_site_is_refused(client, auth, lab, session):
    from tests.reservations.factories import make_resource, make_type

    foreign_type = await make_type(session, lab.other_site, name="x")
    foreign = await make_resource(session, lab.other_site, foreign_type, name="foreign")
    await session.commit()
    response = await create(client, await auth("alice"), lab, "server-x", foreign.id)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "parent_id"]
    wrong_type = await client.post(
        f"/api/v1/sites/{lab.site.slug}/resources",
        json={"name": "y", "type_id": str(foreign_type.id)},
        headers=await auth("alice"),
    )
    assert wrong_type.status_code == 422
    assert wrong_type.json()["errors"][0]["loc"] == ["body", "type_id"]


async def test_subtree_lists_descendants_depth_first(client, auth, lab):
    alice = await auth("alice")
    await create(client, alice, lab, "blade-1", lab.server1.id)
    response = await client.get(f"/api/v1/resources/{lab.rack.id}/subtree", headers=alice)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["name"], i["depth"]) for i in items] == [
        ("rack-a", 0),
        ("server-1", 1),
        ("blade-1", 2),
        ("server-2", 1),
    ]
    children = await client.get(f"/api/v1/resources/{lab.rack.id}/children", headers=alice)
    assert [i["name"] for i in children.json()["items"]] == ["server-1", "server-2"]


async def test_deleting_a_resource_with_children_is_refused(client, auth, lab):
    alice = await auth("alice")
    response = await client.delete(f"/api/v1/resources/{lab.rack.id}", headers=alice)
    assert response.status_code == 409
    leaf = await client.delete(f"/api/v1/resources/{lab.server2.id}", headers=alice)
    assert leaf.status_code == 204
    gone = await client.get(f"/api/v1/resources/{lab.server2.id}", headers=alice)
    assert gone.status_code == 404


async def test_status_change_emits_status_changed(client, auth, lab, session):
    response = await client.patch(
        f"/api/v1/resources/{lab.server1.id}",
        json={"status": "maintenance"},
        headers=await auth("alice"),
    )
    assert response.status_code == 200
    rows = (await session.execute(select(OutboxMessage))).scalars().all()
    assert sorted(r.type for r in rows) == ["resource.status_changed", "resource.updated"]
    changed = next(r for r in rows if r.type == "resource.status_changed")
    assert changed.payload["data"]["previous_status"] == "active"
    assert changed.payload["data"]["resource"]["path"] == [
        {"id": str(lab.rack.id), "name": "rack-a"}
    ]


async def test_bookings_racing_tree_changes_leave_every_subtree_held(client, auth, lab, session):
    """Bookings of the rack race children being created under it and moved away from it;
    afterwards every booking holds exactly its resource's current subtree."""
    import asyncio

    from sqlalchemy import text

    alice, bob = await auth("alice"), await auth("bob")
    # An unrelated root to move children to and from.
    spare = await create(client, alice, lab, "spare-root")
    assert spare.status_code == 201
    tasks = []
    for i in range(8):
        tasks.append(
            book(client, bob, lab.rack.id, hours_from_now(2 * i), hours_from_now(2 * i + 1))
        )
        tasks.append(create(client, alice, lab, f"new-{i}", lab.rack.id))
        target = spare.json()["id"] if i % 2 == 0 else str(lab.rack.id)
        tasks.append(
            client.patch(
                f"/api/v1/resources/{lab.server2.id}", json={"parent_id": target}, headers=alice
            )
        )
    responses = await asyncio.gather(*tasks)
    assert {r.status_code for r in responses} <= {200, 201, 409}, [
        r.text for r in responses if r.status_code not in (200, 201, 409)
    ]
    mismatches = await session.execute(
        text(
            """
            WITH RECURSIVE tree(reservation_id, resource_id) AS (
                SELECT r.id, r.resource_id FROM reservations r
                WHERE r.status IN ('pending', 'confirmed', 'active')
                UNION ALL
                SELECT t.reservation_id, c.id FROM resources c
                JOIN tree t ON c.parent_id = t.resource_id
            )
            SELECT count(*) FROM (
                (SELECT reservation_id, resource_id FROM tree
                 EXCEPT SELECT reservation_id, resource_id FROM reservation_slots)
                UNION ALL
                (SELECT reservation_id, resource_id FROM reservation_slots
                 EXCEPT SELECT reservation_id, resource_id FROM tree)
            ) AS diff
            """
        )
    )
    assert mismatches.scalar_one() == 0

"""Changing reservations: If-Match, moves, extensions, cancel, approval, idempotency, rules."""

from __future__ import annotations

from datetime import timedelta

from reservation_db.models import OutboxMessage
from reservation_db.models.reservation import Reservation
from reservation_db.models.reservation_slot import ReservationSlot
from sqlalchemy import func, select

from tests.reservations.factories import booking, hours_from_now, iso

PROBLEM = "application/problem+json"
VLAN_SCHEMA = {
    "type": "object",
    "properties": {"vlan_id": {"type": "integer", "minimum": 2, "maximum": 4094}},
    "required": ["vlan_id"],
    "additionalProperties": False,
}


async def book(client, headers, resource, start, end, **extra):
    return await client.post(
        "/api/v1/reservations", json=booking(resource, start, end, **extra), headers=headers
    )


async def slot_periods(session, reservation_id):
    rows = await session.execute(
        select(ReservationSlot.resource_id, ReservationSlot.period).where(
            ReservationSlot.reservation_id == reservation_id
        )
    )
    return {r.resource_id: r.period for r in rows}


async def test_update_requires_if_match_and_refuses_a_stale_one(client, auth, lab):
    bob = await auth("bob")
    created = await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1))
    url = f"/api/v1/reservations/{created.json()['id']}"
    missing = await client.patch(url, json={"title": "x"}, headers=bob)
    assert missing.status_code == 428
    ok = await client.patch(url, json={"title": "renamed"}, headers={**bob, "If-Match": '"1"'})
    assert ok.status_code == 200, ok.text
    assert ok.headers["ETag"] == '"2"'
    assert ok.json()["version"] == 2
    stale = await client.patch(url, json={"title": "again"}, headers={**bob, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == PROBLEM
    got = await client.get(url, headers=bob)
    assert got.json()["title"] == "renamed"
    assert got.headers["ETag"] == '"2"'


async def test_moving_a_reservation_moves_its_slots(client, auth, lab, session):
    bob = await auth("bob")
    created = await book(client, bob, lab.rack, hours_from_now(0), hours_from_now(1))
    rid = created.json()["id"]
    moved = await client.patch(
        f"/api/v1/reservations/{rid}",
        json={"start": iso(hours_from_now(5)), "end": iso(hours_from_now(7))},
        headers={**bob, "If-Match": '"1"'},
    )
    assert moved.status_code == 200, moved.text
    periods = await slot_periods(session, rid)
    assert set(periods) == {lab.rack.id, lab.server1.id, lab.server2.id}
    assert {(p.lower, p.upper) for p in periods.values()} == {
        (hours_from_now(5), hours_from_now(7))
    }
    # The old period is free again.
    again = await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1))
    assert again.status_code == 201


async def test_a_move_onto_a_booked_period_is_refused_and_keeps_the_old_slots(
    client, auth, lab, session
):
    bob = await auth("bob")
    a = await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1))
    b = await book(client, bob, lab.server1, hours_from_now(2), hours_from_now(3))
    url = f"/api/v1/reservations/{b.json()['id']}"
    refused = await client.patch(
        url, json={"start": iso(hours_from_now(0.5))}, headers={**bob, "If-Match": '"1"'}
    )
    assert refused.status_code == 409
    assert refused.json()["conflicting_reservation"]["id"] == a.json()["id"]
    periods = await slot_periods(session, b.json()["id"])
    assert periods[lab.server1.id].lower == hours_from_now(2)
    assert (await client.get(url, headers=bob)).json()["version"] == 1


async def test_moving_to_another_resource_rechecks_it(client, auth, lab, session):
    bob = await auth("bob")
    a = await book(client, bob, lab.server2, hours_from_now(0), hours_from_now(1))
    b = await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1))
    url = f"/api/v1/reservations/{b.json()['id']}"
    refused = await client.patch(
        url, json={"resource_id": str(lab.rack.id)}, headers={**bob, "If-Match": '"1"'}
    )
    assert refused.status_code == 409
    assert refused.json()["conflicting_reservation"]["id"] == a.json()["id"]
    cancel = await client.post(f"/api/v1/reservations/{a.json()['id']}/cancel", headers=bob)
    assert cancel.status_code == 200
    moved = await client.patch(
        url, json={"resource_id": str(lab.rack.id)}, headers={**bob, "If-Match": '"1"'}
    )
    assert moved.status_code == 200, moved.text
    assert set(await slot_periods(session, b.json()["id"])) == {
        lab.rack.id,
        lab.server1.id,
        lab.server2.id,
    }


async def test_cancel_releases_the_slots_and_cannot_be_repeated(client, auth, lab, session):
    bob = await auth("bob")
    a = await book(client, bob, lab.rack, hours_from_now(0), hours_from_now(1))
    rid = a.json()["id"]
    cancelled = await client.post(
        f"/api/v1/reservations/{rid}/cancel", json={"reason": "plans changed"}, headers=bob
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["status_reason"] == "plans changed"
    assert await slot_periods(session, rid) == {}
    again = await client.post(f"/api/v1/reservations/{rid}/cancel", headers=bob)
    assert again.status_code == 409
    assert again.json()["type"].endswith("invalid-transition")
    edit = await client.patch(
        f"/api/v1/reservations/{rid}", json={"title": "x"}, headers={**bob, "If-Match": '"2"'}
    )
    assert edit.status_code == 409
    rebook = await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1))
    assert rebook.status_code == 201
    events = (await session.execute(select(OutboxMessage.type))).scalars().all()
    assert sorted(events) == ["reservation.cancelled", "reservation.created", "reservation.created"]


async def test_approval_flow_pending_then_approved_or_rejected(client, auth, lab, session):
    lab.rtype.requires_approval = True
    await session.commit()
    bob, alice = await auth("bob"), await auth("alice")
    a = await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1))
    b = await book(client, bob, lab.server2, hours_from_now(0), hours_from_now(1))
    assert a.json()["status"] == b.json()["status"] == "pending"
    # A pending reservation already holds its slot.
    held = await book(client, alice, lab.server1, hours_from_now(0), hours_from_now(1))
    assert held.status_code == 409
    own = await client.post(f"/api/v1/reservations/{a.json()['id']}/approve", headers=bob)
    assert own.status_code == 403
    approved = await client.post(f"/api/v1/reservations/{a.json()['id']}/approve", headers=alice)
    assert approved.status_code == 200 and approved.json()["status"] == "confirmed"
    twice = await client.post(f"/api/v1/reservations/{a.json()['id']}/approve", headers=alice)
    assert twice.status_code == 409
    rejected = await client.post(
        f"/api/v1/reservations/{b.json()['id']}/reject",
        json={"reason": "maintenance window"},
        headers=alice,
    )
    assert rejected.json()["status"] == "rejected"
    assert await slot_periods(session, b.json()["id"]) == {}
    types = sorted((await session.execute(select(OutboxMessage.type))).scalars().all())
    assert types == [
        "reservation.approved",
        "reservation.created",
        "reservation.created",
        "reservation.rejected",
    ]


async def test_idempotency_key_replays_the_first_booking(client, auth, lab, session):
    bob = {**(await auth("bob")), "Idempotency-Key": "book-42"}
    body = booking(lab.server1, hours_from_now(0), hours_from_now(1))
    first = await client.post("/api/v1/reservations", json=body, headers=bob)
    second = await client.post("/api/v1/reservations", json=body, headers=bob)
    assert first.status_code == second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    count = (await session.execute(select(func.count()).select_from(Reservation))).scalar_one()
    assert count == 1
    other = await client.post(
        "/api/v1/reservations", json={**body, "title": "different"}, headers=bob
    )
    assert other.status_code == 422


async def test_parameters_are_validated_against_the_type_schema(client, auth, lab, session):
    lab.rtype.parameters = VLAN_SCHEMA
    await session.commit()
    bob = await auth("bob")
    start, end = hours_from_now(0), hours_from_now(1)
    for params, field in (({}, []), ({"vlan_id": 1}, ["vlan_id"]), ({"vlan_id": 5, "x": 1}, [])):
        bad = await book(client, bob, lab.server1, start, end, parameters=params)
        assert bad.status_code == 422, bad.text
        assert bad.json()["type"].endswith("invalid-parameters")
        assert bad.json()["errors"][0]["loc"] == ["body", "parameters", *field]
    ok = await book(client, bob, lab.server1, start, end, parameters={"vlan_id": 42})
    assert ok.status_code == 201
    assert ok.json()["parameters"] == {"vlan_id": 42}
    url = f"/api/v1/reservations/{ok.json()['id']}"
    bad_update = await client.patch(
        url, json={"parameters": {"vlan_id": "42"}}, headers={**bob, "If-Match": '"1"'}
    )
    assert bad_update.status_code == 422


async def test_rules_apply_identically_on_create_update_and_on_behalf(client, auth, lab, session):
    lab.rtype.max_duration = timedelta(hours=4)
    lab.rtype.booking_horizon = timedelta(days=30)
    lab.rtype.minimum_notice = timedelta(hours=2)
    await session.commit()
    bob, alice = await auth("bob"), await auth("alice")
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    bad_periods = {
        "max_duration": (hours_from_now(0), hours_from_now(5)),
        "booking_horizon": (now + timedelta(days=31), now + timedelta(days=31, hours=1)),
        "minimum_notice": (now + timedelta(hours=1), now + timedelta(hours=2)),
    }
    ok = await book(client, bob, lab.server2, hours_from_now(0), hours_from_now(1))
    assert ok.status_code == 201
    for rule, (start, end) in bad_periods.items():
        own = await book(client, bob, lab.server1, start, end)
        on_behalf = await book(
            client, alice, lab.server1, start, end, owner_id=ok.json()["owner_id"]
        )
        update = await client.patch(
            f"/api/v1/reservations/{ok.json()['id']}",
            json={"start": iso(start), "end": iso(end)},
            headers={**alice, "If-Match": '"1"'},
        )
        for response in (own, on_behalf, update):
            assert response.status_code == 422, (rule, response.text)
            assert rule in {e["type"] for e in response.json()["errors"]}, response.text


async def test_site_admin_books_on_behalf_of_a_member_only(client, auth, lab, people):
    alice, bob = await auth("alice"), await auth("bob")
    start, end = hours_from_now(0), hours_from_now(1)
    ok = await book(client, alice, lab.server1, start, end, owner_id=people["bob"])
    assert ok.status_code == 201, ok.text
    assert ok.json()["owner_id"] == people["bob"]
    assert ok.json()["created_by"] == people["alice"]
    outsider = await book(client, alice, lab.server2, start, end, owner_id=people["carol"])
    assert outsider.status_code == 422
    by_member = await book(client, bob, lab.server2, start, end, owner_id=people["alice"])
    assert by_member.status_code == 403


async def test_an_update_that_changes_nothing_keeps_the_version(client, auth, lab, session):
    bob = await auth("bob")
    created = await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1))
    url = f"/api/v1/reservations/{created.json()['id']}"
    same = await client.patch(
        url,
        json={"title": created.json()["title"], "start": created.json()["start"]},
        headers={**bob, "If-Match": '"1"'},
    )
    assert same.status_code == 200
    assert same.headers["ETag"] == '"1"'
    events = (await session.execute(select(OutboxMessage.type))).scalars().all()
    assert events == ["reservation.created"]

"""Booking through the API: conflicts are decided by the exclusion constraint."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from reservation_db.models import AuditLogEntry, Notification, OutboxMessage
from reservation_db.models.reservation import Reservation
from reservation_db.models.reservation_slot import ReservationSlot
from sqlalchemy import func, select, text

from tests.reservations.factories import booking, hours_from_now, make_resource

PROBLEM = "application/problem+json"


async def book(client, headers, resource, start, end, **extra):
    return await client.post(
        "/api/v1/reservations", json=booking(resource, start, end, **extra), headers=headers
    )


async def counts(session):
    out = {}
    for model in (Reservation, ReservationSlot, OutboxMessage, AuditLogEntry, Notification):
        out[model.__tablename__] = (
            await session.execute(select(func.count()).select_from(model))
        ).scalar_one()
    return out


async def test_member_books_a_free_resource(client, auth, lab, people):
    start, end = hours_from_now(0), hours_from_now(2)
    response = await book(client, await auth("bob"), lab.server1, start, end)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["owner_id"] == people["bob"]
    assert body["created_by"] == people["bob"]
    assert body["start"] == start.isoformat().replace("+00:00", "Z")
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/api/v1/reservations/{body['id']}"


async def test_overlapping_booking_is_refused_with_409_naming_the_winner(client, auth, lab):
    first = await book(client, await auth("bob"), lab.server1, hours_from_now(0), hours_from_now(2))
    assert first.status_code == 201
    second = await book(
        client, await auth("alice"), lab.server1, hours_from_now(1), hours_from_now(3)
    )
    assert second.status_code == 409, second.text
    assert second.headers["content-type"] == PROBLEM
    problem = second.json()
    assert problem["type"].endswith("booking-conflict")
    assert problem["conflicting_reservation"]["id"] == first.json()["id"]
    assert problem["conflicting_reservation"]["start"] == first.json()["start"]
    assert first.json()["id"] in problem["detail"]


async def test_back_to_back_bookings_are_allowed(client, auth, lab):
    headers = await auth("bob")
    a = await book(client, headers, lab.server1, hours_from_now(0), hours_from_now(2))
    b = await book(client, headers, lab.server1, hours_from_now(2), hours_from_now(4))
    c = await book(client, headers, lab.server1, hours_from_now(-2), hours_from_now(0))
    assert [a.status_code, b.status_code, c.status_code] == [201, 201, 201]


async def test_booking_a_parent_conflicts_with_a_booked_child(client, auth, lab):
    headers = await auth("bob")
    child = await book(client, headers, lab.server1, hours_from_now(0), hours_from_now(2))
    assert child.status_code == 201
    parent = await book(client, headers, lab.rack, hours_from_now(1), hours_from_now(5))
    assert parent.status_code == 409, parent.text
    assert parent.json()["conflicting_reservation"]["id"] == child.json()["id"]


async def test_booking_a_child_conflicts_with_a_booked_parent(client, auth, lab):
    headers = await auth("bob")
    parent = await book(client, headers, lab.rack, hours_from_now(0), hours_from_now(4))
    assert parent.status_code == 201
    child = await book(client, headers, lab.server2, hours_from_now(3), hours_from_now(6))
    assert child.status_code == 409, child.text
    assert child.json()["conflicting_reservation"]["id"] == parent.json()["id"]


async def test_grandchild_conflicts_with_grandparent_but_siblings_do_not(
    client, auth, lab, session
):
    blade = await make_resource(session, lab.site, lab.rtype, name="blade", parent=lab.server1)
    await session.commit()
    headers = await auth("bob")
    top = await book(client, headers, lab.rack, hours_from_now(0), hours_from_now(1))
    assert top.status_code == 201
    deep = await book(client, headers, blade, hours_from_now(0), hours_from_now(1))
    assert deep.status_code == 409
    s1 = await book(client, headers, lab.server1, hours_from_now(1), hours_from_now(2))
    s2 = await book(client, headers, lab.server2, hours_from_now(1), hours_from_now(2))
    assert (s1.status_code, s2.status_code) == (201, 201)


async def test_lead_time_and_teardown_grace_widen_the_hold(client, auth, lab, session):
    lab.rtype.lead_time = timedelta(minutes=30)
    lab.rtype.teardown_grace = timedelta(minutes=15)
    await session.commit()
    headers = await auth("bob")
    a = await book(client, headers, lab.server1, hours_from_now(2), hours_from_now(3))
    assert a.status_code == 201
    # Ends 10 minutes before the next one's lead time would... start: refused.
    too_close = await book(client, headers, lab.server1, hours_from_now(3.2), hours_from_now(4))
    assert too_close.status_code == 409
    before = await book(client, headers, lab.server1, hours_from_now(0), hours_from_now(1.25))
    assert before.status_code == 201, before.text
    held = (
        await session.execute(
            select(ReservationSlot.period).where(
                ReservationSlot.reservation_id == a.json()["id"],
                ReservationSlot.resource_id == lab.server1.id,
            )
        )
    ).scalar_one()
    assert held.lower == hours_from_now(2) - timedelta(minutes=30)
    assert held.upper == hours_from_now(3) + timedelta(minutes=15)


async def test_dst_crossing_booking_keeps_its_real_duration(client, auth, lab, session):
    # Europe/Berlin leaves summer time on 2027-10-31 at 03:00 CEST (01:00 UTC).
    lab.rtype.max_duration = timedelta(hours=3)
    await session.commit()
    cest, cet = timezone(timedelta(hours=2)), timezone(timedelta(hours=1))
    start = datetime(2027, 10, 31, 1, 30, tzinfo=cest)  # 23:30 UTC
    end = datetime(2027, 10, 31, 2, 30, tzinfo=cet)  # 01:30 UTC: three real hours
    headers = await auth("bob")
    ok = await book(client, headers, lab.server1, start, end)
    assert ok.status_code == 201, ok.text
    assert ok.json()["start"] == "2027-10-30T23:30:00Z"
    assert ok.json()["end"] == "2027-10-31T01:30:00Z"
    # The wall clock says 2 h, but 3 h 30 min pass: over the limit.
    too_long = await book(
        client,
        headers,
        lab.server2,
        datetime(2027, 10, 31, 1, 0, tzinfo=cest),
        datetime(2027, 10, 31, 3, 30, tzinfo=cet),
    )
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["type"] == "max_duration"
    # Back to back across the switch, expressed in the other offset.
    after = await book(client, headers, lab.server1, end.astimezone(cest), end + timedelta(hours=1))
    assert after.status_code == 201, after.text


async def test_naive_datetimes_are_refused(client, auth, lab, session):
    before = await counts(session)
    body = booking(lab.server1, hours_from_now(0), hours_from_now(1))
    body["start"] = "2030-01-01T10:00:00"
    response = await client.post("/api/v1/reservations", json=body, headers=await auth("bob"))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["loc"] == ["body", "start"]
    assert await counts(session) == before


async def test_bad_inputs_get_problem_details_and_write_nothing(client, auth, lab, session):
    headers = await auth("bob")
    good = booking(lab.server1, hours_from_now(0), hours_from_now(1))
    cases = [
        ({**good, "end": good["start"]}, 422),
        ({**good, "resource_id": "not-a-uuid"}, 422),
        ({**good, "resource_id": "00000000-0000-0000-0000-000000000000"}, 422),
        ({**good, "unknown": 1}, 422),
        ({**good, "title": ""}, 422),
        ({**good, "title": "x" * 201}, 422),
        ({**good, "parameters": []}, 422),
        ({k: v for k, v in good.items() if k != "end"}, 422),
        ({**good, "start": "yesterday"}, 422),
        ({**good, "end": "9999-12-31T23:59:59Z"}, 422),
        ({**good, "start": "0001-01-01T00:00:00+14:00"}, 422),
        ({**good, "owner_id": "someone-else"}, 403),
    ]
    before = await counts(session)
    for body, expected in cases:
        response = await client.post("/api/v1/reservations", json=body, headers=headers)
        assert response.status_code == expected, (body, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["detail"]
    raw = await client.post(
        "/api/v1/reservations",
        content=b"{not json",
        headers={**headers, "content-type": "application/json"},
    )
    assert raw.status_code == 400
    assert await counts(session) == before


async def test_maintenance_and_retired_resources_refuse_bookings(client, auth, lab, session):
    lab.server1.status = "maintenance"
    lab.server2.status = "retired"
    await session.commit()
    headers = await auth("bob")
    for resource in (lab.server1, lab.server2):
        response = await book(client, headers, resource, hours_from_now(0), hours_from_now(1))
        assert response.status_code == 409
        assert response.json()["type"].endswith("resource-unavailable")


async def test_every_booking_writes_event_audit_and_notification(
    client, auth, lab, session, people
):
    from reservation_common.events import Event, ReservationEventData
    from reservation_db.models import SshKey

    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKb7i3tTn1bX7rXz8mGfJ8f0dLr7o9yT3nq0bq3X2w7K"
    session.add(
        SshKey(
            user_id=people["bob"],
            name="laptop",
            key_type="ssh-ed25519",
            public_key=key,
            fingerprint="SHA256:test",
        )
    )
    await session.commit()
    response = await book(
        client, await auth("bob"), lab.server1, hours_from_now(0), hours_from_now(1)
    )
    assert response.status_code == 201
    rid = response.json()["id"]
    events = (await session.execute(select(OutboxMessage))).scalars().all()
    assert [e.type for e in events] == ["reservation.created"]
    envelope = Event.model_validate(events[0].payload)
    data = ReservationEventData.model_validate(envelope.data)
    assert str(data.reservation.id) == rid
    assert data.resource.name == "server-1"
    assert [a.name for a in data.resource.path] == ["rack-a"]
    assert data.owner.username == "bob"
    assert data.owner.ssh_keys == [key]
    assert data.site.id == lab.site.id
    assert envelope.id == f"evt_{events[0].id.hex}"
    audit = (
        await session.execute(select(AuditLogEntry).where(AuditLogEntry.entity == "reservation"))
    ).scalar_one()
    assert audit.action == "created" and audit.entity_id == rid
    note = (await session.execute(select(Notification))).scalar_one()
    assert note.kind == "reservation.created"


async def test_database_never_holds_overlapping_slots(client, auth, lab, session):
    headers = await auth("bob")
    for i in range(6):
        await book(client, headers, lab.rack, hours_from_now(i), hours_from_now(i + 1.5))
        await book(client, headers, lab.server1, hours_from_now(i + 0.5), hours_from_now(i + 1))
    overlaps = (
        await session.execute(
            text(
                "SELECT count(*) FROM reservation_slots a JOIN reservation_slots b"
                " ON a.resource_id = b.resource_id AND a.reservation_id < b.reservation_id"
                " AND a.period && b.period"
            )
        )
    ).scalar_one()
    assert overlaps == 0

"""Mails of a booking's later life: a change, a provisioning report, an expired request."""

from __future__ import annotations

from datetime import timedelta

from reservation_be.workers.scheduler import LifecycleScheduler

from tests.mail.helpers import book, event_of, invitation_of, queued, text_of
from tests.provisioning.test_endpoints import CLIENT
from tests.reservations.factories import hours_from_now
from tests.webhooks.factories import delivery, subscription


async def test_a_change_mails_an_update_of_the_same_event_with_a_higher_sequence(
    client, auth, lab, sink, worker
):
    bob = await auth("bob")
    reservation = await book(client, bob, lab.server1, hours_from_now(1), hours_from_now(2))
    new_end = hours_from_now(3)
    changed = await client.patch(
        f"/api/v1/reservations/{reservation['id']}",
        json={"end": new_end.isoformat(), "title": "Longer run"},
        headers={**bob, "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    await worker.drain()
    first, second = await sink.wait_for(2)
    assert second.message["Subject"] == "Booking changed: Longer run"
    assert "changed by bob" in text_of(second.message)
    cal, _ = invitation_of(second.message)
    assert cal["METHOD"] == "REQUEST"
    before, after = event_of(invitation_of(first.message)[0]), event_of(cal)
    assert after["UID"] == before["UID"]
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (1, 2)
    assert after.decoded("DTEND") == new_end
    assert after["SUMMARY"] == "Longer run"


async def test_provisioning_ready_mails_its_details_and_in_progress_mails_nothing(
    client, auth, service_auth, lab, session, sink, worker
):
    reservation = await book(
        client, await auth("bob"), lab.server1, hours_from_now(1), hours_from_now(2)
    )
    sub = await subscription(session, lab.site.id, integration_client_id=CLIENT)
    await delivery(session, sub, status="succeeded", event_type="reservation.starting",
                   reservation_id=reservation["id"])  # fmt: skip
    headers = await service_auth(CLIENT)
    url = f"/api/v1/reservations/{reservation['id']}/provisioning"
    assert (await client.post(url, json={"state": "in_progress"}, headers=headers)).is_success
    ready = await client.post(
        url,
        json={"state": "ready", "message": "port Gi1/0/7 on VLAN 42",
              "details": {"port": "Gi1/0/7", "vlan": 42}},
        headers=headers,
    )  # fmt: skip
    assert ready.status_code == 200, ready.text
    assert [m.kind for m in await queued(session)] == ["booking_confirmed", "provisioning_ready"]
    await worker.drain()
    mails = await sink.wait_for(2)
    message = mails[1].message
    assert message["Subject"] == "Ready: Test booking"
    text = text_of(message)
    assert "ready (port Gi1/0/7 on VLAN 42)" in text
    assert "port: Gi1/0/7" in text and "vlan: 42" in text


async def test_a_request_not_approved_before_its_start_mails_a_rejection_with_a_cancel(
    app, client, auth, lab, session, sink, worker
):
    lab.rtype.requires_approval = True
    session.add(lab.rtype)
    await session.commit()
    start = hours_from_now(1)
    reservation = await book(client, await auth("bob"), lab.server1, start, hours_from_now(2))
    scheduler = LifecycleScheduler(
        sessionmaker=app.state.sessionmaker, clock=lambda: start + timedelta(seconds=1)
    )
    assert await scheduler.run_once() == 1
    kinds = sorted(m.kind for m in await queued(session))
    assert kinds == ["approval_requested", "booking_awaiting_approval", "booking_rejected"]
    await worker.drain()
    mails = {m.message["Subject"]: m.message for m in await sink.wait_for(3)}
    rejected = mails["Booking rejected: Test booking"]
    assert "not approved before start" in text_of(rejected)
    cal, _ = invitation_of(rejected)
    assert cal["METHOD"] == "CANCEL"
    assert event_of(cal)["UID"] == f"reservation-{reservation['id']}@platform.test"

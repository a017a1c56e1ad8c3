"""Provisioning reports of integrations, with real client-credentials tokens."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from reservation_db.models import AuditLogEntry, Notification, OutboxMessage
from reservation_db.models.reservation import Reservation
from sqlalchemy import select

from tests.reservations.factories import Lab, make_lab
from tests.webhooks.factories import delivery, subscription
from tests.workers.helpers import now, place

CLIENT = "switch-port-webhook"
PROBLEM = "application/problem+json"


@pytest.fixture
async def lab(session, people) -> Lab:
    return await make_lab(session, people)


@pytest.fixture
async def booked(session, lab, people) -> uuid.UUID:
    """bob's reservation, of which the switch-port subscription received an event."""
    start = now() + timedelta(hours=1)
    rid = await place(session, lab, people["bob"], start, start + timedelta(hours=2))
    sub = await subscription(session, lab.site.id, integration_client_id=CLIENT)
    await delivery(session, sub, status="succeeded", event_type="reservation.starting",
                   reservation_id=rid)  # fmt: skip
    return rid


def url(rid: uuid.UUID) -> str:
    return f"/api/v1/reservations/{rid}/provisioning"


async def test_bound_integration_reports_ready_and_the_owner_is_told(
    app, client, service_auth, booked, people
):
    headers = await service_auth(CLIENT)
    progress = await client.post(
        url(booked), json={"state": "in_progress", "message": "configuring"}, headers=headers
    )
    assert progress.status_code == 200, progress.text
    ready = await client.post(
        url(booked),
        json={"state": "ready", "message": "port Gi1/0/7 on VLAN 42",
              "details": {"port": "Gi1/0/7", "vlan": 42}},
        headers=headers,
    )  # fmt: skip
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["provisioning"]["state"] == "ready"
    assert body["provisioning"]["details"] == {"port": "Gi1/0/7", "vlan": 42}

    async with app.state.sessionmaker() as s:
        reservation = await s.get(Reservation, booked)
        assert reservation is not None
        assert reservation.provisioning_state == "ready"
        assert reservation.provisioning_message == "port Gi1/0/7 on VLAN 42"
        notes = (
            (
                await s.execute(
                    select(Notification)
                    .where(Notification.user_id == people["bob"])
                    .order_by(Notification.created_at)
                )
            )
            .scalars()
            .all()
        )
        events = (
            (await s.execute(select(OutboxMessage.payload).order_by(OutboxMessage.created_at)))
            .scalars()
            .all()
        )
        audit = (
            (
                await s.execute(
                    select(AuditLogEntry)
                    .where(AuditLogEntry.action == "provisioning_changed")
                    .order_by(AuditLogEntry.created_at)
                )
            )
            .scalars()
            .all()
        )
    assert [n.kind for n in notes] == ["reservation.provisioning_changed"] * 2
    assert "port Gi1/0/7 on VLAN 42" in notes[-1].message
    # The parts of the sentence, for the web app to word it in the user's language.
    assert notes[-1].params["state"] == "ready"
    assert notes[-1].params["detail"] == "port Gi1/0/7 on VLAN 42"
    assert {"title", "resource", "start", "end", "status"} <= notes[-1].params.keys()
    changed = [e for e in events if e["type"] == "reservation.provisioning_changed"]
    assert len(changed) == 2
    assert changed[-1]["data"]["reservation"]["provisioning"]["state"] == "ready"
    assert len(audit) == 2 and audit[-1].after["provisioning"]["state"] == "ready"
    assert audit[-1].actor_username and CLIENT in audit[-1].actor_username


async def test_the_same_report_twice_announces_nothing_new(app, client, service_auth, booked):
    headers = await service_auth(CLIENT)
    report = {"state": "ready", "message": "up"}
    for _ in range(2):
        assert (await client.post(url(booked), json=report, headers=headers)).status_code == 200
    async with app.state.sessionmaker() as s:
        types = (await s.execute(select(OutboxMessage.type))).scalars().all()
    assert types.count("reservation.provisioning_changed") == 1


async def test_a_client_not_bound_to_the_reservation_is_refused(
    client, service_auth, auth, booked, session, lab, people
):
    unbound = await service_auth("reservation-event-processor")
    processor = await client.post(url(booked), json={"state": "ready"}, headers=unbound)
    assert processor.status_code == 404
    assert processor.headers["content-type"] == PROBLEM
    owner = await client.post(url(booked), json={"state": "ready"}, headers=await auth("bob"))
    assert owner.status_code == 403
    # bound to a subscription, but that subscription never received an event of this one
    start = now() + timedelta(hours=5)
    other = await place(session, lab, people["bob"], start, start + timedelta(hours=1))
    never = await client.post(
        url(other), json={"state": "ready"}, headers=await service_auth(CLIENT)
    )
    assert never.status_code == 404
    anonymous = await client.post(url(booked), json={"state": "ready"})
    assert anonymous.status_code == 401


async def test_unknown_reservation_is_not_found(client, service_auth, db):
    response = await client.post(
        url(uuid.uuid4()), json={"state": "ready"}, headers=await service_auth(CLIENT)
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    "body",
    [
        {"state": "pending"},
        {"state": "exploded"},
        {"message": "no state"},
        {"state": "ready", "details": {"blob": "x" * 20_000}},
        {"state": "ready", "extra": True},
    ],
)
async def test_malformed_report_is_refused(client, service_auth, booked, body):
    response = await client.post(url(booked), json=body, headers=await service_auth(CLIENT))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM


async def test_after_cancellation_only_released_or_failed_is_accepted(
    client, service_auth, auth, booked
):
    cancelled = await client.post(
        f"/api/v1/reservations/{booked}/cancel", json={}, headers=await auth("bob")
    )
    assert cancelled.status_code == 200, cancelled.text
    headers = await service_auth(CLIENT)
    ready = await client.post(url(booked), json={"state": "ready"}, headers=headers)
    assert ready.status_code == 409
    released = await client.post(
        url(booked), json={"state": "released", "message": "port restored"}, headers=headers
    )
    assert released.status_code == 200
    assert released.json()["provisioning"]["state"] == "released"


async def test_bound_integration_reads_the_current_state_after_a_move_and_a_cancellation(
    client, service_auth, auth, booked, lab
):
    headers = await service_auth(CLIENT)
    before = await client.get(url(booked), headers=headers)
    assert before.status_code == 200, before.text
    assert before.json()["reservation"]["status"] == "confirmed"
    assert before.json()["resource"]["id"] == str(lab.server1.id)
    assert before.json()["owner"]["username"] == "bob"

    bob = await auth("bob")
    version = before.json()["reservation"]["version"]
    moved = await client.patch(
        f"/api/v1/reservations/{booked}",
        json={"resource_id": str(lab.server2.id)},
        headers={**bob, "If-Match": f'"{version}"'},
    )
    assert moved.status_code == 200, moved.text
    after_move = (await client.get(url(booked), headers=headers)).json()
    assert after_move["resource"]["id"] == str(lab.server2.id)
    assert after_move["reservation"]["version"] > version

    cancelled = await client.post(f"/api/v1/reservations/{booked}/cancel", json={}, headers=bob)
    assert cancelled.status_code == 200, cancelled.text
    after_cancel = (await client.get(url(booked), headers=headers)).json()
    assert after_cancel["reservation"]["status"] == "cancelled"


async def test_reading_the_current_state_needs_a_bound_integration(
    client, service_auth, auth, booked
):
    unbound = await client.get(
        url(booked), headers=await service_auth("reservation-event-processor")
    )
    assert unbound.status_code == 404
    assert unbound.headers["content-type"] == PROBLEM
    owner = await client.get(url(booked), headers=await auth("bob"))
    assert owner.status_code == 403
    assert (await client.get(url(booked))).status_code == 401
    missing = await client.get(url(uuid.uuid4()), headers=await service_auth(CLIENT))
    assert missing.status_code == 404


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_client_cannot_tell_a_foreign_reservation_from_a_missing_one(
    client, service_auth, booked, method
):
    """Any client can get a service-account token; the answer must not reveal which ids exist."""
    headers = await service_auth("reservation-event-processor")
    body = {"state": "ready"} if method == "POST" else None
    answers = []
    for reservation_id in (booked, uuid.uuid4()):
        response = await client.request(method, url(reservation_id), json=body, headers=headers)
        problem = response.json()
        answers.append(
            (
                response.status_code,
                problem["type"],
                problem["title"],
                problem["detail"].replace(str(reservation_id), "<id>"),
            )
        )
    assert answers[0] == answers[1]
    assert answers[0][0] == 404

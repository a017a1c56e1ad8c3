"""Provisioning failure, extensions, early release and check-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from reservation_be.workers.lifecycle import Stage
from reservation_be.workers.repository import record_stages
from reservation_be.workers.scheduler import LifecycleScheduler
from reservation_db.models import Notification, Reservation, ResourceType, User
from reservation_db.models.mail_message import MailMessage
from sqlalchemy import select, text, update

from tests.fairuse.factories import PROBLEM, events_of, now, place, valid
from tests.reservations.factories import booking, hours_from_now
from tests.webhooks.factories import delivery, subscription

CLIENT = "switch-port-webhook"


async def set_type(session, lab, **fields):
    await session.execute(
        update(ResourceType).where(ResourceType.id == lab.rtype.id).values(**fields)
    )
    await session.commit()


async def bound(session, lab, rid):
    sub = await subscription(session, lab.site.id, integration_client_id=CLIENT)
    await delivery(
        session, sub, status="succeeded", event_type="reservation.starting", reservation_id=rid
    )


# --- provisioning failed -------------------------------------------------------------------


@pytest.mark.parametrize(("policy", "freed"), [("release", True), ("keep", False)])
async def test_a_failed_provisioning_fails_the_reservation(
    client, auth, service_auth, lab, session, people, policy, freed
):
    await set_type(session, lab, on_provisioning_failure=policy)
    start = now() + timedelta(hours=1)
    rid = await place(
        session,
        site_id=lab.site.id,
        resource_id=lab.server1.id,
        owner_id=people["bob"],
        start=start,
        end=start + timedelta(hours=2),
    )
    await bound(session, lab, rid)
    await session.execute(
        update(User).where(User.id == people["bob"]).values(email="bob@example.test")
    )
    await session.commit()
    report = await client.post(
        f"/api/v1/reservations/{rid}/provisioning",
        json={"state": "failed", "message": "switch unreachable"},
        headers=await service_auth(CLIENT),
    )
    assert report.status_code == 200, report.text
    reservation = await session.get(Reservation, rid, populate_existing=True)
    assert (reservation.status, reservation.status_reason) == ("failed", "switch unreachable")
    [failed] = [e for e in await events_of(session, rid) if e["type"] == "reservation.failed"]
    valid(failed)
    assert failed["data"]["cause"] == "provisioning_failed"
    assert failed["data"]["previous_status"] == "confirmed"
    assert failed["data"]["reservation"]["provisioning"]["message"] == "switch unreachable"
    note = await session.execute(
        select(Notification.message, Notification.params).where(
            Notification.user_id == people["bob"], Notification.kind == "reservation.failed"
        )
    )
    message, params = note.one()
    assert "switch unreachable" in message
    assert params["detail"] == "switch unreachable"
    assert params["cause"] == "provisioning_failed"
    mails = await session.execute(
        select(MailMessage.kind).where(MailMessage.user_id == people["bob"])
    )
    assert "provisioning_failed" in mails.scalars().all()
    again = await client.post(
        "/api/v1/reservations",
        json=booking(lab.server1, start, start + timedelta(hours=1)),
        headers=await auth("alice"),
    )
    assert again.status_code == (201 if freed else 409), again.text


# --- extensions ----------------------------------------------------------------------------


async def test_extension_window_and_maximum_of_the_type(client, auth, lab, session, people):
    await set_type(
        session, lab, extension_window=timedelta(hours=3), max_extension=timedelta(hours=1)
    )
    start = now() - timedelta(minutes=30)
    rid = await place(
        session,
        site_id=lab.site.id,
        resource_id=lab.server1.id,
        owner_id=people["bob"],
        start=start,
        end=start + timedelta(hours=2),
        status="active",
    )
    bob = await auth("bob")
    end = start + timedelta(hours=2)
    ok = await client.post(
        f"/api/v1/reservations/{rid}/extend",
        json={"end": (end + timedelta(minutes=40)).isoformat()},
        headers=bob,
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["extended_by"] == "PT40M"
    over = await client.post(
        f"/api/v1/reservations/{rid}/extend",
        json={"end": (end + timedelta(minutes=70)).isoformat()},
        headers=bob,
    )
    assert over.status_code == 422, over.text
    assert over.headers["content-type"] == PROBLEM
    assert over.json()["type"].endswith("extension-refused")
    assert over.json()["errors"][0]["type"] == "max_extension"
    # A site admin may go past it.
    admin = await client.post(
        f"/api/v1/reservations/{rid}/extend",
        json={"end": (end + timedelta(minutes=90)).isoformat()},
        headers=await auth("alice"),
    )
    assert admin.status_code == 200, admin.text


async def test_an_extension_asked_too_early_is_refused(client, auth, lab, session):
    await set_type(session, lab, extension_window=timedelta(hours=1))
    bob = await auth("bob")
    made = await client.post(
        "/api/v1/reservations",
        json=booking(lab.server1, hours_from_now(0), hours_from_now(2)),
        headers=bob,
    )
    early = await client.patch(
        f"/api/v1/reservations/{made.json()['id']}",
        json={"end": hours_from_now(3).isoformat()},
        headers={**bob, "If-Match": '"1"'},
    )
    assert early.status_code == 422
    assert early.json()["errors"][0]["type"] == "extension_window"


async def test_an_extension_into_another_booking_names_it(client, auth, lab):
    bob = await auth("bob")
    mine = await client.post(
        "/api/v1/reservations",
        json=booking(lab.server1, hours_from_now(0), hours_from_now(2)),
        headers=bob,
    )
    theirs = await client.post(
        "/api/v1/reservations",
        json=booking(lab.server1, hours_from_now(3), hours_from_now(4)),
        headers=await auth("alice"),
    )
    refused = await client.post(
        f"/api/v1/reservations/{mine.json()['id']}/extend",
        json={"end": hours_from_now(4).isoformat()},
        headers=bob,
    )
    assert refused.status_code == 409
    assert refused.json()["conflicting_reservation"]["id"] == theirs.json()["id"]
    backwards = await client.post(
        f"/api/v1/reservations/{mine.json()['id']}/extend",
        json={"end": hours_from_now(1).isoformat()},
        headers=bob,
    )
    assert backwards.status_code == 422


# --- release now ---------------------------------------------------------------------------


async def test_release_ends_an_active_booking_now_and_frees_the_rest(
    app, client, auth, lab, session, people
):
    start = now() - timedelta(hours=1)
    rid = await place(
        session,
        site_id=lab.site.id,
        resource_id=lab.server1.id,
        owner_id=people["bob"],
        start=start,
        end=start + timedelta(hours=4),
        status="active",
    )
    # The scheduler's ledger says it started (as it would have, to make it active).
    await record_stages(session, [(rid, Stage.STARTED)])
    await session.commit()
    released = await client.post(f"/api/v1/reservations/{rid}/release", headers=await auth("bob"))
    assert released.status_code == 200, released.text
    body = released.json()
    assert body["status"] == "completed"
    assert now() - timedelta(minutes=1) < datetime_of(body["end"]) <= now()
    [event] = [e for e in await events_of(session, rid) if e["type"] == "reservation.released"]
    assert valid(event)["data"]["cause"] == "released"
    # The rest of the period is free again.
    rebook = await client.post(
        "/api/v1/reservations",
        json=booking(lab.server1, now() + timedelta(minutes=5), start + timedelta(hours=4)),
        headers=await auth("alice"),
    )
    assert rebook.status_code == 201, rebook.text
    # Teardown: the scheduler emits reservation.ended at once.
    scheduler = LifecycleScheduler(sessionmaker=app.state.sessionmaker)
    await scheduler.run_once()
    types = [e["type"] for e in await events_of(session, rid)]
    assert types[-1] == "reservation.ended"
    again = await client.post(f"/api/v1/reservations/{rid}/release", headers=await auth("bob"))
    assert again.status_code == 409


async def test_release_of_a_booking_not_started_is_refused(client, auth, lab):
    made = await client.post(
        "/api/v1/reservations",
        json=booking(lab.server1, hours_from_now(0), hours_from_now(1)),
        headers=await auth("bob"),
    )
    refused = await client.post(
        f"/api/v1/reservations/{made.json()['id']}/release", headers=await auth("bob")
    )
    assert refused.status_code == 409
    assert "cancel" in refused.json()["detail"]


# --- check-in ------------------------------------------------------------------------------


async def test_only_the_owner_checks_in_and_only_around_the_period(
    client, auth, lab, session, people
):
    start = now() + timedelta(minutes=10)
    rid = await place(
        session,
        site_id=lab.site.id,
        resource_id=lab.server1.id,
        owner_id=people["bob"],
        start=start,
        end=start + timedelta(hours=1),
    )
    later = await place(
        session,
        site_id=lab.site.id,
        resource_id=lab.server2.id,
        owner_id=people["bob"],
        start=start + timedelta(hours=5),
        end=start + timedelta(hours=6),
    )
    for_someone_else = await client.post(
        f"/api/v1/reservations/{rid}/check-in", headers=await auth("alice")
    )
    assert for_someone_else.status_code == 403
    assert for_someone_else.headers["content-type"] == PROBLEM
    ok = await client.post(f"/api/v1/reservations/{rid}/check-in", headers=await auth("bob"))
    assert ok.status_code == 200, ok.text
    assert ok.json()["checked_in_at"] is not None
    too_early = await client.post(
        f"/api/v1/reservations/{later}/check-in", headers=await auth("bob")
    )
    assert too_early.status_code == 409
    assert too_early.json()["type"].endswith("check-in-refused")


def datetime_of(value: str):
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- idle release --------------------------------------------------------------------------


async def test_a_booking_not_checked_in_in_time_is_released_by_the_scheduler(
    app, client, auth, lab, session, people
):
    await set_type(session, lab, checkin_within=timedelta(minutes=10))
    start = now() - timedelta(minutes=20)
    idle = await place(
        session,
        site_id=lab.site.id,
        resource_id=lab.server1.id,
        owner_id=people["bob"],
        start=start,
        end=start + timedelta(hours=3),
        status="active",
    )
    used = await place(
        session,
        site_id=lab.site.id,
        resource_id=lab.server2.id,
        owner_id=people["bob"],
        start=start,
        end=start + timedelta(hours=3),
        status="active",
    )
    await record_stages(session, [(idle, Stage.STARTED), (used, Stage.STARTED)])
    await session.commit()
    checked = await client.post(f"/api/v1/reservations/{used}/check-in", headers=await auth("bob"))
    assert checked.status_code == 200, checked.text
    scheduler = LifecycleScheduler(sessionmaker=app.state.sessionmaker)
    await scheduler.run_once()
    statuses = {
        r.id: (r.status, r.status_reason)
        for r in (
            await session.execute(select(Reservation).execution_options(populate_existing=True))
        ).scalars()
    }
    assert statuses[idle] == ("cancelled", "not checked in in time")
    assert statuses[used][0] == "active"
    events = await events_of(session, idle)
    [cancelled] = [e for e in events if e["type"] == "reservation.cancelled"]
    assert valid(cancelled)["data"]["cause"] == "idle"
    assert [e["type"] for e in events][-1] == "reservation.ended"  # teardown follows
    # The period is free again.
    rebook = await client.post(
        "/api/v1/reservations",
        json=booking(lab.server1, now() + timedelta(minutes=5), now() + timedelta(hours=1)),
        headers=await auth("alice"),
    )
    assert rebook.status_code == 201, rebook.text


# --- check-in by the integration serving the booking ----------------------------------------


async def test_the_bound_integration_checks_in_for_the_owner_and_the_booking_stays(
    app, client, service_auth, lab, session, people
):
    await set_type(session, lab, checkin_within=timedelta(minutes=10))
    start = now() - timedelta(minutes=20)
    rids = []
    for server in (lab.server1, lab.server2):
        rid = await place(
            session, site_id=lab.site.id, resource_id=server.id, owner_id=people["bob"],
            start=start, end=start + timedelta(hours=3), status="active",
        )  # fmt: skip
        await bound(session, lab, rid)
        rids.append(rid)
    seen, ready_only = rids
    await record_stages(session, [(seen, Stage.STARTED), (ready_only, Stage.STARTED)])
    await session.commit()
    headers = await service_auth(CLIENT)
    # A ready report alone is no check-in: the integration did its part, the owner may not
    # have come.
    for rid in rids:
        ready = await client.post(
            f"/api/v1/reservations/{rid}/provisioning", json={"state": "ready"}, headers=headers
        )
        assert ready.status_code == 200, ready.text
    # Then it sees the owner log in: the same state again, with checked_in.
    login = await client.post(
        f"/api/v1/reservations/{seen}/provisioning",
        json={"state": "ready", "checked_in": True},
        headers=headers,
    )
    assert login.status_code == 200, login.text
    await LifecycleScheduler(sessionmaker=app.state.sessionmaker).run_once()
    rows = await session.execute(select(Reservation).execution_options(populate_existing=True))
    found = {r.id: r for r in rows.scalars()}
    assert found[seen].status == "active"
    assert found[seen].checked_in_at is not None
    assert (found[ready_only].status, found[ready_only].status_reason) == (
        "cancelled",
        "not checked in in time",
    )
    audit = await session.execute(
        text("SELECT action FROM audit_log WHERE entity_id = :id AND action = 'checked_in'"),
        {"id": str(seen)},
    )
    assert audit.scalars().all() == ["checked_in"]


async def test_an_integration_check_in_outside_the_window_or_unbound_is_refused(
    client, service_auth, lab, session, people
):
    start = now() + timedelta(hours=2)
    rid = await place(
        session, site_id=lab.site.id, resource_id=lab.server1.id, owner_id=people["bob"],
        start=start, end=start + timedelta(hours=1),
    )  # fmt: skip
    await bound(session, lab, rid)
    url = f"/api/v1/reservations/{rid}/provisioning"
    early = await client.post(
        url, json={"state": "in_progress", "checked_in": True}, headers=await service_auth(CLIENT)
    )
    assert early.status_code == 409, early.text
    assert early.headers["content-type"] == PROBLEM
    assert early.json()["type"].endswith("check-in-refused")
    reservation = await session.get(Reservation, rid, populate_existing=True)
    assert reservation.checked_in_at is None
    assert reservation.provisioning_state == "pending"  # the whole report was refused
    failed = await client.post(
        url, json={"state": "failed", "checked_in": True}, headers=await service_auth(CLIENT)
    )
    assert failed.status_code == 422
    assert "checked_in goes with state in_progress or ready" in failed.text
    # An integration not bound to the booking cannot check anybody in.
    other = await client.post(
        url,
        json={"state": "ready", "checked_in": True},
        headers=await service_auth("reservation-event-processor"),
    )
    assert other.status_code in (403, 404), other.text

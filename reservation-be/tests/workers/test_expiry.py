"""A request still pending at its start is rejected by the scheduler ("not approved before
start"): through the transition table, slots freed, ``reservation.rejected`` emitted and the
owner notified, exactly once."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from reservation_be.workers.listener import asyncpg_dsn
from reservation_be.workers.scheduler import NOT_APPROVED, LifecycleScheduler
from reservation_db.models import AuditLogEntry, Notification, ReservationSlot
from reservation_db.models.reservation import Reservation
from sqlalchemy import func, select

from tests.reservations.factories import Lab, make_lab
from tests.workers.helpers import lifecycle_events, now, running, seconds, status_of
from tests.workers.live import eventually

SCHEMAS = Path(__file__).resolve().parents[3] / "docs" / "events" / "schemas"


@pytest.fixture
async def lab(session, people) -> Lab:
    return await make_lab(session, people, requires_approval=True)


@pytest.fixture
def make_scheduler(app, db, settings) -> Callable[..., LifecycleScheduler]:  # type: ignore[no-untyped-def]
    def build(**options: Any) -> LifecycleScheduler:
        options.setdefault("listen_dsn", asyncpg_dsn(settings.database_url))
        return LifecycleScheduler(sessionmaker=app.state.sessionmaker, **options)

    return build


async def request(client: Any, headers: dict[str, str], lab: Lab, start: Any, end: Any) -> str:
    response = await client.post(
        "/api/v1/reservations",
        json={
            "resource_id": str(lab.server1.id),
            "title": "Awaiting approval",
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    return str(response.json()["id"])


async def count(sm: Any, stmt: Any) -> int:
    async with sm() as session:
        return int((await session.execute(stmt)).scalar_one())


async def test_a_request_pending_at_its_start_is_rejected_once_and_frees_its_slots(
    app, client, auth, lab, people, make_scheduler
):
    sm = app.state.sessionmaker
    bob = await auth("bob")
    start = now() + seconds(1.5)
    end = start + timedelta(hours=1)
    rid = await request(client, bob, lab, start, end)
    assert await count(sm, _slots(rid)) > 0
    later = await request(client, bob, lab, end, end + timedelta(hours=1))  # not due yet

    first, second = make_scheduler(), make_scheduler()
    async with running(first), running(second):
        await eventually(lambda: _status_is(sm, rid, "rejected"), timeout=10, what="expiry")
    assert await make_scheduler(listen_dsn=None).run_once() == 0

    events = await lifecycle_events(sm, rid)
    assert [e["type"] for e in events] == ["reservation.created", "reservation.rejected"]
    rejected = events[-1]
    jsonschema.validate(rejected, json.loads((SCHEMAS / "reservation.rejected.json").read_text()))
    data = rejected["data"]
    assert data["previous_status"] == "pending"
    assert data["reservation"]["status"] == "rejected"
    assert data["reservation"]["version"] == 2
    assert data["due_at"].startswith(start.isoformat()[:19])
    assert 0 <= data["lateness_seconds"] < 5
    assert first.emitted + second.emitted == 1

    async with sm() as session:
        reservation = await session.get(Reservation, rid)
        assert reservation is not None
        assert reservation.status_reason == NOT_APPROVED
        audit = (
            await session.execute(
                select(AuditLogEntry)
                .where(AuditLogEntry.entity_id == rid)
                .order_by(AuditLogEntry.created_at)
            )
        ).scalars()
        assert [(a.action, a.actor_id) for a in audit] == [
            ("created", people["bob"]),
            ("rejected", None),
        ]
        notes = (
            await session.execute(
                select(Notification.kind, Notification.message, Notification.params).where(
                    Notification.user_id == people["bob"],
                    Notification.kind == "reservation.rejected",
                )
            )
        ).all()
    assert len(notes) == 1
    assert "not approved before its start" in notes[0].message
    assert notes[0].params["cause"] == "unapproved"
    assert notes[0].params["status"] == "rejected"
    assert await count(sm, _slots(rid)) == 0
    assert await status_of(sm, later) == "pending"

    # The freed period can be booked again.
    again = await client.post(
        "/api/v1/reservations",
        json={
            "resource_id": str(lab.server1.id),
            "title": "Taking the freed period",
            "start": (now() + seconds(60)).isoformat(),
            "end": (end - seconds(60)).isoformat(),
        },
        headers=await auth("alice"),
    )
    assert again.status_code == 201, again.text


async def test_an_approval_after_the_expiry_is_refused(
    app, client, auth, lab, people, make_scheduler
):
    sm = app.state.sessionmaker
    start = now() + seconds(1.2)
    rid = await request(client, await auth("bob"), lab, start, start + timedelta(hours=1))
    alice = await auth("alice")
    await eventually(lambda: now() > start, timeout=5, what="the start")
    assert await make_scheduler(listen_dsn=None).run_once() == 1

    approved = await client.post(f"/api/v1/reservations/{rid}/approve", json={}, headers=alice)
    assert approved.status_code == 409, approved.text
    assert approved.headers["content-type"] == "application/problem+json"
    assert approved.json()["type"].endswith("invalid-transition")
    assert await status_of(sm, rid) == "rejected"


async def test_a_request_approved_before_its_start_starts_normally(
    app, client, auth, lab, make_scheduler
):
    sm = app.state.sessionmaker
    start = now() + seconds(1.2)
    rid = await request(client, await auth("bob"), lab, start, start + timedelta(hours=1))
    approved = await client.post(
        f"/api/v1/reservations/{rid}/approve", json={}, headers=await auth("alice")
    )
    assert approved.status_code == 200, approved.text
    await eventually(lambda: now() > start, timeout=5, what="the start")
    assert await make_scheduler(listen_dsn=None).run_once() == 2
    assert [e["type"] for e in await lifecycle_events(sm, rid)] == [
        "reservation.created",
        "reservation.approved",
        "reservation.starting",
        "reservation.started",
    ]
    assert await status_of(sm, rid) == "active"


def _slots(rid: str) -> Any:
    return select(func.count()).where(ReservationSlot.reservation_id == rid)


async def _status_is(sm: Any, rid: str, status: str) -> bool:
    return await status_of(sm, rid) == status  # type: ignore[arg-type]

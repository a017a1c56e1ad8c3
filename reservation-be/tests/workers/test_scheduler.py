"""Lifecycle scheduler: reconciliation against the real database, real clock."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from reservation_be.workers.listener import asyncpg_dsn
from reservation_be.workers.payloads import Payloads
from reservation_be.workers.scheduler import LifecycleScheduler
from reservation_db.models import Notification
from sqlalchemy import select

from tests.reservations.factories import Lab, make_lab
from tests.workers.helpers import (
    lifecycle_events,
    now,
    place,
    running,
    seconds,
    status_of,
    types_of,
)
from tests.workers.live import eventually

FULL = [
    "reservation.starting",
    "reservation.started",
    "reservation.ending_soon",
    "reservation.ended",
]


@pytest.fixture
async def lab(session, people) -> Lab:
    return await make_lab(session, people, lead_time=timedelta(seconds=1))


@pytest.fixture
def make_scheduler(app, db, settings) -> Callable[..., LifecycleScheduler]:  # type: ignore[no-untyped-def]
    def build(**options: Any) -> LifecycleScheduler:
        options.setdefault("listen_dsn", asyncpg_dsn(settings.database_url))
        options.setdefault("ending_soon_before", timedelta(minutes=15))
        return LifecycleScheduler(sessionmaker=app.state.sessionmaker, **options)

    return build


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_restart_across_the_start_boundary_emits_start_exactly_once(
    app, session, lab, people, make_scheduler
):
    sm = app.state.sessionmaker
    start = now() + seconds(3)
    rid = await place(session, lab, people["bob"], start, start + timedelta(hours=1))

    async with running(make_scheduler()):
        await eventually(lambda: _has(sm, rid, "reservation.starting"), timeout=5, what="starting")
    assert now() < start, "the first scheduler must stop before the start"
    assert await types_of(sm, rid) == ["reservation.starting"]

    await asyncio.sleep((start - now()).total_seconds() + 0.3)
    restarted = make_scheduler()
    async with running(restarted):
        await eventually(lambda: _has(sm, rid, "reservation.started"), timeout=5, what="start")
        await asyncio.sleep(0.2)
    again = make_scheduler(listen_dsn=None)
    assert await again.run_once() == 0

    events = await lifecycle_events(sm, rid)
    assert [e["type"] for e in events] == ["reservation.starting", "reservation.started"]
    assert await status_of(sm, rid) == "active"
    started = events[1]["data"]
    assert started["reservation"]["status"] == "active"
    assert started["previous_status"] == "confirmed"
    assert at(started["due_at"]) == start
    assert 0.2 <= started["lateness_seconds"] < 5


async def test_two_schedulers_in_parallel_emit_each_event_exactly_once(
    app, session, lab, people, make_scheduler
):
    sm = app.state.sessionmaker
    base = now() + seconds(1.5)
    ids = []
    for i in range(24):
        resource = (lab.server1, lab.server2)[i % 2]
        start = base + seconds(0.05 * i)
        ids.append(
            await place(session, lab, people["bob"], start, start + seconds(4), resource=resource)
        )
    first = make_scheduler(ending_soon_before=seconds(2))
    second = make_scheduler(ending_soon_before=seconds(2))
    async with running(first), running(second):
        for rid in ids:
            await eventually(
                lambda rid=rid: _status_is(sm, rid, "completed"), timeout=15, what="completion"
            )
    for rid in ids:
        assert await types_of(sm, rid) == FULL
    assert first.emitted + second.emitted == 4 * len(ids)
    assert Counter(await _all_event_ids(sm)).most_common(1)[0][1] == 1


async def test_catch_up_after_an_outage_emits_late_events_in_order_with_lateness(
    app, session, lab, people, make_scheduler
):
    sm = app.state.sessionmaker
    t = now()
    over = await place(
        session, lab, people["bob"], t - timedelta(hours=2), t - timedelta(hours=1),
        created_at=t - timedelta(days=1),
    )  # fmt: skip
    running_now = await place(
        session, lab, people["bob"], t - timedelta(minutes=30), t + timedelta(hours=1),
        created_at=t - timedelta(days=1), resource=lab.server2,
    )  # fmt: skip

    emitted = await make_scheduler(listen_dsn=None).run_once()

    assert emitted == 6
    over_events = await lifecycle_events(sm, over)
    # Every lifecycle event, once, in order, each saying when it was due.
    assert [e["type"] for e in over_events] == FULL
    assert await status_of(sm, over) == "completed"
    started, ending_soon, ended = (e["data"] for e in over_events[1:])
    assert at(started["due_at"]) == t - timedelta(hours=2)
    assert started["lateness_seconds"] == pytest.approx(7200, abs=30)
    assert at(ending_soon["due_at"]) == t - timedelta(hours=1, minutes=15)
    assert ending_soon["lateness_seconds"] == pytest.approx(4500, abs=30)
    assert ending_soon["reservation"]["status"] == "active"
    assert ended["lateness_seconds"] == pytest.approx(3600, abs=30)
    assert ended["reservation"]["status"] == "completed"
    assert await types_of(sm, running_now) == ["reservation.starting", "reservation.started"]
    assert await status_of(sm, running_now) == "active"


async def test_an_outage_across_ending_soon_and_the_end_emits_both_late_after_a_restart(
    app, session, lab, people, make_scheduler
):
    sm = app.state.sessionmaker
    start = now() + seconds(2)
    end = start + seconds(6)
    before = seconds(3)  # ending_soon due 3 s after the start
    rid = await place(session, lab, people["bob"], start, end)

    async with running(make_scheduler(ending_soon_before=before)):
        await eventually(lambda: _has(sm, rid, "reservation.started"), timeout=8, what="start")
    assert now() < end - before, "the first scheduler must stop before ending_soon is due"
    assert await types_of(sm, rid) == FULL[:2]

    # The platform is down across ending_soon and the end.
    await asyncio.sleep((end - now()).total_seconds() + 0.3)
    restarted = make_scheduler(ending_soon_before=before)
    async with running(restarted):
        await eventually(lambda: _status_is(sm, rid, "completed"), timeout=8, what="end")
        await asyncio.sleep(0.2)
    assert await make_scheduler(listen_dsn=None, ending_soon_before=before).run_once() == 0

    events = await lifecycle_events(sm, rid)
    assert [e["type"] for e in events] == FULL
    ending_soon, ended = events[2]["data"], events[3]["data"]
    assert at(ending_soon["due_at"]) == end - before
    assert ending_soon["lateness_seconds"] >= 3
    assert at(ended["due_at"]) == end
    assert restarted.emitted == 2
    async with sm() as s:
        kinds = (await s.execute(select(Notification.kind))).scalars().all()
    assert "reservation.ending_soon" not in kinds  # the owner is told it ended, not "soon"
    assert "reservation.ended" in kinds


async def test_cancelling_an_active_reservation_emits_ended_at_once(
    app, client, auth, lab, make_scheduler
):
    sm = app.state.sessionmaker
    scheduler = make_scheduler(max_sleep=seconds(30))
    async with running(scheduler):
        assert scheduler.listening is not None
        await eventually(scheduler.listening.is_set, timeout=5, what="LISTEN")
        bob = await auth("bob")  # a first token can take a while on a busy machine
        start = now() + seconds(1.5)
        booked = await client.post(
            "/api/v1/reservations",
            json={
                "resource_id": str(lab.server1.id),
                "title": "Cancelled while active",
                "start": start.isoformat(),
                "end": (start + timedelta(hours=2)).isoformat(),
            },
            headers=bob,
        )
        assert booked.status_code == 201, booked.text
        rid = booked.json()["id"]
        await eventually(lambda: _status_is(sm, rid, "active"), timeout=5, what="active")
        started = (await lifecycle_events(sm, rid))[-1]["data"]
        # Woken for the due time, not by the 30 s fallback sleep.
        assert started["lateness_seconds"] < 3.0

        cancelled = await client.post(
            f"/api/v1/reservations/{rid}/cancel", json={"reason": "done early"},
            headers=await auth("bob"),
        )  # fmt: skip
        assert cancelled.status_code == 200, cancelled.text
        loop = asyncio.get_running_loop()
        asked = loop.time()
        await eventually(lambda: _has(sm, rid, "reservation.ended"), timeout=5, what="ended")
        assert loop.time() - asked < 3.0

    events = await lifecycle_events(sm, rid)
    assert [e["type"] for e in events] == [
        "reservation.created",
        "reservation.starting",
        "reservation.started",
        "reservation.cancelled",
        "reservation.ended",
    ]
    assert events[-1]["data"]["reservation"]["status"] == "cancelled"
    assert await status_of(sm, rid) == "cancelled"


async def test_shortening_an_active_reservation_moves_its_teardown_forward(
    app, session, client, auth, lab, people, make_scheduler
):
    sm = app.state.sessionmaker
    t = now()
    rid = await place(
        session, lab, people["bob"], t - timedelta(minutes=5), t + timedelta(hours=3),
        created_at=t - timedelta(hours=1),
    )  # fmt: skip
    scheduler = make_scheduler(ending_soon_before=seconds(0.5))
    async with running(scheduler):
        await eventually(lambda: _status_is(sm, rid, "active"), timeout=5, what="active")
        current = await client.get(f"/api/v1/reservations/{rid}", headers=await auth("bob"))
        new_end = now() + seconds(1.5)
        shortened = await client.patch(
            f"/api/v1/reservations/{rid}",
            json={"end": new_end.isoformat()},
            headers={**await auth("bob"), "If-Match": current.headers["ETag"]},
        )
        assert shortened.status_code == 200, shortened.text
        await eventually(lambda: _status_is(sm, rid, "completed"), timeout=5, what="completion")
    events = await lifecycle_events(sm, rid)
    assert [e["type"] for e in events][-2:] == ["reservation.ending_soon", "reservation.ended"]
    ended = events[-1]["data"]
    assert at(ended["due_at"]) == new_end
    assert ended["lateness_seconds"] < 3.0


async def test_a_reservation_cancelled_before_it_starts_emits_no_lifecycle_event(
    app, session, lab, people, make_scheduler
):
    sm = app.state.sessionmaker
    t = now()
    rid = await place(
        session, lab, people["bob"], t - timedelta(hours=1), t + timedelta(hours=1),
        status="cancelled", created_at=t - timedelta(days=1),
    )  # fmt: skip
    assert await make_scheduler(listen_dsn=None).run_once() == 0
    assert await types_of(sm, rid) == []


async def _has(sm: Any, rid: Any, event_type: str) -> bool:
    return event_type in await types_of(sm, rid)


async def _status_is(sm: Any, rid: Any, status: str) -> bool:
    return await status_of(sm, rid) == status


async def _all_event_ids(sm: Any) -> list[str]:
    from reservation_db.models import OutboxMessage
    from sqlalchemy import select

    async with sm() as session:
        return [r[0] for r in await session.execute(select(OutboxMessage.payload["id"].astext))]


async def test_a_reservation_that_cannot_advance_holds_no_other_back(
    app, session, lab, people, make_scheduler, monkeypatch
):
    sm = app.state.sessionmaker
    t = now()
    # Due one after the other, the broken one in the middle of the batch.
    first, stuck, last = [
        await place(
            session,
            lab,
            people["bob"],
            t - timedelta(minutes=3 - i),
            t + timedelta(hours=1),
            created_at=t - timedelta(hours=1),
            resource=resource,
        )
        for i, resource in enumerate((lab.server1, lab.server2, lab.rack))
    ]
    real = Payloads.data

    def broken(self: Payloads, reservation: Any, **kwargs: Any) -> Any:
        if reservation.id == stuck:
            raise RuntimeError("cannot build the payload")
        return real(self, reservation, **kwargs)

    monkeypatch.setattr(Payloads, "data", broken)
    scheduler = make_scheduler(listen_dsn=None)
    assert await scheduler.run_once() == 4
    for fine in (first, last):
        assert await types_of(sm, fine) == ["reservation.starting", "reservation.started"]
        assert await status_of(sm, fine) == "active"
    assert await types_of(sm, stuck) == []
    assert await status_of(sm, stuck) == "confirmed"

    monkeypatch.setattr(Payloads, "data", real)
    assert await scheduler.run_once() == 2
    assert await types_of(sm, stuck) == ["reservation.starting", "reservation.started"]

"""N replicas, proven: three backends (API + scheduler + relay each) and two event processors on
one PostgreSQL database and one RabbitMQ queue, under a booking load with contention,
cancellations (before the start and during the period) and lifecycle boundaries inside the run,
with one backend and one processor killed -9 in the middle.

Checked in the database and at two receivers (one answers the first attempt of every delivery
with a 503, so retries cross the kill too): every lifecycle event exactly once per reservation
(by event id) and in order, every event delivered at least once to each subscription under one
``webhook-id``, and no two live reservations of one resource overlapping.
"""

from __future__ import annotations

import asyncio
import random
import signal
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from reservation_testrealm import TestRealm
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from e2e.api import Api
from e2e.conftest import Platform
from e2e.harness import ServiceProcess, eventually, free_port
from e2e.receivers import MinimalReceivers
from e2e.test_pipeline import subscribe_minimal

pytestmark = pytest.mark.asyncio(loop_scope="session")

LIFECYCLE = [
    "reservation.starting",
    "reservation.started",
    "reservation.ending_soon",
    "reservation.ended",
]
EVENT_TYPES = ["reservation.created", *LIFECYCLE, "reservation.cancelled"]
CLIENTS = 6
RESOURCES = 24
# Booking requests answered before the kill, and after it before the load stops.
BEFORE_KILL = 15
AFTER_KILL = 20
MAX_PER_CLIENT = 25  # a bound, far above what the kill takes
# How long one request may keep failing over between backends before the test gives up.
CALL_TIMEOUT = 60.0
SETTLE_TIMEOUT = 120.0


def replica_of(process: ServiceProcess, name: str, port: int) -> ServiceProcess:
    """Another replica of ``process``: the same command and settings, its own port and log."""
    args, env = list(process.args), dict(process.env)
    if "--port" in args:
        args[args.index("--port") + 1] = str(port)
    else:
        env["RESERVATION_EP_PORT"] = str(port)
    path = process.ready_url.split("/", 3)[3]
    return ServiceProcess(
        name,
        args,
        env=env,
        ready_url=f"http://127.0.0.1:{port}/{path}",
        log_path=process.log_path.with_name(f"{name.replace(' ', '-')}.log"),
    )


def port_of(process: ServiceProcess) -> int:
    return int(process.ready_url.split("/")[2].rsplit(":", 1)[1])


class Backends:
    """The API behind a naive load balancer: requests go round the backends; a request that
    meets a dead backend (connection refused or reset, a 5xx) is sent to the next one."""

    def __init__(self, processes: list[ServiceProcess], realm: TestRealm) -> None:
        self.clients = [Api(f"http://127.0.0.1:{port_of(p)}", realm) for p in processes]
        self.answered: Counter[int] = Counter()
        self.failovers = 0
        self._next = 0
        self._realm = realm
        self._tokens: dict[str, tuple[float, str]] = {}

    def _authorization(self, user: str) -> dict[str, str]:
        # One token per user and half minute, as a client keeps it: a token is a whole sign-in
        # (login form, code flow) that would block the test's event loop at every call.
        now = time.monotonic()
        at, token = self._tokens.get(user, (0.0, ""))
        if now - at > 30:
            token = self._realm.token(user)
            self._tokens[user] = (now, token)
        return {"Authorization": f"Bearer {token}"}

    async def call(self, user: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CALL_TIMEOUT
        headers = {**self._authorization(user), **kwargs.pop("headers", {})}
        while True:
            index = self._next % len(self.clients)
            self._next += 1
            try:
                response = await self.clients[index].call(
                    None, method, path, headers=headers, **kwargs
                )
            except httpx.TransportError as exc:
                failure = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 500:
                    self.answered[index] += 1
                    return response
                failure = f"{response.status_code} {response.text[:300]}"
            self.failovers += 1
            if loop.time() > deadline:
                raise AssertionError(
                    f"{method} {path}: no backend answered within {CALL_TIMEOUT} s;"
                    f" the last one said {failure}"
                )
            await asyncio.sleep(0.1)

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()


@dataclass
class Tally:
    booked: list[str] = field(default_factory=list)
    cancelled_early: list[str] = field(default_factory=list)
    cancelled_during: list[str] = field(default_factory=list)
    completed_before_cancel: int = 0
    answers: int = 0  # booking requests answered, booked or refused
    answers_at_kill: int = 0
    conflicts: int = 0
    too_late: int = 0


def allowed_types(status: str, types: set[str]) -> bool:
    """The events a reservation may have at the end of the run, given its final status.

    Completed: every lifecycle event. Cancelled: the lifecycle events up to its cancellation (a
    prefix of starting, started, ending_soon), and then ``ended`` if it had begun one.
    """
    lifecycle = [t for t in LIFECYCLE if t in types]
    if status == "completed":
        return types == {"reservation.created", *LIFECYCLE}
    if status != "cancelled" or not {"reservation.created", "reservation.cancelled"} <= types:
        return False
    begun = [t for t in lifecycle if t != "reservation.ended"]
    return begun == LIFECYCLE[: len(begun)] and ("reservation.ended" in types) == bool(begun)


async def test_three_backends_and_two_processors_survive_a_kill_9_of_one_each(
    api: Api,
    platform: Platform,
    minimal_receivers: MinimalReceivers,
    database: AsyncEngine,
) -> None:
    backends = [platform.backend] + [
        replica_of(platform.backend, f"backend {n}", free_port()) for n in (2, 3)
    ]
    processors = [platform.processor, replica_of(platform.processor, "processor 2", free_port())]
    extra = [*backends[1:], *processors[1:]]
    pool = Backends(backends, platform.realm)
    pending: set[asyncio.Task[None]] = set()
    try:
        launched = time.monotonic()
        # Three cold starts at once take a minute or more on a loaded machine.
        await asyncio.gather(*(p.start(timeout=240) for p in extra))
        startup_seconds = time.monotonic() - launched
        site = await api.create_site(members={"bob": "member"})
        plain, plain_sub = await subscribe_minimal(
            api, minimal_receivers, site["id"], event_types=EVENT_TYPES
        )
        flaky, flaky_sub = await subscribe_minimal(
            api, minimal_receivers, site["id"], event_types=EVENT_TYPES, fail_first=1
        )
        subscriptions = {plain: plain_sub["id"], flaky: flaky_sub["id"]}
        rtype = await api.create_resource_type(
            "alice", site["id"], name=f"node {uuid.uuid4().hex[:6]}", lead_time="PT2S"
        )
        resources = []
        for n in range(RESOURCES):
            created = await pool.call(
                "alice",
                "POST",
                f"/sites/{site['id']}/resources",
                json={"name": f"node {n}", "type_id": rtype["id"]},
            )
            assert created.status_code == 201, created.text
            resources.append(created.json()["id"])
        tally = Tally()
        rng = random.Random(20)
        started = time.monotonic()
        killed_at: datetime | None = None
        stop = asyncio.Event()

        async def cancel(reservation_id: str) -> str:
            """Cancel; returns the status it leaves (``completed`` when it ended first). An
            answer lost to a kill is retried on another backend, which finds it cancelled."""
            response = await pool.call("bob", "POST", f"/reservations/{reservation_id}/cancel")
            if response.status_code == 200:
                return "cancelled"
            assert response.status_code == 409, response.text
            now = await pool.call("bob", "GET", f"/reservations/{reservation_id}")
            status = str(now.json()["status"])
            assert status in ("cancelled", "completed"), (response.text, now.text)
            return status

        async def cancel_once_active(reservation_id: str) -> None:
            async def active() -> bool:
                async with database.connect() as conn:
                    status = await conn.scalar(
                        text("SELECT status FROM reservations WHERE id = :id"),
                        {"id": reservation_id},
                    )
                return status in ("active", "completed")

            await eventually(active, timeout=60, what="a reservation to start", interval=0.2)
            if await cancel(reservation_id) == "cancelled":
                tally.cancelled_during.append(reservation_id)
            else:
                tally.completed_before_cancel += 1

        async def book(n: int, i: int, during: bool, early: bool) -> httpx.Response:
            """One booking, tried again further ahead when the answer came after its start
            (a request failed over on a loaded machine)."""
            for later in range(3):
                ahead = (rng.uniform(10, 15) if early else rng.uniform(4, 10)) + 6 * later
                start = datetime.now(UTC) + timedelta(seconds=ahead)
                length = rng.uniform(7, 9) if during else rng.uniform(1, 3)
                response = await pool.call(
                    "bob",
                    "POST",
                    "/reservations",
                    headers={"Idempotency-Key": str(uuid.uuid4())},
                    json={
                        "resource_id": rng.choice(resources),
                        "title": f"replica load {n}.{i}",
                        "start": start.isoformat(),
                        "end": (start + timedelta(seconds=length)).isoformat(),
                    },
                )
                if response.status_code != 422 or "past" not in response.text:
                    break
                tally.too_late += 1
            return response

        async def client_load(n: int) -> None:
            for i in range(MAX_PER_CLIENT):
                if stop.is_set():
                    return
                # One in five is cancelled at once, one in five during its period (long enough).
                during, early = i % 5 == 2, i % 5 == 4
                response = await book(n, i, during, early)
                tally.answers += 1
                if response.status_code == 409:
                    tally.conflicts += 1
                    continue
                assert response.status_code == 201, response.text
                reservation_id = str(response.json()["id"])
                tally.booked.append(reservation_id)
                if early:
                    # Starts late enough that only a very slow machine lets it end first.
                    if await cancel(reservation_id) == "cancelled":
                        tally.cancelled_early.append(reservation_id)
                    else:
                        tally.completed_before_cancel += 1
                elif during:
                    task = asyncio.create_task(cancel_once_active(reservation_id))
                    pending.add(task)
                await asyncio.sleep(rng.uniform(0.3, 0.8))

        async def kill_in_the_middle() -> None:
            """Once bookings flow and lifecycle events are being delivered: kill -9 a backend
            and a processor, let the load go on for a while, then stop it."""
            nonlocal killed_at
            try:
                await eventually(
                    lambda: (
                        tally.answers >= BEFORE_KILL
                        and any(e["type"] in LIFECYCLE for e in minimal_receivers.events(plain))
                    ),
                    timeout=90,
                    what="the load under way and a first lifecycle event delivered",
                )
                killed_at = datetime.now(UTC)
                tally.answers_at_kill = tally.answers
                assert await backends[1].kill() == -signal.SIGKILL
                assert await processors[1].kill() == -signal.SIGKILL
                await eventually(
                    lambda: tally.answers >= tally.answers_at_kill + AFTER_KILL,
                    timeout=90,
                    what="bookings after the kill",
                )
            finally:
                stop.set()

        await asyncio.gather(*(client_load(n) for n in range(CLIENTS)), kill_in_the_middle())
        await asyncio.wait_for(asyncio.gather(*pending), timeout=90)
        load_seconds = time.monotonic() - started
        booked = set(tally.booked)
        assert killed_at is not None and len(booked) >= 15, tally
        assert tally.answers >= tally.answers_at_kill + AFTER_KILL, tally

        site_events = """
            SELECT payload->'data'->'reservation'->>'id' AS reservation_id, id, type,
                   payload->>'id' AS event_id, payload->>'timestamp' AS at, created_at,
                   published_at, (payload->'data'->>'lateness_seconds')::float AS lateness
            FROM outbox WHERE payload->'data'->'site'->>'id' = :site AND type = ANY(:types)
        """

        async def query(sql: str, **params: Any) -> list[Any]:
            async with database.connect() as conn:
                return list((await conn.execute(text(sql), params)).all())

        async def settled() -> bool:
            """Every reservation at rest, every event published, delivered to both
            subscriptions and recorded as succeeded, and seen by both receivers."""
            unsettled = await query(
                "SELECT count(*) FROM reservations r LEFT JOIN reservation_lifecycle l"
                " ON l.reservation_id = r.id WHERE r.site_id = :site AND (r.status NOT IN"
                " ('completed', 'cancelled') OR coalesce(l.stage, 0) BETWEEN 1 AND 3)",
                site=site["id"],
            )
            events = await query(site_events, site=site["id"], types=EVENT_TYPES)
            if unsettled[0][0] or any(e.published_at is None for e in events):
                return False
            deliveries = await query(
                "SELECT subscription_id::text, event_id, status FROM webhook_deliveries"
                " WHERE site_id = :site",
                site=site["id"],
            )
            done = {(d[0], d[1]) for d in deliveries if d[2] == "succeeded"}
            for name, sub in subscriptions.items():
                if {(sub, e.event_id) for e in events} - done:
                    return False
                accepted = {r.event["id"] for r in minimal_receivers.accepted(name)}
                if {e.event_id for e in events} - accepted:
                    return False
            return True

        await eventually(settled, timeout=SETTLE_TIMEOUT, what="the run to settle", interval=0.5)
        settle_seconds = time.monotonic() - started

        # Nothing booked twice by a failover retry, nothing lost.
        reservations = await query(
            "SELECT id::text, status FROM reservations WHERE site_id = :site", site=site["id"]
        )
        statuses = dict(reservations)
        assert set(statuses) == booked and len(tally.booked) == len(booked)

        # Every event exactly once per reservation (one event id per type), in order, and the
        # set of events the final status calls for.
        events = await query(site_events, site=site["id"], types=EVENT_TYPES)
        by_reservation: dict[str, list[Any]] = defaultdict(list)
        for event in events:
            by_reservation[event.reservation_id].append(event)
        for reservation_id, rows in by_reservation.items():
            types = [row.type for row in rows]
            assert len(types) == len(set(types)), (reservation_id, sorted(types))
            assert allowed_types(statuses[reservation_id], set(types)), (
                reservation_id,
                statuses[reservation_id],
                sorted(types),
            )
            emitted = [row.type for row in sorted(rows, key=lambda r: datetime.fromisoformat(r.at))]
            lifecycle = [t for t in emitted if t in LIFECYCLE]
            assert lifecycle == [t for t in LIFECYCLE if t in lifecycle], (reservation_id, emitted)
        assert set(by_reservation) == booked
        assert any(e.created_at > killed_at and e.type in LIFECYCLE for e in events)

        # Every event delivered to each subscription, one delivery row each, at least once at
        # the receiver and only ever under that row's webhook-id; accepted exactly once.
        deliveries = await query(
            "SELECT subscription_id::text, event_id, webhook_id, status, attempts"
            " FROM webhook_deliveries WHERE site_id = :site",
            site=site["id"],
        )
        event_ids = {e.event_id for e in events}
        receipts: dict[str, int] = {}
        cut = 0
        for name, sub in subscriptions.items():
            rows = [d for d in deliveries if d.subscription_id == sub]
            assert sorted(d.event_id for d in rows) == sorted(event_ids), name
            assert {d.status for d in rows} == {"succeeded"}, name
            webhook_id = {d.event_id: d.webhook_id for d in rows}
            for request in minimal_receivers.for_name(name):
                if not request.body:  # cut off by the kill: headers only
                    cut += 1
                    assert request.webhook_id in webhook_id.values(), request.headers
                    continue
                assert request.webhook_id == webhook_id[request.event["id"]], request.headers
            requests = [r for r in minimal_receivers.for_name(name) if r.outcome]
            receipts[name] = len(requests)
            accepted = Counter(r.event["id"] for r in requests if r.outcome == "accepted")
            assert set(accepted) == event_ids and set(accepted.values()) == {1}, name
        assert all(d.attempts >= 2 for d in deliveries if d.subscription_id == flaky_sub["id"])

        # No double booking: no two live reservations, and no two slots, of one resource overlap.
        overlaps = await query(
            "SELECT count(*) FROM reservations a JOIN reservations b"
            " ON a.resource_id = b.resource_id AND a.id < b.id AND a.period && b.period"
            " WHERE a.site_id = :site AND a.status NOT IN ('cancelled', 'rejected', 'failed')"
            " AND b.status NOT IN ('cancelled', 'rejected', 'failed')",
            site=site["id"],
        )
        slot_overlaps = await query(
            "SELECT count(*) FROM reservation_slots a JOIN reservation_slots b"
            " ON a.resource_id = b.resource_id AND a.reservation_id < b.reservation_id"
            " AND a.period && b.period"
        )
        assert overlaps[0][0] == 0 and slot_overlaps[0][0] == 0

        by_type = Counter(e.type for e in events)
        lateness = max((e.lateness or 0.0 for e in events), default=0.0)
        # Receipts the receiver answered beyond one per event: re-sent after the kill.
        duplicates = {name: receipts[name] - len(event_ids) for name in subscriptions}
        print(
            "\nN replicas: 3 backends (API + scheduler + relay) and 2 processors,"
            " backend 2 and processor 2 killed -9 mid-run (machine shared, timings noisy)\n"
            f"  bookings: {len(booked)} created ({tally.conflicts} refused 409 by the"
            f" constraint, {tally.too_late} tried again later after answering past their start),"
            f" {len(tally.cancelled_early)} cancelled before the start,"
            f" {len(tally.cancelled_during)} during the period,"
            f" {tally.completed_before_cancel} completed before their cancel\n"
            f"  booking requests answered before the kill {tally.answers_at_kill}, after"
            f" {tally.answers - tally.answers_at_kill}; answered per backend:"
            f" {dict(sorted(pool.answered.items()))},"
            f" {pool.failovers} requests failed over to another backend\n"
            f"  events: {len(events)} ({dict(sorted(by_type.items()))}), each exactly once;"
            f" largest lateness {lateness:.1f} s\n"
            f"  deliveries: {len(deliveries)} over 2 subscriptions, all succeeded; receipts"
            f" plain {receipts[plain]}, flaky {receipts[flaky]} (first attempts answered 503);"
            f" duplicates beyond the 503s under the same webhook-id:"
            f" plain {duplicates[plain]}, flaky {duplicates[flaky]}; {cut} requests cut off by"
            f" the kill\n"
            f"  overlapping live reservations: {overlaps[0][0]}, overlapping slots:"
            f" {slot_overlaps[0][0]}\n"
            f"  extra replicas ready in {startup_seconds:.1f} s; load {load_seconds:.1f} s,"
            f" settled {settle_seconds:.1f} s after the start"
        )
    finally:
        for task in pending:
            task.cancel()
        for process in extra:
            await process.stop()
        await pool.aclose()

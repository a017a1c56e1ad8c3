"""1. Booking throughput: 16 clients through the API while one more reads availability and the
calendar, next to the same transaction in raw SQL and the minimal booking transaction."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from harness import CLIENTS, Scale, World, hour, percentile, run_clients
from loadgen import Client


@dataclass
class Run:
    rate: float
    latencies: list[float]  # seconds
    reads: dict[str, list[float]]  # label -> seconds, reads made while the bookings ran


async def api_throughput(
    http: Client, world: World, token: str, scale: Scale, base: datetime,
    label: str = "API", *, reader: bool = True, pace: float | None = None,
) -> Run:  # fmt: skip
    """``scale.bookings`` bookings by 16 clients; one more client reads the calendar meanwhile
    (unless not ``reader``: the bookings alone). With ``pace`` (bookings/s) the bookings are
    sent at that rate whatever the answers (an open loop) instead of by 16 clients each waiting
    for its answer (a closed loop, which keeps the API saturated)."""
    headers = {"Authorization": f"Bearer {token}"}
    per_client = scale.bookings // CLIENTS
    latencies: list[float] = []
    reads: dict[str, list[float]] = {"busy": [], "calendar": []}
    done = asyncio.Event()

    async def one(c: int, k: int) -> bool:
        start = hour(base, 2 * k)
        body = {
            "resource_id": str(world.leaves[c]),
            "title": f"api {c}/{k}",
            "start": start.isoformat(),
            "end": hour(start, 1).isoformat(),
        }
        t0 = time.perf_counter()
        response = await http.post("/api/v1/reservations", json=body, headers=headers)
        latencies.append(time.perf_counter() - t0)
        if response.status_code != 201:
            raise RuntimeError(f"booking failed: {response.status_code} {response.text}")
        return True

    async def read() -> None:
        """Availability of a leaf and the site's calendar over the next 7 days, in turn."""
        week = {"start": base.isoformat(), "end": hour(base, 24 * 7).isoformat()}
        k = 0
        while not done.is_set():
            leaf = world.leaves[k % len(world.leaves)]
            k += 1
            t0 = time.perf_counter()
            response = await http.get(
                f"/api/v1/resources/{leaf}/busy", params=week, headers=headers
            )
            reads["busy"].append(time.perf_counter() - t0)
            assert response.status_code == 200, response.text
            t0 = time.perf_counter()
            response = await http.get(
                "/api/v1/reservations",
                params={**week, "site": world.site_slug, "size": 100},
                headers=headers,
            )
            reads["calendar"].append(time.perf_counter() - t0)
            assert response.status_code == 200, response.text

    reading = asyncio.create_task(read() if reader else done.wait())
    cpu = time.process_time()
    try:
        if pace is None:
            seconds, ok = await run_clients(CLIENTS, per_client, one)
        else:
            seconds, ok = await _paced(pace, CLIENTS * per_client, one)
    finally:
        done.set()
        await reading
    cpu = time.process_time() - cpu
    rate = ok / seconds
    print(
        f"  {label:<8} {ok:6d} bookings in {seconds:6.2f} s = {rate:8.1f} bookings/s;"
        f" p50 {percentile(latencies, 50) * 1000:.0f} ms,"
        f" p99 {percentile(latencies, 99) * 1000:.0f} ms"
    )
    print(f"           the bench's own CPU (load generator) per booking: {cpu / ok * 1000:.2f} ms")
    for name, times in reads.items():
        if times:
            print(
                f"           {name} reads meanwhile: {len(times)}, p50"
                f" {percentile(times, 50) * 1000:.1f} ms, p99 {percentile(times, 99) * 1000:.1f} ms"
            )
    return Run(rate, latencies, reads)


async def _paced(
    pace: float, count: int, one: Callable[[int, int], Awaitable[bool]]
) -> tuple[float, int]:
    """``count`` calls started ``1 / pace`` s apart; returns (seconds, successes)."""
    started = time.perf_counter()
    tasks = []
    for i in range(count):
        delay = started + i / pace - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i % CLIENTS, i // CLIENTS)))
    results = await asyncio.gather(*tasks)
    return time.perf_counter() - started, sum(results)


RAW_BOOKING = """
WITH RECURSIVE subtree(id) AS (
    SELECT id FROM resources WHERE id = $2
    UNION ALL SELECT r.id FROM resources r JOIN subtree s ON r.parent_id = s.id
)
INSERT INTO reservation_slots (reservation_id, resource_id, period)
SELECT $1, id, $3 FROM subtree
"""


async def sql_throughput(pool: asyncpg.Pool, world: World, scale: Scale, base: datetime) -> float:
    """The API's booking transaction, statement for statement, without HTTP, auth or ORM."""
    owner = world.users["bob"]
    per_client = scale.bookings // CLIENTS

    async def one(c: int, k: int) -> bool:
        resource = world.leaves[c]
        start = hour(base, 2 * k)
        end = hour(start, 1)
        rid = uuid.uuid4()
        async with pool.acquire() as conn, conn.transaction():
            status, type_id = await conn.fetchrow(
                "SELECT status, type_id FROM resources WHERE id = $1 FOR SHARE", resource
            )
            lead, grace = await conn.fetchrow(
                "SELECT lead_time, teardown_grace FROM resource_types WHERE id = $1", type_id
            )
            await conn.execute(
                "INSERT INTO reservations (id, site_id, resource_id, owner_id, created_by,"
                " title, period, status) VALUES ($1, $2, $3, $4, $4, $5,"
                " tstzrange($6, $7, '[)'), 'confirmed')",
                rid,
                world.site_id,
                resource,
                owner,
                f"sql {c}/{k}",
                start,
                end,
            )
            await conn.execute(RAW_BOOKING, rid, resource, asyncpg.Range(start - lead, end + grace))
            keys = await conn.fetch("SELECT public_key FROM ssh_keys WHERE user_id = $1", owner)
            event_id = uuid.uuid4()
            payload = {
                "id": f"evt_{event_id.hex}",
                "type": "reservation.created",
                "data": {"reservation": str(rid), "keys": [k[0] for k in keys]},
            }
            await conn.execute(
                "INSERT INTO outbox (id, type, payload) VALUES ($1, 'reservation.created', $2)",
                event_id,
                json.dumps(payload),
            )
            await conn.execute("SELECT pg_notify('outbox', $1)", str(event_id))
            await conn.execute(
                "INSERT INTO audit_log (actor_id, site_id, entity, entity_id, action, after)"
                " VALUES ($1, $2, 'reservation', $3, 'created', $4)",
                owner,
                world.site_id,
                str(rid),
                json.dumps({"id": str(rid), "status": status}),
            )
            await conn.execute(
                "INSERT INTO notifications (user_id, kind, message)"
                " VALUES ($1, 'reservation.created', 'created')",
                owner,
            )
        return True

    seconds, ok = await run_clients(CLIENTS, per_client, one)
    rate = ok / seconds
    print(f"  raw SQL  {ok:6d} bookings in {seconds:6.2f} s = {rate:8.1f} bookings/s")
    return rate


async def sql_minimal(
    pool: asyncpg.Pool, world: World, scale: Scale, base: datetime, label: str = "raw min"
) -> float:
    """The minimal booking transaction: resource lock, reservation, slots of the subtree,
    outbox row (issue 12's baseline), same connections and periods as the API run."""
    owner = world.users["bob"]
    per_client = scale.bookings // CLIENTS

    async def one(c: int, k: int) -> bool:
        resource = world.leaves[c]
        start = hour(base, 2 * k)
        end = hour(start, 1)
        rid = uuid.uuid4()
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT 1 FROM resources WHERE id = $1 FOR SHARE", resource)
            await conn.execute(
                "INSERT INTO reservations (id, site_id, resource_id, owner_id, created_by,"
                " title, period, status) VALUES ($1, $2, $3, $4, $4, $5,"
                " tstzrange($6, $7, '[)'), 'confirmed')",
                rid, world.site_id, resource, owner, f"min {c}/{k}", start, end,
            )  # fmt: skip
            await conn.execute(RAW_BOOKING, rid, resource, asyncpg.Range(start, end))
            await conn.execute(
                "INSERT INTO outbox (id, type, payload) VALUES ($1, 'reservation.created', $2)",
                uuid.uuid4(),
                json.dumps({"reservation": str(rid)}),
            )
        return True

    seconds, ok = await run_clients(CLIENTS, per_client, one)
    rate = ok / seconds
    print(f"  {label:<9s}{ok:6d} bookings in {seconds:6.2f} s = {rate:8.1f} bookings/s")
    return rate

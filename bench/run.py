"""Booking benchmarks: they print figures and assert nothing about speed.

    uv run python bench/run.py            # full: 1 M reservations for the calendar query
    uv run python bench/run.py --short    # CI: the same runs, smaller

Each run creates its own database (dropped at the end), starts the test realm in-process and
the API as a subprocess (``reservation-be serve``) on a free loopback port, then measures:

1. booking throughput through the API with 16 concurrent clients (p50/p99, API CPU and RSS,
   PostgreSQL transactions per booking) while one more client reads availability and the
   calendar, next to the same transaction in raw SQL and the minimal booking transaction
   (asyncpg, 16 connections), and their ratios;
2. contention: 64 concurrent clients booking one slot, several rounds; prints the double
   bookings found in the database (must be 0) and PostgreSQL's deadlock count;
3. the availability/calendar queries over N reservations (p50/p99), through the API and in SQL;
4. (1) and (2) again against ``serve --workers 2``; for both throughput phases, what the API's
   backends did (sampled ``pg_stat_activity``), how many connections served, and with
   ``pg_stat_statements`` loaded the statements per booking and which grew with 2 workers;

then every target of issue 12 next to its value. ``bench/profile_booking.py`` profiles where
the API's CPU goes per booking.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from reservation_be.settings import Settings
from reservation_be.testing import temporary_database
from reservation_common.testing import free_port, spawn_python, stop_process
from reservation_testrealm.server import TestRealm
from sqlalchemy.engine import make_url

CLIENTS = 16
CONTENDERS = 64


@dataclass
class Scale:
    bookings: int  # per throughput run (API and SQL each)
    contention_rounds: int
    calendar_reservations: int
    calendar_resources: int
    queries: int


FULL = Scale(
    bookings=1600,
    contention_rounds=10,
    calendar_reservations=1_000_000,
    calendar_resources=1000,
    queries=500,
)
SHORT = Scale(
    bookings=480,
    contention_rounds=3,
    calendar_reservations=50_000,
    calendar_resources=100,
    queries=200,
)


def pg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux), to report CPU per booking on a busy box."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def hour(base: datetime, n: float) -> datetime:
    return base + timedelta(hours=n)


def in_process_settings(url: str, realm: TestRealm) -> Settings:
    """Settings of an API called in-process: no background workers, one pooled connection per
    client, a rate limit no bench reaches."""
    return Settings(
        database_url=url,
        oidc_issuer=realm.issuer,
        workers_enabled=False,
        database_pool_size=CLIENTS,
        database_max_overflow=0,
        rate_limit_requests=100_000_000,
    )


# --------------------------------------------------------------------------------------------
# Seeding


@dataclass
class World:
    site_id: uuid.UUID
    site_slug: str
    type_id: uuid.UUID
    leaves: list[uuid.UUID]  # one per throughput client
    rack: uuid.UUID
    contested: uuid.UUID  # a child of rack
    users: dict[str, str]  # username -> sub


async def seed(conn: asyncpg.Connection, realm: TestRealm) -> World:
    users = {"bob": realm.user_id("bob")}
    for i in range(8):
        name = f"bench{i}"
        users[name] = realm.create_user(name, email=f"{name}@example.test")
    site_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO sites (id, slug, name, visibility) VALUES ($1, 'bench', 'Bench', 'public')",
        site_id,
    )
    for name, sub in users.items():
        await conn.execute(
            "INSERT INTO users (id, username, email) VALUES ($1, $2, $3)",
            sub,
            name,
            f"{name}@example.test",
        )
        await conn.execute(
            "INSERT INTO site_members (site_id, user_id, role) VALUES ($1, $2, 'member')",
            site_id,
            sub,
        )
    type_id = await conn.fetchval(
        "INSERT INTO resource_types (site_id, name, lead_time, teardown_grace)"
        " VALUES ($1, 'server', interval '5 minutes', interval '5 minutes') RETURNING id",
        site_id,
    )
    rack = await conn.fetchval(
        "INSERT INTO resources (site_id, type_id, name) VALUES ($1, $2, 'rack') RETURNING id",
        site_id,
        type_id,
    )
    leaves = []
    for i in range(CLIENTS * 2):
        leaves.append(
            await conn.fetchval(
                "INSERT INTO resources (site_id, type_id, parent_id, name)"
                " VALUES ($1, $2, $3, $4) RETURNING id",
                site_id,
                type_id,
                rack if i == 0 else None,
                f"leaf-{i}",
            )
        )
    return World(site_id, "bench", type_id, leaves[1:], rack, leaves[0], users)


# --------------------------------------------------------------------------------------------
# 1. Throughput


async def run_clients(
    clients: int, per_client: int, one: Callable[[int, int], Awaitable[bool]]
) -> tuple[float, int]:
    """Run ``clients`` loops of ``per_client`` calls; returns (seconds, successes)."""
    ok = 0

    async def loop(c: int) -> None:
        nonlocal ok
        for k in range(per_client):
            if await one(c, k):
                ok += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop(c) for c in range(clients)))
    return time.perf_counter() - started, ok


@dataclass
class Run:
    rate: float
    latencies: list[float]  # seconds
    reads: dict[str, list[float]]  # label -> seconds, reads made while the bookings ran


async def api_throughput(
    http: httpx.AsyncClient, world: World, token: str, scale: Scale, base: datetime,
    label: str = "API",
) -> Run:  # fmt: skip
    """``scale.bookings`` bookings by 16 clients; one more client reads the calendar meanwhile."""
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

    async def reader() -> None:
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

    reading = asyncio.create_task(reader())
    try:
        seconds, ok = await run_clients(CLIENTS, per_client, one)
    finally:
        done.set()
        await reading
    rate = ok / seconds
    print(
        f"  {label:<8} {ok:6d} bookings in {seconds:6.2f} s = {rate:8.1f} bookings/s;"
        f" p50 {percentile(latencies, 50) * 1000:.0f} ms,"
        f" p99 {percentile(latencies, 99) * 1000:.0f} ms"
    )
    for name, times in reads.items():
        if times:
            print(
                f"           {name} reads meanwhile: {len(times)}, p50"
                f" {percentile(times, 50) * 1000:.1f} ms, p99 {percentile(times, 99) * 1000:.1f} ms"
            )
    return Run(rate, latencies, reads)


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


async def sql_minimal(pool: asyncpg.Pool, world: World, scale: Scale, base: datetime) -> float:
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
    print(f"  raw min  {ok:6d} bookings in {seconds:6.2f} s = {rate:8.1f} bookings/s")
    return rate


# --------------------------------------------------------------------------------------------
# 2. Contention


async def contention(
    api: Callable[[], httpx.AsyncClient], conn: asyncpg.Connection, world: World, realm: TestRealm,
    scale: Scale, base: datetime,
) -> tuple[int, float]:  # fmt: skip
    """Rounds of 64 clients on one slot; returns (rounds with one winner, request p99 s)."""
    names = [n for n in world.users if n.startswith("bench")]
    tokens = {n: realm.token(n, n) for n in names}
    # Each user's first request creates or refreshes their users row in that request's
    # transaction; make it before the race so the rounds measure booking alone.
    async with api() as http:
        for name in names:
            me = await http.get(
                "/api/v1/users/me", headers={"Authorization": f"Bearer {tokens[name]}"}
            )
            me.raise_for_status()
    rounds_with_one_winner = 0
    latencies: list[float] = []
    for r in range(scale.contention_rounds):
        start = hour(base, 3 * r)
        gate = asyncio.Event()

        async def one(
            i: int,
            *,
            http: httpx.AsyncClient,
            start: datetime = start,
            gate: asyncio.Event = gate,
            r: int = r,
        ) -> int:
            await gate.wait()
            # A quarter books the parent rack, which holds the contested child too.
            target = world.rack if i % 4 == 0 else world.contested
            body = {
                "resource_id": str(target),
                "title": f"race {i}",
                "start": start.isoformat(),
                "end": hour(start, 2).isoformat(),
            }
            headers = {"Authorization": f"Bearer {tokens[names[i % len(names)]]}"}
            t0 = time.perf_counter()
            try:
                response = await http.post("/api/v1/reservations", json=body, headers=headers)
            except httpx.HTTPError as exc:
                print(f"  round {r} client {i}: {type(exc).__name__}")
                return -1
            latencies.append(time.perf_counter() - t0)
            return response.status_code

        # A fresh client per round, so no request rides a keep-alive connection that the
        # server is closing after the previous round's idle wait.
        async with api() as http:
            tasks = [asyncio.create_task(one(i, http=http)) for i in range(CONTENDERS)]
            await asyncio.sleep(0)
            gate.set()
            codes = await asyncio.gather(*tasks)
        winners = codes.count(201)
        others = {c for c in codes if c != 201}
        if winners == 1 and others <= {409}:
            rounds_with_one_winner += 1
        else:
            print(f"  round {r}: {winners} winners, other statuses {sorted(others)}")
    double = await conn.fetchval(
        "SELECT count(*) FROM reservation_slots a JOIN reservation_slots b"
        " ON a.resource_id = b.resource_id AND a.reservation_id < b.reservation_id"
        " AND a.period && b.period"
    )
    print(
        f"  {scale.contention_rounds} rounds x {CONTENDERS} clients: "
        f"{rounds_with_one_winner} rounds with exactly one winner and 63 x 409; "
        f"request p50 {percentile(latencies, 50) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 99) * 1000:.0f} ms"
    )
    deadlocks = await conn.fetchval(
        "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
    )
    print(f"  double bookings in the database: {double}; deadlocks so far: {deadlocks}")
    return rounds_with_one_winner, percentile(latencies, 99)


# --------------------------------------------------------------------------------------------
# 3. Calendar over many reservations


async def fill_calendar(conn: asyncpg.Connection, world: World, scale: Scale) -> datetime:
    """Back-to-back 1 h bookings with a 1 h gap, spread over ``calendar_resources`` leaves."""
    per_resource = scale.calendar_reservations // scale.calendar_resources
    base = datetime(2030, 1, 1, tzinfo=UTC)
    t0 = time.perf_counter()
    # Bulk load: skip the per-row change-notification trigger (and foreign-key triggers; the
    # rows are generated consistent). The exclusion constraint still checks every slot.
    await conn.execute("SET session_replication_role = replica")
    await conn.execute(
        "INSERT INTO resources (site_id, type_id, name)"
        " SELECT $1, $2, 'cal-' || g FROM generate_series(1, $3) g",
        world.site_id,
        world.type_id,
        scale.calendar_resources,
    )
    await conn.execute(
        """
        INSERT INTO reservations (site_id, resource_id, owner_id, created_by, title, period,
                                  status)
        SELECT $1, r.id, $2, $2, 'cal ' || g,
               tstzrange($3::timestamptz + (g * 2) * interval '1 hour',
                         $3::timestamptz + (g * 2 + 1) * interval '1 hour', '[)'),
               'confirmed'
        FROM resources r CROSS JOIN generate_series(0, $4 - 1) g
        WHERE r.site_id = $1 AND r.name LIKE 'cal-%'
        """,
        world.site_id,
        world.users["bob"],
        base,
        per_resource,
    )
    await conn.execute(
        "INSERT INTO reservation_slots (reservation_id, resource_id, period)"
        " SELECT id, resource_id, period FROM reservations WHERE title LIKE 'cal %'"
    )
    await conn.execute("RESET session_replication_role")
    await conn.execute("ANALYZE")
    total = await conn.fetchval("SELECT count(*) FROM reservations")
    print(
        f"  loaded {total} reservations ({per_resource} on each of "
        f"{scale.calendar_resources} resources) in {time.perf_counter() - t0:.1f} s"
    )
    return base


BUSY_SQL = """
WITH RECURSIVE subtree(id, depth) AS (
    SELECT id, 0 FROM resources WHERE id = $1
    UNION ALL SELECT r.id, s.depth + 1 FROM resources r JOIN subtree s ON r.parent_id = s.id
    WHERE s.depth < 64
)
SELECT s.reservation_id, s.period FROM reservation_slots s JOIN reservations r
  ON r.id = s.reservation_id
WHERE s.resource_id IN (SELECT id FROM subtree) AND s.period && $2
GROUP BY s.reservation_id, s.period ORDER BY lower(s.period) LIMIT 500
"""


async def calendar(
    http: httpx.AsyncClient, conn: asyncpg.Connection, world: World, token: str,
    scale: Scale, base: datetime,
) -> None:  # fmt: skip
    resources = [
        r[0]
        for r in await conn.fetch("SELECT id FROM resources WHERE name LIKE 'cal-%' ORDER BY name")
    ]
    per_resource = scale.calendar_reservations // scale.calendar_resources
    span_hours = per_resource * 2
    rng = random.Random(7)
    windows = []
    for _ in range(scale.queries):
        offset = rng.randrange(0, max(1, span_hours - 24 * 7))
        start = hour(base, offset)
        windows.append((rng.choice(resources), start, hour(start, 24 * 7)))
    headers = {"Authorization": f"Bearer {token}"}

    async def timed(call: Callable[[], Awaitable[int]]) -> tuple[list[float], int]:
        out, rows = [], 0
        for _ in range(10):  # warm up
            await call()
        for _ in range(scale.queries):
            t0 = time.perf_counter()
            rows += await call()
            out.append((time.perf_counter() - t0) * 1000)
        return out, rows

    it = iter(windows * 2)

    async def sql_busy() -> int:
        rid, start, end = next(it)
        return len(await conn.fetch(BUSY_SQL, rid, asyncpg.Range(start, end)))

    it_api = iter(windows * 2)

    async def api_busy() -> int:
        rid, start, end = next(it_api)
        response = await http.get(
            f"/api/v1/resources/{rid}/busy",
            params={"start": start.isoformat(), "end": end.isoformat()},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        return len(response.json())

    it_list = iter(windows * 2)

    async def api_site_day() -> int:
        _, start, _end = next(it_list)
        response = await http.get(
            "/api/v1/reservations",
            params={
                "site": world.site_slug,
                "start": start.isoformat(),
                "end": hour(start, 24).isoformat(),
                "size": 100,
            },
            headers=headers,
        )
        assert response.status_code == 200, response.text
        return len(response.json()["items"])

    for label, call in (
        ("SQL  busy(resource, 7 days)", sql_busy),
        ("API  GET /resources/{id}/busy (7 days)", api_busy),
        ("API  GET /reservations?site&start&end (1 day, page of 100 + total)", api_site_day),
    ):
        times, rows = await timed(call)
        print(
            f"  {label}: p50 {percentile(times, 50):.2f} ms, p99 {percentile(times, 99):.2f} ms"
            f" ({scale.queries} queries, {rows / scale.queries:.0f} rows each)"
        )


# --------------------------------------------------------------------------------------------


def start_api(
    database_url: str, issuer: str, port: int, workers: int = 1
) -> subprocess.Popen[bytes]:
    env = {
        "RESERVATION_BE_DATABASE_URL": database_url,
        "RESERVATION_BE_OIDC_ISSUER": issuer,
        "RESERVATION_BE_WORKERS_ENABLED": "false",
        "RESERVATION_BE_LOG_LEVEL": "WARNING",
        "RESERVATION_BE_DATABASE_POOL_SIZE": "16",
        "RESERVATION_BE_DATABASE_MAX_OVERFLOW": "0",
        # A few bench users send thousands of requests: the limiter counts them all (its cost is
        # measured) but never refuses one.
        "RESERVATION_BE_RATE_LIMIT_REQUESTS": "100000000",
    }
    return spawn_python(
        ["-m", "reservation_be", "serve", "--port", str(port), "--workers", str(workers)],
        env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (uvicorn's worker processes)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def tree_cpu(pid: int) -> float:
    return sum(cpu_seconds(p) or 0.0 for p in process_tree(pid))


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def wait_healthy(http: httpx.AsyncClient, proc: subprocess.Popen[bytes]) -> None:
    # A worker imports the app in a fresh interpreter: tens of seconds on a loaded machine.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"the API exited: {err[-2000:]}")
        try:
            if (await http.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the API did not become healthy")


async def settle(pid: int, workers: int) -> None:
    """Until every worker process exists and has finished importing (its CPU time stays flat)."""
    deadline = time.monotonic() + 180
    last = -1.0
    while time.monotonic() < deadline:
        tree = process_tree(pid)
        used = tree_cpu(pid)
        if len(tree) >= (1 if workers == 1 else workers + 2) and used - last < 0.05:
            return
        last = used
        await asyncio.sleep(1)


def target(name: str, value: str, goal: str, met: bool | None) -> None:
    verdict = "n/a" if met is None else ("met" if met else "NOT met")
    print(f"  {name:<58} {value:>22}   target {goal:<18} {verdict}")


async def pg_counters(conn: asyncpg.Connection) -> dict[str, int]:
    """This database's transactions and rows written (flushed by backends within ~1 s)."""
    await asyncio.sleep(1.2)
    await conn.execute("SELECT pg_stat_clear_snapshot()")
    row = await conn.fetchrow(
        "SELECT xact_commit + xact_rollback AS xacts, tup_inserted + tup_updated AS writes,"
        " tup_returned + tup_fetched AS reads FROM pg_stat_database"
        " WHERE datname = current_database()"
    )
    return dict(row)


class Activity:
    """Samples pg_stat_activity of the bench database every 20 ms while a phase runs: what the
    API's backends are doing (running, waiting on a lock, idle in a transaction, idle) and how
    many distinct connections served the phase (connection churn)."""

    def __init__(self, url: str) -> None:
        # Connected to another database of the server, so the samples count no transaction
        # of the bench database.
        self.dsn = pg_dsn(make_url(url).set(database="postgres").render_as_string(False))
        self.database = make_url(url).database
        self.states: dict[str, int] = {}
        self.backends: set[tuple[int, datetime]] = set()
        self.samples = 0
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def __aenter__(self) -> Activity:
        self._conn = await asyncpg.connect(self.dsn)
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
        await self._conn.close()

    async def _run(self) -> None:
        while not self._stop.is_set():
            rows = await self._conn.fetch(
                "SELECT pid, backend_start, state, wait_event_type, wait_event"
                " FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'"
                " AND application_name LIKE 'reservation-be%'",
                self.database,
            )
            self.samples += 1
            for r in rows:
                self.backends.add((r["pid"], r["backend_start"]))
                if r["state"] == "active" and r["wait_event_type"] == "Lock":
                    key = f"waiting on a {r['wait_event']} lock"
                elif r["state"] == "active" and r["wait_event_type"] not in (None, "Client"):
                    key = f"active, waiting on {r['wait_event_type']}"
                else:
                    key = str(r["state"])
                self.states[key] = self.states.get(key, 0) + 1
            await asyncio.sleep(0.02)

    def report(self, label: str) -> None:
        total = sum(self.states.values()) or 1
        shares = ", ".join(
            f"{k} {v / total * 100:.0f} %"
            for k, v in sorted(self.states.items(), key=lambda x: -x[1])
        )
        print(f"  {label} backends ({self.samples} samples): {shares}")
        print(f"  {label} connections that served the phase: {len(self.backends)}")


async def statements_snapshot(conn: asyncpg.Connection) -> dict[str, tuple[int, float]] | None:
    """query -> (calls, total ms) in this database, or None without pg_stat_statements loaded
    (``shared_preload_libraries``, set by ``make services`` for a cluster it creates)."""
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        rows = await conn.fetch(
            "SELECT query, sum(calls) AS calls, sum(total_exec_time) AS ms"
            " FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database"
            " WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_%'"
            " GROUP BY query"
        )
    except asyncpg.PostgresError:
        return None
    return {r["query"]: (int(r["calls"]), float(r["ms"])) for r in rows}


def statements_per_booking(
    before: dict[str, tuple[int, float]] | None,
    after: dict[str, tuple[int, float]] | None,
    bookings: int,
) -> dict[str, tuple[float, float]] | None:
    if before is None or after is None:
        return None
    out = {}
    for query, (calls, ms) in after.items():
        c0, m0 = before.get(query, (0, 0.0))
        if calls > c0:
            out[query] = ((calls - c0) / bookings, (ms - m0) / bookings)
    return out


def print_statements(per_booking: dict[str, tuple[float, float]] | None, label: str) -> None:
    if per_booking is None:
        print(f"  {label}: pg_stat_statements is not loaded on this server (see make services)")
        return
    calls = sum(c for c, _ in per_booking.values())
    ms = sum(m for _, m in per_booking.values())
    print(f"  {label}: {calls:.1f} statements, {ms:.2f} ms of execution per booking; top:")
    for query, (c, m) in sorted(per_booking.items(), key=lambda x: -x[1][1])[:8]:
        short = " ".join(query.split())[:90]
        print(f"    {c:6.2f} calls {m:7.3f} ms  {short}")


def print_statement_growth(
    one: dict[str, tuple[float, float]] | None, two: dict[str, tuple[float, float]] | None
) -> None:
    if one is None or two is None:
        return
    print("  statements whose execution time per booking grew with 2 workers:")
    grown = sorted(
        ((q, two[q][0] - one.get(q, (0, 0))[0], two[q][1] - one.get(q, (0, 0))[1]) for q in two),
        key=lambda x: -x[2],
    )
    for query, dc, dm in grown[:6]:
        print(f"    {dc:+6.2f} calls {dm:+7.3f} ms  {' '.join(query.split())[:90]}")


async def main(short: bool) -> None:
    scale = SHORT if short else FULL
    print(
        f"reservation-be booking benchmarks ({'short' if short else 'full'}) on "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print("load average at start (1/5/15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    async with temporary_database(prefix="rbe_bench") as url:
        with TestRealm() as realm:
            conn = await asyncpg.connect(pg_dsn(url))
            pool = await asyncpg.create_pool(pg_dsn(url), min_size=CLIENTS, max_size=CLIENTS)
            limits = httpx.Limits(max_connections=CONTENDERS, max_keepalive_connections=CONTENDERS)
            procs: list[subprocess.Popen[bytes]] = []

            async def serve(workers: int) -> Callable[[], httpx.AsyncClient]:
                port = free_port()
                proc = start_api(url, realm.issuer, port, workers)
                procs.append(proc)

                def api() -> httpx.AsyncClient:
                    # A fresh client per phase: uvicorn closes idle keep-alive connections
                    # after 5 s, and a phase must not trip over one closed during the last.
                    return httpx.AsyncClient(
                        base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits
                    )

                async with api() as http:
                    await wait_healthy(http, proc)
                await settle(proc.pid, workers)
                return api

            def stop(proc: subprocess.Popen[bytes]) -> None:
                stop_process(proc, grace=15)

            try:
                world = await seed(conn, realm)
                server = await conn.fetchval("SHOW server_version")
                print(f"PostgreSQL {server}; API: uvicorn (1, then 2 worker processes)")
                # API bookings stay within the platform's default booking horizon (730 days).
                base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
                token = realm.token("bob", "bob")
                bookings = scale.bookings // CLIENTS * CLIENTS

                print(f"\n1. Booking throughput, {CLIENTS} concurrent clients, 1 worker")
                api = await serve(1)
                one_proc = procs[-1]
                async with api() as http:  # warm up: first requests build caches and plans
                    await api_throughput(
                        http, world, token, Scale(CLIENTS * 4, 0, 0, 0, 0), hour(base, 1), "warm-up"
                    )
                before = await pg_counters(conn)
                statements_before = await statements_snapshot(conn)
                cpu_before = tree_cpu(one_proc.pid)
                async with api() as http, Activity(url) as activity_1:
                    one = await api_throughput(http, world, token, scale, hour(base, 24))
                cpu_per_booking = (tree_cpu(one_proc.pid) - cpu_before) / bookings
                after = await pg_counters(conn)
                statements_1 = statements_per_booking(
                    statements_before, await statements_snapshot(conn), bookings
                )
                print(f"  API process CPU per booking: {cpu_per_booking * 1000:.2f} ms")
                rss_one = rss_mb(one_proc.pid)
                print(f"  API process RSS: {rss_one:.0f} MB")
                per_booking_1 = {k: (after[k] - before[k]) / bookings for k in after}
                print(
                    "  PostgreSQL per booking (incl. the reads meanwhile): "
                    + ", ".join(f"{k} {v:.1f}" for k, v in per_booking_1.items())
                )
                activity_1.report("1 worker:")
                print_statements(statements_1, "1 worker")
                rate_sql = await sql_throughput(pool, world, scale, hour(base, 24 * 400))
                rate_min = await sql_minimal(pool, world, scale, hour(base, 24 * 500))
                print(f"  ratio API / raw SQL (same statements): {one.rate / rate_sql:.2f}")
                print(f"  ratio API / raw minimal transaction: {one.rate / rate_min:.2f}")

                print(f"\n2. Contention, {CONTENDERS} concurrent clients on one slot, 1 worker")
                ok_one, p99_one = await contention(
                    api, conn, world, realm, scale, hour(base, 24 * 300)
                )

                print(f"\n3. Calendar queries over {scale.calendar_reservations} reservations")
                cal_base = await fill_calendar(conn, world, scale)
                token = realm.token("bob", "bob")
                async with api() as http:
                    await calendar(http, conn, world, token, scale, cal_base)
                stop(one_proc)

                print(f"\n4. The same with 2 worker processes ({CLIENTS} clients)")
                api2 = await serve(2)
                two_proc = procs[-1]
                async with api2() as http:
                    await api_throughput(
                        http,
                        world,
                        token,
                        Scale(CLIENTS * 4, 0, 0, 0, 0),
                        hour(base, 24 * 100),
                        "warm-up",
                    )
                before = await pg_counters(conn)
                statements_before = await statements_snapshot(conn)
                async with api2() as http, Activity(url) as activity_2:
                    two = await api_throughput(
                        http, world, token, scale, hour(base, 24 * 200), "API x2"
                    )
                after = await pg_counters(conn)
                statements_2 = statements_per_booking(
                    statements_before, await statements_snapshot(conn), bookings
                )
                per_booking_2 = {k: (after[k] - before[k]) / bookings for k in after}
                print(
                    "  PostgreSQL per booking (incl. the reads meanwhile): "
                    + ", ".join(f"{k} {v:.1f}" for k, v in per_booking_2.items())
                )
                activity_2.report("2 workers:")
                print_statements(statements_2, "2 workers")
                print_statement_growth(statements_1, statements_2)
                workers_rss = [rss_mb(p) for p in process_tree(two_proc.pid)[1:]]
                ok_two, p99_two = await contention(
                    api2, conn, world, realm, scale, hour(base, 24 * 350)
                )
                stop(two_proc)

                print("\nTargets (issue 12; the machine's load is printed above and below)")
                ratio = one.rate / rate_min
                target("1. API / raw minimal booking transaction", f"{ratio:.2f}", ">= 0.35",
                       ratio >= 0.35)  # fmt: skip
                target("1. API CPU per booking", f"{cpu_per_booking * 1000:.2f} ms", "<= 1.5 ms",
                       cpu_per_booking <= 0.0015)  # fmt: skip
                p99 = percentile(one.latencies, 99)
                target(f"2. booking p99, {CLIENTS} clients", f"{p99 * 1000:.0f} ms", "< 50 ms",
                       p99 < 0.050)  # fmt: skip
                target(f"2. contention round p99, {CONTENDERS} clients, 1 worker",
                       f"{p99_one * 1000:.0f} ms", "< 200 ms", p99_one < 0.200)  # fmt: skip
                target(f"2. contention round p99, {CONTENDERS} clients, 2 workers",
                       f"{p99_two * 1000:.0f} ms", "< 200 ms", p99_two < 0.200)  # fmt: skip
                target("   contention rounds with one winner, 63 x 409 (1 / 2 workers)",
                       f"{ok_one}/{scale.contention_rounds}, {ok_two}/{scale.contention_rounds}",
                       "all", ok_one == ok_two == scale.contention_rounds)  # fmt: skip
                for name in ("busy", "calendar"):
                    times = one.reads[name]
                    if times:
                        r99 = percentile(times, 99)
                        target(f"3. {name} read p99 while bookings run", f"{r99 * 1000:.1f} ms",
                               "< 15 ms", r99 < 0.015)  # fmt: skip
                scaling = two.rate / one.rate
                target("4. 2 workers / 1 worker throughput", f"{scaling:.2f}",
                       ">= 1.6 (CPU allowing)", scaling >= 1.6)  # fmt: skip
                target("4. PostgreSQL transactions per booking (1 / 2 workers)",
                       f"{per_booking_1['xacts']:.2f} / {per_booking_2['xacts']:.2f}", "-",
                       None)  # fmt: skip
                target("5. event pipeline (printed by bench/pipeline.py below)", "-", "-", None)
                target("6. RSS per worker (1 worker; 2 workers)",
                       f"{rss_one:.0f}; {', '.join(f'{r:.0f}' for r in workers_rss)} MB",
                       "< 150 MB", max([rss_one, *workers_rss]) < 150)  # fmt: skip
                print(
                    "\nload average at end (1/5/15 min): {:.2f} {:.2f} {:.2f}".format(
                        *os.getloadavg()
                    )
                )
            finally:
                for proc in procs:
                    if proc.poll() is None:
                        stop(proc)
                await pool.close()
                await conn.close()


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="smaller runs (CI)")
    args = parser.parse_args()
    asyncio.run(main(args.short))
    subprocess.run(
        [
            sys.executable,
            os.path.join(os.path.dirname(__file__), "pipeline.py"),
            *(["--short"] if args.short else []),
        ],
        check=True,
    )


if __name__ == "__main__":
    cli()

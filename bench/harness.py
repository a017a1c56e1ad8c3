"""What every booking benchmark shares: the scale of a run, the seeded world, the API as a
subprocess, process and PostgreSQL counters, and the line that prints a target next to its
value (``bench/run.py`` runs the benchmarks; ``profile_booking.py``, ``ablation.py`` and
``tracing.py`` reuse the seed and the in-process settings, ``book_statement.py`` the site)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import httpx
from reservation_be.settings import Settings
from reservation_common.testing import spawn_python
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
    """``url`` (SQLAlchemy's, ``postgresql+asyncpg://``) as a libpq DSN for asyncpg."""
    parsed = make_url(url)
    query = dict(parsed.query)
    if "ssl" in query:
        query["sslmode"] = query.pop("ssl")
    return parsed.set(drivername="postgresql", query=query).render_as_string(hide_password=False)


def database_link(url: str, tls: bool) -> str:
    """``url`` with the bench's choice of link to PostgreSQL, the same for the API and the raw
    SQL baselines. Without ``tls`` the loopback link is plain TCP, as docker-compose's PostgreSQL
    (the official image serves no TLS); Debian's PostgreSQL offers TLS on loopback and asyncpg
    takes it when offered, which costs the API about 0.1-0.15 ms of CPU per booking and more
    per read of a long answer (``bench/run.py --db-tls`` measures with it)."""
    if tls:
        return url
    return make_url(url).update_query_dict({"ssl": "disable"}).render_as_string(False)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux), to report CPU per booking on a busy box."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def backends_cpu(conn: asyncpg.Connection) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving the API in this database."""
    pids = await conn.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND application_name = 'reservation-be'"
    )
    return {r["pid"]: cpu_seconds(r["pid"]) or 0.0 for r in pids}


def backends_cpu_since(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds the backends spent between two :func:`backends_cpu` readings."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


@dataclass(frozen=True)
class CpuPer:
    """CPU seconds per unit of work (a booking): the API's process tree, its PostgreSQL
    backends and the bench itself."""

    api: float
    backends: float
    bench: float

    @property
    def total(self) -> float:
        return self.api + self.backends + self.bench

    def __add__(self, other: CpuPer) -> CpuPer:
        return CpuPer(
            self.api + other.api, self.backends + other.backends, self.bench + other.bench
        )


class CpuMeter:
    """What the API (``pid`` and its workers), its PostgreSQL backends and the bench spend from
    :meth:`start` to :meth:`per`."""

    def __init__(
        self, conn: asyncpg.Connection, pid: int, api: float, backends: dict[int, float]
    ) -> None:
        self.conn, self.pid, self.api, self.backends = conn, pid, api, backends
        self.bench = time.process_time()

    @classmethod
    async def start(cls, conn: asyncpg.Connection, pid: int) -> CpuMeter:
        return cls(conn, pid, tree_cpu(pid), await backends_cpu(conn))

    async def per(self, units: int) -> CpuPer:
        api = (tree_cpu(self.pid) - self.api) / units
        backends = backends_cpu_since(self.backends, await backends_cpu(self.conn)) / units
        return CpuPer(api, backends, (time.process_time() - self.bench) / units)


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
    """The bench's site, its members (``bob`` and eight more users of ``realm``) and a leaf per
    throughput client, next to the rack's one child that the contention rounds book."""
    users = {"bob": realm.user_id("bob")}
    for i in range(8):
        name = f"bench{i}"
        users[name] = realm.create_user(name, email=f"{name}@example.test")
    site_id, type_id, rack = await seed_site(conn, users)
    leaves = [
        await add_resource(conn, site_id, type_id, f"leaf-{i}", parent=rack if i == 0 else None)
        for i in range(CLIENTS * 2)
    ]
    return World(site_id, "bench", type_id, leaves[1:], rack, leaves[0], users)


async def seed_site(
    conn: asyncpg.Connection, users: Mapping[str, str], *, admins: Collection[str] = ()
) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """The public site ``bench``, ``users`` (username -> user id) its members (those named in
    ``admins`` its site admins), its resource type ``server`` (5 minutes of lead time and of
    teardown grace) and a rack of that type: (site, type, rack) ids."""
    site_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO sites (id, slug, name, visibility) VALUES ($1, 'bench', 'Bench', 'public')",
        site_id,
    )
    for name, user_id in users.items():
        await conn.execute(
            "INSERT INTO users (id, username, email) VALUES ($1, $2, $3)",
            user_id,
            name,
            f"{name}@example.test",
        )
        await conn.execute(
            "INSERT INTO site_members (site_id, user_id, role) VALUES ($1, $2, $3)",
            site_id,
            user_id,
            "site-admin" if name in admins else "member",
        )
    type_id = await conn.fetchval(
        "INSERT INTO resource_types (site_id, name, lead_time, teardown_grace)"
        " VALUES ($1, 'server', interval '5 minutes', interval '5 minutes') RETURNING id",
        site_id,
    )
    rack = await add_resource(conn, site_id, type_id, "rack")
    return site_id, type_id, rack


async def add_resource(
    conn: asyncpg.Connection,
    site_id: uuid.UUID,
    type_id: uuid.UUID,
    name: str,
    *,
    parent: uuid.UUID | None = None,
    attributes: str = "{}",
) -> uuid.UUID:
    """A resource of the site (under ``parent``; ``attributes`` JSON text); its id."""
    resource_id: uuid.UUID = await conn.fetchval(
        "INSERT INTO resources (site_id, type_id, parent_id, name, attributes)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING id",
        site_id,
        type_id,
        parent,
        name,
        attributes,
    )
    return resource_id


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


CONNECTIONS = 16
"""The API's pooled connections to PostgreSQL, however many workers share them."""


def start_api(
    database_url: str, issuer: str, port: int, workers: int = 1
) -> subprocess.Popen[bytes]:
    env = {
        "RESERVATION_BE_DATABASE_URL": database_url,
        "RESERVATION_BE_OIDC_ISSUER": issuer,
        "RESERVATION_BE_WORKERS_ENABLED": "false",
        "RESERVATION_BE_LOG_LEVEL": "WARNING",
        # One budget of connections to PostgreSQL, split between the workers, as
        # docs/operations.md ("Connections per replica") advises: more backends than the
        # database's cores can run only queue inside it (two pools of 16 on this machine: the
        # backends' CPU per booking 1.47-1.51 ms against 1.22-1.34 with two of 8).
        "RESERVATION_BE_DATABASE_POOL_SIZE": str(CONNECTIONS // workers),
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


# A busy backend sends its counters to the cumulative statistics at most once a second, and one
# that went idle with counters still pending sends them 10 s later (PostgreSQL 15:
# PGSTAT_IDLE_INTERVAL). Read sooner, pg_stat_database misses part of the phase just run.
STATS_FLUSHED_AFTER = 10.5


async def pg_counters(conn: asyncpg.Connection) -> dict[str, int]:
    """This database's transactions and rows written, once every backend has sent its own."""
    await asyncio.sleep(STATS_FLUSHED_AFTER)
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

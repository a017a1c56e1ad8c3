"""Table growth per 1,000 bookings: rows and bytes (heap, indexes, TOAST) per table.

    uv run python bench/table_growth.py            # 1,000 bookings
    uv run python bench/table_growth.py --short    # 200 bookings, figures scaled to 1,000

One run creates its own database and RabbitMQ exchange and queue (removed at the end) and starts
the platform as in production: the backend (``reservation_be serve``: API, lifecycle scheduler,
outbox relay, retention) and the event processor as subprocesses, the test realm and a receiver
answering 204 in this process. A site with ``RESOURCES`` resources has one site-wide webhook
subscription to every event. The bookings (``CLIENTS`` concurrent clients, each request with an
``Idempotency-Key``, one in ten cancelled before its start) are short and start within the run,
so each lives its whole life: created, starting, started, ending_soon, ended (or cancelled),
every event delivered once. Once everything has settled, each table's growth since before the
bookings is printed per 1,000 bookings: rows, and bytes of heap, indexes and TOAST
(``pg_total_relation_size``). Nothing older than its retention setting exists yet, so these
are the figures before retention trims anything (docs/operations.md, Capacity).

Sizes are those of the files after the run: rows updated during their life (a reservation's
status, an outbox row marked published, a delivery marked succeeded) also leave dead versions
that autovacuum makes reusable, so the bytes are what a busy database holds, a little above
the live data (``avg row``: the live tuples' average stored size).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import asyncpg
import httpx
import uvicorn
from reservation_be.testing import temporary_database
from reservation_be.workers.listener import asyncpg_dsn
from reservation_common.crypto import generate_key
from reservation_common.testing import free_port, spawn_python, stop_process
from reservation_testrealm.server import TestRealm

AMQP_URL = os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
CLIENTS = 8
RESOURCES = 100
CANCEL_EVERY = 10  # one booking in ten is cancelled before its start
DURATION = timedelta(seconds=2)
AHEAD = timedelta(seconds=10)  # a booking starts at least this long after it is made
LEAD_TIME = timedelta(seconds=2)  # the type's lead time: the slots hold it before the start
SETTLE_TIMEOUT = 600.0


async def receiver(_scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Accepts every webhook: what is measured is what the platform stores, not the receiver."""
    if _scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def wait_ready(
    http: httpx.AsyncClient, url: str, proc: subprocess.Popen[bytes], what: str
) -> None:
    deadline = time.monotonic() + 180  # a cold start takes a while on a loaded machine
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the {what} exited with {proc.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if (await http.get(url)).status_code == 200:
                return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the {what} did not become ready")


@dataclass(frozen=True)
class Size:
    rows: int
    heap: int  # main fork, free space and visibility maps
    indexes: int
    toast: int  # TOAST table and its index
    avg_row: float  # average stored size of a live tuple

    @property
    def total(self) -> int:
        return self.heap + self.indexes + self.toast


async def table_sizes(conn: asyncpg.Connection) -> dict[str, Size]:
    """Exact row counts and on-disk bytes of every table of the schema."""
    tables = await conn.fetch(
        "SELECT c.relname, pg_relation_size(c.oid) + pg_relation_size(c.oid, 'fsm')"
        " + pg_relation_size(c.oid, 'vm') AS heap, pg_indexes_size(c.oid) AS indexes,"
        " coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) AS toast"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'alembic_version'"
    )
    out = {}
    for t in tables:
        name = t["relname"]
        rows, avg = await conn.fetchrow(
            f'SELECT count(*), coalesce(avg(pg_column_size(t.*)), 0) FROM "{name}" t'
        )
        out[name] = Size(int(rows), t["heap"], t["indexes"], t["toast"], float(avg))
    return out


class Platform:
    """The site, its resources and its subscription, created through the API."""

    def __init__(self, http: httpx.AsyncClient, realm: TestRealm) -> None:
        self.http = http
        self.realm = realm
        self._tokens: dict[str, tuple[float, str]] = {}

    def headers(self, user: str) -> dict[str, str]:
        at, token = self._tokens.get(user, (0.0, ""))
        if time.monotonic() - at > 60:  # tokens are short-lived
            token = self.realm.token(user)
            self._tokens[user] = (time.monotonic(), token)
        return {"Authorization": f"Bearer {token}"}

    async def request(
        self, user: str, path: str, body: dict[str, Any], **headers: str
    ) -> httpx.Response:
        return await self.http.post(
            f"/api/v1{path}", json=body, headers={**self.headers(user), **headers}
        )

    async def post(self, user: str, path: str, body: dict[str, Any], **headers: str) -> Any:
        response = await self.request(user, path, body, **headers)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:500]}")
        return response.json()

    async def seed(self, hook_url: str) -> tuple[str, list[str]]:
        slug = f"growth-{uuid.uuid4().hex[:8]}"
        site = await self.post("admin", "/sites", {"slug": slug, "name": "Table growth"})
        for user, role in (("alice", "site-admin"), ("bob", "member")):
            await self.post(
                "admin", f"/sites/{site['id']}/members", {"identifier": user, "role": role}
            )
        rtype = await self.post(
            "alice",
            f"/sites/{site['id']}/resource-types",
            {"name": "node", "lead_time": f"PT{LEAD_TIME.seconds}S"},
        )
        resources = [
            (
                await self.post(
                    "alice",
                    f"/sites/{site['id']}/resources",
                    {"name": f"node {n}", "type_id": rtype["id"]},
                )
            )["id"]
            for n in range(RESOURCES)
        ]
        await self.post(
            "alice",
            f"/sites/{site['id']}/webhooks",
            {
                "name": "all events",
                "url": hook_url,
                "scope": {"kind": "site"},
                "max_concurrency": 16,
            },
        )
        return str(site["id"]), resources


async def book(platform_: Platform, resources: list[str], bookings: int) -> tuple[int, int]:
    """``bookings`` bookings by ``CLIENTS`` clients; no two overlap on a resource. Returns
    (created, cancelled)."""
    next_free = {r: datetime.now(UTC) for r in resources}
    issued = 0
    created = cancelled = 0

    async def client() -> None:
        nonlocal issued, created, cancelled
        while issued < bookings:
            k = issued
            issued += 1
            resource = resources[k % len(resources)]
            for _ in range(5):
                start = max(next_free[resource], datetime.now(UTC) + AHEAD)
                # The next booking's slots begin LEAD_TIME before its start.
                next_free[resource] = start + DURATION + LEAD_TIME + timedelta(milliseconds=500)
                body = {
                    "resource_id": resource,
                    "title": f"growth {k}",
                    "start": start.isoformat(),
                    "end": (start + DURATION).isoformat(),
                }
                response = await platform_.request(
                    "bob", "/reservations", body, **{"Idempotency-Key": str(uuid.uuid4())}
                )
                # Answered after its start on a very busy machine: book it later instead.
                if response.status_code != 422 or "past" not in response.text:
                    break
            if response.status_code != 201:
                raise RuntimeError(f"booking failed: {response.status_code} {response.text[:500]}")
            booked = response.json()
            created += 1
            if k % CANCEL_EVERY == CANCEL_EVERY - 1:
                await platform_.post("bob", f"/reservations/{booked['id']}/cancel", {})
                cancelled += 1

    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return created, cancelled


async def settled(conn: asyncpg.Connection, site_id: str) -> str | None:
    """What is still moving, or None once every reservation is at rest, every event published
    and every delivery succeeded."""
    moving = await conn.fetchval(
        "SELECT count(*) FROM reservations r LEFT JOIN reservation_lifecycle l"
        " ON l.reservation_id = r.id WHERE r.site_id = $1 AND (r.status NOT IN"
        " ('completed', 'cancelled') OR coalesce(l.stage, 0) BETWEEN 1 AND 3)",
        uuid.UUID(site_id),
    )
    unpublished = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    # Every reservation event is for this site, whose one subscription takes every event.
    undelivered = await conn.fetchval(
        "SELECT count(*) FROM outbox o WHERE o.type LIKE 'reservation.%' AND NOT EXISTS"
        " (SELECT FROM webhook_deliveries d WHERE d.event_id = o.payload->>'id'"
        " AND d.status = 'succeeded')"
    )
    if moving or unpublished or undelivered:
        return (
            f"{moving} reservations moving, {unpublished} events unpublished,"
            f" {undelivered} not delivered yet"
        )
    return None


def report(before: dict[str, Size], after: dict[str, Size], bookings: int) -> None:
    scale = 1000 / bookings
    kib = 1024
    print(
        f"\n{'table':<26} {'rows':>8} {'total KiB':>10} {'heap':>8} {'indexes':>8} {'TOAST':>7}"
        f" {'B/row':>7} {'avg row':>8}"
    )
    totals = [0.0, 0.0, 0.0, 0.0]
    for name in sorted(after, key=lambda n: after[n].total - before[n].total, reverse=True):
        a, b = after[name], before.get(name, Size(0, 0, 0, 0, 0.0))
        rows = (a.rows - b.rows) * scale
        grown = [(a.total - b.total) * scale, (a.heap - b.heap) * scale]
        grown += [(a.indexes - b.indexes) * scale, (a.toast - b.toast) * scale]
        if rows <= 0:  # not growing with bookings (rate-limit windows come and go)
            continue
        totals = [t + g for t, g in zip(totals, grown, strict=True)]
        per_row = f"{grown[0] / rows:7.0f}" if rows > 0 else f"{'-':>7}"
        print(
            f"{name:<26} {rows:8.0f} {grown[0] / kib:10.0f} {grown[1] / kib:8.0f}"
            f" {grown[2] / kib:8.0f} {grown[3] / kib:7.0f} {per_row} {a.avg_row:8.0f}"
        )
    print(
        f"{'all tables':<26} {'':>8} {totals[0] / kib:10.0f} {totals[1] / kib:8.0f}"
        f" {totals[2] / kib:8.0f} {totals[3] / kib:7.0f}"
    )
    print(f"per booking: {totals[0] / 1000 / kib:.1f} KiB over all tables")


async def main(bookings: int) -> None:
    print(
        f"table growth per 1,000 bookings ({bookings} made, {CLIENTS} clients, one in"
        f" {CANCEL_EVERY} cancelled, one site-wide subscription to every event) on"
        f" {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    suffix = uuid.uuid4().hex[:8]
    exchange, queue = f"bench.growth.{suffix}", f"bench-growth-{suffix}"
    secrets_key = generate_key()
    hook_port, api_port, ep_port = free_port(), free_port(), free_port()
    hook = uvicorn.Server(
        uvicorn.Config(receiver, host="127.0.0.1", port=hook_port, log_level="warning",
                       access_log=False, lifespan="off")
    )  # fmt: skip
    async with temporary_database(prefix="rbe_growth") as url:
        with TestRealm() as realm:
            children = [
                spawn_python(
                    ["-m", "reservation_event_processor", "run"],
                    {
                        "RESERVATION_EP_DATABASE_URL": url,
                        "RESERVATION_EP_AMQP_URL": AMQP_URL,
                        "RESERVATION_EP_EXCHANGE": exchange,
                        "RESERVATION_EP_QUEUE": queue,
                        "RESERVATION_EP_WEBHOOK_SECRETS_KEY": secrets_key,
                        "RESERVATION_EP_SSRF_ALLOWLIST": "127.0.0.1/32",
                        "RESERVATION_EP_PORT": str(ep_port),
                        "RESERVATION_EP_LOG_LEVEL": "WARNING",
                    },
                ),
                spawn_python(
                    ["-m", "reservation_be", "serve", "--port", str(api_port)],
                    {
                        "RESERVATION_BE_DATABASE_URL": url,
                        "RESERVATION_BE_AMQP_URL": AMQP_URL,
                        "RESERVATION_BE_OIDC_ISSUER": realm.issuer,
                        "RESERVATION_BE_KEYCLOAK_ADMIN_CLIENT_SECRET": realm.client_secret(
                            "reservation-api"
                        ),
                        "RESERVATION_BE_WEBHOOK_SECRETS_KEY": secrets_key,
                        "RESERVATION_BE_RELAY_EXCHANGE": exchange,
                        "RESERVATION_BE_RELAY_SWEEP_INTERVAL": "1s",
                        "RESERVATION_BE_ENDING_SOON_BEFORE": "1s",
                        "RESERVATION_BE_LOG_LEVEL": "WARNING",
                        # One bench user makes every booking: never refused.
                        "RESERVATION_BE_RATE_LIMIT_REQUESTS": "100000000",
                    },
                ),
            ]
            serving = asyncio.create_task(hook.serve())
            conn = await asyncpg.connect(asyncpg_dsn(url))
            try:
                async with httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{api_port}", timeout=60
                ) as http:
                    await wait_ready(
                        http, f"http://127.0.0.1:{ep_port}/readyz", children[0], "processor"
                    )
                    await wait_ready(http, "/readyz", children[1], "backend")
                    api = Platform(http, realm)
                    site_id, resources = await api.seed(f"http://127.0.0.1:{hook_port}/hook")
                    await wait_settled(conn, site_id)  # the seeding's own events
                    before = await table_sizes(conn)
                    started = time.monotonic()
                    created, cancelled = await book(api, resources, bookings)
                    booked = time.monotonic() - started
                    await wait_settled(conn, site_id)
                    print(
                        f"{created} bookings ({cancelled} cancelled) in {booked:.0f} s, all"
                        f" settled after {time.monotonic() - started:.0f} s (machine shared)"
                    )
                    report(before, await table_sizes(conn), created)
            finally:
                await conn.close()
                for child in reversed(children):
                    stop_process(child)
                hook.should_exit = True
                await asyncio.wait_for(serving, timeout=30)
                await delete_broker_objects(exchange, queue)


async def run(bookings: int) -> None:
    """``main``, cancelled on SIGTERM so that the database and the queues are still removed."""
    task = asyncio.create_task(main(bookings))
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    await task


async def wait_settled(conn: asyncpg.Connection, site_id: str) -> None:
    started = time.monotonic()
    shown = started
    while (moving := await settled(conn, site_id)) is not None:
        if time.monotonic() > started + SETTLE_TIMEOUT:
            raise RuntimeError(f"not settled after {SETTLE_TIMEOUT:.0f} s: {moving}")
        if time.monotonic() > shown + 30:
            print(f"  still moving: {moving}", flush=True)
            shown = time.monotonic()
        await asyncio.sleep(1)


async def delete_broker_objects(exchange: str, queue: str) -> None:
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        for name in (queue, f"{queue}.dead"):
            with contextlib.suppress(aio_pika.exceptions.AMQPError):
                await channel.queue_delete(name)
        for name in (exchange, f"{queue}.dead"):
            with contextlib.suppress(aio_pika.exceptions.AMQPError):
                await channel.exchange_delete(name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="200 bookings instead of 1,000")
    parser.add_argument("--bookings", type=int, help="how many bookings to make")
    args = parser.parse_args()
    asyncio.run(run(args.bookings or (200 if args.short else 1000)))

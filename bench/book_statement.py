"""What PostgreSQL spends on the booking's write statement (``reservations.booking._BOOK``).

    uv run python bench/book_statement.py [--bookings 2000] [--connections 2] [--explain]
        [--listeners 2] [--variant FILE.sql] [--rounds 4]

Its own database, migrated to the head revision (dropped at the end). One real booking goes
through ``reservations.booking.create`` to capture the parameters the API sends (the event
payload, the audit snapshot, the mail context: their real sizes); then the statement is
replayed on ``--connections`` asyncpg connections, each booking its own leaf hour after hour,
each statement its own transaction (the API's fast lane: no BEGIN, the write commits itself).
``--listeners`` connections LISTEN on the channels the API's processes listen on (PostgreSQL
wakes every listener of the database at each commit that notifies).

Prints per booking: the CPU of the booking connections' backends and of the listeners'
backends (``/proc``, so it holds on a loaded machine), the statement's execution time
(``pg_stat_statements``, when loaded) and the wall time. ``--variant`` runs another text of
the statement (``:name`` parameters, the same ones) in rounds alternated with the real one,
so both are measured under the same load. ``--explain`` prints EXPLAIN (ANALYZE, BUFFERS,
VERBOSE) of one booking after the warm-up: its nodes, its triggers (foreign-key checks
included) and their times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from reservation_be.auth.actor import Actor
from reservation_be.kit import driver
from reservation_be.reservations import booking
from reservation_be.reservations.schemas import ReservationCreate
from reservation_be.testing import temporary_database
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

sys.path.insert(0, str(Path(__file__).parent))
from harness import (
    add_resource,
    backends_cpu_since,
    cpu_seconds,
    pg_dsn,
    seed_site,
    statements_snapshot,
)

CHANNELS = ("outbox", "mail_queue", "reservation_changes", "user_notifications")
SERVER_ATTRIBUTES = '{"cpu": 32, "ram_gb": 256}'


async def _seed(conn: asyncpg.Connection, leaves: int) -> list[uuid.UUID]:
    """The bench's site (bob a member, two site admins; no identity realm: the users' ids are
    their names) and ``leaves`` servers, the leaves to book."""
    users = {name: name for name in ("bob", "alice", "carol")}
    site_id, type_id, rack = await seed_site(conn, users, admins=("alice", "carol"))
    # Leaves under the rack, as a server in a rack: the write locks the rack (shared) too.
    return [
        await add_resource(
            conn, site_id, type_id, f"server-{i}", parent=rack, attributes=SERVER_ATTRIBUTES
        )
        for i in range(leaves)
    ]


async def _capture(url: str, resource_id: uuid.UUID) -> dict[str, Any]:
    """The parameters ``booking.create`` sends with ``_BOOK`` for one real booking."""
    captured: dict[str, Any] = {}
    real = driver.fetchrow

    async def spy(session, statement, params, **kw):  # type: ignore[no-untyped-def]
        if statement is booking._BOOK:
            captured.update(params)
        return await real(session, statement, params, **kw)

    engine = create_async_engine(url)
    driver.fetchrow = spy
    try:
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
        body = ReservationCreate(
            resource_id=resource_id,
            title="nightly build farm run",
            description="CI capacity for the release branch",
            start=start,
            end=start + timedelta(hours=1),
        )
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            await booking.create(session, Actor(user_id="bob", username="bob"), body, alone=True)
            await session.commit()
    finally:
        driver.fetchrow = real
        await engine.dispose()
    return captured


def _args(
    statement: driver.Statement,
    base: dict[str, Any],
    resource_id: uuid.UUID,
    row_version: str,
    at: datetime,
) -> list[Any]:
    rid = uuid.uuid4()
    end = at + timedelta(hours=1)
    params = dict(
        base,
        id=rid,
        entity_id=str(rid),
        event_id=uuid.uuid4(),
        resource_id=resource_id,
        row_version=row_version,
        period=asyncpg.Range(at, end, lower_inc=True, upper_inc=False),
        held=asyncpg.Range(
            at - timedelta(minutes=5), end + timedelta(minutes=5), lower_inc=True, upper_inc=False
        ),
    )
    return list(statement.args(params))


async def _round(
    conns: list[asyncpg.Connection],
    pids: list[int],
    statement: driver.Statement,
    base: dict[str, Any],
    leaves: list[tuple[uuid.UUID, str]],
    slots: list[int],
    per_conn: int,
    start: datetime,
) -> tuple[float, float]:
    """Book ``per_conn`` times on each connection; returns (wall s, backends' CPU s)."""
    before = {pid: cpu_seconds(pid) or 0.0 for pid in pids}

    async def loop(c: int) -> None:
        resource_id, version = leaves[c]
        for _ in range(per_conn):
            at = start + timedelta(hours=2 * slots[c])
            slots[c] += 1
            row = await conns[c].fetchrow(
                statement.sql, *_args(statement, base, resource_id, version, at)
            )
            if row is None:
                raise RuntimeError("the guard refused the booking: the resource changed")

    t0 = time.perf_counter()
    await asyncio.gather(*(loop(c) for c in range(len(conns))))
    wall = time.perf_counter() - t0
    after = {pid: cpu_seconds(pid) or 0.0 for pid in pids}
    return wall, backends_cpu_since(before, after)


async def _wal(conn: asyncpg.Connection) -> tuple[int, int, int] | None:
    """WAL records, full-page images and bytes of the booking statements so far."""
    try:
        row = await conn.fetchrow(
            "SELECT sum(wal_records) AS records, sum(wal_fpi) AS fpi, sum(wal_bytes) AS bytes"
            " FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database"
            " WHERE datname = current_database()) AND query LIKE '%WITH RECURSIVE guard%'"
            " AND query NOT LIKE 'EXPLAIN%'"
        )
    except asyncpg.PostgresError:
        return None
    return int(row["records"] or 0), int(row["fpi"] or 0), int(row["bytes"] or 0)


def _statement_ms(
    before: dict[str, tuple[int, float]] | None,
    after: dict[str, tuple[int, float]] | None,
    marker: str,
) -> tuple[int, float] | None:
    if before is None or after is None:
        return None
    calls, ms = 0, 0.0
    for query, (c, m) in after.items():
        if marker in query:
            c0, m0 = before.get(query, (0, 0.0))
            calls += c - c0
            ms += m - m0
    return calls, ms


def _exclusive(node: dict[str, Any], cte: str, into: dict[str, float]) -> float:
    """Add each node's own time (its total minus its children's) to its CTE's entry."""
    cte = node.get("Subplan Name", cte) if node.get("Subplan Name", "").startswith("CTE") else cte
    loops = int(node.get("Actual Loops", 1))
    total = float(node.get("Actual Total Time", 0.0)) * loops
    children = sum(_exclusive(child, cte, into) for child in node.get("Plans", []))
    if node["Node Type"] != "CTE Scan":  # a CTE's own work is counted under its own plan
        label = f"{cte}: {node['Node Type']}"
        if "Relation Name" in node:
            label += f" {node['Relation Name']}"
        if "Function Call" in node:
            label += f" {node['Function Call'][:40]}"
        into[label] = into.get(label, 0.0) + max(0.0, total - children)
    return total


async def _explain(
    conn: asyncpg.Connection,
    name: str,
    statement: driver.Statement,
    base: dict[str, Any],
    leaf: tuple[uuid.UUID, str],
    slots: list[int],
    start: datetime,
    times: int,
) -> None:
    """EXPLAIN ANALYZE of ``times`` bookings: the first one's plan, then the mean own time of
    each node and of each trigger (foreign-key checks included)."""
    nodes: dict[str, float] = {}
    triggers: dict[str, float] = {}
    planning = execution = 0.0
    for i in range(times):
        at = start + timedelta(hours=2 * slots[0])
        slots[0] += 1
        args = _args(statement, base, leaf[0], leaf[1], at)
        if i == 0:
            plan = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS, VERBOSE) " + statement.sql, *args)
            print(f"--- EXPLAIN (ANALYZE, BUFFERS, VERBOSE) of {name}")
            print("\n".join(r[0] for r in plan))
            continue
        found = json.loads(
            await conn.fetchval("EXPLAIN (ANALYZE, FORMAT JSON) " + statement.sql, *args)
        )[0]
        planning += found.get("Planning Time", 0.0)
        execution += found["Execution Time"]
        _exclusive(found["Plan"], "main", nodes)
        for trigger in found.get("Triggers", []):
            label = (
                f"{trigger['Relation']}: {trigger.get('Constraint Name', trigger['Trigger Name'])}"
            )
            triggers[label] = triggers.get(label, 0.0) + trigger["Time"]
    n = times - 1
    print(f"--- {name}: mean of {n} EXPLAIN ANALYZE (timing overhead included), ms per booking")
    print(f"planning {planning / n:.3f}, execution {execution / n:.3f}")
    print(f"triggers {sum(triggers.values()) / n:.3f}:")
    for label, ms in sorted(triggers.items(), key=lambda x: -x[1]):
        print(f"  {ms / n:7.3f}  {label}")
    print("nodes (own time):")
    for label, ms in sorted(nodes.items(), key=lambda x: -x[1])[:30]:
        print(f"  {ms / n:7.3f}  {label}")


async def main(args: argparse.Namespace) -> None:
    variants = {"_BOOK": booking._BOOK}
    if args.variant:
        variants["variant"] = driver.Statement(args.variant)
    async with temporary_database(prefix="rbe_bookstmt") as url:
        dsn = pg_dsn(url)
        admin = await asyncpg.connect(dsn)
        if args.setup:
            await admin.execute(args.setup)
        servers = await _seed(admin, args.connections)
        base = await _capture(url, servers[0])
        leaves = [
            (
                leaf,
                await admin.fetchval(
                    "SELECT CAST(xmin AS text) FROM resources WHERE id = $1", leaf
                ),
            )
            for leaf in servers
        ]
        sizes = {k: len(v) for k, v in base.items() if isinstance(v, str) and len(v) > 200}
        print(f"captured parameters; the large ones (bytes): {sizes}")
        settings = {"application_name": "book-statement"}
        if args.plan_cache_mode:
            settings["plan_cache_mode"] = args.plan_cache_mode
        conns = [
            await asyncpg.connect(dsn, server_settings=settings) for _ in range(args.connections)
        ]
        pids = [await c.fetchval("SELECT pg_backend_pid()") for c in conns]
        listeners = [await asyncpg.connect(dsn) for _ in range(args.listeners)]
        heard = [0]

        def hear(*_: object) -> None:
            heard[0] += 1

        for conn in listeners:
            for channel in CHANNELS:
                await conn.add_listener(channel, hear)
        listener_pids = [await c.fetchval("SELECT pg_backend_pid()") for c in listeners]
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
        slots = [0] * args.connections
        per_conn = max(1, args.bookings // args.connections)
        # Warm-up: plans cached, caches filled.
        for statement in variants.values():
            await _round(conns, pids, statement, base, leaves, slots, 50, start)
        if args.explain:
            for name, statement in variants.items():
                await _explain(
                    conns[0], name, statement, base, leaves[0], slots, start, args.explain
                )
        totals = {name: [0.0, 0.0, 0.0, 0, 0.0, 0] for name in variants}
        for r in range(args.rounds):
            order = list(variants.items())
            if r % 2:
                order.reverse()
            for name, statement in order:
                snap = await statements_snapshot(admin)
                wal = await _wal(admin)
                heard_before = heard[0]
                lcpu = {pid: cpu_seconds(pid) or 0.0 for pid in listener_pids}
                wall, cpu = await _round(
                    conns, pids, statement, base, leaves, slots, per_conn, start
                )
                lcpu_after = {pid: cpu_seconds(pid) or 0.0 for pid in listener_pids}
                await asyncio.sleep(1.2)  # pg_stat_statements is written at the statement's end
                stats = _statement_ms(
                    snap, await statements_snapshot(admin), "WITH RECURSIVE guard"
                )
                wal_after = await _wal(admin)
                t = totals[name]
                t[0] += wall
                t[1] += cpu
                t[2] += backends_cpu_since(lcpu, lcpu_after)
                t[3] += per_conn * len(conns)
                if stats is not None:
                    t[4] += stats[1]
                    t[5] += stats[0]
                print(
                    f"round {r + 1} {name:<8} {per_conn * len(conns)} bookings in {wall:.2f} s,"
                    f" backends' CPU {cpu / (per_conn * len(conns)) * 1000:.3f} ms per booking,"
                    f" {heard[0] - heard_before} notifications heard"
                    + (
                        ", WAL per booking: {:.1f} records, {:.2f} full pages, {:.0f} bytes".format(
                            *(
                                (a - b) / (per_conn * len(conns))
                                for a, b in zip(wal_after, wal, strict=True)
                            )
                        )
                        if wal is not None and wal_after is not None
                        else ""
                    )
                )
        plans = await conns[0].fetch(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE '%WITH RECURSIVE guard%'"
        )
        print(
            "plans of the statement on one connection (generic, custom):", [tuple(p) for p in plans]
        )
        print(f"load average at the end: {os.getloadavg()}")
        for name, (wall, cpu, heard_cpu, n, ms, calls) in totals.items():
            execution = f"{ms / calls:.3f} ms" if calls else "n/a"
            print(
                f"{name:<8} per booking: backends' CPU {cpu / n * 1000:.3f} ms,"
                f" listeners' backends' CPU {heard_cpu / n * 1000:.3f} ms"
                f" ({len(listeners)} listeners),"
                f" execution {execution}, wall {wall / n * 1000:.3f} ms x {len(conns)} connections"
                f" ({n / wall:.0f}/s)"
            )
        for conn in (*conns, *listeners, admin):
            await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bookings", type=int, default=2000, help="per round and statement")
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--listeners", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument(
        "--explain", type=int, default=0, metavar="N", help="EXPLAIN ANALYZE N bookings"
    )
    parser.add_argument(
        "--setup", help="SQL run on the database before the seed (an index dropped)"
    )
    parser.add_argument("--plan-cache-mode", help="the booking connections' plan_cache_mode")
    parser.add_argument("--variant", help="another text of _BOOK (:name parameters)")
    parsed = parser.parse_args()
    # The files are read here, not in the event loop.
    parsed.variant = Path(parsed.variant).read_text() if parsed.variant else None
    parsed.setup = Path(parsed.setup).read_text() if parsed.setup else None
    asyncio.run(main(parsed))

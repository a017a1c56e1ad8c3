"""Find-and-book benchmarks: they print figures and assert nothing about speed.

    uv run python bench/find.py            # 1,000 resources, 1 M reservations
    uv run python bench/find.py --short    # 200 resources, 50 k reservations (make bench-short)

Another site shares the database (``--other-resources``, 250 bookings each: 250 k with the
default 1,000), as on a platform with many sites: a find must read only its own site's slots.
In a database of its own (dropped at the end), in process, through the service layer (the
same code the endpoint calls, without HTTP and tokens):

1. find-first-free: random 7-day windows, N in {1, 4, 16, 64}, with and without an attribute
   filter, over a fragmented calendar (every resource has its own pattern of bookings of
   different lengths): p50/p99 of the find (authorisation, type, attribute and count checks,
   the range-arithmetic query) and of the query alone;
2. group booking: 16 concurrent clients each finding and booking 4 resources for 1 h at the
   first free period (so they compete for the same first nodes), as many groups as the scale
   says: groups/s, p50/p99 per group, how many lost a race and searched again.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

from reservation_be.auth.actor import Actor
from reservation_be.find import repository, service
from reservation_be.find.schemas import FindRequest
from reservation_be.testing import temporary_database
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

CLIENTS = 16


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def seed(
    session: AsyncSession, *, resources: int, per_resource: int, slug: str = "bench"
) -> dict[str, object]:
    site_id, type_id, user_id = uuid.uuid4(), uuid.uuid4(), f"{slug}-bob"
    base = (datetime.now(UTC) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    await session.execute(text("INSERT INTO users (id, username) VALUES (:u, :u)"), {"u": user_id})
    await session.execute(
        text("INSERT INTO sites (id, slug, name) VALUES (:s, :slug, :slug)"),
        {"s": site_id, "slug": slug},
    )
    await session.execute(
        text("INSERT INTO site_members (site_id, user_id, role) VALUES (:s, :u, 'member')"),
        {"s": site_id, "u": user_id},
    )
    await session.execute(
        text(
            "INSERT INTO resource_types (id, site_id, name, booking_horizon) "
            "VALUES (:t, :s, 'node', interval '3650 days')"
        ),
        {"t": type_id, "s": site_id},
    )
    await session.execute(
        text(
            "INSERT INTO resources (site_id, type_id, name, attributes) "
            "SELECT :s, :t, 'node-' || lpad(g::text, 4, '0'), jsonb_build_object("
            "'gpu', CASE WHEN g % 5 = 0 THEN 'a100' ELSE 't4' END, 'memory_gb', 64 * (1 + g % 3))"
            " FROM generate_series(1, :n) g"
        ),
        {"s": site_id, "t": type_id, "n": resources},
    )
    t0 = time.perf_counter()
    await session.execute(text("SET LOCAL session_replication_role = replica"))
    # Bookings of 60-105 min every 150 min, each resource shifted by its own offset: gaps of
    # 45-90 min that line up differently on every resource.
    await session.execute(
        text(
            """
INSERT INTO reservations (site_id, resource_id, owner_id, created_by, title, period, status)
SELECT :s, r.id, :u, :u, 'busy',
       tstzrange(CAST(:base AS timestamptz) + (g * 150 + o.shift) * interval '1 minute',
                 CAST(:base AS timestamptz)
                 + (g * 150 + o.shift + 60 + 15 * ((o.k * g) % 4)) * interval '1 minute',
                 '[)'),
       'confirmed'
FROM (SELECT id, row_number() OVER (ORDER BY name) AS k FROM resources WHERE site_id = :s) r
CROSS JOIN LATERAL (SELECT (r.k * 37) % 120 AS shift, r.k) o
CROSS JOIN generate_series(0, :per - 1) g
"""
        ),
        {"s": site_id, "u": user_id, "base": base, "per": per_resource},
    )
    await session.execute(
        text(
            "INSERT INTO reservation_slots (reservation_id, resource_id, period) "
            "SELECT id, resource_id, period FROM reservations WHERE site_id = :s"
        ),
        {"s": site_id},
    )
    await session.commit()
    await session.execute(text("ANALYZE"))
    total = (await session.execute(text("SELECT count(*) FROM reservations"))).scalar_one()
    print(
        f"  loaded {total} reservations on {resources} resources "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    span = timedelta(minutes=150 * per_resource)
    return {
        "site": slug,
        "site_id": site_id,
        "type_id": type_id,
        "user": user_id,
        "base": base,
        "span": span,
    }


async def bench_find(sm: async_sessionmaker[AsyncSession], world: dict, queries: int) -> None:
    actor = Actor(user_id=str(world["user"]), username="bob")
    rng = random.Random(11)
    base, span = world["base"], world["span"]
    assert isinstance(base, datetime) and isinstance(span, timedelta)
    whole: list[float] = []
    sql: list[float] = []
    found = 0
    async with sm() as session:
        for _ in range(queries):
            earliest = base + timedelta(minutes=rng.randrange(0, int(span.total_seconds() // 60)))
            count = rng.choice([1, 4, 16, 64])
            filters = rng.choice([{}, {"gpu": "a100"}, {"memory_gb": {"gte": 128}}])
            if filters:
                count = min(count, 16)  # a fifth of the nodes are a100s
            duration = timedelta(hours=rng.choice([1, 2, 4]))
            body = FindRequest(
                site=str(world["site"]),
                type_id=world["type_id"],
                count=count,
                attributes=filters,
                duration=duration,
                earliest_start=earliest,
                latest_end=earliest + timedelta(days=7),
            )
            t0 = time.perf_counter()
            _, proposal = await service.find(session, actor, body)
            whole.append(time.perf_counter() - t0)
            found += proposal is not None
            t0 = time.perf_counter()
            await repository.first_free(
                session,
                site_id=world["site_id"],
                type_id=world["type_id"],  # type: ignore[arg-type]
                where=repository.filters(filters),
                count=count,
                earliest=earliest,
                latest_end=earliest + timedelta(days=7),
                duration=duration,
                lead=timedelta(0),
                teardown=timedelta(0),
                limit=count,
            )
            sql.append(time.perf_counter() - t0)
            await session.rollback()
    print(
        f"  {queries} finds ({found} found a period): find p50 {percentile(whole, 50) * 1000:.1f}"
        f" ms, p99 {percentile(whole, 99) * 1000:.1f} ms; query alone p50 "
        f"{percentile(sql, 50) * 1000:.1f} ms, p99 {percentile(sql, 99) * 1000:.1f} ms"
    )


async def bench_groups(sm: async_sessionmaker[AsyncSession], world: dict, groups: int) -> None:
    actor = Actor(user_id=str(world["user"]), username="bob")
    base, span = world["base"], world["span"]
    assert isinstance(base, datetime) and isinstance(span, timedelta)
    # After the filled calendar: every client wants the first free hour of 4 nodes.
    start = base + span + timedelta(days=1)
    body = FindRequest(
        site=str(world["site"]),
        type_id=world["type_id"],
        count=4,  # type: ignore[arg-type]
        duration=timedelta(hours=1),
        earliest_start=start,
        latest_end=start + timedelta(days=30),
        book=True,
        title="lease",
    )
    latencies: list[float] = []
    refused = 0
    remaining = groups

    async def client() -> None:
        nonlocal remaining, refused
        while remaining > 0:
            remaining -= 1
            t0 = time.perf_counter()
            async with sm() as session:
                try:
                    await service.book(session, actor, body)
                    await session.commit()
                except service.NoFreeResources:
                    refused += 1
                    await session.rollback()
            latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    elapsed = time.perf_counter() - t0
    async with sm() as session:
        booked = (await session.execute(text("SELECT count(*) FROM reservation_groups"))).scalar()
        overlaps = (
            await session.execute(
                text(
                    "SELECT count(*) FROM reservation_slots a JOIN reservation_slots b ON "
                    "a.resource_id = b.resource_id AND a.reservation_id <> b.reservation_id "
                    "AND a.period && b.period"
                )
            )
        ).scalar()
        deadlocks = (
            await session.execute(
                text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
            )
        ).scalar()
    print(
        f"  {CLIENTS} clients, {groups} group bookings of 4 nodes: {booked} booked, {refused} "
        f"409 after {service.BOOK_ATTEMPTS} lost races; {booked / elapsed:.1f} groups/s "
        f"({4 * booked / elapsed:.0f} reservations/s); p50 {percentile(latencies, 50) * 1000:.0f}"
        f" ms, p99 {percentile(latencies, 99) * 1000:.0f} ms; overlapping slots {overlaps}, "
        f"deadlocks {deadlocks}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true")
    parser.add_argument(
        "--other-resources",
        type=int,
        default=1000,
        help="resources of another site, with 250 bookings each (0: none)",
    )
    args = parser.parse_args()
    resources, per, queries, groups = (200, 250, 100, 200) if args.short else (1000, 1000, 300, 800)
    print(
        f"find-and-book bench ({'short' if args.short else 'full'}), Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    async with temporary_database(prefix="rbe_bench_find") as url:
        engine = create_async_engine(url, pool_size=CLIENTS + 2, max_overflow=0)
        sm = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        try:
            async with sm() as session:
                world = await seed(session, resources=resources, per_resource=per)
            if args.other_resources:
                async with sm() as session:
                    await seed(
                        session, resources=args.other_resources, per_resource=250, slug="other"
                    )
            print("1. find-first-free")
            await bench_find(sm, world, queries)
            print("2. group booking throughput")
            await bench_groups(sm, world, groups)
        finally:
            await engine.dispose()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

"""Booking benchmarks: they print figures and assert nothing about speed.

    uv run python bench/run.py            # full: 1 M reservations for the calendar query
    uv run python bench/run.py --short    # CI: the same runs, smaller

Each run creates its own database (dropped at the end), starts the test realm in-process and
the API as a subprocess (``reservation-be serve``) on a free loopback port, then measures:

1. booking throughput through the API with 16 concurrent clients (p50/p99, API CPU and RSS,
   PostgreSQL transactions per booking) while one more client reads availability and the
   calendar; the same bookings alone (the booking's own CPU) alternated three times with the
   minimal booking transaction (asyncpg, 16 connections, no reader), and the same transaction
   in raw SQL; the ratios of the bookings alone to them (the median of the three pairs);
2. contention: 64 concurrent clients booking one slot, several rounds; prints the double
   bookings found in the database (must be 0) and PostgreSQL's deadlock count;
3. the availability/calendar queries over N reservations (p50/p99), through the API and in SQL;
4. (1) and (2) again against ``serve --workers 2``; for both throughput phases, what the API's
   backends did (sampled ``pg_stat_activity``), how many connections served, and with
   ``pg_stat_statements`` loaded the statements per booking and which grew with 2 workers;

then every target of issue 12 next to its value. The load comes from ``bench/loadgen.py`` (a
lean HTTP/1.1 client: the bench shares the cores with what it measures) and PostgreSQL is
reached over plain TCP (``--db-tls``: with the TLS the server offers), the API and the raw SQL
alike. ``bench/profile_booking.py`` profiles where
the API's CPU goes per booking.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime

import asyncpg
import httpx
from calendar_reads import calendar, fill_calendar
from contention import contention
from harness import (
    CLIENTS,
    CONNECTIONS,
    CONTENDERS,
    FULL,
    SHORT,
    Activity,
    CpuMeter,
    CpuPer,
    Scale,
    cpu_seconds,
    database_link,
    hour,
    percentile,
    pg_counters,
    pg_dsn,
    print_statement_growth,
    print_statements,
    process_tree,
    rss_mb,
    seed,
    settle,
    start_api,
    statements_per_booking,
    statements_snapshot,
    target,
    wait_healthy,
)
from loadgen import Client
from reservation_be.testing import temporary_database
from reservation_common.testing import free_port, stop_process
from reservation_testrealm.server import TestRealm
from throughput import Run, api_throughput, sql_minimal, sql_throughput

PAIRS = 3
"""Bookings alone through the API and the raw minimal transaction, alternated this many times."""


async def main(short: bool, db_tls: bool) -> None:
    scale = SHORT if short else FULL
    print(
        f"reservation-be booking benchmarks ({'short' if short else 'full'}) on "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print("load average at start (1/5/15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    async with temporary_database(prefix="rbe_bench") as created:
        url = database_link(created, db_tls)
        with TestRealm() as realm:
            conn = await asyncpg.connect(pg_dsn(url))
            pool = await asyncpg.create_pool(pg_dsn(url), min_size=CLIENTS, max_size=CLIENTS)
            procs: list[subprocess.Popen[bytes]] = []

            async def serve(workers: int) -> Callable[[], Client]:
                port = free_port()
                proc = start_api(url, realm.issuer, port, workers)
                procs.append(proc)

                def api() -> Client:
                    # A fresh client per phase: uvicorn closes idle keep-alive connections
                    # after 5 s, and a phase must not trip over one closed during the last.
                    return Client(f"http://127.0.0.1:{port}")

                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                    await wait_healthy(http, proc)
                await settle(proc.pid, workers)
                return api

            def stop(proc: subprocess.Popen[bytes]) -> None:
                stop_process(proc, grace=15)

            try:
                world = await seed(conn, realm)
                server = await conn.fetchval("SHOW server_version")
                tls = "as the server offers" if db_tls else "off"
                print(
                    f"PostgreSQL {server} over loopback TCP, TLS {tls} (API and raw SQL alike);"
                    f" API: uvicorn (1, then 2 worker processes; {CONNECTIONS} pooled"
                    " connections to PostgreSQL in all, split between the workers)"
                )
                # API bookings stay within the platform's default booking horizon (730 days).
                base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
                token = realm.token("bob", "bob")
                bookings = scale.bookings // CLIENTS * CLIENTS

                print(f"\n1. Booking throughput, {CLIENTS} concurrent clients, 1 worker")
                api = await serve(1)
                one_proc = procs[-1]
                # Warm up like a server that has served a while: a phase like the measured one,
                # reads included. A read's statement is prepared and planned on each pooled
                # connection the first times it runs there; after a warm-up of 64 bookings the
                # first phase's slowest reads took 14.6-37.6 ms, the next phases' 9.5-13.5 ms.
                warm_up = Scale(bookings, 0, 0, 0, 0)
                async with api() as http:
                    await api_throughput(
                        http, world, token, warm_up, hour(base, 24 * 10), "warm-up"
                    )
                before = await pg_counters(conn)
                statements_before = await statements_snapshot(conn)
                meter = await CpuMeter.start(conn, one_proc.pid)
                async with api() as http, Activity(url) as activity_1:
                    one = await api_throughput(http, world, token, scale, hour(base, 24))
                # What the cores carry per booking with the reader's reads (target 4's load).
                cpu_1 = await meter.per(bookings)
                cpu_per_booking, with_reads = cpu_1.api, cpu_1.total
                after = await pg_counters(conn)
                statements_1 = statements_per_booking(
                    statements_before, await statements_snapshot(conn), bookings
                )
                print(
                    f"  API process CPU per booking: {cpu_per_booking * 1000:.2f} ms"
                    " (with the reads made meanwhile)"
                )
                rss_one = rss_mb(one_proc.pid)
                print(f"  API process RSS: {rss_one:.0f} MB")
                print(
                    f"  CPU per booking with the reads, API + its PostgreSQL backends + the bench:"
                    f" {with_reads * 1000:.2f} ms: at most {(os.cpu_count() or 1) / with_reads:.0f}"
                    " bookings/s on the cores"
                )
                per_booking_1 = {k: (after[k] - before[k]) / bookings for k in after}
                print(
                    "  PostgreSQL per booking (incl. the reads meanwhile): "
                    + ", ".join(f"{k} {v:.1f}" for k, v in per_booking_1.items())
                )
                activity_1.report("1 worker:")
                print_statements(statements_1, "1 worker")
                # The reads beside a load that leaves the API headroom: bookings sent at half
                # the rate 16 waiting clients reached, whatever the answers.
                async with api() as http:
                    paced = await api_throughput(
                        http, world, token, scale, hour(base, 24 * 30), "API 1/2",
                        pace=one.rate / 2,
                    )  # fmt: skip
                # The booking's own cost: the same load without the reader, alternated with the
                # raw minimal transaction PAIRS times. A phase lasts 0.3-1 s in the short mode,
                # where one pair's ratio moved by a fifth between runs: the median pair counts.
                # The raw transaction warmed up like the API (its statements prepared on each
                # pooled connection): a cold first run read 1,554/s against 2,310-2,436 after.
                await sql_minimal(
                    pool, world, Scale(CLIENTS * 4, 0, 0, 0, 0), hour(base, 24 * 490), "raw warm-up"
                )
                pairs: list[tuple[Run, float]] = []
                cpu = CpuPer(0.0, 0.0, 0.0)
                for i in range(PAIRS):
                    meter = await CpuMeter.start(conn, one_proc.pid)
                    async with api() as http:
                        run_alone = await api_throughput(
                            http, world, token, scale, hour(base, 24 * (50 + 10 * i)),
                            f"API alone {i + 1}", reader=False,
                        )  # fmt: skip
                    cpu += await meter.per(bookings * PAIRS)
                    raw = await sql_minimal(pool, world, scale, hour(base, 24 * (500 + 10 * i)))
                    pairs.append((run_alone, raw))
                cpu_alone, pg_alone, bench_alone = cpu.api, cpu.backends, cpu.bench
                print(f"  API process CPU per booking, bookings alone: {cpu_alone * 1000:.2f} ms")
                # What the two cores must carry per booking, and the rate that allows.
                per_booking = cpu.total
                cores = os.cpu_count() or 1
                bound = min(cores / per_booking, 1 / cpu_alone)
                print(
                    f"  CPU per booking: API {cpu_alone * 1000:.2f} + its PostgreSQL backends"
                    f" {pg_alone * 1000:.2f} + the bench {bench_alone * 1000:.2f}"
                    f" = {per_booking * 1000:.2f} ms: at most {cores / per_booking:.0f}"
                    f" bookings/s on {cores} cores, {1 / cpu_alone:.0f}/s for one API process"
                    f" on a core of its own"
                )
                pairs.sort(key=lambda pair: pair[0].rate / pair[1])
                ratios = [run_alone.rate / raw for run_alone, raw in pairs]
                alone, rate_min = pairs[PAIRS // 2]
                rate_sql = await sql_throughput(pool, world, scale, hour(base, 24 * 400))
                # Like for like: the raw runs have no reader beside them.
                print(f"  ratio API alone / raw SQL (same statements): {alone.rate / rate_sql:.2f}")
                print(
                    "  ratio API alone / raw minimal transaction, each pair: "
                    + ", ".join(f"{r:.2f}" for r in ratios)
                    + f"; the median pair: {alone.rate / rate_min:.2f}"
                )
                print(f"  (with the reader beside the API: {one.rate / rate_min:.2f})")
                print(
                    f"  the most the CPU allows one worker: {bound:.0f} bookings/s ="
                    f" {bound / rate_min:.2f} x the raw minimal transaction"
                )

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
                        http, world, token, warm_up, hour(base, 24 * 100), "warm-up"
                    )
                before = await pg_counters(conn)
                statements_before = await statements_snapshot(conn)
                meter = await CpuMeter.start(conn, two_proc.pid)
                workers_before = {p: cpu_seconds(p) or 0.0 for p in process_tree(two_proc.pid)[1:]}
                async with api2() as http, Activity(url) as activity_2:
                    two = await api_throughput(
                        http, world, token, scale, hour(base, 24 * 200), "API x2"
                    )
                cpu_2 = await meter.per(bookings)
                # How evenly the kernel shared the 16 keep-alive connections between the
                # workers (one SO_REUSEPORT socket each; uvicorn's one shared socket once gave
                # 2.41 / 0.02 s).
                split = [(cpu_seconds(p) or 0.0) - t for p, t in workers_before.items()]
                print(
                    "  the workers' CPU in this phase: "
                    + " / ".join(f"{t:.2f}" for t in sorted(split, reverse=True) if t > 0.01)
                    + " s"
                )
                with_reads_2 = cpu_2.total
                print(
                    f"  CPU per booking with the reads, 2 workers: API {cpu_2.api * 1000:.2f} + its"
                    f" PostgreSQL backends {cpu_2.backends * 1000:.2f} + the bench"
                    f" {cpu_2.bench * 1000:.2f} = {with_reads_2 * 1000:.2f} ms"
                    f" (1 worker: {with_reads * 1000:.2f}): at most"
                    f" {cores / with_reads_2:.0f} bookings/s on the cores"
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
                ratio = alone.rate / rate_min
                target("1. API / raw minimal booking transaction (median of pairs)",
                       f"{ratio:.2f} ({ratios[0]:.2f}-{ratios[-1]:.2f})", ">= 0.35",
                       ratio >= 0.35)  # fmt: skip
                target("   the same with the reader beside the API", f"{one.rate / rate_min:.2f}",
                       "-", None)  # fmt: skip
                target("   the most the CPU per booking allows one worker",
                       f"{bound / rate_min:.2f}", "-", None)  # fmt: skip
                target("1. API CPU per booking (bookings alone)", f"{cpu_alone * 1000:.2f} ms",
                       "<= 1.5 ms", cpu_alone <= 0.0015)  # fmt: skip
                target("   the same with the reader's reads meanwhile",
                       f"{cpu_per_booking * 1000:.2f} ms", "-", None)  # fmt: skip
                # The load of target 1: the bookings alone, every pair's (the reader's phase on the
                # line below).
                p99 = percentile([t for run_alone, _ in pairs for t in run_alone.latencies], 99)
                target(f"2. booking p99, {CLIENTS} clients", f"{p99 * 1000:.0f} ms", "< 50 ms",
                       p99 < 0.050)  # fmt: skip
                target("   the same with the reader beside the API",
                       f"{percentile(one.latencies, 99) * 1000:.0f} ms", "-", None)  # fmt: skip
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
                    times = paced.reads[name]
                    if times:
                        r99 = percentile(times, 99)
                        target(f"   the same, bookings at half that rate ({paced.rate:.0f}/s)",
                               f"{r99 * 1000:.1f} ms", "< 15 ms", r99 < 0.015)  # fmt: skip
                p99_paced = percentile(paced.latencies, 99)
                target(f"   booking p99 at half that rate ({paced.rate:.0f}/s)",
                       f"{p99_paced * 1000:.0f} ms", "< 50 ms", p99_paced < 0.050)  # fmt: skip
                scaling = two.rate / one.rate
                target("4. 2 workers / 1 worker throughput", f"{scaling:.2f}",
                       ">= 1.6 (CPU allowing)", scaling >= 1.6)  # fmt: skip
                # Two workers share the cores with PostgreSQL and the bench: what the cores carry
                # per booking (with the reader's reads, as in this phase) bounds them to the
                # cores' rate, however many workers serve.
                target("   the most the CPU per booking allows 2 workers, / 1 worker",
                       f"{cores / with_reads / one.rate:.2f}", "-", None)  # fmt: skip
                # ... and what the cores carry per booking with two workers bounds them again.
                target("   the same at the CPU per booking 2 workers take",
                       f"{cores / with_reads_2 / one.rate:.2f}", "-", None)  # fmt: skip
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
    parser.add_argument(
        "--db-tls",
        action="store_true",
        help="TLS to PostgreSQL when the server offers it (default: plain TCP, as in compose)",
    )
    args = parser.parse_args()
    asyncio.run(main(args.short, args.db_tls))
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

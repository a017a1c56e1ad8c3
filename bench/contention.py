"""2. Contention: rounds of 64 clients booking one slot (a quarter of them its parent rack).

Part of ``bench/run.py``; alone, against a server of its own (one uvicorn worker by default):

    uv run python bench/contention.py [--rounds 10] [--workers 1] [--cold] [--profile out.txt]

Before the rounds, the API serves the warm-up bookings that ``bench/run.py`` sends before its
contention phase (16 clients), so its pool holds its connections and their prepared statements
as there; ``--cold`` leaves it out (the first round then opens the pool's connections).
``--profile`` samples the API with py-spy during the rounds (``uvx py-spy``, raw folded stacks,
idle time left out): where the API's CPU per round goes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime

import asyncpg
import httpx
from harness import (
    CLIENTS,
    CONTENDERS,
    SHORT,
    Scale,
    World,
    backends_cpu,
    backends_cpu_since,
    database_link,
    hour,
    percentile,
    pg_dsn,
    process_tree,
    seed,
    settle,
    start_api,
    tree_cpu,
    wait_healthy,
)
from loadgen import Client, HTTPError
from reservation_be.testing import temporary_database
from reservation_common.testing import free_port, stop_process
from reservation_testrealm.server import TestRealm
from throughput import api_throughput


async def contention(
    api: Callable[[], Client], conn: asyncpg.Connection, world: World, realm: TestRealm,
    scale: Scale, base: datetime, *, api_pid: int | None = None,
) -> tuple[int, float]:  # fmt: skip
    """Rounds of 64 clients on one slot; returns (rounds with one winner, request p99 s).

    With ``api_pid``, also the CPU per round of the API (its process tree's user + system
    time) and of the PostgreSQL backends serving it: unlike the latencies, they hardly move
    with the load of other processes on the machine."""
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
    cpu_before = tree_cpu(api_pid) if api_pid is not None else 0.0
    sched_before = _scheduled(api_pid) if api_pid is not None else (0.0, 0.0)
    wall = 0.0
    backends_before = await backends_cpu(conn)
    for r in range(scale.contention_rounds):
        start = hour(base, 3 * r)
        gate = asyncio.Event()

        async def one(
            i: int,
            *,
            http: Client,
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
            except (HTTPError, OSError, TimeoutError) as exc:
                print(f"  round {r} client {i}: {type(exc).__name__}")
                return -1
            latencies.append(time.perf_counter() - t0)
            return response.status_code

        # A fresh client per round, so no request rides a keep-alive connection that the
        # server is closing after the previous round's idle wait.
        async with api() as http:
            tasks = [asyncio.create_task(one(i, http=http)) for i in range(CONTENDERS)]
            await asyncio.sleep(0)
            t_round = time.perf_counter()
            gate.set()
            codes = await asyncio.gather(*tasks)
            wall += time.perf_counter() - t_round
        winners = codes.count(201)
        others = {c for c in codes if c != 201}
        if winners == 1 and others <= {409}:
            rounds_with_one_winner += 1
        else:
            print(f"  round {r}: {winners} winners, other statuses {sorted(others)}")
    cpu_per_round = (
        (tree_cpu(api_pid) - cpu_before) / scale.contention_rounds if api_pid is not None else None
    )
    sched_after = _scheduled(api_pid) if api_pid is not None else (0.0, 0.0)
    backends_after = await backends_cpu(conn)
    pg_per_round = backends_cpu_since(backends_before, backends_after) / scale.contention_rounds
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
    if cpu_per_round is not None:
        print(
            f"  API CPU per round: {cpu_per_round * 1000:.0f} ms "
            f"({cpu_per_round / CONTENDERS * 1000:.2f} ms per request); "
            f"its PostgreSQL backends' CPU per round: {pg_per_round * 1000:.0f} ms"
        )
        rounds = scale.contention_rounds
        print(
            f"  a round's wall time {wall / rounds * 1000:.0f} ms; the API on a core "
            f"{(sched_after[0] - sched_before[0]) / rounds * 1000:.0f} ms, runnable and waiting "
            f"for one {(sched_after[1] - sched_before[1]) / rounds * 1000:.0f} ms (schedstat)"
        )
    deadlocks = await conn.fetchval(
        "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
    )
    print(f"  double bookings in the database: {double}; deadlocks so far: {deadlocks}")
    return rounds_with_one_winner, percentile(latencies, 99)


def _scheduled(pid: int) -> tuple[float, float]:
    """Seconds the API's processes spent on a core and runnable but waiting for one (Linux
    schedstat): their sum next to the wall time says whether the API waited for anything else.
    """
    on_cpu = waiting = 0.0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/schedstat") as f:
                ran, waited, _ = f.read().split()
        except (OSError, ValueError):
            continue
        on_cpu += int(ran) / 1e9
        waiting += int(waited) / 1e9
    return on_cpu, waiting


async def main(rounds: int, workers: int, cold: bool, profile: str | None) -> None:
    async with temporary_database(prefix="rbe_bench_contention") as created:
        url = database_link(created, tls=False)
        with TestRealm() as realm:
            conn = await asyncpg.connect(pg_dsn(url))
            world = await seed(conn, realm)
            port = free_port()
            proc = start_api(url, realm.issuer, port, workers)

            def api() -> Client:
                return Client(f"http://127.0.0.1:{port}")

            try:
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                    await wait_healthy(http, proc)
                await settle(proc.pid, workers)
                scale = Scale(SHORT.bookings, rounds, 0, 0, 0)
                base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
                if not cold:
                    async with api() as http:
                        await api_throughput(
                            http, world, realm.token("bob", "bob"),
                            Scale(CLIENTS * 4, 0, 0, 0, 0), hour(base, 1), "warm-up",
                        )  # fmt: skip
                print("load average at start (1/5/15 min): {:.2f} {:.2f} {:.2f}".format(
                    *os.getloadavg()))  # fmt: skip
                sampler = _py_spy(proc.pid, profile) if profile else None
                try:
                    await contention(
                        api, conn, world, realm, scale, hour(base, 24), api_pid=proc.pid
                    )
                finally:
                    if sampler is not None:
                        sampler.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
                        sampler.wait(timeout=60)
                print("load average at end (1/5/15 min): {:.2f} {:.2f} {:.2f}".format(
                    *os.getloadavg()))  # fmt: skip
            finally:
                stop_process(proc, grace=15)
                await conn.close()


def _py_spy(pid: int, out: str) -> subprocess.Popen[bytes]:
    sampler = subprocess.Popen(
        ["uvx", "py-spy", "record", "--pid", str(pid), "--rate", "500", "--format", "raw",
         "--nonblocking", "-o", out],
    )  # fmt: skip
    time.sleep(3)  # uvx may install it first; py-spy attaches within a second after that
    return sampler


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--cold", action="store_true", help="no warm-up bookings first")
    parser.add_argument("--profile", metavar="FILE", help="py-spy's folded stacks of the API")
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.workers, args.cold, args.profile))


if __name__ == "__main__":
    cli()

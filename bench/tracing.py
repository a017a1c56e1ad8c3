"""CPU per booking with tracing off and on: what ``TRACING_ENABLED`` costs the booking path.

    uv run python bench/tracing.py [--bookings 800] [--rounds 3] [--modes off,on]

Its own database (dropped at the end) and the test realm in-process; the app is called through
httpx's ASGI transport (no sockets, no uvicorn), 16 concurrent clients, after a warm-up; the
modes alternate round by round. "off" is the default app; "on" traces it with the SDK and an
in-memory exporter (every span recorded, nothing sent). The figure is the CPU of the process
(client side included), so it holds on a loaded machine; compare "off" with the same script
run on an older checkout to see what the off path costs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from reservation_be.main import close_app, create_app
from reservation_be.testing import temporary_database
from reservation_testrealm.server import TestRealm

sys.path.insert(0, str(Path(__file__).parent))
from harness import CLIENTS, hour, in_process_settings, pg_dsn, seed


def _tracing(mode: str) -> tuple[dict[str, Any], Any]:
    if mode == "off":
        return {}, None
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from reservation_common.tracing import create_tracer_provider

    exporter = InMemorySpanExporter()
    return {"tracer_provider": create_tracer_provider("bench", exporter=exporter)}, exporter


async def main(bookings: int, rounds: int, modes: list[str]) -> None:
    per_round = bookings // CLIENTS * CLIENTS
    cpu: dict[str, list[float]] = {mode: [] for mode in modes}
    spans: dict[str, int] = {}
    async with temporary_database(prefix="rbe_bench_tracing") as url:
        with TestRealm() as realm:
            conn = await asyncpg.connect(pg_dsn(url))
            world = await seed(conn, realm)
            settings = in_process_settings(url, realm)
            headers = {"Authorization": f"Bearer {realm.token('bob', 'bob')}"}
            base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            offset = 24
            for _ in range(rounds):
                for mode in modes:
                    kwargs, exporter = _tracing(mode)
                    app = create_app(settings, **kwargs)
                    transport = httpx.ASGITransport(app=app)
                    async with httpx.AsyncClient(transport=transport, base_url="http://api") as c:

                        async def run(count: int, first: int, http: httpx.AsyncClient = c) -> None:
                            async def client(n: int) -> None:
                                for k in range(count // CLIENTS):
                                    start = hour(base, first + 2 * k)
                                    body = {
                                        "resource_id": str(world.leaves[n]),
                                        "title": f"bench {n}/{k}",
                                        "start": start.isoformat(),
                                        "end": hour(start, 1).isoformat(),
                                    }
                                    r = await http.post(
                                        "/api/v1/reservations", json=body, headers=headers
                                    )
                                    assert r.status_code == 201, r.text

                            await asyncio.gather(*(client(n) for n in range(CLIENTS)))

                        await run(CLIENTS * 4, offset)  # warm-up
                        offset += 2 * 4 + 2
                        if exporter is not None:
                            exporter.clear()
                        cpu0 = time.process_time()
                        await run(per_round, offset)
                        cpu[mode].append((time.process_time() - cpu0) / per_round * 1000)
                        offset += 2 * (per_round // CLIENTS) + 2
                        if exporter is not None:
                            spans[mode] = len(exporter.get_finished_spans()) // per_round
                    await close_app(app)
            await conn.close()
    print(f"{per_round} bookings per round, {rounds} rounds, {CLIENTS} clients")
    for mode in modes:
        runs = ", ".join(f"{v:.2f}" for v in cpu[mode])
        extra = f", {spans[mode]} spans per booking" if mode in spans else ""
        print(
            f"  tracing {mode:<3}: {statistics.median(cpu[mode]):.2f} ms CPU per booking "
            f"(median; runs {runs}){extra}"
        )
    if "off" in cpu and "on" in cpu:
        ratio = statistics.median(cpu["on"]) / statistics.median(cpu["off"])
        print(f"  on / off: {ratio:.2f}")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=800)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--modes", default="off,on")
    args = parser.parse_args()
    asyncio.run(main(args.bookings, args.rounds, args.modes.split(",")))


if __name__ == "__main__":
    cli()

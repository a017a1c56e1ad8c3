"""Where the API's CPU goes per booking: a cProfile of the app serving bookings in-process.

    uv run python bench/profile_booking.py [--bookings 400] [--top 25]

Its own database (dropped at the end) and the test realm in-process; the app is called
through httpx's ASGI transport (no sockets, no uvicorn), 16 concurrent clients, after a
warm-up. Prints the CPU per booking, the share of each library and the top functions by own
time. The figure is CPU of the process, so it holds on a loaded machine.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from reservation_be.main import close_app, create_app
from reservation_be.testing import temporary_database
from reservation_testrealm.server import TestRealm

sys.path.insert(0, str(Path(__file__).parent))
from harness import CLIENTS, hour, in_process_settings, pg_dsn, seed


def _library(filename: str) -> str:
    for marker, name in (
        ("/sqlalchemy/", "sqlalchemy"),
        ("/asyncpg/", "asyncpg"),
        ("/fastapi/", "fastapi"),
        ("/starlette/", "starlette"),
        ("/pydantic", "pydantic"),
        ("/httpx/", "httpx (client side)"),
        ("/httpcore/", "httpx (client side)"),
        ("/reservation_be/", "reservation_be"),
        ("/reservation_common/", "reservation_common"),
        ("/jwt/", "pyjwt"),
        ("/cryptography/", "cryptography"),
        ("asyncio", "asyncio"),
    ):
        if marker in filename:
            return name
    return "other"


async def main(bookings: int, top: int) -> None:
    async with temporary_database(prefix="rbe_profile") as url:
        with TestRealm() as realm:
            conn = await asyncpg.connect(pg_dsn(url))
            world = await seed(conn, realm)
            settings = in_process_settings(url, realm)
            app = create_app(settings)
            token = realm.token("bob", "bob")
            headers = {"Authorization": f"Bearer {token}"}
            base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:

                async def run(count: int, offset: int) -> None:
                    async def client(c: int) -> None:
                        for k in range(count // CLIENTS):
                            start = hour(base, offset + 2 * k)
                            body = {
                                "resource_id": str(world.leaves[c]),
                                "title": f"profile {c}/{k}",
                                "start": start.isoformat(),
                                "end": hour(start, 1).isoformat(),
                            }
                            r = await http.post("/api/v1/reservations", json=body, headers=headers)
                            assert r.status_code == 201, r.text

                    await asyncio.gather(*(client(c) for c in range(CLIENTS)))

                await run(CLIENTS * 4, 24)  # warm-up
                profiler = cProfile.Profile(time.process_time)  # CPU, not wall-clock, time
                cpu0 = time.process_time()
                profiler.enable()
                await run(bookings, 24 * 100)
                profiler.disable()
                cpu = time.process_time() - cpu0
            await close_app(app)
            await conn.close()
    done = bookings // CLIENTS * CLIENTS
    print(f"{done} bookings; process CPU per booking (client side included): "
          f"{cpu / done * 1000:.2f} ms (profiled, so slower than unprofiled)")  # fmt: skip
    stats = pstats.Stats(profiler)
    own: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _line, _name), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        own[_library(filename)] += tt
        total += tt
    print("own time by library:")
    for name, tt in sorted(own.items(), key=lambda x: -x[1]):
        print(f"  {name:<22} {tt / total * 100:5.1f} %")
    stats.sort_stats("tottime").print_stats(top)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=400)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    asyncio.run(main(args.bookings, args.top))


if __name__ == "__main__":
    cli()

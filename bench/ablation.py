"""What each change of issue 12 buys, in one run: CPU per booking with one change undone at a
time, alternated with the code as it is.

    uv run python bench/ablation.py [--bookings 320] [--rounds 3]

The app is called in-process through ASGI (no HTTP client, no server: the CPU is the app's, its
driver's and TLS's), 16 concurrent clients, after a warm-up, in a database of its own. Each
round runs every variant once, in turn, so a change of the machine's load hits them alike; the
medians are printed. Variants (each undoes one change):

* ``pre-ping``: the pool pings at every checkout (``pool_pre_ping``), as before;
* ``no token memo``: every request decodes its token and checks its signature again;
* ``native telemetry``: FastAPI looks up the global OpenTelemetry providers on every request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import reservation_common.auth._verifier as verifier_module
from fastapi import FastAPI
from reservation_be.kit.db import create_sessionmaker
from reservation_be.main import close_app, create_app
from reservation_be.testing import temporary_database
from reservation_testrealm.server import TestRealm
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).parent))
from harness import CLIENTS, hour, in_process_settings, pg_dsn, seed


async def call(
    app: FastAPI, path: str, headers: dict[str, str], body: bytes, method: str = "POST",
    query: str = "",
) -> tuple[int, bytes]:  # fmt: skip
    """One request straight into the ASGI app: no HTTP client, no server."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "", "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {},
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()]
        + [(b"content-length", str(len(body)).encode())],
    }  # fmt: skip
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    status, chunks = 0, []

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def booking_cpu(
    app: FastAPI,
    headers: dict[str, str],
    leaves: list[Any],
    base: datetime,
    first: int,
    count: int,
    label: str,
) -> float:
    """CPU seconds per booking: ``count`` bookings by CLIENTS concurrent clients, each on its
    own leaf, one hour every other hour from hour ``first`` after ``base``."""

    async def client(c: int) -> None:
        for k in range(count // CLIENTS):
            start = hour(base, first + 2 * k)
            body = {
                "resource_id": str(leaves[c]),
                "title": f"{label} {c}/{k}",
                "start": start.isoformat(),
                "end": hour(start, 1).isoformat(),
            }
            status, out = await call(
                app, "/api/v1/reservations", headers, json.dumps(body).encode()
            )
            assert status == 201, out

    cpu = time.process_time()
    await asyncio.gather(*(client(c) for c in range(CLIENTS)))
    return (time.process_time() - cpu) / (count // CLIENTS * CLIENTS)


async def main(bookings: int, rounds: int) -> None:
    async with temporary_database(prefix="rbe_ablation") as url:
        with TestRealm() as realm:
            conn = await asyncpg.connect(pg_dsn(url))
            world = await seed(conn, realm)
            settings = in_process_settings(url, realm)
            app = create_app(settings)
            engine, sessionmaker = app.state.engine, app.state.sessionmaker
            pinging = create_async_engine(
                url, pool_size=CLIENTS, max_overflow=0, pool_pre_ping=True,
                connect_args={"server_settings": {"application_name": "reservation-be"}},
            )  # fmt: skip
            kept = verifier_module.VERIFIED_TOKENS_KEPT
            headers = {
                "authorization": f"Bearer {realm.token('bob', 'bob')}",
                "content-type": "application/json",
                "host": "api",
            }
            base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            offset = 1

            def pre_ping(on: bool) -> None:
                app.state.engine = pinging if on else engine
                app.state.sessionmaker = create_sessionmaker(pinging) if on else sessionmaker

            def no_token_memo(on: bool) -> None:
                verifier_module.VERIFIED_TOKENS_KEPT = 0 if on else kept  # type: ignore[misc]
                app.state.token_verifier._verified.clear()

            def native_telemetry(on: bool) -> None:
                for key in ("tracing", "metrics", "logs"):
                    app._telemetry[key] = on  # type: ignore[literal-required]

            variants: dict[str, Callable[[bool], None] | None] = {
                "now": None,
                "pre-ping": pre_ping,
                "no token memo": no_token_memo,
                "native telemetry": native_telemetry,
            }

            async def run(count: int) -> float:
                nonlocal offset
                first, offset = offset, offset + 2 * (count // CLIENTS) + 2
                return await booking_cpu(app, headers, world.leaves, base, first, count, "ablation")

            await run(CLIENTS * 4)  # warm-up: plans, caches, pools
            cpu: dict[str, list[float]] = {name: [] for name in variants}
            for _ in range(rounds):
                for name, toggle in variants.items():
                    if toggle is not None:
                        toggle(True)
                        await run(CLIENTS)  # the pool and caches settle into the variant
                    cpu[name].append(await run(bookings))
                    if toggle is not None:
                        toggle(False)
            await close_app(app)
            await pinging.dispose()
            await conn.close()
    now = statistics.median(cpu["now"])
    print(f"CPU per booking, median of {rounds} rounds of {bookings} bookings (all rounds):")
    for name, values in cpu.items():
        median = statistics.median(values)
        runs = ", ".join(f"{v * 1000:.2f}" for v in values)
        extra = "" if name == "now" else f"  (+{(median - now) * 1000:.2f} ms undoing it)"
        print(f"  {name:<18} {median * 1000:6.2f} ms  ({runs}){extra}")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=320)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.bookings, args.rounds))


if __name__ == "__main__":
    cli()

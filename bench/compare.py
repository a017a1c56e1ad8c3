"""Before/after in one run: the API's CPU per booking, per availability read and per calendar
page, for this checkout and another one, alternated round by round.

    uv run python bench/compare.py --base /path/to/older/checkout [--rounds 3]
        [--bookings 320] [--reads 150]

Each measurement is a fresh process (``--worker``) that imports the backend packages of one
checkout (``PYTHONPATH`` set to its ``*/src`` directories) and the bench code of this one,
creates its own database (dropped at the end) and calls the app in-process through ASGI (no
HTTP client, no server), so the CPU it reports is the app's, its driver's and TLS's:

* bookings: 16 concurrent clients, each on its own resource, after a warm-up;
* availability: ``GET /resources/{id}/busy`` over 7 days, one client, after the bookings;
* calendar: ``GET /reservations?site&start&end&size=100`` over the same 7 days.

Rounds alternate the two checkouts so that a change of the machine's load hits both alike;
the medians and their ratios are printed. The figure is CPU time of the process, so it holds
on a loaded machine better than any latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).parent))
from ablation import booking_cpu, call
from harness import CLIENTS, hour, in_process_settings, pg_dsn, seed

HERE = Path(__file__).resolve().parent.parent
FIGURES = ("booking", "busy read", "calendar page")


def _src_dirs(checkout: Path) -> list[str]:
    return sorted(str(p) for p in checkout.glob("*/src") if p.is_dir() and p.name == "src") + [
        str(p) for p in checkout.glob("webhook-examples/*/src")
    ]


async def _measure(bookings: int, reads: int) -> dict[str, float]:
    import asyncpg
    from reservation_be.main import close_app, create_app
    from reservation_be.testing import temporary_database
    from reservation_testrealm.server import TestRealm

    async with temporary_database(prefix="rbe_compare") as url:
        with TestRealm() as realm:
            conn = await asyncpg.connect(pg_dsn(url))
            world = await seed(conn, realm)
            app = create_app(in_process_settings(url, realm))
            headers = {
                "authorization": f"Bearer {realm.token('bob', 'bob')}",
                "content-type": "application/json",
                "host": "api",
            }
            base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            offset = 1

            async def book(count: int) -> float:
                nonlocal offset
                first, offset = offset, offset + 2 * (count // CLIENTS) + 2
                return await booking_cpu(app, headers, world.leaves, base, first, count, "compare")

            async def read(path: str, query: dict[str, str]) -> float:
                for _ in range(10):  # warm-up
                    status, out = await call(app, path, headers, b"", "GET", urlencode(query))
                    assert status == 200, out
                cpu = time.process_time()
                for _ in range(reads):
                    await call(app, path, headers, b"", "GET", urlencode(query))
                return (time.process_time() - cpu) / reads

            await book(CLIENTS * 4)  # warm-up: plans, caches, pools
            figures = {"booking": await book(bookings)}
            week = {"start": hour(base, 1).isoformat(), "end": hour(base, 1 + 24 * 7).isoformat()}
            figures["busy read"] = await read(f"/api/v1/resources/{world.leaves[0]}/busy", week)
            figures["calendar page"] = await read(
                "/api/v1/reservations", {**week, "site": world.site_slug, "size": "100"}
            )
            await close_app(app)
            await conn.close()
    return figures


def _run(checkout: Path, bookings: int, reads: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(_src_dirs(checkout))}
    out = subprocess.run(
        [sys.executable, __file__, "--worker", "--bookings", str(bookings), "--reads", str(reads)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(base: Path, rounds: int, bookings: int, reads: int) -> None:
    print(f"load average at start (1/5/15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    checkouts = {"before": base, "after": HERE}
    cpu: dict[str, dict[str, list[float]]] = {k: {f: [] for f in FIGURES} for k in checkouts}
    for r in range(rounds):
        order = list(checkouts) if r % 2 == 0 else list(reversed(checkouts))
        for name in order:
            for figure, value in _run(checkouts[name], bookings, reads).items():
                cpu[name][figure].append(value)
    print(f"CPU per request, median of {rounds} rounds (ms; all rounds in brackets):")
    print(f"  {'':<14} {'before':>8} {'after':>8} {'after / before':>15}")
    for figure in FIGURES:
        b, a = (statistics.median(cpu[k][figure]) * 1000 for k in checkouts)
        runs = " / ".join(", ".join(f"{v * 1000:.2f}" for v in cpu[k][figure]) for k in checkouts)
        print(f"  {figure:<14} {b:8.2f} {a:8.2f} {a / b:15.2f}   ({runs})")
    print(f"load average at end (1/5/15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, help="the older checkout (its */src are imported)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bookings", type=int, default=320)
    parser.add_argument("--reads", type=int, default=150)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(asyncio.run(_measure(args.bookings, args.reads))))
    elif args.base is None:
        parser.error("--base is required")
    else:
        main(args.base.resolve(), args.rounds, args.bookings, args.reads)


if __name__ == "__main__":
    cli()

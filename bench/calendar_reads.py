"""3. The availability and calendar reads over many reservations, through the API and in SQL.

(Not ``calendar.py``: this directory is first on ``sys.path`` and would hide the standard
library's module.)"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import asyncpg
from harness import Scale, World, hour, percentile
from loadgen import Client


async def fill_calendar(conn: asyncpg.Connection, world: World, scale: Scale) -> datetime:
    """Back-to-back 1 h bookings with a 1 h gap, spread over ``calendar_resources`` leaves."""
    per_resource = scale.calendar_reservations // scale.calendar_resources
    base = datetime(2030, 1, 1, tzinfo=UTC)
    t0 = time.perf_counter()
    # Bulk load: skip the per-row change-notification trigger (and foreign-key triggers; the
    # rows are generated consistent). The exclusion constraint still checks every slot.
    await conn.execute("SET session_replication_role = replica")
    await conn.execute(
        "INSERT INTO resources (site_id, type_id, name)"
        " SELECT $1, $2, 'cal-' || g FROM generate_series(1, $3) g",
        world.site_id,
        world.type_id,
        scale.calendar_resources,
    )
    await conn.execute(
        """
        INSERT INTO reservations (site_id, resource_id, owner_id, created_by, title, period,
                                  status)
        SELECT $1, r.id, $2, $2, 'cal ' || g,
               tstzrange($3::timestamptz + (g * 2) * interval '1 hour',
                         $3::timestamptz + (g * 2 + 1) * interval '1 hour', '[)'),
               'confirmed'
        FROM resources r CROSS JOIN generate_series(0, $4 - 1) g
        WHERE r.site_id = $1 AND r.name LIKE 'cal-%'
        """,
        world.site_id,
        world.users["bob"],
        base,
        per_resource,
    )
    await conn.execute(
        "INSERT INTO reservation_slots (reservation_id, resource_id, period)"
        " SELECT id, resource_id, period FROM reservations WHERE title LIKE 'cal %'"
    )
    await conn.execute("RESET session_replication_role")
    await conn.execute("ANALYZE")
    total = await conn.fetchval("SELECT count(*) FROM reservations")
    print(
        f"  loaded {total} reservations ({per_resource} on each of "
        f"{scale.calendar_resources} resources) in {time.perf_counter() - t0:.1f} s"
    )
    return base


BUSY_SQL = """
WITH RECURSIVE subtree(id, depth) AS (
    SELECT id, 0 FROM resources WHERE id = $1
    UNION ALL SELECT r.id, s.depth + 1 FROM resources r JOIN subtree s ON r.parent_id = s.id
    WHERE s.depth < 64
)
SELECT s.reservation_id, s.period FROM reservation_slots s JOIN reservations r
  ON r.id = s.reservation_id
WHERE s.resource_id IN (SELECT id FROM subtree) AND s.period && $2
GROUP BY s.reservation_id, s.period ORDER BY lower(s.period) LIMIT 500
"""


async def calendar(
    http: Client, conn: asyncpg.Connection, world: World, token: str,
    scale: Scale, base: datetime,
) -> None:  # fmt: skip
    resources = [
        r[0]
        for r in await conn.fetch("SELECT id FROM resources WHERE name LIKE 'cal-%' ORDER BY name")
    ]
    per_resource = scale.calendar_reservations // scale.calendar_resources
    span_hours = per_resource * 2
    rng = random.Random(7)
    windows = []
    for _ in range(scale.queries):
        offset = rng.randrange(0, max(1, span_hours - 24 * 7))
        start = hour(base, offset)
        windows.append((rng.choice(resources), start, hour(start, 24 * 7)))
    headers = {"Authorization": f"Bearer {token}"}

    async def timed(call: Callable[[], Awaitable[int]]) -> tuple[list[float], int]:
        out, rows = [], 0
        for _ in range(10):  # warm up
            await call()
        for _ in range(scale.queries):
            t0 = time.perf_counter()
            rows += await call()
            out.append((time.perf_counter() - t0) * 1000)
        return out, rows

    it = iter(windows * 2)

    async def sql_busy() -> int:
        rid, start, end = next(it)
        return len(await conn.fetch(BUSY_SQL, rid, asyncpg.Range(start, end)))

    it_api = iter(windows * 2)

    async def api_busy() -> int:
        rid, start, end = next(it_api)
        response = await http.get(
            f"/api/v1/resources/{rid}/busy",
            params={"start": start.isoformat(), "end": end.isoformat()},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        return len(response.json())

    it_list = iter(windows * 2)

    async def api_site_day() -> int:
        _, start, _end = next(it_list)
        response = await http.get(
            "/api/v1/reservations",
            params={
                "site": world.site_slug,
                "start": start.isoformat(),
                "end": hour(start, 24).isoformat(),
                "size": 100,
            },
            headers=headers,
        )
        assert response.status_code == 200, response.text
        return len(response.json()["items"])

    for label, call in (
        ("SQL  busy(resource, 7 days)", sql_busy),
        ("API  GET /resources/{id}/busy (7 days)", api_busy),
        ("API  GET /reservations?site&start&end (1 day, page of 100 + total)", api_site_day),
    ):
        times, rows = await timed(call)
        print(
            f"  {label}: p50 {percentile(times, 50):.2f} ms, p99 {percentile(times, 99):.2f} ms"
            f" ({scale.queries} queries, {rows / scale.queries:.0f} rows each)"
        )

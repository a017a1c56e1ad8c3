"""The other requests that book slots take the bookings' turns: a series created or moved, a
find-and-book, a reservation moved, a group extended. One turn per request however many
reservations it writes; at most ``booking_concurrency`` at once (bookings included), the next
wait, then 503 with nothing written; reads and light writes (a new title, a search) never wait.

As in ``test_booking_turns.py``, the site's resource rows are held ``FOR UPDATE`` from a
connection of their own, so every request that reaches its write waits on a lock inside
PostgreSQL, where the test counts them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import (
    app_client,
    assert_no_turn,
    lock_waiters_stay_at,
    resources_locked,
    wait_for_lock_waiters,
)
from tests.reservations.factories import Lab, booking, hours_from_now

_WAITERS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    " AND wait_event_type = 'Lock'"
)
_RESERVATIONS = text(
    "SELECT count(*), coalesce(sum(upper(period) - lower(period)), interval '0')"
    " FROM reservations r JOIN resources s ON s.id = r.resource_id WHERE s.site_id = :site"
)

Send = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


@dataclass
class Route:
    """``prepare`` books what request ``i`` changes (before the rows are locked); ``send``
    makes request ``i``; ``status`` is its answer once it ran."""

    prepare: Callable[[httpx.AsyncClient, dict[str, str], Lab, int], Awaitable[Any]]
    send: Callable[[httpx.AsyncClient, dict[str, str], Lab, int, Any], Awaitable[httpx.Response]]
    status: int


def _at(i: int, hours: float = 0) -> str:
    return hours_from_now(3 * i + hours).isoformat()


def _find(lab: Lab, i: int, *, book: bool = True) -> dict[str, Any]:
    return {
        "site": lab.site.slug,
        "type_id": str(lab.rtype.id),
        "count": 1,
        "start": _at(i),
        "end": _at(i, 1),
        "book": book,
        "title": f"group {i}" if book else None,
    }


async def _nothing(client, headers, lab, i):  # type: ignore[no-untyped-def]
    return None


async def _booked(client, headers, lab, i):  # type: ignore[no-untyped-def]
    response = await client.post(
        "/api/v1/reservations",
        json=booking(lab.server1, hours_from_now(3 * i), hours_from_now(3 * i + 1)),
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response


async def _series(client, headers, lab, i):  # type: ignore[no-untyped-def]
    body = {
        **booking(lab.server1, hours_from_now(3 * i), hours_from_now(3 * i + 1)),
        "title": f"series {i}",
        "rrule": "FREQ=WEEKLY;COUNT=2",
    }
    return await client.post("/api/v1/reservation-series", json=body, headers=headers)


async def _created_series(client, headers, lab, i):  # type: ignore[no-untyped-def]
    response = await _series(client, headers, lab, i)
    assert response.status_code == 201, response.text
    return response


async def _group(client, headers, lab, i):  # type: ignore[no-untyped-def]
    response = await client.post("/api/v1/reservations/find", json=_find(lab, i), headers=headers)
    assert response.status_code == 201, response.text
    return response


async def _move(client, headers, lab, i, booked):  # type: ignore[no-untyped-def]
    return await client.patch(
        booked.headers["Location"],
        json={"end": _at(i, 2)},
        headers={**headers, "If-Match": booked.headers["ETag"]},
    )


async def _move_series(client, headers, lab, i, created):  # type: ignore[no-untyped-def]
    return await client.patch(
        created.headers["Location"],
        json={"duration": "PT2H"},
        headers={**headers, "If-Match": created.headers["ETag"]},
    )


async def _extend(client, headers, lab, i, found):  # type: ignore[no-untyped-def]
    return await client.post(
        f"{found.headers['Location']}/extend",
        json={"end": _at(i, 2)},
        headers={**headers, "If-Match": found.headers["ETag"]},
    )


ROUTES = {
    "series create": Route(_nothing, lambda c, h, lab, i, _: _series(c, h, lab, i), 201),
    "series move": Route(_created_series, _move_series, 200),
    "find and book": Route(
        _nothing,
        lambda c, h, lab, i, _: c.post("/api/v1/reservations/find", json=_find(lab, i), headers=h),
        201,
    ),
    "reservation move": Route(_booked, _move, 200),
    "group extend": Route(_group, _extend, 200),
}


async def _written(session: AsyncSession, lab: Lab) -> tuple[int, timedelta]:
    found = (await session.execute(_RESERVATIONS, {"site": lab.site.id})).one()
    await session.commit()
    return found[0], found[1]


@pytest.mark.parametrize("name", list(ROUTES))
async def test_requests_that_book_slots_take_turns_and_reads_do_not(
    settings, lab, session, db, auth, name
):
    route = ROUTES[name]
    bob = await auth("bob")
    reader = await auth("alice")
    async with app_client(settings, booking_concurrency=2) as client:
        prepared = [await route.prepare(client, bob, lab, i) for i in range(5)]
        async with resources_locked(db, site_id=lab.site.id):
            tasks = [
                asyncio.create_task(route.send(client, bob, lab, i, prepared[i])) for i in range(5)
            ]
            # Two reach the lock; the other three wait for a turn in the API, not in PostgreSQL.
            await lock_waiters_stay_at(session, 2, seconds=30)
            # A read does not wait behind them, nor does a search or a new title.
            read = await asyncio.wait_for(
                client.get(
                    f"/api/v1/resources/{lab.server2.id}/busy",
                    params={"start": _at(0), "end": _at(20)},
                    headers=reader,
                ),
                timeout=10,
            )
            assert read.status_code == 200, read.text
            search = await asyncio.wait_for(
                client.post(
                    "/api/v1/reservations/find", json=_find(lab, 30, book=False), headers=reader
                ),
                timeout=10,
            )
            assert search.status_code == 200, search.text
            assert not any(task.done() for task in tasks)
        responses = await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
    assert [r.status_code for r in responses] == [route.status] * 5, [r.text for r in responses]


@pytest.mark.parametrize("name", list(ROUTES))
async def test_a_request_that_books_slots_and_gets_no_turn_is_answered_503_and_writes_nothing(
    settings, lab, session, db, auth, name
):
    route = ROUTES[name]
    headers = await auth("bob")
    async with app_client(
        settings, booking_concurrency=1, booking_wait=timedelta(milliseconds=300)
    ) as client:
        prepared = await route.prepare(client, headers, lab, 1)
        before = await _written(session, lab)
        async with resources_locked(db, site_id=lab.site.id):
            # A booking holds the one turn, waiting on the lock.
            holder = asyncio.create_task(
                client.post(
                    "/api/v1/reservations",
                    json=booking(lab.server2, hours_from_now(60), hours_from_now(61)),
                    headers=headers,
                )
            )
            await wait_for_lock_waiters(session, 1, seconds=30)
            refused = await asyncio.wait_for(route.send(client, headers, lab, 1, prepared), 10)
            assert await _written(session, lab) == before
            # A light write of the same kind does not wait for a turn.
            if name == "reservation move":
                renamed = await asyncio.wait_for(
                    client.patch(
                        prepared.headers["Location"],
                        json={"title": "renamed"},
                        headers={**headers, "If-Match": prepared.headers["ETag"]},
                    ),
                    timeout=10,
                )
                assert renamed.status_code == 200, renamed.text
                prepared.headers["ETag"] = renamed.headers["ETag"]
        assert (await asyncio.wait_for(holder, timeout=60)).status_code == 201
        assert await _written(session, lab) == (before[0] + 1, before[1] + timedelta(hours=1))
        again = await route.send(client, headers, lab, 1, prepared)

    assert_no_turn(refused)
    assert again.status_code == route.status, again.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/reservation-series"),
        ("patch", "/api/v1/reservation-series/{series_id}"),
        ("post", "/api/v1/reservations/find"),
        ("patch", "/api/v1/reservations/{reservation_id}"),
        ("post", "/api/v1/reservation-groups/{group_id}/extend"),
    ],
)
async def test_the_openapi_declares_the_503_of_a_request_without_a_turn(
    client, method, path
) -> None:
    schema = (await client.get("/api/v1/openapi.json")).json()
    answers = schema["paths"][path][method]["responses"]
    assert answers["503"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    assert "application/problem+json" in answers["503"]["content"]

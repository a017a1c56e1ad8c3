"""Bookings racing from several connections and processes: one winner, no lock cycle.

Two ``reservation-be serve --workers 2`` servers (four worker processes, each with its own
connection pool, the background loops on as in production) take the same race as
``test_contention.py``. Before bookings queued on a lock, overlapping slot inserts from
different processes waited for each other in pairs that PostgreSQL broke one pair per
``deadlock_timeout``: rounds took tens of seconds, pools ran dry (HTTP 500) and the deadlock
victims' retries could leave a round without a winner. The test also asserts that PostgreSQL
had no deadlock to break (before the fix: dozens per run).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from reservation_be.auth.actor import Actor
from reservation_be.reservations.booking import create as create_booking
from reservation_be.reservations.schemas import ReservationCreate
from reservation_be.reservations.service import BookingConflict
from reservation_common.testing import free_port
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from tests.factories import wait_for_lock_waiters
from tests.reservations.factories import booking, hours_from_now, racers_headers

CLIENTS = 64
ROUNDS = 3
SERVERS = 2
WORKERS_PER_SERVER = 2
POOL_PER_WORKER = 8  # 4 x 8 connections for 64 clients: requests queue for connections
SERVE = [sys.executable, "-m", "reservation_be", "serve"]
STARTUP_SECONDS = 180  # a worker imports the app in a fresh interpreter; slow on a busy machine


@contextmanager
def _servers(
    database_url: str, issuer: str, *, workers: int = WORKERS_PER_SERVER
) -> Iterator[list[str]]:
    env = {
        **os.environ,
        "RESERVATION_BE_DATABASE_URL": database_url,
        "RESERVATION_BE_OIDC_ISSUER": issuer,
        "RESERVATION_BE_LOG_LEVEL": "WARNING",
        "RESERVATION_BE_DATABASE_POOL_SIZE": str(POOL_PER_WORKER),
        "RESERVATION_BE_DATABASE_MAX_OVERFLOW": "0",
    }
    processes: list[subprocess.Popen[bytes]] = []
    urls = []
    try:
        for _ in range(SERVERS):
            port = free_port()
            processes.append(
                subprocess.Popen(
                    [*SERVE, "--port", str(port), "--workers", str(workers)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        yield urls
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


async def _wait_ready(
    client: httpx.AsyncClient, url: str, *, within: float = STARTUP_SECONDS
) -> None:
    """Ready when every worker of the server answers: a few requests in a row succeed."""
    deadline = time.monotonic() + within
    answered = 0
    while time.monotonic() < deadline:
        try:
            if (await client.get(f"{url}/healthz", timeout=5)).status_code == 200:
                answered += 1
                if answered >= 10:
                    return
                continue
        except httpx.TransportError:
            answered = 0
        await asyncio.sleep(0.2)
    raise AssertionError(f"{url} did not start within {within} s")


async def _deadlocks(session: AsyncSession) -> int:
    """Deadlocks PostgreSQL has broken in this database (the servers' backends have exited or
    flush their counters within a second)."""
    await asyncio.sleep(1.5)
    await session.execute(text("SELECT pg_stat_clear_snapshot()"))
    found = await session.execute(
        text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
    )
    await session.commit()
    return int(found.scalar_one())


async def test_bookings_waiting_for_one_that_fails_do_not_deadlock(settings, lab, session, people):
    """The deterministic core of the multi-process stall.

    A booking of the rack holds its slots, uncommitted; two bookings of a server below it come
    in and wait. The rack booking then fails (rolls back). Before bookings queued on a lock, the
    two waiters had each inserted their slot already and, woken together, found each other's:
    a lock cycle, broken by PostgreSQL only after ``deadlock_timeout`` (a deadlock counted, a
    retry). Now they wait before inserting: one wins, the other gets the 409 naming it.
    """
    # Connections of their own, closed before the count is read: a backend reports its
    # deadlock counter when it exits.
    engine = create_async_engine(settings.database_url, pool_size=3, max_overflow=0)
    sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    bob = Actor(user_id=people["bob"], username="bob")
    start, end = hours_from_now(5), hours_from_now(7)

    def body(resource, title: str) -> ReservationCreate:  # type: ignore[no-untyped-def]
        return ReservationCreate(resource_id=resource.id, title=title, start=start, end=end)

    deadlocks_before = await _deadlocks(session)
    try:
        async with sessions() as holder:
            await create_booking(holder, bob, body(lab.rack, "holder"))

            async def contender(title: str) -> str:
                async with sessions() as s:
                    try:
                        created = await create_booking(s, bob, body(lab.server1, title))
                    except BookingConflict as exc:
                        await s.rollback()
                        return f"409 {exc.extra['conflicting_reservation']['id']}"
                    await s.commit()
                    return f"201 {created.id}"

            tasks = [asyncio.create_task(contender(f"contender {i}")) for i in range(2)]
            # Both contenders blocked in PostgreSQL.
            await wait_for_lock_waiters(session, 2, seconds=20)
            await holder.rollback()
            outcomes = sorted(await asyncio.wait_for(asyncio.gather(*tasks), timeout=60))
    finally:
        await engine.dispose()
    winner = outcomes[0].removeprefix("201 ")
    assert outcomes == [f"201 {winner}", f"409 {winner}"], outcomes
    assert await _deadlocks(session) == deadlocks_before


async def test_64_clients_across_two_servers_of_two_workers_one_winner_per_round(
    settings, database_url, lab, session, test_realm, auth
):
    headers = await racers_headers(session, lab, test_realm, auth, CLIENTS)
    deadlocks_before = await _deadlocks(session)
    statuses: list[list[int]] = []
    with _servers(database_url, settings.oidc_issuer) as urls:
        limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
        async with httpx.AsyncClient(timeout=120, limits=limits) as client:
            for url in urls:
                await _wait_ready(client, url)
            for r in range(ROUNDS):
                start, end = hours_from_now(1 + 3 * r), hours_from_now(3 + 3 * r)
                gate = asyncio.Event()

                async def one(i: int, start=start, end=end, gate=gate, r=r) -> httpx.Response:  # type: ignore[no-untyped-def]
                    # A quarter book the parent rack, which holds the contested server too;
                    # the clients alternate between the servers.
                    target = lab.rack if i % 4 == 0 else lab.server1
                    body = booking(target, start, end, title=f"round {r} client {i}")
                    await gate.wait()
                    return await client.post(
                        f"{urls[i % len(urls)]}/api/v1/reservations", json=body, headers=headers[i]
                    )

                tasks = [asyncio.create_task(one(i)) for i in range(CLIENTS)]
                await asyncio.sleep(0)
                gate.set()
                responses = await asyncio.wait_for(asyncio.gather(*tasks), timeout=180)
                codes = sorted(response.status_code for response in responses)
                statuses.append(codes)
                assert codes.count(201) == 1, (r, codes)
                assert codes.count(409) == CLIENTS - 1, (r, codes)
                winner = next(x for x in responses if x.status_code == 201).json()["id"]
                for response in responses:
                    if response.status_code == 409:
                        assert response.headers["content-type"] == "application/problem+json"
                        problem = response.json()
                        assert problem["conflicting_reservation"]["id"] == winner, problem

    assert len(statuses) == ROUNDS
    # No lock cycle at all: bookings queue, they do not wait for each other in pairs.
    assert await _deadlocks(session) == deadlocks_before
    stored = await session.execute(text("SELECT count(*) FROM reservations"))
    assert stored.scalar_one() == ROUNDS
    overlaps = await session.execute(
        text(
            "SELECT count(*) FROM reservation_slots a JOIN reservation_slots b"
            " ON a.resource_id = b.resource_id AND a.reservation_id <> b.reservation_id"
            " AND a.period && b.period"
        )
    )
    assert overlaps.scalar_one() == 0

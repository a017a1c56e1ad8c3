"""kill -9 across the pipeline while bookings flow.

The processor's own suite kills it mid-delivery with events published straight to RabbitMQ.
Here the events come from the API through the outbox relay, and the backend (API, scheduler,
relay) is killed too: a booking whose answer was lost is retried with its ``Idempotency-Key``,
an event published but not yet marked is published again, and still every booking reaches the
receiver, once, under one ``webhook-id``.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from e2e.api import Api
from e2e.conftest import Platform
from e2e.harness import eventually
from e2e.receivers import MinimalReceivers, Received
from e2e.test_pipeline import bookable, subscribe_minimal

pytestmark = pytest.mark.asyncio(loop_scope="session")

PACE = 0.2  # seconds between bookings
MAX_BOOKINGS = 250  # a bound, far above what the kills take


async def book_until_answered(
    api: Api, resource_id: str, start: datetime, *, timeout: float = 90.0
) -> str:
    """Book, retrying with the same Idempotency-Key while the backend is down or restarting."""
    key = str(uuid.uuid4())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            response = await api.call(
                "bob",
                "POST",
                "/reservations",
                headers={"Idempotency-Key": key},
                json={
                    "resource_id": resource_id,
                    "title": f"load {key[:8]}",
                    "start": start.isoformat(),
                    "end": (start + timedelta(minutes=30)).isoformat(),
                },
            )
            if response.status_code == 201:
                return str(response.json()["id"])
            assert response.status_code >= 500, response.text  # only a dying backend may fail
        except httpx.TransportError:
            pass
        if loop.time() > deadline:
            raise AssertionError(f"booking {key} never answered")
        await asyncio.sleep(0.2)


async def test_kill_9_of_backend_and_processor_mid_load_delivers_every_booking_once(
    api: Api, platform: Platform, minimal_receivers: MinimalReceivers, database: AsyncEngine
) -> None:
    site = await api.create_site(members={"bob": "member"})
    name, subscription = await subscribe_minimal(
        api, minimal_receivers, site["id"], event_types=["reservation.created"], delay=0.05
    )
    resource_id = await bookable(api, site["id"])
    first = datetime.now(UTC) + timedelta(days=3)
    booked: list[str] = []
    stop = asyncio.Event()

    async def steady_load() -> None:
        """Bookings at a steady pace, across every kill and restart, until told to stop."""
        while not stop.is_set() and len(booked) < MAX_BOOKINGS:
            slot = first + timedelta(hours=len(booked))
            booked.append(await book_until_answered(api, resource_id, slot))
            await asyncio.sleep(PACE)

    load = asyncio.create_task(steady_load())
    try:
        for victim in (platform.processor, platform.backend, platform.processor):
            before = len(booked)
            await eventually(
                lambda n=before: len(booked) >= n + 4 or load.done(),
                timeout=60,
                what="bookings under way",
            )
            assert not load.done(), load
            assert await victim.kill() == -signal.SIGKILL
            await victim.start()
        stop.set()
        await asyncio.wait_for(load, timeout=60)
    finally:
        stop.set()
        if not load.done():
            load.cancel()
        for process in (platform.processor, platform.backend):
            if not process.running:
                await process.start()
    assert platform.processor.starts >= 3 and platform.backend.starts >= 2
    bookings = len(booked)

    # Retries after a lost answer created nothing twice.
    assert len(set(booked)) == bookings
    listed: set[str] = set()
    for page in range(1, MAX_BOOKINGS // 100 + 2):
        found = await api.expect(
            200,
            "bob",
            "GET",
            "/reservations",
            params={"resource_id": resource_id, "size": 100, "page": page},
        )
        listed |= {r["id"] for r in found["items"]}
    assert listed == set(booked)

    def delivered() -> set[str]:
        return {e["data"]["reservation"]["id"] for e in minimal_receivers.events(name)}

    await eventually(
        lambda: delivered() == set(booked), timeout=60, what="every booking at the receiver"
    )

    # A processor killed after the receiver answered but before it recorded the answer sends the
    # delivery again once its lease runs out: wait for every delivery to be recorded.
    async def statuses() -> dict[str, int]:
        async with database.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT status, count(*) FROM webhook_deliveries"
                        " WHERE subscription_id = :sub GROUP BY status"
                    ),
                    {"sub": subscription["id"]},
                )
            ).all()
        return {status: count for status, count in rows}

    async def all_succeeded() -> bool:
        return await statuses() == {"succeeded": bookings}

    await eventually(all_succeeded, timeout=60, what="every delivery recorded as succeeded")
    assert await statuses() == {"succeeded": bookings}
    requests = [r for r in minimal_receivers.for_name(name) if r.outcome]
    assert all(minimal_receivers.verify_with_library(r) for r in requests)
    by_event: dict[str, list[Received]] = defaultdict(list)
    for r in requests:
        by_event[r.event["id"]].append(r)
    assert len(by_event) == bookings
    for event_id, copies in by_event.items():
        # Duplicates (a retry after a crash) only ever under the event's one webhook-id.
        assert len({c.webhook_id for c in copies}) == 1, event_id
        assert [c.outcome for c in copies].count("accepted") == 1, event_id

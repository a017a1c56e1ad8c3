"""Per-principal rate limits shared by two API instances through one PostgreSQL database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

import httpx
from fastapi import FastAPI
from reservation_be.main import close_app, create_app
from reservation_be.settings import Settings
from reservation_db.models import RateLimitCounter
from sqlalchemy import select

from tests.workers.live import eventually

ME = "/api/v1/users/me"


@asynccontextmanager
async def instance(
    settings: Settings, **limits: object
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """One API replica (its own pools and limiter) on the shared test database."""
    app = create_app(settings.model_copy(update=limits))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            yield app, client
    finally:
        await close_app(app)


# A sync interval this long never fires during a test: the tests sync explicitly.
MANUAL = {"rate_limit_window": timedelta(hours=1), "rate_limit_sync_interval": timedelta(hours=1)}


async def test_two_replicas_share_one_limit(settings, auth, db):
    bob = await auth("bob")
    async with AsyncExitStack() as stack:
        a_app, a = await stack.enter_async_context(
            instance(settings, rate_limit_requests=10, **MANUAL)
        )
        b_app, b = await stack.enter_async_context(
            instance(settings, rate_limit_requests=10, **MANUAL)
        )
        for _ in range(6):
            assert (await a.get(ME, headers=bob)).status_code == 200
        await a_app.state.rate_limiter.sync()

        assert (await b.get(ME, headers=bob)).status_code == 200
        await b_app.state.rate_limiter.sync()  # b learns a's six: seven in all
        for _ in range(3):
            assert (await b.get(ME, headers=bob)).status_code == 200
        refused = await b.get(ME, headers=bob)

        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        problem = refused.json()
        assert problem["type"] == "urn:reservation:problem:rate-limited"
        assert "More than 10 requests" in problem["detail"]
        retry_after = int(refused.headers["retry-after"])
        assert 1 <= retry_after <= 3600

        # a still believes six until its next sync: one more is accepted there (the overshoot
        # of one sync interval the design allows), and the sync tells a the window is spent.
        await b_app.state.rate_limiter.sync()
        assert (await a.get(ME, headers=bob)).status_code == 200
        await a_app.state.rate_limiter.sync()
        assert (await a.get(ME, headers=bob)).status_code == 429

        # Another principal has a budget of its own.
        assert (await a.get(ME, headers=await auth("alice"))).status_code == 200
        assert (await b.get(ME, headers=await auth("alice"))).status_code == 200


async def test_health_and_metrics_are_not_limited(settings, auth, db):
    async with instance(settings, rate_limit_requests=1, **MANUAL) as (_, api):
        for _ in range(5):
            for path in ("/healthz", "/readyz", "/metrics"):
                assert (await api.get(path)).status_code == 200, path
        bob = await auth("bob")
        assert (await api.get(ME, headers=bob)).status_code == 200
        assert (await api.get(ME, headers=bob)).status_code == 429
        assert (await api.get("/healthz")).status_code == 200


async def test_service_accounts_have_their_own_limit(settings, service_auth, auth, db):
    limits = {"rate_limit_requests": 1, "rate_limit_service_requests": 3, **MANUAL}
    async with instance(settings, **limits) as (_, api):
        processor = await service_auth("reservation-event-processor")
        statuses = [
            (await api.get("/api/v1/sites", headers=processor)).status_code for _ in range(4)
        ]
    assert 429 not in statuses[:3]
    assert statuses[3] == 429


async def test_counts_reach_postgresql_in_the_background(settings, auth, db):
    fast = {
        "rate_limit_window": timedelta(hours=1),
        "rate_limit_sync_interval": timedelta(seconds=0.05),
    }
    async with instance(settings, rate_limit_requests=100, **fast) as (app, api):
        bob = await auth("bob")
        for _ in range(3):
            assert (await api.get(ME, headers=bob)).status_code == 200

        async def stored() -> int:
            async with app.state.sessionmaker() as session:
                rows = await session.execute(select(RateLimitCounter.hits))
                return sum(rows.scalars())

        await eventually(lambda: _equals(stored, 3), timeout=5, what="the synced counter")


async def _equals(value, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return await value() == expected


async def test_the_openapi_declares_the_429_of_authenticated_operations(client):
    schema = (await client.get("/api/v1/openapi.json")).json()
    me = schema["paths"]["/api/v1/users/me"]["get"]["responses"]
    assert me["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    assert "429" not in schema["paths"]["/healthz"]["get"]["responses"]

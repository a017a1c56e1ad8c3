from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from reservation_be.main import close_app, create_app
from reservation_common.testing import free_port

PROBE_TIMEOUT = 3.0


async def test_healthz_answers_without_auth(client):
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_checks_the_database(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok"}


async def test_readyz_is_200_while_the_broker_is_down(settings):
    # The API only needs PostgreSQL: events wait in the outbox until the broker is back.
    down = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    app = create_app(settings.model_copy(update={"amqp_url": down}))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.get("/readyz")
    finally:
        await close_app(app)
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {"database": "ok"}


@asynccontextmanager
async def _blackhole() -> AsyncIterator[int]:
    """A listener that accepts connections and never says a word (a hung database host)."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.transport.abort()
        server.close()
        await server.wait_closed()


async def test_readyz_answers_within_the_probe_timeout_when_the_database_hangs(settings):
    async with _blackhole() as port:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/nothing"
        app = create_app(settings.model_copy(update={"database_url": url}))
        try:
            transport = httpx.ASGITransport(app=app)
            # The chart's readinessProbe.timeoutSeconds: a slower answer counts as a failure.
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                response = await asyncio.wait_for(c.get("/readyz"), PROBE_TIMEOUT)
        finally:
            await close_app(app)
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"


async def test_readyz_is_503_when_the_database_is_down(settings):
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing"
    app = create_app(settings.model_copy(update={"database_url": url}))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.get("/readyz")
    finally:
        await close_app(app)
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"


async def test_metrics_count_requests_by_route_template(client, auth):
    headers = await auth("bob")
    await client.get("/api/v1/sites/some-slug", headers=headers)
    await client.get("/api/v1/sites/other-slug", headers=headers)
    text = (await client.get("/metrics")).text
    assert 'route="/api/v1/sites/{site_ref}"' in text
    assert "some-slug" not in text
    assert "http_request_duration_seconds_bucket" in text

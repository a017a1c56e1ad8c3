from __future__ import annotations

import socket

import httpx
import pytest
from reservation_be.main import close_app, create_app

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


async def test_healthz_answers_without_auth(client):
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_checks_the_database(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("amqp_url", "status", "broker"),
    [
        (AMQP_URL, 200, "ok"),
        (f"amqp://guest:guest@127.0.0.1:{_closed_port()}/", 503, "unavailable"),
    ],
    ids=["broker-up", "broker-down"],
)
async def test_readyz_checks_the_broker_when_configured(settings, amqp_url, status, broker):
    app = create_app(settings.model_copy(update={"amqp_url": amqp_url}))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.get("/readyz")
    finally:
        await close_app(app)
    assert response.status_code == status
    assert response.json()["checks"]["broker"] == broker


async def test_readyz_is_503_when_the_database_is_down(settings):
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/nothing"
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

"""/metrics is served only where the operator turned it on (METRICS_ENABLED)."""

from __future__ import annotations

import httpx
from reservation_be.main import close_app, create_app
from reservation_be.settings import Settings


async def test_metrics_are_not_served_unless_enabled(settings, db):
    assert Settings.model_fields["metrics_enabled"].default is False
    app = create_app(settings.model_copy(update={"metrics_enabled": False}))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/metrics")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "http_requests_total" not in response.text
    finally:
        await close_app(app)


async def test_metrics_are_served_when_enabled(client, db):
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert "http_requests_total" in response.text

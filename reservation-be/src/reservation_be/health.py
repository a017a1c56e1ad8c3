"""Liveness, readiness and Prometheus metrics (no authentication, no /api prefix).

Readiness means "this process can serve the API", and the API needs PostgreSQL only: events
go to the outbox in the request's transaction and the relay publishes them when the broker is
back. So a broker outage never takes the API out of the load balancer; the relay's broker
connection is reported in ``details`` (and the ``reservation_be_relay_broker_connected``
gauge) for operators. The database check is bounded so the probe answers within its timeout.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from reservation_be.kit.errors import problem_responses
from reservation_be.kit.middleware import Metrics
from reservation_be.settings import Settings

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process serves requests")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _check_database(request: Request) -> None:
    async with request.app.state.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


def status_details(app: FastAPI) -> dict[str, Callable[[], str]]:
    """Informational states shown by ``/readyz`` (never part of the verdict), by name."""
    details: dict[str, Callable[[], str]] | None = getattr(app.state, "status_details", None)
    if details is None:
        details = app.state.status_details = {}
    return details


@router.get(
    "/readyz",
    summary="Readiness: the database answers (the broker is reported, never required)",
    responses={503: {"description": "The database does not answer"}},
)
async def readyz(request: Request) -> JSONResponse:
    settings: Settings = request.app.state.settings
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(_check_database(request), settings.readiness_timeout.total_seconds())
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not ready"; the reason is logged
        log.warning("readiness: database check failed: %s", type(exc).__name__)
        checks["database"] = "unavailable"
    ready = all(v == "ok" for v in checks.values())
    body: dict[str, object] = {"status": "ok" if ready else "unavailable", "checks": checks}
    details = {name: state() for name, state in status_details(request.app).items()}
    if details:
        body["details"] = details
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics (only with METRICS_ENABLED)",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}}},
        **problem_responses(404),
    },
)
async def metrics(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if not settings.metrics_enabled:
        raise StarletteHTTPException(404, detail="Metrics are not served (METRICS_ENABLED).")
    registry: Metrics = request.app.state.metrics
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)

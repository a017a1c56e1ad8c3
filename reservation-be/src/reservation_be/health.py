"""Liveness, readiness and Prometheus metrics (no authentication, no /api prefix)."""

from __future__ import annotations

import asyncio
import logging

import aio_pika
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from reservation_be.kit.middleware import Metrics
from reservation_be.settings import Settings

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])

CHECK_TIMEOUT = 3.0


@router.get("/healthz", summary="Liveness: the process serves requests")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _check_database(request: Request) -> None:
    async with request.app.state.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def _check_broker(url: str) -> None:
    connection = await aio_pika.connect(url, timeout=CHECK_TIMEOUT)
    await connection.close()


@router.get(
    "/readyz",
    summary="Readiness: the database (and the broker when configured) answer",
    responses={503: {"description": "A dependency is down"}},
)
async def readyz(request: Request) -> JSONResponse:
    settings: Settings = request.app.state.settings
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(_check_database(request), CHECK_TIMEOUT)
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not ready"; the reason is logged
        log.warning("readiness: database check failed: %s", type(exc).__name__)
        checks["database"] = "unavailable"
    if settings.amqp_url:
        try:
            await asyncio.wait_for(_check_broker(settings.amqp_url), CHECK_TIMEOUT)
            checks["broker"] = "ok"
        except Exception as exc:
            log.warning("readiness: broker check failed: %s", type(exc).__name__)
            checks["broker"] = "unavailable"
    # Checks registered by background loops (the outbox relay's broker connection).
    for name, check in getattr(request.app.state, "readiness_checks", {}).items():
        checks[name] = "ok" if check() else "unavailable"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    registry: Metrics = request.app.state.metrics
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)

"""The FastAPI application: ``create_app(settings)``."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager, suppress
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from opentelemetry.trace import TracerProvider
from prometheus_client import CollectorRegistry
from reservation_common.auth import TokenVerifier
from reservation_common.tracing import create_tracer_provider

from reservation_be import health
from reservation_be.api import build_api_router
from reservation_be.events_stream.settings import StreamSettings
from reservation_be.kit.db import create_engine, create_sessionmaker
from reservation_be.kit.errors import Problem, install_error_handlers
from reservation_be.kit.middleware import BodySizeLimitMiddleware, Metrics, RequestContextMiddleware
from reservation_be.kit.openapi import complete_openapi
from reservation_be.kit.rate_limit import RateLimiter
from reservation_be.kit.security_headers import FrontendSecurityHeaders, content_security_policy
from reservation_be.reservations.fast_lane import BookingFastLane
from reservation_be.reservations.turns import BookingTurns
from reservation_be.settings import Settings, get_settings
from reservation_be.workers.runner import run_workers

log = logging.getLogger(__name__)

# Long-running loops started with the API when WORKERS_ENABLED (scheduler, outbox relay).
# Each takes the app and runs until cancelled.
Worker = Callable[[FastAPI], Coroutine[Any, Any, None]]
WORKERS: list[Worker] = [run_workers]


_heap_frozen = False


def _freeze_startup_heap() -> None:
    """What the process holds once started (modules, the app, its schemas and routes: a few
    hundred thousand objects) lives as long as the process: out of the garbage collector's
    reach, an oldest-generation collection no longer walks it. One took 100-120 ms of CPU, a
    stall of every request in flight (``bench/run.py``, booking p99). Once per process: the
    first app started holds what every later one shares."""
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.collect()
        gc.freeze()


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    tasks: list[asyncio.Task[None]] = []
    _freeze_startup_heap()
    if settings.workers_enabled:
        tasks = [asyncio.create_task(worker(app)) for worker in WORKERS]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task
        await close_app(app)


async def close_app(app: FastAPI) -> None:
    """Release the app's pools and clients (the lifespan does it; tests call it directly)."""
    await app.state.token_verifier.aclose()
    await app.state.rate_limiter.aclose()
    await app.state.rate_limit_engine.dispose()
    if app.state.user_directory is not None:
        await app.state.user_directory.aclose()
    await app.state.engine.dispose()
    if app.state.own_tracer_provider is not None:
        # Flushes the last batch of spans to the exporter (blocking I/O).
        await asyncio.to_thread(app.state.own_tracer_provider.shutdown)


def _problem_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """The generated document, completed with the answers every operation can give."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            openapi_version=app.openapi_version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
            servers=app.servers,
            separate_input_output_schemas=app.separate_input_output_schemas,
        )
        complete_openapi(schema)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        components.setdefault(
            "Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        for name, definition in (
            Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            .get("$defs", {})
            .items()
        ):
            components.setdefault(name, definition)
        app.openapi_schema = schema
        return schema

    return openapi


def create_app(
    settings: Settings | None = None,
    *,
    tracer_provider: TracerProvider | None = None,
    **state: Any,
) -> FastAPI:
    """Build the API. ``state`` overrides ``app.state`` entries (tests inject clients);
    ``tracer_provider`` traces it whatever ``TRACING_ENABLED`` says (tests pass one)."""
    settings = settings or get_settings()
    # Read at start like every other setting, so a bad value refuses the start, not a stream.
    stream_settings = StreamSettings()
    app = FastAPI(
        title="Reservation platform API",
        version="1.0.0",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=_lifespan,
        # Traces come from our own instrumentation (kit/tracing.py, TRACING_ENABLED) with the
        # app's provider; FastAPI's native telemetry would look up the global OpenTelemetry
        # providers (environment reads) on every request only to find them unset.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    engine = create_engine(settings)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    app.state.token_verifier = TokenVerifier(
        settings.oidc_issuer,
        settings.oidc_audience,
        discovery_url=settings.oidc_discovery_url,
    )
    # One connection of its own, opened at the first sync: the limiter never waits for (or takes)
    # a connection of the request pool.
    app.state.rate_limit_engine = create_engine(
        settings, application_name="reservation-be-rate-limit", pool_size=1, max_overflow=0
    )
    app.state.rate_limiter = RateLimiter(
        create_sessionmaker(app.state.rate_limit_engine),
        window=settings.rate_limit_window,
        sync_interval=settings.rate_limit_sync_interval,
    )
    app.state.metrics = Metrics(CollectorRegistry())
    app.state.user_directory = None  # built on first use (members.directory)
    app.state.events_stream_settings = stream_settings
    # Shared by the booking lane and the routes that book slots (reservations/turns.py).
    app.state.booking_turns = BookingTurns(
        concurrency=settings.booking_turns, wait=settings.booking_wait.total_seconds()
    )
    app.state.own_tracer_provider = (
        create_tracer_provider("reservation-be")
        if tracer_provider is None and settings.tracing_enabled
        else None
    )
    # None: tracing off (the default). The workers' relay traces with it too.
    tracer_provider = tracer_provider or app.state.own_tracer_provider
    app.state.tracer_provider = tracer_provider
    for key, value in state.items():
        setattr(app.state, key, value)

    install_error_handlers(app)
    app.openapi = _problem_openapi(app)  # type: ignore[method-assign]
    app.include_router(health.router)
    app.include_router(build_api_router())

    # Innermost: the booking request skips the router (reservations/fast_lane.py).
    app.add_middleware(BookingFastLane, turns=app.state.booking_turns)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["ETag", "Location", "X-Request-Id", "Idempotent-Replayed"],
        )
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)

    if settings.frontend_dist is not None:
        # The app calls the API on this origin (its config.js says so in dev mode).
        app.add_middleware(
            FrontendSecurityHeaders,
            policy=content_security_policy(api_url="/api/v1", issuer=settings.oidc_issuer),
        )
        # Low-priority routes: the API wins; unknown client-side routes get index.html.
        app.frontend("/", directory=settings.frontend_dist, fallback="index.html", check_dir=True)
    if tracer_provider is not None:
        # Imported here: with tracing off the instrumentation is never loaded.
        from reservation_be.kit.tracing import instrument

        instrument(app, engine, tracer_provider)
    return app

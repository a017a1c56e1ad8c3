"""Tracing of the API (``TRACING_ENABLED``): a server span per request, a span per SQL statement
inside it, and the request's trace context stored with the outbox rows it writes.

The shared setup (provider, exporter, carriers) is ``reservation_common.tracing``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import NoOpMeter
from opentelemetry.trace import Span, Tracer, TracerProvider
from sqlalchemy.ext.asyncio import AsyncEngine

from reservation_be.kit import driver

__all__ = ["EXCLUDED_URLS", "instrument"]

# Probes and scrapes would be most of the spans and tell nothing.
EXCLUDED_URLS = "/healthz,/readyz,/metrics"


def instrument(app: FastAPI, engine: AsyncEngine, provider: TracerProvider) -> None:
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls=EXCLUDED_URLS,
        # One span per request, not one per ASGI message.
        exclude_spans=["receive", "send"],
    )
    sql_tracer = _ChildSpansOnly(provider.get_tracer("opentelemetry.instrumentation.sqlalchemy"))
    EngineTracer(  # type: ignore[no-untyped-call]
        sql_tracer,
        engine.sync_engine,
        NoOpMeter("sqlalchemy").create_up_down_counter("db.client.connections.usage"),
    )
    # The statements the hot paths send through asyncpg directly (kit/driver.py).
    driver.trace_statements(engine.sync_engine, sql_tracer)


class _ChildSpansOnly(Tracer):
    """SQL spans inside a traced request; the workers' polling queries start no trace."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

    def start_span(
        self, name: str, context: Context | None = None, *args: Any, **kwargs: Any
    ) -> Span:
        if not trace.get_current_span(context).get_span_context().is_valid:
            return trace.INVALID_SPAN
        return self._tracer.start_span(name, context, *args, **kwargs)

    def start_as_current_span(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError("the SQL instrumentation only calls start_span")

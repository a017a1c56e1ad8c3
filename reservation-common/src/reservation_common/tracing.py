"""OpenTelemetry tracing shared by the services: off unless a service turns it on.

One booking is one trace. The W3C trace context (``traceparent``, ``tracestate``) travels with
the event it belongs to::

    API request span ──(outbox row: trace_context)──> relay "publish" span
        ──(AMQP message headers)──> processor "process" span
        ──(delivery row: trace_context)──> "deliver" span ──> webhook POST ``traceparent``

Each hop stores or sends a *carrier*, the propagator's text map (``{"traceparent": ...}``).
A service with tracing off has no tracer provider: it starts no span, captures nothing
(``current_carrier()`` finds no span and returns ``None``) and sends no trace header.

The exporter is OTLP over HTTP, configured by the standard variables
(``OTEL_EXPORTER_OTLP_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``, ``..._HEADERS``,
``..._TIMEOUT``); sampling by ``OTEL_TRACES_SAMPLER`` / ``OTEL_TRACES_SAMPLER_ARG``;
``OTEL_SERVICE_NAME`` replaces the service's own name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from opentelemetry import propagate, trace
from opentelemetry.context import Context

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

__all__ = [
    "Carrier",
    "context_from",
    "create_tracer_provider",
    "current_carrier",
    "inject_carrier",
]

Carrier = dict[str, str]


def create_tracer_provider(
    service_name: str, *, exporter: SpanExporter | None = None
) -> TracerProvider:
    """A tracer provider for one service, exporting by OTLP/HTTP in batches.

    ``exporter`` replaces OTLP and exports each span as it ends (tests pass the in-memory
    exporter). The provider is not made global: each service hands it to what it traces, so a
    process may hold a traced and an untraced service side by side. Call ``shutdown()`` at exit
    to flush the last spans.
    """
    # Imported here: a service with tracing off never loads the SDK or the exporter.
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: service_name}
    provider = TracerProvider(resource=Resource.create(attributes))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def current_carrier() -> Carrier | None:
    """The trace context of the current span, to store with what it caused; ``None`` without
    a span (tracing off, or no traced caller), at the cost of one context-variable read."""
    if not trace.get_current_span().get_span_context().is_valid:
        return None
    return inject_carrier()


def inject_carrier(context: Context | None = None) -> Carrier:
    """The propagator's headers for ``context`` (the current one by default)."""
    carrier: Carrier = {}
    propagate.inject(carrier, context=context)
    return carrier


def context_from(carrier: Mapping[str, object] | None) -> Context | None:
    """The parent context a stored carrier or received headers describe; ``None`` when they
    carry no valid trace context (the span then starts a trace of its own)."""
    if not carrier:
        return None
    text = {
        key.lower(): value.decode("latin-1") if isinstance(value, bytes) else value
        for key, value in carrier.items()
        if isinstance(value, str | bytes)
    }
    context = propagate.extract(text)
    if not trace.get_current_span(context).get_span_context().is_valid:
        return None
    return context
